package hidraw

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/uevent"
)

// sysRoot is where sysfs is mounted: uevents name devices by their path
// below it. A variable so tests can point it at a fake tree.
var sysRoot = "/sys"

// djDriver is the kernel driver that runs a receiver in DJ mode, creating
// one HID device per paired device, on which hid-logitech-hidpp binds and
// registers a power supply.
const djDriver = "logitech-djreceiver"

// hidppDriver is hid-logitech-hidpp's driver: on a Bluetooth device it
// binds the device's own HID device, and registers the power supply right
// below it.
const hidppDriver = "logitech-hidpp-device"

// hidDevice is the name of a HID device's directory in sysfs,
// BUS:VENDOR:PRODUCT.INSTANCE.
var hidDevice = regexp.MustCompile(`^[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{4}\.[0-9A-F]{4,}$`)

// Cues implements [transport.Cuer] for receivers that hid-logitech-dj
// drives. The kernel then creates a HID device per paired device below the
// receiver's (HID_PHYS = the receiver's + ":<index>"), hid-logitech-hidpp
// handles the device's battery, connection and solar reports, and every
// change of the power supply it registers is a uevent: that uevent is the
// cue. Receivers on another driver (hid-generic, as a Bolt receiver is on
// Debian 12's 6.1) get [transport.ErrNotCued].
//
// A Bluetooth device's own node ([transport.Info.Direct]) is cued where
// hid-logitech-hidpp binds it (Debian 12's 6.1 binds a short list of
// product ids, such as the MX Master 3's b023): its power supply sits
// right below the device's HID device, and every change of it is a cue
// for index 0xFF. A device hid-generic holds gets [transport.ErrNotCued].
//
// A light-button press on a K750 is a cue only when the kernel's figure
// changes with it (the charge, or the charging state it derives from the
// light); the kernel exports no lux.
func (Backend) Cues(ctx context.Context, info transport.Info) (*transport.Cues, error) {
	dir, err := filepath.EvalSymlinks(filepath.Join(sysClass, filepath.Base(info.Path), "device"))
	if err != nil {
		return nil, fmt.Errorf("hidraw: %s: %w", info.Path, err)
	}
	ue, err := ReadSysfs(filepath.Join(dir, "uevent"))
	if err != nil {
		return nil, err
	}
	want := djDriver
	if info.Direct() {
		want = hidppDriver
	}
	if driver := parseUevent(ue)["DRIVER"]; driver != want {
		return nil, fmt.Errorf("hidraw: %s is driven by %q: %w", info.Path, driver, transport.ErrNotCued)
	}
	tr := &cueTracker{dir: dir, devpath: strings.TrimPrefix(dir, sysRoot), slots: map[string]byte{}, direct: info.Direct()}
	out, err := uevent.Stream(ctx, 16, tr.cue)
	if err != nil {
		return nil, err
	}
	return transport.NewCues(out, tr.covers), nil
}

// cueTracker turns the uevents of one receiver's paired devices into cues,
// or those of a Bluetooth device's own power supply.
type cueTracker struct {
	dir     string          // the receiver's (or the device's) HID device in sysfs
	devpath string          // the same, as uevents name it
	slots   map[string]byte // a paired device's directory name → its index
	direct  bool            // dir is a device's own: its power supply is right below
}

// cue reads one uevent: the addition, binding or removal of a paired
// device's HID device, or the addition or change of its power supply.
// The rest (the receiver's own nodes, input devices, LEDs, a power
// supply's hwmon) is no cue.
func (t *cueTracker) cue(kv map[string]string) (transport.Cue, bool) {
	if kv["ERROR"] == uevent.Overflow {
		return transport.Cue{}, true
	}
	rel, ok := strings.CutPrefix(kv["DEVPATH"], t.devpath+"/")
	if !ok {
		return transport.Cue{}, false
	}
	if t.direct {
		// hid-logitech-hidpp's power supply, right below the device.
		if kv["SUBSYSTEM"] == "power_supply" && strings.Count(rel, "/") == 1 &&
			(kv["ACTION"] == "add" || kv["ACTION"] == "change") {
			return transport.Cue{Index: transport.DirectIndex}, true
		}
		return transport.Cue{}, false
	}
	child, rest, _ := strings.Cut(rel, "/")
	if !hidDevice.MatchString(child) {
		return transport.Cue{}, false
	}
	action := kv["ACTION"]
	switch {
	case rest == "" && kv["SUBSYSTEM"] == "hid":
		ix, ok := childIndex(kv["HID_PHYS"])
		if !ok {
			ix, ok = t.slots[child]
		}
		if !ok {
			return transport.Cue{}, false
		}
		switch action {
		case "add", "bind":
			t.slots[child] = ix
			return transport.Cue{Index: ix}, true
		case "remove":
			delete(t.slots, child)
			return transport.Cue{Index: ix, Gone: true}, true
		}
	case kv["SUBSYSTEM"] == "power_supply" && strings.Count(rest, "/") == 1 && (action == "add" || action == "change"):
		ix, ok := t.slots[child]
		if !ok {
			ix, ok = t.indexOf(child)
		}
		if ok {
			t.slots[child] = ix
			return transport.Cue{Index: ix}, true
		}
	}
	return transport.Cue{}, false
}

// indexOf reads a paired device's index from its uevent file.
func (t *cueTracker) indexOf(child string) (byte, bool) {
	ue, err := ReadSysfs(filepath.Join(t.dir, child, "uevent"))
	if err != nil {
		return 0, false
	}
	return childIndex(parseUevent(ue)["HID_PHYS"])
}

// covers reports whether a power supply watches device index now.
func (t *cueTracker) covers(index byte) bool {
	if t.direct {
		supplies, err := os.ReadDir(filepath.Join(t.dir, "power_supply"))
		return index == transport.DirectIndex && err == nil && len(supplies) > 0
	}
	ents, err := os.ReadDir(t.dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !hidDevice.MatchString(e.Name()) {
			continue
		}
		if ix, ok := t.indexOf(e.Name()); !ok || ix != index {
			continue
		}
		supplies, err := os.ReadDir(filepath.Join(t.dir, e.Name(), "power_supply"))
		return err == nil && len(supplies) > 0
	}
	return false
}

// childIndex is the index a paired device's HID_PHYS ends with.
func childIndex(phys string) (byte, bool) {
	if !IsChildPhys(phys) {
		return 0, false
	}
	n, err := strconv.ParseUint(phys[strings.LastIndexByte(phys, ':')+1:], 10, 8)
	if err != nil || n < 1 || n > 15 {
		return 0, false
	}
	return byte(n), true
}

var _ transport.Cuer = Backend{}
