package libusb

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/transport"
)

// The kernel's uevents for USB devices, as seen in the rig's VM: a
// receiver is plugged in when its device is bound, pulled out when it is
// removed; interfaces, other devices and Nano receivers are not this
// backend's.
func TestUSBChange(t *testing.T) {
	dev := func(action, product string) map[string]string {
		return map[string]string{"ACTION": action, "SUBSYSTEM": "usb", "DEVTYPE": "usb_device", "PRODUCT": product,
			"BUSNUM": "001", "DEVNUM": "004", "DEVPATH": "/devices/platform/dummy_hcd.0/usb1/1-1"}
	}
	intf := dev("bind", "46d/c52b/2411")
	intf["DEVTYPE"] = "usb_interface"
	bad := dev("bind", "46d/c52b/2411")
	bad["DEVNUM"] = "x"
	tests := []struct {
		name string
		kv   map[string]string
		want *transport.Change
	}{
		{"bound", dev("bind", "46d/c52b/2411"), &transport.Change{Added: true,
			Info: transport.Info{Backend: "libusb", Path: "/dev/bus/usb/001/004", VendorID: 0x046D, ProductID: 0xC52B, Bus: transport.BusUSB}}},
		{"removed", dev("remove", "46d/c52b/2411"), &transport.Change{Info: transport.Info{Backend: "libusb", Path: "/dev/bus/usb/001/004"}}},
		{"added, not yet bound", dev("add", "46d/c52b/2411"), nil},
		{"unbound", dev("unbind", "46d/c52b/2411"), nil},
		{"an interface", intf, nil},
		{"a Nano receiver", dev("bind", "46d/c534/2901"), nil},
		{"a mouse", dev("bind", "46d/c077/7200"), nil},
		{"another vendor", dev("bind", "1d6b/2/601"), nil},
		{"no product", dev("bind", ""), nil},
		{"no address", bad, nil},
	}
	for _, tt := range tests {
		c, ok := usbChange(tt.kv)
		if ok != (tt.want != nil) || (ok && c != *tt.want) {
			t.Errorf("%s: usbChange = %+v, %v; want %+v", tt.name, c, ok, tt.want)
		}
	}
}

// fakeUSBTree lays out /sys/bus/usb/devices for one device: its
// attributes, and its interfaces with the drivers named (a "driver" link)
// or none ("").
func fakeUSBTree(t *testing.T, name string, attrs map[string]string, drivers ...string) {
	t.Helper()
	dir := filepath.Join(sysUSB, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for k, v := range attrs {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, d := range drivers {
		intf := filepath.Join(sysUSB, name+":1."+string(rune('0'+i)))
		if err := os.MkdirAll(intf, 0o755); err != nil {
			t.Fatal(err)
		}
		if d != "" {
			if err := os.Symlink("../../../bus/usb/drivers/"+d, filepath.Join(intf, "driver")); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A receiver whose HID++ interface has no driver while its keyboard
// interface has one is what a killed Helio leaves; the fix names the
// interface.
func TestDetachedReceivers(t *testing.T) {
	receiver := func(pid string) map[string]string {
		return map[string]string{"idVendor": "046d", "idProduct": pid, "bConfigurationValue": "1", "busnum": "1", "devnum": "5"}
	}
	unconfigured := receiver("c52b")
	unconfigured["bConfigurationValue"] = ""
	tests := []struct {
		name    string
		attrs   map[string]string
		drivers []string
		want    string // the detached interface, "" for none
	}{
		{"left by a killed Helio", receiver("c52b"), []string{"usbhid", "usbhid", ""}, "1-1:1.2"},
		{"Bolt", receiver("c548"), []string{"usbhid", "usbhid", ""}, "1-1:1.2"},
		{"bound", receiver("c52b"), []string{"usbhid", "usbhid", "usbhid"}, ""},
		{"held by a running Helio", receiver("c52b"), []string{"usbhid", "usbhid", "usbfs"}, ""},
		{"no usbhid at all", receiver("c52b"), []string{"", "", ""}, ""},
		{"a Nano receiver", receiver("c534"), []string{"usbhid", ""}, ""},
		{"not configured", unconfigured, []string{"usbhid", "usbhid", ""}, ""},
		{"not a receiver", map[string]string{"idVendor": "046d", "idProduct": "c077", "bConfigurationValue": "1", "busnum": "1", "devnum": "5"},
			[]string{"usbhid", "usbhid", ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := sysUSB
			sysUSB = t.TempDir()
			t.Cleanup(func() { sysUSB = old })
			fakeUSBTree(t, "usb1", map[string]string{"idVendor": "1d6b", "idProduct": "0002"}, "hub")
			fakeUSBTree(t, "1-1", tt.attrs, tt.drivers...)
			ds, err := DetachedReceivers()
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(ds) != 0 {
					t.Errorf("detached: %+v, want none", ds)
				}
				return
			}
			if len(ds) != 1 || ds[0].Interface != tt.want || ds[0].Info.Path != "/dev/bus/usb/001/005" {
				t.Fatalf("detached: %+v, want %s on /dev/bus/usb/001/005", ds, tt.want)
			}
			fix := ds[0].Fix()
			for _, s := range []string{tt.want, "helio --backend libusb list", "echo " + tt.want + " > /sys/bus/usb/drivers_probe"} {
				if !strings.Contains(fix, s) {
					t.Errorf("Fix() = %q, does not say %q", fix, s)
				}
			}
		})
	}
	old := sysUSB
	sysUSB = filepath.Join(t.TempDir(), "none")
	defer func() { sysUSB = old }()
	if ds, err := DetachedReceivers(); err != nil || len(ds) != 0 {
		t.Errorf("without USB: %v, %v", ds, err)
	}
}

// A receiver bound is reported once the kernel has been quiet about it
// for settleQuiet, or settleMax after the bind; one removed before is
// reported removed only.
func TestSettler(t *testing.T) {
	const dev = "/devices/platform/dummy_hcd.0/usb1/1-1"
	bind := map[string]string{"ACTION": "bind", "SUBSYSTEM": "usb", "DEVTYPE": "usb_device", "PRODUCT": "46d/c52b/2411",
		"BUSNUM": "001", "DEVNUM": "004", "DEVPATH": dev}
	remove := maps.Clone(bind)
	remove["ACTION"] = "remove"
	under := func(path string) map[string]string {
		return map[string]string{"ACTION": "add", "SUBSYSTEM": "hid", "DEVPATH": path}
	}
	t0 := time.Unix(1000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	ms := time.Millisecond

	t.Run("quiet", func(t *testing.T) {
		var s settler
		if cs := s.event(bind, t0); len(cs) != 0 {
			t.Fatalf("reported at the bind: %+v", cs)
		}
		s.event(under(dev+"/1-1:1.2/0003:046D:C52B.0003/0003:046D:4082.0004"), at(300*ms))
		s.event(under("/devices/platform/dummy_hcd.0/usb1/1-10/x"), at(700*ms)) // another device
		if next, ok := s.next(); !ok || !next.Equal(at(800*ms)) {
			t.Errorf("next = %v, %v; want 800 ms after the bind", next, ok)
		}
		if cs := s.due(at(799 * ms)); len(cs) != 0 {
			t.Errorf("reported while the drivers probe: %+v", cs)
		}
		cs := s.due(at(800 * ms))
		if len(cs) != 1 || !cs[0].Added || cs[0].Info.Path != "/dev/bus/usb/001/004" {
			t.Errorf("due = %+v, want the receiver added", cs)
		}
		if _, ok := s.next(); ok {
			t.Error("still pending after reported")
		}
	})
	t.Run("never quiet", func(t *testing.T) {
		var s settler
		s.event(bind, t0)
		for d := 300 * ms; d < 6*time.Second; d += 300 * ms {
			s.event(under(dev+"/1-1:1.2/x"), at(d))
			if cs := s.due(at(d)); len(cs) != 0 {
				if d < settleMax {
					t.Errorf("reported %v after the bind", d)
				}
				return
			}
		}
		t.Error("never reported")
	})
	t.Run("removed first", func(t *testing.T) {
		var s settler
		s.event(bind, t0)
		cs := s.event(remove, at(100*ms))
		if len(cs) != 1 || cs[0].Added || cs[0].Info.Path != "/dev/bus/usb/001/004" {
			t.Errorf("remove = %+v", cs)
		}
		if cs := s.due(at(time.Minute)); len(cs) != 0 {
			t.Errorf("a removed receiver reported: %+v", cs)
		}
	})
}
