// Package uevent reads the Linux kernel's uevents: the messages the kernel
// sends on a netlink socket when a device is added, bound, changed or
// removed. The transports learn from them that receivers come and go
// (hidraw nodes, USB devices) and what the kernel's drivers say of the
// devices paired to them, with no polling and no udev.
package uevent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Overflow is the value of the key "ERROR" in the one message Stream makes
// up: the kernel dropped messages because the socket's buffer was full,
// so whatever they said is unknown.
const Overflow = "overflow"

// Stream reads the kernel's uevents (a NETLINK_KOBJECT_UEVENT socket) in a
// goroutine of its own, hands each, as its KEY=VALUE pairs (ACTION,
// DEVPATH, SUBSYSTEM, ...), to conv, and sends what conv makes of the ones
// it keeps on the channel it returns, which holds size values. Messages
// the kernel dropped for want of room are handed over as one with only
// ERROR=Overflow. The channel is closed when ctx ends or the socket fails.
func Stream[T any](ctx context.Context, size int, conv func(kv map[string]string) (T, bool)) (<-chan T, error) {
	out := make(chan T, size)
	err := listen(ctx, func(kv map[string]string) bool {
		v, ok := conv(kv)
		if !ok {
			return true
		}
		select {
		case out <- v:
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

// listen hands each uevent to handle until handle returns false, ctx ends
// or the socket fails; then it calls done.
func listen(ctx context.Context, handle func(kv map[string]string) bool, done func()) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return fmt.Errorf("uevent: socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1}); err != nil {
		unix.Close(fd)
		return fmt.Errorf("uevent: bind socket: %w", err)
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
				kv = map[string]string{"ERROR": Overflow}
			case err != nil:
				return
			default:
				var ok bool
				if kv, ok = Parse(buf[:n]); !ok {
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

// Parse reads a kernel uevent, "ACTION@DEVPATH" then NUL-separated
// KEY=VALUE pairs. udev's own messages, which start with "libudev", are
// not the kernel's.
func Parse(b []byte) (map[string]string, bool) {
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
