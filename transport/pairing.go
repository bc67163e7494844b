package transport

import "errors"

// Paired is a device the system lists as paired to a receiver.
type Paired struct {
	Index byte // its slot on the receiver
	WPID  uint16
	// Serial is the device's serial as 8 upper-case hex digits, as
	// Helio writes it from the receiver's pairing register; "" while the
	// system does not know it yet.
	Serial string
}

// Pairing is what the system's drivers know of a receiver without asking
// it.
type Pairing struct {
	// Plugging names this plugging-in of the receiver. Another receiver,
	// or the same one plugged in again or found after a reboot, never has
	// the same name; so what was read from the receiver under one name
	// still holds while the name stays.
	Plugging string
	// Devices are the devices paired to it now, by index.
	Devices []Paired
}

// PairingLister is a Backend on a system whose drivers keep the list of a
// receiver's paired devices (Linux's hid-logitech-dj creates a HID device
// for each, and hid-logitech-hidpp gives it the device's serial). A program
// that remembers a receiver's identity and pairing can then confirm them
// without sending the receiver a request.
type PairingLister interface {
	// Pairing reads what the system knows of receiver info now. It returns
	// an error wrapping [ErrNotListed] when no driver lists that
	// receiver's devices.
	Pairing(info Info) (Pairing, error)
}

// ErrNotListed is returned by [PairingLister.Pairing] for a receiver whose
// paired devices no system driver lists.
var ErrNotListed = errors.New("transport: no system driver lists this receiver's devices")
