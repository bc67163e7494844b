package libusb

import (
	"context"
	"fmt"

	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/uevent"
)

// Watch reports receivers as they are plugged in and pulled out, from the
// kernel's uevents for USB devices: libusb's own hot-plug needs a context
// that lives as long as the watch, which gousb does not offer. A receiver
// is reported plugged in when the kernel has bound the device (the "bind"
// uevent: its configuration is set and its interfaces exist), so that Open
// finds interface 2. Removals are reported for every receiver's node. The
// channel is closed when ctx ends or the socket fails.
func (Backend) Watch(ctx context.Context) (<-chan transport.Change, error) {
	out := make(chan transport.Change, 8)
	err := uevent.Listen(ctx, func(kv map[string]string) bool {
		c, ok := usbChange(kv)
		if !ok {
			return true
		}
		select {
		case out <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}, func() { close(out) })
	if err != nil {
		return nil, fmt.Errorf("libusb: watch: %w", err)
	}
	return out, nil
}

var _ transport.Watcher = Backend{}

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
	info := transport.Info{Backend: "libusb", Path: nodePath(bus, addr), VendorID: vid, ProductID: pid}
	switch kv["ACTION"] {
	case "bind":
		return transport.Change{Added: true, Info: info}, true
	case "remove":
		return transport.Change{Info: transport.Info{Backend: "libusb", Path: info.Path}}, true
	}
	return transport.Change{}, false
}
