package hidraw

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/helio-linux/helio/transport"
)

// child is a paired device's HID device as the kernel shows it below a
// receiver's: its directory name and its uevent.
type child struct{ name, uevent string }

// fakePairing builds sysfs as the rig's VM shows a C52B under driver, in
// the receiver's HID device hid (such as "0003:046D:C52B.0003"), with
// children below it, and a boot id. It returns the receiver's Info.
func fakePairing(t *testing.T, driver, hid, boot string, children ...child) transport.Info {
	t.Helper()
	root := t.TempDir()
	recv := filepath.Join(root, "devices/virtual/misc/uhid", hid)
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(recv, "uevent"), "DRIVER="+driver+"\nHID_ID=0003:0000046D:0000C52B\nHID_NAME=Logitech USB Receiver\nHID_PHYS=usb-0000:00:14.0-2/input2\nHID_UNIQ=\n")
	for _, c := range children {
		write(filepath.Join(recv, c.name, "uevent"), c.uevent)
	}
	// The receiver's own hidraw node is a directory below it too, and
	// no paired device.
	write(filepath.Join(recv, "hidraw", "hidraw0", "uevent"), "MAJOR=240\nMINOR=0\nDEVNAME=hidraw0\n")
	write(filepath.Join(root, "boot_id"), boot+"\n")
	class := filepath.Join(root, "class/hidraw/hidraw0")
	if err := os.MkdirAll(class, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(recv, filepath.Join(class, "device")); err != nil {
		t.Fatal(err)
	}
	oldClass, oldBoot := sysClass, bootID
	sysClass, bootID = filepath.Join(root, "class/hidraw"), filepath.Join(root, "boot_id")
	t.Cleanup(func() { sysClass, bootID = oldClass, oldBoot })
	return transport.Info{Backend: "hidraw", Path: "/dev/hidraw0", VendorID: 0x046D, ProductID: 0xC52B, Phys: "usb-0000:00:14.0-2/input2"}
}

// vmChildren are the default profile's devices as the VM's kernel (Debian's
// 6.1) lists them, uevents as read there.
var vmChildren = []child{
	{"0003:046D:4082.0004", "DRIVER=logitech-hidpp-device\nHID_ID=0003:0000046D:00004082\nHID_NAME=Logitech MX Master 3\nHID_PHYS=usb-0000:00:14.0-2/input2:1\nHID_UNIQ=1a-2b-3c-4d\n"},
	{"0003:046D:101B.0006", "DRIVER=logitech-hidpp-device\nHID_ID=0003:0000046D:0000101B\nHID_NAME=Logitech M705\nHID_PHYS=usb-0000:00:14.0-2/input2:3\nHID_UNIQ=70-5b-0a-1d\n"},
	{"0003:046D:4002.0005", "DRIVER=logitech-hidpp-device\nHID_ID=0003:0000046D:00004002\nHID_NAME=Logitech K750\nHID_PHYS=usb-0000:00:14.0-2/input2:2\nHID_UNIQ=75-0c-0d-e2\n"},
}

const boot = "6c0901df-509f-4cba-bd2d-161fd5bd0ae3"

func TestPairing(t *testing.T) {
	info := fakePairing(t, djDriver, "0003:046D:C52B.0003", boot, vmChildren...)
	p, err := Backend{}.Pairing(info)
	if err != nil {
		t.Fatal(err)
	}
	want := transport.Pairing{Plugging: boot + "/0003:046D:C52B.0003", Devices: []transport.Paired{
		{Index: 1, WPID: 0x4082, Serial: "1A2B3C4D"}, {Index: 2, WPID: 0x4002, Serial: "750C0DE2"}, {Index: 3, WPID: 0x101B, Serial: "705B0A1D"}}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("Pairing = %+v\nwant      %+v", p, want)
	}
}

// TestPairing_Plugging: the name of the plugging-in changes with the
// receiver's HID device (another receiver, or the same one plugged in
// again) and with the boot.
func TestPairing_Plugging(t *testing.T) {
	plugging := func(hid, boot string) string {
		t.Helper()
		p, err := Backend{}.Pairing(fakePairing(t, djDriver, hid, boot, vmChildren...))
		if err != nil {
			t.Fatal(err)
		}
		return p.Plugging
	}
	first := plugging("0003:046D:C52B.0003", boot)
	for _, other := range []string{plugging("0003:046D:C52B.0009", boot), plugging("0003:046D:C52B.0003", "0b7c1ba4-5b21-4bde-9a0e-2c2a44c8a1e5")} {
		if other == first {
			t.Errorf("two pluggings-in are both %q", first)
		}
	}
}

// TestPairing_Children: what the kernel does not know yet, or what is not
// a paired device of this receiver, is not taken for one.
func TestPairing_Children(t *testing.T) {
	info := fakePairing(t, djDriver, "0003:046D:C52B.0003", boot,
		// probed by hid-logitech-dj, not yet by hid-logitech-hidpp
		child{"0003:046D:4082.0004", "HID_ID=0003:0000046D:00004082\nHID_PHYS=usb-0000:00:14.0-2/input2:1\nHID_UNIQ=\n"},
		// a kernel that puts the wpid before the serial
		child{"0003:046D:4002.0005", "HID_ID=0003:0000046D:00004002\nHID_PHYS=usb-0000:00:14.0-2/input2:2\nHID_UNIQ=4002-75-0c-0d-e2\n"},
		// another receiver's device
		child{"0003:046D:101B.0006", "HID_ID=0003:0000046D:0000101B\nHID_PHYS=usb-0000:00:14.0-3/input2:3\nHID_UNIQ=70-5b-0a-1d\n"},
		// no index
		child{"0003:046D:101C.0007", "HID_ID=0003:0000046D:0000101C\nHID_PHYS=usb-0000:00:14.0-2/input2\nHID_UNIQ=70-5b-0a-1e\n"},
		// a broken HID_ID
		child{"0003:046D:101D.0008", "HID_ID=nonsense\nHID_PHYS=usb-0000:00:14.0-2/input2:5\nHID_UNIQ=70-5b-0a-1f\n"},
	)
	p, err := Backend{}.Pairing(info)
	if err != nil {
		t.Fatal(err)
	}
	want := []transport.Paired{{Index: 1, WPID: 0x4082}, {Index: 2, WPID: 0x4002, Serial: "750C0DE2"}}
	if !reflect.DeepEqual(p.Devices, want) {
		t.Errorf("Devices = %+v, want %+v", p.Devices, want)
	}
}

func TestPairing_NotListed(t *testing.T) {
	info := fakePairing(t, "hid-generic", "0003:046D:C52B.0003", boot)
	if _, err := (Backend{}).Pairing(info); !errors.Is(err, transport.ErrNotListed) {
		t.Errorf("Pairing on hid-generic: %v, want ErrNotListed", err)
	}
	info = fakePairing(t, djDriver, "0003:046D:C52B.0003", boot)
	info.ProductID = 0xC534 // the node now stands for another receiver
	if _, err := (Backend{}).Pairing(info); !errors.Is(err, transport.ErrGone) {
		t.Errorf("Pairing of a reused node: %v, want ErrGone", err)
	}
	info = fakePairing(t, djDriver, "0003:046D:C52B.0003", "")
	if _, err := (Backend{}).Pairing(info); err == nil {
		t.Error("Pairing without a boot id did not fail")
	}
	if _, err := (Backend{}).Pairing(transport.Info{Path: "/dev/hidraw9"}); err == nil {
		t.Error("Pairing of a node that does not exist did not fail")
	}
}

func TestSerialFromUniq(t *testing.T) {
	tests := []struct {
		uniq string
		wpid uint16
		want string
	}{
		{"1a-2b-3c-4d", 0x4082, "1A2B3C4D"},
		{"1A-2B-3C-4D", 0x4082, "1A2B3C4D"},
		{"4082-1a-2b-3c-4d", 0x4082, "1A2B3C4D"},
		{"402d-e4-3c-53-0a", 0x402D, "E43C530A"},
		{"4083-1a-2b-3c-4d", 0x4082, ""}, // another wpid
		{"", 0x4082, ""},
		{"1a-2b-3c", 0x4082, ""},
		{"1a-2b-3c-4d-5e", 0x4082, ""},
		{"1a2b3c4d", 0x4082, ""},
		{"1a-2b-3c-4g", 0x4082, ""},
		{"1a-2b-3c-4", 0x4082, ""},
	}
	for _, tt := range tests {
		if got := serialFromUniq(tt.uniq, tt.wpid); got != tt.want {
			t.Errorf("serialFromUniq(%q, %04x) = %q, want %q", tt.uniq, tt.wpid, got, tt.want)
		}
	}
}
