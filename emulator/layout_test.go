package emulator

import (
	"bytes"
	"testing"
)

// The receiver's USB layout comes from its profile (product id, firmware)
// and the C52B's facts (hidpp.md §11, docs/usb.md §1).
func TestLayout(t *testing.T) {
	p, err := BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	p.Receiver.PID, p.Receiver.Firmware = "c532", "12.03.B0025"
	l := New(p, nil).Layout()
	if l.Vendor != 0x046D || l.Product != 0xC532 || l.BCDDevice != 0x1203 || l.Configuration != "RQR12.03_B0025" ||
		l.Name() != "Logitech USB Receiver" || l.Attributes != 0xA0 || l.MaxPowerMA != 98 {
		t.Errorf("layout %+v", l)
	}
	want := []Interface{{1, 1, 8, 8, descriptorKeyboard}, {1, 2, 8, 2, descriptorMouse}, {0, 0, 32, 2, DescriptorHIDPP}}
	if len(l.Interfaces) != len(want) || l.HIDPP != 2 {
		t.Fatalf("%d interfaces, HID++ on %d", len(l.Interfaces), l.HIDPP)
	}
	for i, w := range want {
		g := l.Interfaces[i]
		if g.Subclass != w.Subclass || g.Protocol != w.Protocol || g.PacketSize != w.PacketSize || g.Interval != w.Interval ||
			!bytes.Equal(g.Descriptor, w.Descriptor) {
			t.Errorf("interface %d: %+v, want %+v", i, g, w)
		}
	}
}

// On the gadget, the HID++ interface is Helio's to serve and the others
// the kernel's, each with the layout's figures.
func TestGadgetDevice(t *testing.T) {
	p, err := BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	l := New(p, nil).Layout()
	d := gadgetDevice(l)
	if d.Vendor != l.Vendor || d.Product != l.Product || d.BCDDevice != l.BCDDevice || d.Manufacturer != "Logitech" ||
		d.ProductName != "USB Receiver" || d.Configuration != l.Configuration || d.Serial != "" || len(d.Functions) != 3 {
		t.Fatalf("device %+v", d)
	}
	for i, f := range d.Functions {
		in := l.Interfaces[i]
		if f.Serve != (i == l.HIDPP) || f.ReportLength != in.PacketSize || f.Interval != in.Interval ||
			f.Subclass != in.Subclass || f.Protocol != in.Protocol || !bytes.Equal(f.ReportDescriptor, in.Descriptor) {
			t.Errorf("function %d: %+v", i, f)
		}
	}
}
