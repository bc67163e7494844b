// Package transport is the bottom of Helio: the small interface every way of
// reaching a receiver implements (hidraw, hidapi, libusb, the emulator), and
// the description of a receiver found on the system.
//
// It holds no protocol knowledge; package hidpp builds on it.
package transport

import (
	"context"
	"errors"
	"fmt"
)

// Conn is an open HID++ interface of one receiver (or corded device).
//
// Implementations must allow Read to run in one goroutine while Write and
// Close are called from others. Close must make a blocked Read return.
// transporttest.TestConn checks an implementation against this contract.
type Conn interface {
	// Write sends one whole output report, report ID first.
	Write(report []byte) (int, error)
	// Read blocks until one input report arrives, copies it into p (report
	// ID first) and returns its length. p should hold at least 64 bytes; a
	// longer report is truncated. After Close, or when the device is gone,
	// Read returns an error wrapping ErrClosed or the cause.
	Read(p []byte) (int, error)
	// Close releases the device. It is safe to call more than once.
	Close() error
	// Info describes the device the Conn is open on.
	Info() Info
}

// Backend finds receivers and opens them.
type Backend interface {
	// Name is the backend's name as given to --backend (hidraw, sim, ...).
	Name() string
	// Receivers lists the receivers present now. An empty list is not an error.
	Receivers() ([]Info, error)
	// Open opens a receiver listed by Receivers. The caller must Close the
	// returned Conn.
	Open(Info) (Conn, error)
}

// Info describes a HID++ interface: a receiver's, or that of a device
// reached without one (a Bluetooth device, which has a node of its own).
type Info struct {
	Backend   string // backend that found it
	Path      string // device node, or another backend-specific locator
	VendorID  uint16
	ProductID uint16
	Name      string // HID name, such as "Logitech USB Receiver"
	Phys      string // HID physical path; paired devices' nodes extend it with ":<index>"
	// Bus is the bus the node hangs on, as the kernel's HID_ID says it;
	// zero when the backend cannot tell.
	Bus Bus
	// Uniq is the HID device's unique id (HID_UNIQ): a Bluetooth device's
	// address, which is the serial Linux and Solaar show for it; "" for a
	// receiver.
	Uniq string
	// LongOnly says the report descriptor declares no HID++ short report
	// (0x10), as many Bluetooth devices declare only the long one (0x11):
	// every request must then go out long.
	LongOnly bool
}

func (i Info) String() string {
	return fmt.Sprintf("%s %04x:%04x (%s)", i.Path, i.VendorID, i.ProductID, i.Backend)
}

// Direct reports whether the node is a device's own, reached without a
// receiver (a Bluetooth device): the one device on it answers at index
// 0xFF, and it has no receiver registers. Any Logitech node that is not a
// receiver ([IsReceiver]) is one.
func (i Info) Direct() bool {
	return i.VendorID == VendorLogitech && !IsReceiver(i.VendorID, i.ProductID)
}

// Bus is a HID bus type, as the kernel numbers them (BUS_USB,
// BUS_BLUETOOTH in linux/input.h).
type Bus uint16

// Buses Helio reads devices on.
const (
	BusUSB       Bus = 0x03
	BusBluetooth Bus = 0x05
)

// String is the bus's name in Helio's outputs: "usb", "bluetooth", or
// "bus 0x0019" for another one, "" for none said.
func (b Bus) String() string {
	switch b {
	case 0:
		return ""
	case BusUSB:
		return "usb"
	case BusBluetooth:
		return "bluetooth"
	}
	return fmt.Sprintf("bus 0x%04x", uint16(b))
}

// ParseBus is the inverse of [Bus.String].
func ParseBus(s string) (Bus, bool) {
	switch s {
	case "":
		return 0, true
	case "usb":
		return BusUSB, true
	case "bluetooth":
		return BusBluetooth, true
	}
	var v uint16
	if _, err := fmt.Sscanf(s, "bus 0x%04x", &v); err == nil {
		return Bus(v), true
	}
	return 0, false
}

// ErrClosed is returned by Read and Write after Close.
var ErrClosed = errors.New("transport: closed")

// ErrGone is returned when the device was unplugged.
var ErrGone = errors.New("transport: device gone")

// Change is a receiver plugged in or pulled out.
type Change struct {
	Added bool
	// Info describes the receiver. For a removal only Backend and Path are
	// set: the device's attributes are gone by then.
	Info Info
}

// Watcher is a Backend that reports receivers as they come and go, so a
// long-running program needs no polling to notice them.
type Watcher interface {
	// Watch sends a Change for each receiver plugged in or pulled out until
	// ctx ends, then closes the channel.
	Watch(ctx context.Context) (<-chan Change, error)
}

// Skipper is a Backend that can say which Logitech nodes it found but
// cannot read, so that a user is told of a device Helio leaves out rather
// than left to wonder.
type Skipper interface {
	// Skipped lists them now: one error for each, naming the node and
	// saying why (wrapping [ErrNotHIDPP] for a device that declares no
	// HID++ report).
	Skipped() []error
}

// ErrNotHIDPP says a Logitech device's node declares no HID++ report in
// its descriptor: there is nothing Helio can ask it.
var ErrNotHIDPP = errors.New("transport: the device declares no HID++ report; Helio cannot read it")

// UdevRule is the rule file that grants the logged-in user access to
// Logitech hidraw nodes ("make install-udev" writes it).
const UdevRule = "/etc/udev/rules.d/42-helio.rules"

// PermissionError is returned by a Backend's Open when a receiver exists
// but this user may not open it. Its message says how to fix that.
type PermissionError struct {
	Path string
	Err  error
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("cannot open %s: %v; install Helio's udev rule (sudo make install-udev, which writes %s) and replug the receiver, or run as root",
		e.Path, e.Err, UdevRule)
}

func (e *PermissionError) Unwrap() error { return e.Err }
