package emulator

import (
	"bytes"
	"maps"
	"testing"

	"github.com/helio-linux/helio/transport/hidraw"
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

// Each family's layout: the product, the device release and configuration
// string from the firmware, the HID++ interface, the descriptors' lengths
// (the real C534's and C52F's as their configurations give them) and the
// HID++ interface's input reports; every interface's reports fit its
// endpoint.
func TestLayout_Families(t *testing.T) {
	c52f := `{"receiver":{"pid":"c52f","serial":"6D0342C5","firmware":"30.00.B0009"},"devices":[
		{"index":1,"wpid":"101B","kind":"mouse","codename":"M705","protocol":"1.0","serial":"705B0A1D"}]}`
	tests := []struct {
		profile, json string
		product, bcd  uint16
		config        string
		hidpp         int
		lens          []int
		in            map[byte]int
	}{
		{"default", "", 0xC52B, 0x2411, "RQR24.11_B0036", 2, []int{65, 85, 93}, map[byte]int{0x10: 6, 0x11: 19, 0x20: 14, 0x21: 31}},
		{"bolt", "", 0xC548, 0x0501, "MPR05.01_B0010", 2, []int{65, 85, 54}, map[byte]int{0x10: 6, 0x11: 19}},
		{"lightspeed", "", 0xC539, 0x3906, "RQR39.06_B0040", 2, []int{65, 94, 54}, map[byte]int{0x10: 6, 0x11: 19}},
		{"nano", "", 0xC534, 0x2901, "RQR29.01_B0016", 1, []int{59, 177}, map[byte]int{0x02: 7, 0x03: 4, 0x04: 1, 0x10: 6, 0x11: 19}},
		{"c52f", c52f, 0xC52F, 0x3000, "RQR30.00_B0009", 1, []int{67, 79}, map[byte]int{0x03: 4, 0x10: 6, 0x11: 19}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			var p *Profile
			var err error
			if tt.json != "" {
				p, err = ParseProfile([]byte(tt.json), tt.profile)
			} else {
				p, err = BuiltinProfile(tt.profile)
			}
			if err != nil {
				t.Fatal(err)
			}
			l := New(p, nil).Layout()
			if l.Product != tt.product || l.BCDDevice != tt.bcd || l.Configuration != tt.config || l.HIDPP != tt.hidpp ||
				l.Name() != "Logitech USB Receiver" {
				t.Errorf("layout %04x release %04x %q HID++ on %d", l.Product, l.BCDDevice, l.Configuration, l.HIDPP)
			}
			if len(l.Interfaces) != len(tt.lens) {
				t.Fatalf("%d interfaces, want %d", len(l.Interfaces), len(tt.lens))
			}
			for i, intf := range l.Interfaces {
				if len(intf.Descriptor) != tt.lens[i] {
					t.Errorf("interface %d: descriptor of %d bytes, want %d", i, len(intf.Descriptor), tt.lens[i])
				}
				in, _ := hidraw.ReportSizes(intf.Descriptor)
				for id, size := range in {
					if id != 0 {
						size++ // the report ID goes on the wire too
					}
					if size > intf.PacketSize {
						t.Errorf("interface %d: report %#x of %d bytes does not fit its %d-byte endpoint", i, id, size, intf.PacketSize)
					}
				}
			}
			if in, _ := hidraw.ReportSizes(l.Interfaces[l.HIDPP].Descriptor); !maps.Equal(in, tt.in) {
				t.Errorf("HID++ interface's input reports %v, want %v", in, tt.in)
			}
			d := gadgetDevice(l)
			for i, f := range d.Functions {
				if f.Serve != (i == tt.hidpp) {
					t.Errorf("gadget function %d serves: %v", i, f.Serve)
				}
			}
		})
	}
}

// A Bluetooth device's report map: a mouse or a keyboard, then its HID++
// reports, long alone (Bluetooth LE), short and long (classic) or none.
func TestBTDescriptor(t *testing.T) {
	tests := []struct {
		keyboard bool
		reports  string
		in, out  map[byte]int
	}{
		{false, reportsLong, map[byte]int{0x02: 7, 0x11: 19}, map[byte]int{0x11: 19}},
		{true, reportsLong, map[byte]int{0x01: 8, 0x03: 4, 0x11: 19}, map[byte]int{0x01: 1, 0x11: 19}},
		{false, reportsShortLong, map[byte]int{0x02: 7, 0x10: 6, 0x11: 19}, map[byte]int{0x10: 6, 0x11: 19}},
		{false, reportsNone, map[byte]int{0x02: 7}, map[byte]int{}},
	}
	for _, tt := range tests {
		in, out := hidraw.ReportSizes(btDescriptor(tt.keyboard, tt.reports))
		if !maps.Equal(in, tt.in) || !maps.Equal(out, tt.out) {
			t.Errorf("btDescriptor(%v, %s): input %v, output %v; want %v, %v", tt.keyboard, tt.reports, in, out, tt.in, tt.out)
		}
	}
}

// hidraw.ReportSizes reads what it needs and stops at a malformed item.
func TestReportIDs(t *testing.T) {
	tests := []struct {
		name string
		desc []byte
		in   map[byte]int
	}{
		{"empty", nil, map[byte]int{}},
		{"truncated item", []byte{0x85, 0x10, 0x75, 0x08, 0x95}, map[byte]int{}},
		{"long item skipped", []byte{0xFE, 0x02, 0x00, 0xAA, 0xBB, 0x75, 0x08, 0x95, 0x02, 0x81, 0x00}, map[byte]int{0: 2}},
		{"push and pop", []byte{0x85, 0x01, 0x75, 0x08, 0x95, 0x01, 0xA4, 0x85, 0x02, 0x95, 0x03, 0x81, 0x00, 0xB4, 0x81, 0x00},
			map[byte]int{1: 1, 2: 3}},
		{"pop without push", []byte{0xB4, 0x75, 0x01, 0x95, 0x03, 0x81, 0x00}, map[byte]int{0: 1}},
	}
	for _, tt := range tests {
		if in, _ := hidraw.ReportSizes(tt.desc); !maps.Equal(in, tt.in) {
			t.Errorf("%s: %v, want %v", tt.name, in, tt.in)
		}
	}
}
