package emulator

import (
	"fmt"
	"slices"
)

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

// Layout is the receiver's USB layout, from its product's model (its
// interfaces and descriptors, real or stand-ins: docs/devices.md, and
// docs/usb.md for the C52B's) and its profile (product id, firmware). The
// device release is the firmware's major and minor version, as on the
// C52B (24.11), C534 (29.01), C539 (39.06) and C548 (05.01), and the
// configuration string names the firmware ("RQR24.11_B0036",
// "MPR05.01_B0010"). A profile of Bluetooth devices has no receiver:
// its Layout is the zero Layout (see [Receiver.BluetoothLayout]).
func (r *Receiver) Layout() Layout {
	if r.model == nil {
		return Layout{}
	}
	major, minor, build, _ := parseVersion(r.prof.Firmware) // checked by the profile
	return Layout{
		Vendor: 0x046D, Product: r.model.pid, BCDDevice: uint16(major)<<8 | uint16(minor),
		Manufacturer: "Logitech", ProductName: "USB Receiver",
		Configuration: fmt.Sprintf("%s%02X.%02X_B%04X", r.model.configPrefix, major, minor, build),
		Attributes:    0xA0, MaxPowerMA: 98,
		Interfaces: r.model.layout(),
		HIDPP:      r.model.hidpp,
	}
}

// unifyingLayout is the C52B's: a boot keyboard, a boot mouse with
// consumer control, and HID++ with the DJ reports.
func unifyingLayout() []Interface {
	return []Interface{
		{Subclass: 1, Protocol: 1, PacketSize: 8, Interval: 8, Descriptor: descriptorKeyboard},
		{Subclass: 1, Protocol: 2, PacketSize: 8, Interval: 2, Descriptor: descriptorMouse},
		{PacketSize: 32, Interval: 2, Descriptor: DescriptorHIDPP},
	}
}

// boltLayout is a Bolt receiver's: the C52B's skeleton (84 bytes of
// configuration, three interfaces with one IN endpoint each, as four lsusb
// dumps of C548s agree), HID++ without DJ.
func boltLayout() []Interface {
	l := unifyingLayout()
	l[2].Descriptor = descriptorBoltHIDPP
	return l
}

// lightspeedLayout is a Lightspeed receiver's (a stand-in past the three
// interfaces the C539's dmesg shows; endpoints as the C52B's, but 16
// bytes for the mouse's 9-byte report): a boot keyboard, a mouse with
// 16-bit X and Y, and HID++ without DJ.
func lightspeedLayout() []Interface {
	return []Interface{
		{Subclass: 1, Protocol: 1, PacketSize: 8, Interval: 8, Descriptor: descriptorKeyboard},
		{Subclass: 1, Protocol: 2, PacketSize: 16, Interval: 2, Descriptor: descriptorHighResMouse},
		{PacketSize: 32, Interval: 2, Descriptor: slices.Concat(c534Short, c534Long)},
	}
}

// nanoC534Layout is the C534's two interfaces (its configuration
// descriptor, from hidapi's PR #306): a boot keyboard with an 8-byte
// endpoint polled every 8 ms, then a boot mouse that also carries consumer
// and system control and HID++. The second endpoint's size and interval
// are not in the dump: the C52B's HID++ endpoint's stand in.
func nanoC534Layout() []Interface {
	return []Interface{
		{Subclass: 1, Protocol: 1, PacketSize: 8, Interval: 8, Descriptor: descriptorC534Keyboard},
		{Subclass: 1, Protocol: 2, PacketSize: 32, Interval: 2, Descriptor: descriptorC534HIDPP},
	}
}

// nanoC52FLayout is the C52F's: an unnumbered boot mouse, then consumer
// control and HID++ (endpoints as the C52B's).
func nanoC52FLayout() []Interface {
	return []Interface{
		{Subclass: 1, Protocol: 2, PacketSize: 8, Interval: 2, Descriptor: descriptorC52FMouse},
		{PacketSize: 32, Interval: 2, Descriptor: descriptorC52FHIDPP},
	}
}
