package hidraw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/helio-linux/helio/transport"
)

// Watch reports receivers as they are plugged in and pulled out, from the
// kernel's uevents (a NETLINK_KOBJECT_UEVENT socket): no polling, no udev
// needed. It implements [transport.Watcher]. Removals are reported for every hidraw node; the caller knows
// which ones it had open. The channel is closed when ctx ends or the socket
// fails.
func (Backend) Watch(ctx context.Context) (<-chan transport.Change, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return nil, fmt.Errorf("hidraw: uevent socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("hidraw: bind uevent socket: %w", err)
	}
	f := os.NewFile(uintptr(fd), "uevent")
	out := make(chan transport.Change, 8)
	go func() {
		<-ctx.Done()
		f.Close()
	}()
	go func() {
		defer close(out)
		buf := make([]byte, 16<<10)
		for {
			n, err := f.Read(buf)
			if err != nil {
				return
			}
			c, ok := parseUeventMessage(buf[:n])
			if !ok {
				continue
			}
			if c.Added {
				info, found := probeSettled(filepath.Base(c.Info.Path))
				if !found {
					continue
				}
				c.Info = info
			}
			select {
			case out <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// parseUeventMessage reads a kernel uevent, "ACTION@DEVPATH" then
// NUL-separated KEY=VALUE pairs, and keeps hidraw additions and removals.
func parseUeventMessage(b []byte) (transport.Change, bool) {
	fields := bytes.Split(b, []byte{0})
	if len(fields) < 2 || !bytes.Contains(fields[0], []byte{'@'}) {
		return transport.Change{}, false // udev's own messages start with "libudev"
	}
	kv := map[string]string{}
	for _, f := range fields[1:] {
		if k, v, ok := bytes.Cut(f, []byte{'='}); ok {
			kv[string(k)] = string(v)
		}
	}
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
		if info, ok := probe(node); ok {
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
