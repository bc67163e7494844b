package hidraw

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/uevent"
)

// c52bInterface2 is the real C52B's HID++ interface descriptor (93 bytes,
// usbhid-dump of bcdDevice 12.11).
var c52bInterface2 = []byte{
	0x06, 0x00, 0xFF, 0x09, 0x01, 0xA1, 0x01, 0x85, 0x10, 0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x09, 0x01, 0x81, 0x00, 0x09, 0x01, 0x91, 0x00, 0xC0,
	0x06, 0x00, 0xFF, 0x09, 0x02, 0xA1, 0x01, 0x85, 0x11, 0x95, 0x13, 0x75, 0x08, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x09, 0x02, 0x81, 0x00, 0x09, 0x02, 0x91, 0x00, 0xC0,
	0x06, 0x00, 0xFF, 0x09, 0x04, 0xA1, 0x01, 0x85, 0x20, 0x95, 0x0E, 0x75, 0x08, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x09, 0x41, 0x81, 0x00, 0x09, 0x41, 0x91, 0x00,
	0x85, 0x21, 0x95, 0x1F, 0x09, 0x42, 0x81, 0x00, 0x09, 0x42, 0x91, 0x00, 0xC0,
}

// bleHIDPP is the HID++ collection of a Bluetooth LE Logitech device:
// vendor page 0xFF43, usage 0x0202, long report 0x11 only, input and
// output (docs/devices.md §5).
var bleHIDPP = []byte{
	0x06, 0x43, 0xFF, 0x0A, 0x02, 0x02, 0xA1, 0x01, 0x85, 0x11, 0x75, 0x08, 0x95, 0x13, 0x15, 0x00, 0x26, 0xFF, 0x00,
	0x09, 0x02, 0x81, 0x00, 0x09, 0x02, 0x91, 0x00, 0xC0,
}

// shortInputOnly declares report 0x10 as an input but not an output:
// nothing can be sent short through it.
var shortInputOnly = []byte{
	0x06, 0x00, 0xFF, 0x09, 0x01, 0xA1, 0x01, 0x85, 0x10, 0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x09, 0x01, 0x81, 0x00, 0xC0,
	0x06, 0x00, 0xFF, 0x09, 0x02, 0xA1, 0x01, 0x85, 0x11, 0x95, 0x13, 0x75, 0x08, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x09, 0x02, 0x81, 0x00, 0x09, 0x02, 0x91, 0x00, 0xC0,
}

// bootKeyboard is interface 0 of the receiver: no report IDs, not HID++.
var bootKeyboard = []byte{
	0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7, 0x15, 0x00, 0x25, 0x01,
	0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0x95, 0x01, 0x75, 0x08, 0x81, 0x01, 0xC0,
}

func TestReportSizes(t *testing.T) {
	if len(c52bInterface2) != 93 {
		t.Fatalf("descriptor is %d bytes, want 93", len(c52bInterface2))
	}
	got, out := ReportSizes(c52bInterface2)
	want := map[byte]int{0x10: 6, 0x11: 19, 0x20: 14, 0x21: 31}
	for id, n := range want {
		if got[id] != n {
			t.Errorf("report 0x%02X: %d bytes, want %d", id, got[id], n)
		}
	}
	if ok, _ := HIDPPReports(c52bInterface2); !ok {
		t.Error("the C52B HID++ interface is not recognised")
	}
	if ok, _ := HIDPPReports(bootKeyboard); ok {
		t.Error("a boot keyboard is taken for HID++")
	}
	for id, n := range map[byte]int{0x10: 6, 0x11: 19, 0x20: 14, 0x21: 31} {
		if out[id] != n {
			t.Errorf("output report 0x%02X: %d bytes, want %d", id, out[id], n)
		}
	}
	// Truncated and garbage descriptors must not panic.
	for i := range c52bInterface2 {
		ReportSizes(c52bInterface2[:i])
	}
	ReportSizes([]byte{0xFE, 0x10})
	ReportSizes([]byte{0xA4, 0xB4, 0xB4, 0x07})
}

func TestHIDPPReports(t *testing.T) {
	tests := []struct {
		name         string
		desc         []byte
		ok, longOnly bool
	}{
		{"C52B interface 2", c52bInterface2, true, false},
		{"Bluetooth LE, 0x11 only", bleHIDPP, true, true},
		{"0x10 input only", shortInputOnly, true, true},
		{"boot keyboard", bootKeyboard, false, true},
		{"keyboard then BLE HID++", append(append([]byte{}, bootKeyboard...), bleHIDPP...), true, true},
	}
	for _, tt := range tests {
		ok, longOnly := HIDPPReports(tt.desc)
		if ok != tt.ok || ok && longOnly != tt.longOnly {
			t.Errorf("HIDPPReports(%s) = %v, %v; want %v, %v", tt.name, ok, longOnly, tt.ok, tt.longOnly)
		}
	}
}

func TestParseHIDID(t *testing.T) {
	bus, vid, pid, err := parseHIDID("0003:0000046D:0000C52B")
	if err != nil || bus != 3 || vid != 0x046D || pid != 0xC52B {
		t.Errorf("parseHIDID = %d %04x %04x %v", bus, vid, pid, err)
	}
	if _, _, _, err := parseHIDID("junk"); err == nil {
		t.Error("parseHIDID(junk) did not fail")
	}
}

func TestIsChildPhys(t *testing.T) {
	tests := map[string]bool{
		"usb-0000:00:14.0-2/input2":   false,
		"usb-0000:00:14.0-2/input2:1": true,
		"usb-0000:00:14.0-2/input2:7": true,
		"":                            false,
		"usb-0000:00:14.0-2/input2:":  false,
		"bluetooth:aa:bb:cc:dd:ee:ff": false,
	}
	for phys, want := range tests {
		if got := IsChildPhys(phys); got != want {
			t.Errorf("IsChildPhys(%q) = %v, want %v", phys, got, want)
		}
	}
}

// fakeSysfs builds /sys/class/hidraw as the rig's VM shows it: the receiver's
// HID++ interface, a paired device under it, and an unrelated keyboard.
func fakeSysfs(t *testing.T) {
	t.Helper()
	root := t.TempDir()
	node := func(name, uevent string, desc []byte) {
		dir := filepath.Join(root, name, "device")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "uevent"), []byte(uevent), 0o644)
		os.WriteFile(filepath.Join(dir, "report_descriptor"), desc, 0o644)
	}
	node("hidraw0", "DRIVER=logitech-djreceiver\nHID_ID=0003:0000046D:0000C52B\nHID_NAME=Logitech USB Receiver\nHID_PHYS=usb-0000:00:14.0-2/input2\n", c52bInterface2)
	node("hidraw1", "DRIVER=logitech-hidpp-device\nHID_ID=0003:0000046D:00004002\nHID_NAME=Logitech K750\nHID_PHYS=usb-0000:00:14.0-2/input2:2\n", c52bInterface2)
	node("hidraw2", "DRIVER=hid-generic\nHID_ID=0003:00001234:00005678\nHID_NAME=Some Keyboard\nHID_PHYS=usb-0000:00:14.0-3/input0\n", bootKeyboard)
	node("hidraw3", "DRIVER=hid-generic\nHID_ID=0003:0000046D:0000C52B\nHID_NAME=Logitech USB Receiver\nHID_PHYS=usb-0000:00:14.0-2/input0\n", bootKeyboard)
	// Bluetooth: an MX Master 3 (long reports only), a Logitech device
	// that declares no HID++ report, another vendor's gamepad with a
	// report 0x11 of 19 bytes, and a corded Logitech mouse on USB.
	node("hidraw4", "DRIVER=logitech-hidpp-device\nHID_ID=0005:0000046D:0000B023\nHID_NAME=Logitech Wireless Mouse MX Master 3\nHID_PHYS=00:1a:7d:da:71:13\nHID_UNIQ=d1:e2:f3:04:15:26\n",
		append(append([]byte{}, bootKeyboard...), bleHIDPP...))
	node("hidraw5", "DRIVER=hid-generic\nHID_ID=0005:0000046D:0000B010\nHID_NAME=Logitech Bluetooth Mouse M557\nHID_PHYS=00:1a:7d:da:71:13\nHID_UNIQ=00:1f:20:aa:bb:cc\n", bootKeyboard)
	node("hidraw6", "DRIVER=hid-generic\nHID_ID=0005:0000054C:00000CE6\nHID_NAME=Wireless Controller\nHID_PHYS=00:1a:7d:da:71:13\nHID_UNIQ=a0:ab:51:00:00:01\n", bleHIDPP)
	node("hidraw7", "DRIVER=hid-generic\nHID_ID=0003:0000046D:0000C08B\nHID_NAME=Logitech G502 HERO\nHID_PHYS=usb-0000:00:14.0-4/input1\n", c52bInterface2)
	old := sysClass
	sysClass = root
	t.Cleanup(func() { sysClass = old })
}

func TestReceivers(t *testing.T) {
	fakeSysfs(t)
	got, err := Backend{}.Receivers()
	if err != nil {
		t.Fatal(err)
	}
	want := []transport.Info{
		{Backend: "hidraw", Path: "/dev/hidraw0", VendorID: 0x046D, ProductID: 0xC52B,
			Name: "Logitech USB Receiver", Phys: "usb-0000:00:14.0-2/input2", Bus: transport.BusUSB},
		{Backend: "hidraw", Path: "/dev/hidraw4", VendorID: 0x046D, ProductID: 0xB023,
			Name: "Logitech Wireless Mouse MX Master 3", Phys: "00:1a:7d:da:71:13", Bus: transport.BusBluetooth,
			Uniq: "d1:e2:f3:04:15:26", LongOnly: true},
	}
	if len(got) != len(want) {
		t.Fatalf("Receivers = %v, want hidraw0 and hidraw4", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Receivers()[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if !got[1].Direct() || got[0].Direct() {
		t.Errorf("Direct: receiver %v, Bluetooth mouse %v", got[0].Direct(), got[1].Direct())
	}
}

// TestSkipped: the Logitech Bluetooth device without HID++ is said, by
// node; the other vendor's device and the nodes Helio reads are not.
func TestSkipped(t *testing.T) {
	fakeSysfs(t)
	got := Backend{}.Skipped()
	if len(got) != 1 || !errors.Is(got[0], transport.ErrNotHIDPP) || !strings.Contains(got[0].Error(), "/dev/hidraw5") ||
		!strings.Contains(got[0].Error(), "b010") {
		t.Errorf("Skipped() = %v, want the M557 on /dev/hidraw5", got)
	}
}

func TestReceivers_NoHidraw(t *testing.T) {
	old := sysClass
	sysClass = filepath.Join(t.TempDir(), "nothing")
	defer func() { sysClass = old }()
	got, err := Backend{}.Receivers()
	if err != nil || len(got) != 0 {
		t.Errorf("Receivers = %v, %v; want none, no error", got, err)
	}
}

func TestOpen_Errors(t *testing.T) {
	_, err := Backend{}.Open(transport.Info{Path: filepath.Join(t.TempDir(), "hidraw9")})
	if !errors.Is(err, transport.ErrGone) {
		t.Errorf("Open of a missing node: %v, want ErrGone", err)
	}
	// A node that is not a hidraw device fails the HIDIOCGRAWINFO check.
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	if _, err := (Backend{}).Open(transport.Info{Path: f}); err == nil || !strings.Contains(err.Error(), "HIDIOCGRAWINFO") {
		t.Errorf("Open of a plain file: %v", err)
	}
}

func TestReadSysfs(t *testing.T) {
	f := filepath.Join(t.TempDir(), "uevent")
	content := strings.Repeat("HID_NAME=x\n", 1000) // more than one read
	os.WriteFile(f, []byte(content), 0o644)
	b, err := ReadSysfs(f)
	if err != nil || string(b) != content {
		t.Errorf("ReadSysfs: %d bytes, %v", len(b), err)
	}
	if _, err := ReadSysfs(f + ".missing"); err == nil {
		t.Error("ReadSysfs of a missing file did not fail")
	}
}

func TestHidrawChange(t *testing.T) {
	msg := func(s string) []byte { return []byte(strings.ReplaceAll(s, "|", "\x00")) }
	tests := []struct {
		in    []byte
		ok    bool
		added bool
		path  string
	}{
		{msg("add@/devices/virtual/misc/uhid/0003:046D:C52B.0003/hidraw/hidraw0|ACTION=add|DEVPATH=/devices/virtual/misc/uhid/0003:046D:C52B.0003/hidraw/hidraw0|SUBSYSTEM=hidraw|MAJOR=240|MINOR=0|DEVNAME=hidraw0|SEQNUM=1"), true, true, "/dev/hidraw0"},
		{msg("remove@/devices/x/hidraw/hidraw3|ACTION=remove|SUBSYSTEM=hidraw|DEVNAME=hidraw3"), true, false, "/dev/hidraw3"},
		{msg("add@/devices/x/input/input5|ACTION=add|SUBSYSTEM=input"), false, false, ""},
		{msg("change@/devices/x/hidraw/hidraw0|ACTION=change|SUBSYSTEM=hidraw|DEVNAME=hidraw0"), false, false, ""},
		{msg("libudev\x00\x00garbage"), false, false, ""},
		{nil, false, false, ""},
	}
	for _, tt := range tests {
		var c transport.Change
		kv, ok := uevent.Parse(tt.in)
		if ok {
			c, ok = hidrawChange(kv)
		}
		if ok != tt.ok || c.Added != tt.added || c.Info.Path != tt.path {
			t.Errorf("hidrawChange(%q) = %+v, %v", tt.in, c, ok)
		}
	}
}
