package rig

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/hidraw"
)

// This file reads what the kernel made of an emulated receiver of any
// family, or of Bluetooth devices, without Helio's own transports: the
// HID devices and the drivers bound to them, their hidraw nodes, and the
// kernel's log.

// HIDDevice is a HID device as the kernel shows it under /sys/bus/hid.
type HIDDevice struct {
	Name            string // such as 0003:046D:C548.0001
	Bus             uint16 // 3 USB, 5 Bluetooth
	Vendor, Product uint16
	// Driver is the driver bound to it: hid-generic,
	// logitech-djreceiver, logitech-djdevice, logitech-hidpp-device; ""
	// for none.
	Driver string
	// HIDName, Phys and Uniq are its uevent's HID_NAME, HID_PHYS and
	// HID_UNIQ.
	HIDName, Phys, Uniq string
	// Parent is the HID device it hangs under (a receiver's, for a
	// device the receiver's driver created), "" for none.
	Parent string
	// Hidraw are its hidraw nodes' names (hidraw3).
	Hidraw []string
}

var hidName = regexp.MustCompile(`^([0-9A-F]{4}):([0-9A-F]{4}):([0-9A-F]{4})\.[0-9A-F]{4}$`)

// HIDDevices lists the kernel's HID devices.
func HIDDevices() []HIDDevice {
	ents, _ := os.ReadDir("/sys/bus/hid/devices")
	var out []HIDDevice
	for _, e := range ents {
		m := hidName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		dir := filepath.Join("/sys/bus/hid/devices", e.Name())
		d := HIDDevice{Name: e.Name()}
		for i, p := range []*uint16{&d.Bus, &d.Vendor, &d.Product} {
			v, _ := strconv.ParseUint(m[i+1], 16, 16)
			*p = uint16(v)
		}
		if target, err := os.Readlink(filepath.Join(dir, "driver")); err == nil {
			d.Driver = filepath.Base(target)
		}
		ue, _ := hidraw.ReadSysfs(filepath.Join(dir, "uevent"))
		for _, line := range strings.Split(string(ue), "\n") {
			k, v, _ := strings.Cut(line, "=")
			switch k {
			case "HID_NAME":
				d.HIDName = v
			case "HID_PHYS":
				d.Phys = v
			case "HID_UNIQ":
				d.Uniq = v
			}
		}
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			if up := filepath.Base(filepath.Dir(real)); hidName.MatchString(up) {
				d.Parent = up
			}
		}
		nodes, _ := os.ReadDir(filepath.Join(dir, "hidraw"))
		for _, n := range nodes {
			d.Hidraw = append(d.Hidraw, n.Name())
		}
		out = append(out, d)
	}
	return out
}

// logitech lists the kernel's HID devices of vendor 046D that hang under
// no other: a receiver's interfaces, a Bluetooth device.
func logitech() []HIDDevice {
	var out []HIDDevice
	for _, d := range HIDDevices() {
		if d.Vendor == 0x046D && d.Parent == "" {
			out = append(out, d)
		}
	}
	return out
}

// PlugFamily plugs the receiver, or the Bluetooth devices, of profile p
// into the kernel through /dev/uhid and waits until the kernel has bound a
// driver to each of their HID devices: a receiver's interfaces (on its own
// USB port), or each connected Bluetooth device. Unlike [Plug] it waits
// for no hidraw node Helio finds and no power supply, which not every
// family has. They are unplugged when the test ends, and the test waits
// for their HID devices to go.
func PlugFamily(t testing.TB, opts *PlugOpts, p *emulator.Profile) *Plugged {
	t.Helper()
	pl := PlugFamilies(t, opts, p)
	Metric(familyOf(pl.Emus[0])+"_bound_after_plug_ms", time.Since(pl.At).Milliseconds())
	return pl
}

// PlugFamilies is [PlugFamily] for several profiles at once, of any
// families: one receiver per profile, each on a USB port of its own
// (usb-0000:00:14.0-2, then -3, ...), and the Bluetooth devices of each
// Bluetooth profile.
func PlugFamilies(t testing.TB, opts *PlugOpts, profiles ...*emulator.Profile) *Plugged {
	t.Helper()
	if opts == nil {
		opts = &PlugOpts{}
	}
	WaitFor(t, 10*time.Second, "no Logitech HID device before plugging", NoLogitech)
	pl := &Plugged{At: time.Now()}
	t.Cleanup(func() {
		for i, u := range pl.UHIDs {
			u.Unplug()
			pl.Emus[i].Close()
		}
		WaitFor(t, 10*time.Second, "the HID devices to go", NoLogitech)
	})
	want := 0
	for i, p := range profiles {
		emu := emulator.New(p, nil)
		u := emulator.NewUHID(emu, emulator.UHIDOpts{Phys: fmt.Sprintf("usb-0000:00:14.0-%d", i+2), Logger: opts.Logger})
		pl.Emus = append(pl.Emus, emu)
		pl.UHIDs = append(pl.UHIDs, u)
		if err := u.Plug(); err != nil {
			t.Fatal(err)
		}
		want += TopDevices(emu)
	}
	waitBound(t, want, func(d HIDDevice) bool {
		// 6.1's hid-logitech-dj takes a Unifying receiver's HID++
		// interface and leaves its other two without a driver.
		for _, emu := range pl.Emus {
			if !emu.Bluetooth() && emu.Family() == transport.FamilyUnifying && d.Product == emu.PID() &&
				!strings.HasSuffix(d.Phys, fmt.Sprintf("/input%d", emu.Layout().HIDPP)) {
				return false
			}
		}
		return true
	})
	return pl
}

// TopDevices is how many HID devices emu shows the kernel that hang under
// no other: a receiver's interfaces, or its Bluetooth devices connected
// now.
func TopDevices(emu *emulator.Receiver) int {
	if emu.Bluetooth() {
		return len(emu.BluetoothLayouts())
	}
	return len(emu.Layout().Interfaces)
}

// WaitBound waits until n Logitech HID devices hang under no other (a
// receiver's interfaces, Bluetooth devices), each with a driver bound, and
// returns them; it fails the test with the kernel's last messages after 20
// s.
func WaitBound(t testing.TB, n int) []HIDDevice {
	t.Helper()
	return waitBound(t, n, func(HIDDevice) bool { return true })
}

// waitBound is [WaitBound] where only the devices bind says must have a
// driver.
func waitBound(t testing.TB, n int, bind func(HIDDevice) bool) []HIDDevice {
	t.Helper()
	var ds []HIDDevice
	waitKernel(t, 20*time.Second, fmt.Sprintf("%d HID devices with their drivers", n), func() bool {
		ds = logitech()
		for _, d := range ds {
			if d.Driver == "" && bind(d) {
				return false
			}
		}
		return len(ds) == n
	})
	return ds
}

// NoLogitech reports whether no Logitech HID device is left but those hanging
// under another.
func NoLogitech() bool { return len(logitech()) == 0 }

// familyOf names what emu emulates, for metrics: its family, or
// "bluetooth".
func familyOf(emu *emulator.Receiver) string {
	if emu.Bluetooth() {
		return "bluetooth"
	}
	return strings.ToLower(string(emu.Family()))
}

// Children lists the HID devices that hang under another: the devices a
// receiver's driver made for its paired devices.
func Children() []HIDDevice {
	var out []HIDDevice
	for _, d := range HIDDevices() {
		if d.Parent != "" {
			out = append(out, d)
		}
	}
	return out
}

// Dmesg is the kernel's log since the machine started, one line a
// message, with the timestamps dmesg adds.
func Dmesg(t testing.TB) []string {
	t.Helper()
	out, err := exec.Command("dmesg").Output()
	if err != nil {
		t.Fatalf("dmesg: %v", err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}
