package hidraw

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/uevent"
)

// fakeDJ builds sysfs as the rig's VM shows a C52B under hid-logitech-dj:
// the receiver's HID device with its hidraw node, and three paired
// devices below it, the first two with a power supply. It returns the
// receiver's Info.
func fakeDJ(t *testing.T, driver string) transport.Info {
	t.Helper()
	root := t.TempDir()
	recv := filepath.Join(root, "devices/virtual/misc/uhid/0003:046D:C52B.0003")
	write := func(path, content string) {
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, []byte(content), 0o644)
	}
	write(filepath.Join(recv, "uevent"), "DRIVER="+driver+"\nHID_ID=0003:0000046D:0000C52B\nHID_NAME=Logitech USB Receiver\nHID_PHYS=usb-0000:00:14.0-2/input2\n")
	write(filepath.Join(recv, "report_descriptor"), string(c52bInterface2))
	for i, child := range []string{"0003:046D:4082.0004", "0003:046D:4002.0005", "0003:046D:101B.0006"} {
		dir := filepath.Join(recv, child)
		write(filepath.Join(dir, "uevent"), "DRIVER=logitech-hidpp-device\nHID_PHYS=usb-0000:00:14.0-2/input2:"+string(rune('1'+i))+"\n")
		if i < 2 {
			os.MkdirAll(filepath.Join(dir, "power_supply", "hidpp_battery_"+string(rune('0'+i))), 0o755)
		}
	}
	class := filepath.Join(root, "class/hidraw/hidraw0")
	os.MkdirAll(class, 0o755)
	if err := os.Symlink(recv, filepath.Join(class, "device")); err != nil {
		t.Fatal(err)
	}
	oldClass, oldRoot := sysClass, sysRoot
	sysClass, sysRoot = filepath.Join(root, "class/hidraw"), root
	t.Cleanup(func() { sysClass, sysRoot = oldClass, oldRoot })
	return transport.Info{Backend: "hidraw", Path: "/dev/hidraw0", VendorID: 0x046D, ProductID: 0xC52B}
}

// TestCues_Driver: a receiver on hid-logitech-dj is cued, with its devices
// covered when they have a power supply; one on hid-generic is not cued.
func TestCues_Driver(t *testing.T) {
	info := fakeDJ(t, "logitech-djreceiver")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cues, err := Backend{}.Cues(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	for ix, want := range map[byte]bool{1: true, 2: true, 3: false, 4: false} {
		if got := cues.Covers(ix); got != want {
			t.Errorf("Covers(%d) = %v, want %v", ix, got, want)
		}
	}
	cancel()
	for range cues.C {
	}

	info = fakeDJ(t, "hid-generic")
	if _, err := (Backend{}).Cues(context.Background(), info); !errors.Is(err, transport.ErrNotCued) {
		t.Errorf("Cues on hid-generic: %v, want ErrNotCued", err)
	}
}

// fakeBT builds sysfs for an MX Master 3 on Bluetooth whose HID device
// driver binds, with a power supply right below it when supply is set.
func fakeBT(t *testing.T, driver string, supply bool) transport.Info {
	t.Helper()
	root := t.TempDir()
	dev := filepath.Join(root, "devices/virtual/misc/uhid/0005:046D:B023.0007")
	os.MkdirAll(dev, 0o755)
	os.WriteFile(filepath.Join(dev, "uevent"), []byte("DRIVER="+driver+"\nHID_ID=0005:0000046D:0000B023\nHID_UNIQ=d1:e2:f3:04:15:26\n"), 0o644)
	if supply {
		os.MkdirAll(filepath.Join(dev, "power_supply", "hidpp_battery_4"), 0o755)
	}
	class := filepath.Join(root, "class/hidraw/hidraw4")
	os.MkdirAll(class, 0o755)
	if err := os.Symlink(dev, filepath.Join(class, "device")); err != nil {
		t.Fatal(err)
	}
	oldClass, oldRoot := sysClass, sysRoot
	sysClass, sysRoot = filepath.Join(root, "class/hidraw"), root
	t.Cleanup(func() { sysClass, sysRoot = oldClass, oldRoot })
	return transport.Info{Backend: "hidraw", Path: "/dev/hidraw4", VendorID: 0x046D, ProductID: 0xB023, Bus: transport.BusBluetooth}
}

// TestCues_Bluetooth: a Bluetooth device hid-logitech-hidpp binds is cued
// by its own power supply, at index 0xFF; one hid-generic holds is not.
func TestCues_Bluetooth(t *testing.T) {
	info := fakeBT(t, "logitech-hidpp-device", true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cues, err := Backend{}.Cues(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	if !cues.Covers(transport.DirectIndex) || cues.Covers(1) {
		t.Errorf("Covers(0xFF) = %v, Covers(1) = %v; want true, false", cues.Covers(transport.DirectIndex), cues.Covers(1))
	}
	cancel()
	for range cues.C {
	}
	info = fakeBT(t, "logitech-hidpp-device", false)
	cues, err = Backend{}.Cues(context.Background(), info)
	if err != nil || cues.Covers(transport.DirectIndex) {
		t.Errorf("before its power supply: Cues = %v, Covers = %v; want cued, not covered", err, err == nil && cues.Covers(transport.DirectIndex))
	}
	info = fakeBT(t, "hid-generic", false)
	if _, err := (Backend{}).Cues(context.Background(), info); !errors.Is(err, transport.ErrNotCued) {
		t.Errorf("Cues on hid-generic: %v, want ErrNotCued", err)
	}

	dir, _ := filepath.EvalSymlinks(filepath.Join(sysClass, "hidraw4", "device"))
	tr := &cueTracker{dir: dir, devpath: strings.TrimPrefix(dir, sysRoot), slots: map[string]byte{}, direct: true}
	const dev = "/devices/virtual/misc/uhid/0005:046D:B023.0007"
	tests := []struct {
		kv   map[string]string
		want *transport.Cue
	}{
		{map[string]string{"ACTION": "add", "SUBSYSTEM": "power_supply", "DEVPATH": dev + "/power_supply/hidpp_battery_4"}, &transport.Cue{Index: 0xFF}},
		{map[string]string{"ACTION": "change", "SUBSYSTEM": "power_supply", "DEVPATH": dev + "/power_supply/hidpp_battery_4", "POWER_SUPPLY_CAPACITY": "100"}, &transport.Cue{Index: 0xFF}},
		{map[string]string{"ACTION": "add", "SUBSYSTEM": "hwmon", "DEVPATH": dev + "/power_supply/hidpp_battery_4/hwmon3"}, nil},
		{map[string]string{"ACTION": "add", "SUBSYSTEM": "input", "DEVPATH": dev + "/input/input9"}, nil},
		{map[string]string{"ACTION": "change", "SUBSYSTEM": "power_supply", "DEVPATH": "/devices/other/power_supply/BAT0"}, nil},
		{map[string]string{"ERROR": uevent.Overflow}, &transport.Cue{}},
	}
	for _, tt := range tests {
		c, ok := tr.cue(tt.kv)
		if ok != (tt.want != nil) || ok && c != *tt.want {
			t.Errorf("cue(%v) = %+v, %v; want %+v", tt.kv, c, ok, tt.want)
		}
	}
}

// TestCueTracker reads uevents recorded in the rig's VM (Debian's 6.1,
// the emulated C52B): what the kernel says when a battery changes, a
// device goes out of range and comes back, and the receiver is pulled out.
func TestCueTracker(t *testing.T) {
	fakeDJ(t, "logitech-djreceiver")
	dir, _ := filepath.EvalSymlinks(filepath.Join(sysClass, "hidraw0", "device"))
	tr := &cueTracker{dir: dir, devpath: strings.TrimPrefix(dir, sysRoot), slots: map[string]byte{}}
	const recv = "/devices/virtual/misc/uhid/0003:046D:C52B.0003"
	msg := func(s string) map[string]string {
		kv, ok := uevent.Parse([]byte(strings.ReplaceAll(s, "|", "\x00")))
		if !ok {
			t.Fatalf("not a uevent: %q", s)
		}
		return kv
	}
	tests := []struct {
		name string
		msg  string
		want *transport.Cue
	}{
		{"the MX Master's battery falls to 30 %",
			"change@" + recv + "/0003:046D:4082.0004/power_supply/hidpp_battery_0|ACTION=change|DEVPATH=" + recv + "/0003:046D:4082.0004/power_supply/hidpp_battery_0|SUBSYSTEM=power_supply|POWER_SUPPLY_NAME=hidpp_battery_0|POWER_SUPPLY_ONLINE=1|POWER_SUPPLY_STATUS=Discharging|POWER_SUPPLY_CAPACITY=30",
			&transport.Cue{Index: 1}},
		{"the M705 is bound (at the receiver's probe)",
			"bind@" + recv + "/0003:046D:101B.0006|ACTION=bind|DEVPATH=" + recv + "/0003:046D:101B.0006|SUBSYSTEM=hid|DRIVER=logitech-hidpp-device|HID_PHYS=usb-0000:00:14.0-2/input2:3|HID_UNIQ=70-5b-0a-1d",
			&transport.Cue{Index: 3}},
		{"the M705's power supply is added on its first connection",
			"add@" + recv + "/0003:046D:101B.0006/power_supply/hidpp_battery_2|ACTION=add|DEVPATH=" + recv + "/0003:046D:101B.0006/power_supply/hidpp_battery_2|SUBSYSTEM=power_supply",
			&transport.Cue{Index: 3}},
		{"its power supply's hwmon", "add@" + recv + "/0003:046D:101B.0006/power_supply/hidpp_battery_2/hwmon2|ACTION=add|DEVPATH=" + recv + "/0003:046D:101B.0006/power_supply/hidpp_battery_2/hwmon2|SUBSYSTEM=hwmon", nil},
		{"the K750 out of range",
			"change@" + recv + "/0003:046D:4002.0005/power_supply/hidpp_battery_1|ACTION=change|DEVPATH=" + recv + "/0003:046D:4002.0005/power_supply/hidpp_battery_1|SUBSYSTEM=power_supply|POWER_SUPPLY_ONLINE=0|POWER_SUPPLY_STATUS=Unknown",
			&transport.Cue{Index: 2}},
		{"a keyboard LED", "change@" + recv + "/0003:046D:4002.0005/input/input4/input4::numlock|ACTION=change|DEVPATH=" + recv + "/0003:046D:4002.0005/input/input4/input4::numlock|SUBSYSTEM=leds", nil},
		{"the receiver's own hidraw node", "remove@" + recv + "/hidraw/hidraw0|ACTION=remove|DEVPATH=" + recv + "/hidraw/hidraw0|SUBSYSTEM=hidraw|DEVNAME=hidraw0", nil},
		{"another receiver's device",
			"change@/devices/virtual/misc/uhid/0003:046D:C52B.0009/0003:046D:4082.000A/power_supply/hidpp_battery_5|ACTION=change|DEVPATH=/devices/virtual/misc/uhid/0003:046D:C52B.0009/0003:046D:4082.000A/power_supply/hidpp_battery_5|SUBSYSTEM=power_supply",
			nil},
		{"the MX Master's power supply goes (the receiver is pulled out)",
			"remove@" + recv + "/0003:046D:4082.0004/power_supply/hidpp_battery_0|ACTION=remove|DEVPATH=" + recv + "/0003:046D:4082.0004/power_supply/hidpp_battery_0|SUBSYSTEM=power_supply", nil},
		{"the MX Master is unbound", "unbind@" + recv + "/0003:046D:4082.0004|ACTION=unbind|DEVPATH=" + recv + "/0003:046D:4082.0004|SUBSYSTEM=hid|HID_PHYS=usb-0000:00:14.0-2/input2:1", nil},
		{"the MX Master is removed",
			"remove@" + recv + "/0003:046D:4082.0004|ACTION=remove|DEVPATH=" + recv + "/0003:046D:4082.0004|SUBSYSTEM=hid|HID_PHYS=usb-0000:00:14.0-2/input2:1|HID_UNIQ=1a-2b-3c-4d",
			&transport.Cue{Index: 1, Gone: true}},
		{"the receiver itself is removed", "remove@" + recv + "|ACTION=remove|DEVPATH=" + recv + "|SUBSYSTEM=hid|HID_PHYS=usb-0000:00:14.0-2/input2", nil},
	}
	for _, tt := range tests {
		c, ok := tr.cue(msg(tt.msg))
		switch {
		case tt.want == nil && ok:
			t.Errorf("%s: cue %+v, want none", tt.name, c)
		case tt.want != nil && (!ok || c != *tt.want):
			t.Errorf("%s: cue %+v (%v), want %+v", tt.name, c, ok, *tt.want)
		}
	}
	if c, ok := tr.cue(map[string]string{"ERROR": uevent.Overflow}); !ok || c != (transport.Cue{}) {
		t.Errorf("lost messages: cue %+v (%v), want one for every device", c, ok)
	}
}

func TestChildIndex(t *testing.T) {
	for phys, want := range map[string]int{
		"usb-0000:00:14.0-2/input2:1": 1, "usb-0000:00:14.0-2/input2:6": 6, "usb-0000:00:14.0-2/input2": -1,
		"usb-0000:00:14.0-2/input2:0": -1, "usb-0000:00:14.0-2/input2:300": -1, "": -1,
	} {
		ix, ok := childIndex(phys)
		got := -1
		if ok {
			got = int(ix)
		}
		if got != want {
			t.Errorf("childIndex(%q) = %d, want %d (-1: none)", phys, got, want)
		}
	}
}
