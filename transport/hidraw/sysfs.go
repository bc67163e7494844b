package hidraw

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// ReadSysfs reads a sysfs attribute with plain system calls. os.ReadFile
// registers the descriptor with Go's poller, because kernfs files accept
// epoll; an attribute that answers EAGAIN while its device is still
// registering then parks the goroutine forever. Here EAGAIN is retried a
// bounded number of times instead.
func ReadSysfs(path string) ([]byte, error) {
	fd, err := openRetry(path, unix.O_RDONLY|unix.O_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer unix.Close(fd)
	var out bytes.Buffer
	buf := make([]byte, 4096)
	again := 0
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN) && again < 50:
			again++
			time.Sleep(2 * time.Millisecond)
			continue
		case err != nil:
			return nil, fmt.Errorf("read %s: %w", path, err)
		case n == 0:
			return out.Bytes(), nil
		}
		out.Write(buf[:n])
	}
}

func openRetry(path string, flags int) (int, error) {
	for {
		fd, err := unix.Open(path, flags, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return fd, err
	}
}

// parseUevent reads KEY=VALUE lines.
func parseUevent(b []byte) map[string]string {
	m := map[string]string{}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		if k, v, ok := bytes.Cut(line, []byte{'='}); ok {
			m[string(k)] = string(v)
		}
	}
	return m
}

// parseHIDID reads HID_ID=0003:0000046D:0000C52B into bus, vendor, product.
func parseHIDID(s string) (bus uint16, vid, pid uint16, err error) {
	var b, v, p uint32
	if _, err := fmt.Sscanf(s, "%x:%x:%x", &b, &v, &p); err != nil {
		return 0, 0, 0, fmt.Errorf("bad HID_ID %q", s)
	}
	return uint16(b), uint16(v), uint16(p), nil
}
