package hidraw

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/uevent"
)

// Watch reports receivers as they are plugged in and pulled out, from the
// kernel's uevents: no polling, no udev needed. It implements
// [transport.Watcher]. Removals are reported for every hidraw node; the
// caller knows which ones it had open. The channel is closed when ctx ends
// or the socket fails.
func (Backend) Watch(ctx context.Context) (<-chan transport.Change, error) {
	return uevent.Stream(ctx, 8, func(kv map[string]string) (transport.Change, bool) {
		c, ok := hidrawChange(kv)
		if !ok || !c.Added {
			return c, ok
		}
		c.Info, ok = probeSettled(filepath.Base(c.Info.Path))
		return c, ok
	})
}

// hidrawChange keeps the additions and removals of hidraw nodes.
func hidrawChange(kv map[string]string) (transport.Change, bool) {
	if kv["SUBSYSTEM"] != "hidraw" || !strings.HasPrefix(kv["DEVNAME"], "hidraw") {
		return transport.Change{}, false
	}
	path := filepath.Join(devDir, filepath.Base(kv["DEVNAME"]))
	switch kv["ACTION"] {
	case "add":
		return transport.Change{Added: true, Info: transport.Info{Backend: "hidraw", Path: path}}, true
	case "remove":
		return transport.Change{Info: transport.Info{Backend: "hidraw", Path: path}}, true
	}
	return transport.Change{}, false
}

// probeSettled probes a node that was just added: its sysfs attributes may
// lag the uevent by a moment.
func probeSettled(node string) (transport.Info, bool) {
	for i := 0; i < 20; i++ {
		if info, err := probe(node); err == nil {
			return info, true
		}
		if _, err := os.Stat(filepath.Join(sysClass, node)); errors.Is(err, os.ErrNotExist) && i > 0 {
			return transport.Info{}, false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return transport.Info{}, false
}

var _ transport.Watcher = Backend{}
