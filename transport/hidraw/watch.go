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
// kernel's uevents: no polling, no udev needed. It implements
// [transport.Watcher]. Removals are reported for every hidraw node; the
// caller knows which ones it had open. The channel is closed when ctx ends
// or the socket fails.
func (Backend) Watch(ctx context.Context) (<-chan transport.Change, error) {
	out := make(chan transport.Change, 8)
	err := listenUevents(ctx, func(kv map[string]string) bool {
		c, ok := hidrawChange(kv)
		if !ok {
			return true
		}
		if c.Added {
			info, found := probeSettled(filepath.Base(c.Info.Path))
			if !found {
				return true
			}
			c.Info = info
		}
		select {
		case out <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}, func() { close(out) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// errOverflow is what listenUevents hands its callback, as the key
// "ERROR", when the kernel dropped messages because the socket's buffer
// was full.
const errOverflow = "overflow"

// listenUevents reads the kernel's uevents (a NETLINK_KOBJECT_UEVENT
// socket) in a goroutine of its own and hands each, as its KEY=VALUE
// pairs, to handle until handle returns false, ctx ends or the socket
// fails; then it calls done. Messages the kernel dropped for want of room
// are said by a call with only ERROR=overflow.
func listenUevents(ctx context.Context, handle func(kv map[string]string) bool, done func()) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return fmt.Errorf("hidraw: uevent socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1}); err != nil {
		unix.Close(fd)
		return fmt.Errorf("hidraw: bind uevent socket: %w", err)
	}
	f := os.NewFile(uintptr(fd), "uevent")
	stop := context.AfterFunc(ctx, func() { f.Close() })
	go func() {
		defer done()
		defer stop()
		defer f.Close()
		buf := make([]byte, 16<<10)
		for {
			n, err := f.Read(buf)
			var kv map[string]string
			switch {
			case errors.Is(err, unix.ENOBUFS):
				kv = map[string]string{"ERROR": errOverflow}
			case err != nil:
				return
			default:
				var ok bool
				if kv, ok = splitUevent(buf[:n]); !ok {
					continue
				}
			}
			if !handle(kv) {
				return
			}
		}
	}()
	return nil
}

// splitUevent reads a kernel uevent, "ACTION@DEVPATH" then NUL-separated
// KEY=VALUE pairs. udev's own messages, which start with "libudev", are
// not the kernel's.
func splitUevent(b []byte) (map[string]string, bool) {
	fields := bytes.Split(b, []byte{0})
	if len(fields) < 2 || !bytes.Contains(fields[0], []byte{'@'}) {
		return nil, false
	}
	kv := map[string]string{}
	for _, f := range fields[1:] {
		if k, v, ok := bytes.Cut(f, []byte{'='}); ok {
			kv[string(k)] = string(v)
		}
	}
	return kv, true
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
