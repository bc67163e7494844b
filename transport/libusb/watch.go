package libusb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/uevent"
)

// A receiver is reported plugged in once the kernel has said nothing more
// of it (of its interfaces and what its drivers make under them) for
// settleQuiet, or settleMax after it was bound, whichever comes first.
// Right after a receiver is bound, hid-logitech-dj probes its paired
// devices; taking interface 2 meanwhile holds each of their requests up to
// its 5 s timeout, so a replugged receiver would be read again only after
// those timeouts, one per device (test/vm's TestUSB_LibusbUnplug).
const (
	settleQuiet = 500 * time.Millisecond
	settleMax   = 5 * time.Second
)

// Watch reports receivers as they are plugged in and pulled out, from the
// kernel's uevents for USB devices: libusb's own hot-plug needs a context
// that lives as long as the watch, which gousb does not offer. A receiver
// is reported plugged in after the kernel has bound the device (the "bind"
// uevent: its configuration is set and its interfaces exist) and its
// drivers have settled (settleQuiet). Removals are reported for every
// receiver's node. The channel is closed when ctx ends or the socket
// fails.
func (Backend) Watch(ctx context.Context) (<-chan transport.Change, error) {
	events, err := uevent.Stream(ctx, 64, func(kv map[string]string) (map[string]string, bool) { return kv, true })
	if err != nil {
		return nil, fmt.Errorf("libusb: watch: %w", err)
	}
	out := make(chan transport.Change, 8)
	go func() {
		defer close(out)
		var s settler
		timer := time.NewTimer(time.Hour)
		timer.Stop()
		send := func(cs []transport.Change) bool {
			for _, c := range cs {
				select {
				case out <- c:
				case <-ctx.Done():
					return false
				}
			}
			return true
		}
		for {
			var cs []transport.Change
			select {
			case kv, ok := <-events:
				if !ok {
					return
				}
				cs = s.event(kv, time.Now())
			case <-timer.C:
				cs = s.due(time.Now())
			case <-ctx.Done():
				return
			}
			if !send(cs) {
				return
			}
			timer.Stop()
			if next, ok := s.next(); ok {
				timer.Reset(time.Until(next))
			}
		}
	}()
	return out, nil
}

var _ transport.Watcher = Backend{}

// settler holds back the receivers bound but not yet settled.
type settler struct {
	pending []settling
}

type settling struct {
	devpath      string
	change       transport.Change
	quiet, limit time.Time // report when the first passes
}

// event takes one uevent at now and returns the changes to report at once.
func (s *settler) event(kv map[string]string, now time.Time) []transport.Change {
	c, ok := usbChange(kv)
	devpath := kv["DEVPATH"]
	switch {
	case ok && c.Added:
		s.drop(devpath)
		s.pending = append(s.pending, settling{devpath, c, now.Add(settleQuiet), now.Add(settleMax)})
		return nil
	case ok:
		s.drop(devpath)
		return []transport.Change{c}
	}
	for i, p := range s.pending {
		if strings.HasPrefix(devpath, p.devpath+"/") {
			s.pending[i].quiet = now.Add(settleQuiet)
		}
	}
	return nil
}

func (s *settler) drop(devpath string) {
	kept := s.pending[:0]
	for _, p := range s.pending {
		if p.devpath != devpath {
			kept = append(kept, p)
		}
	}
	s.pending = kept
}

// when is the time p is reported.
func (p settling) when() time.Time {
	if p.quiet.Before(p.limit) {
		return p.quiet
	}
	return p.limit
}

// due returns the receivers settled at now, and forgets them.
func (s *settler) due(now time.Time) []transport.Change {
	var out []transport.Change
	kept := s.pending[:0]
	for _, p := range s.pending {
		if !p.when().After(now) {
			out = append(out, p.change)
		} else {
			kept = append(kept, p)
		}
	}
	s.pending = kept
	return out
}

// next is the time the first pending receiver is due.
func (s *settler) next() (time.Time, bool) {
	var first time.Time
	for i, p := range s.pending {
		if i == 0 || p.when().Before(first) {
			first = p.when()
		}
	}
	return first, len(s.pending) > 0
}

// usbChange keeps the binding and removal of USB devices that are
// receivers with their HID++ interface on interface 2. A uevent of a USB
// device carries PRODUCT=vid/pid/bcdDevice (hex, no leading zeros),
// BUSNUM and DEVNUM.
func usbChange(kv map[string]string) (transport.Change, bool) {
	if kv["SUBSYSTEM"] != "usb" || kv["DEVTYPE"] != "usb_device" {
		return transport.Change{}, false
	}
	var vid, pid, rel uint16
	var bus, addr int
	if n, _ := fmt.Sscanf(kv["PRODUCT"], "%x/%x/%x", &vid, &pid, &rel); n != 3 {
		return transport.Change{}, false
	}
	if n, _ := fmt.Sscanf(kv["BUSNUM"]+" "+kv["DEVNUM"], "%d %d", &bus, &addr); n != 2 {
		return transport.Change{}, false
	}
	if !transport.IsReceiver(vid, pid) || transport.FamilyOf(pid) == transport.FamilyNano {
		return transport.Change{}, false
	}
	info := transport.Info{Backend: "libusb", Path: nodePath(bus, addr), VendorID: vid, ProductID: pid, Bus: transport.BusUSB}
	switch kv["ACTION"] {
	case "bind":
		return transport.Change{Added: true, Info: info}, true
	case "remove":
		return transport.Change{Info: transport.Info{Backend: "libusb", Path: info.Path}}, true
	}
	return transport.Change{}, false
}
