package emulator

import "fmt"

// Layout is what a receiver shows a USB host before any HID++ is spoken:
// the figures of its device and configuration descriptors and its HID
// interfaces with their report descriptors. The uhid receiver ([UHID])
// and the USB gadget receiver ([USB]) both build the receiver from it, so
// the kernel sees the same receiver through either.
type Layout struct {
	Vendor, Product uint16
	// BCDDevice is the device release: a receiver's firmware version in
	// BCD (24.11 is 0x2411).
	BCDDevice uint16
	// Manufacturer and ProductName are the device's strings; the kernel
	// names its HID devices "Manufacturer ProductName".
	Manufacturer, ProductName string
	// Configuration is the configuration's string: the firmware's name.
	Configuration string
	// Attributes is the configuration's bmAttributes (0xA0: bus powered,
	// remote wakeup) and MaxPowerMA its bMaxPower in mA.
	Attributes byte
	MaxPowerMA int
	// Interfaces are the receiver's HID interfaces, by interface number.
	Interfaces []Interface
	// HIDPP is the number of the interface that carries HID++.
	HIDPP int
}

// Interface is one HID interface of a receiver.
type Interface struct {
	// Subclass and Protocol are bInterfaceSubClass and bInterfaceProtocol:
	// 1 and 1 for a boot keyboard, 1 and 2 for a boot mouse, 0 and 0
	// otherwise.
	Subclass, Protocol byte
	// PacketSize is the wMaxPacketSize of its interrupt IN endpoint, which
	// bounds its input reports, and Interval the endpoint's bInterval in ms.
	PacketSize, Interval int
	// Descriptor is its report descriptor.
	Descriptor []byte
}

// Name is what the kernel calls the receiver's HID devices.
func (l Layout) Name() string { return l.Manufacturer + " " + l.ProductName }

// Layout is the receiver's USB layout: today every profile's receiver gets
// the C52B's (three interfaces: boot keyboard, boot mouse, HID++ with DJ
// reports), with the profile's product id and firmware. A receiver of
// another family gets its own layout here when its profile comes, from the
// facts in docs/devices.md (docs/usb.md has the C52B's).
func (r *Receiver) Layout() Layout {
	major, minor, build, _ := parseVersion(r.prof.Firmware) // checked by the profile
	return Layout{
		Vendor: 0x046D, Product: r.PID(), BCDDevice: uint16(major)<<8 | uint16(minor),
		Manufacturer: "Logitech", ProductName: "USB Receiver",
		Configuration: fmt.Sprintf("RQR%02X.%02X_B%04X", major, minor, build),
		Attributes:    0xA0, MaxPowerMA: 98,
		Interfaces: []Interface{
			{Subclass: 1, Protocol: 1, PacketSize: 8, Interval: 8, Descriptor: descriptorKeyboard},
			{Subclass: 1, Protocol: 2, PacketSize: 8, Interval: 2, Descriptor: descriptorMouse},
			{PacketSize: 32, Interval: 2, Descriptor: DescriptorHIDPP},
		},
		HIDPP: 2,
	}
}

// DescriptorHIDPP is the report descriptor of the C52B's interface 2, the
// HID++ interface, as a real receiver (bcdDevice 12.11) declares it: report
// 0x10 with 6 data bytes and 0x11 with 19 (usage page FF00, usages 1 and 2),
// and the DJ reports 0x20 (14 bytes) and 0x21 (31 bytes), each input and
// output. hid-logitech-dj needs the DJ reports to bind.
var DescriptorHIDPP = []byte{
	0x06, 0x00, 0xFF, 0x09, 0x01, 0xA1, 0x01, 0x85, 0x10, 0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x26,
	0xFF, 0x00, 0x09, 0x01, 0x81, 0x00, 0x09, 0x01, 0x91, 0x00, 0xC0,
	0x06, 0x00, 0xFF, 0x09, 0x02, 0xA1, 0x01, 0x85, 0x11, 0x95, 0x13, 0x75, 0x08, 0x15, 0x00, 0x26,
	0xFF, 0x00, 0x09, 0x02, 0x81, 0x00, 0x09, 0x02, 0x91, 0x00, 0xC0,
	0x06, 0x00, 0xFF, 0x09, 0x04, 0xA1, 0x01, 0x85, 0x20, 0x95, 0x0E, 0x75, 0x08, 0x15, 0x00, 0x26,
	0xFF, 0x00, 0x09, 0x41, 0x81, 0x00, 0x09, 0x41, 0x91, 0x00,
	0x85, 0x21, 0x95, 0x1F, 0x09, 0x42, 0x81, 0x00, 0x09, 0x42, 0x91, 0x00, 0xC0,
}

// descriptorKeyboard is interface 0: a boot keyboard (modifiers, a reserved
// byte, 5 LEDs, 6 key codes), no report IDs.
var descriptorKeyboard = []byte{
	0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, // Generic Desktop, Keyboard, Application
	0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08, 0x81, 0x02, // modifiers
	0x95, 0x01, 0x75, 0x08, 0x81, 0x01, // reserved
	0x95, 0x05, 0x75, 0x01, 0x05, 0x08, 0x19, 0x01, 0x29, 0x05, 0x91, 0x02, // LEDs
	0x95, 0x01, 0x75, 0x03, 0x91, 0x01, // LED padding
	0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x05, 0x07, 0x19, 0x00, 0x2A, 0xFF, 0x00, 0x81, 0x00, // keys
	0xC0,
}

// descriptorMouse is interface 1: a mouse (report 2: 16 buttons, 12-bit X
// and Y, wheel) and consumer control (report 3).
var descriptorMouse = []byte{
	0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x85, 0x02, 0x09, 0x01, 0xA1, 0x00,
	0x05, 0x09, 0x19, 0x01, 0x29, 0x10, 0x15, 0x00, 0x25, 0x01, 0x95, 0x10, 0x75, 0x01, 0x81, 0x02,
	0x05, 0x01, 0x16, 0x01, 0xF8, 0x26, 0xFF, 0x07, 0x75, 0x0C, 0x95, 0x02, 0x09, 0x30, 0x09, 0x31, 0x81, 0x06,
	0x15, 0x81, 0x25, 0x7F, 0x75, 0x08, 0x95, 0x01, 0x09, 0x38, 0x81, 0x06,
	0xC0, 0xC0,
	0x05, 0x0C, 0x09, 0x01, 0xA1, 0x01, 0x85, 0x03, 0x75, 0x10, 0x95, 0x02, 0x15, 0x01, 0x26, 0xFF, 0x02,
	0x19, 0x01, 0x2A, 0xFF, 0x02, 0x81, 0x00, 0xC0,
}
