package unifying

import "github.com/helio-linux/helio/hidpp"

// ChangeKind is what a receiver notification says happened.
type ChangeKind int

// Changes a receiver reports.
const (
	// Connected: a paired device came in range or woke up (0x41, link up).
	Connected ChangeKind = iota + 1
	// Disconnected: a device went out of range or was switched off
	// (0x41 with the "link not established" bit).
	Disconnected
	// NewDevice: a 0x41 for a slot that was empty at the last listing, a
	// device paired since; list the devices again.
	NewDevice
	// Unpaired: the receiver says a device was unpaired (0x40).
	Unpaired
)

func (k ChangeKind) String() string {
	switch k {
	case Connected:
		return "connected"
	case Disconnected:
		return "disconnected"
	case NewDevice:
		return "new device"
	case Unpaired:
		return "unpaired"
	}
	return "unknown"
}

// Change is one device's connection change.
type Change struct {
	Kind   ChangeKind
	Index  byte
	Device *Device // nil for NewDevice
}

// Track reads a notification from the receiver's connection and applies it to
// the devices of the last [Receiver.Devices] listing: a 0x41 sets the
// device's online state from its link bit. ok is false when rep is not a
// connection notification.
func (r *Receiver) Track(rep *hidpp.Report) (c Change, ok bool) {
	if rep.ID() != hidpp.ShortID || rep.Device() == 0 || rep.Device() > hidpp.MaxDeviceSlot {
		return Change{}, false
	}
	switch rep.SubID() {
	case hidpp.SubConnect, hidpp.SubDisconnect:
	default:
		return Change{}, false
	}
	c.Index = rep.Device()
	r.mu.Lock()
	for _, d := range r.devices {
		if d.Index() == c.Index {
			c.Device = d
		}
	}
	r.mu.Unlock()
	switch {
	case rep.SubID() == hidpp.SubDisconnect:
		c.Kind = Unpaired
		if c.Device != nil {
			c.Device.SetOnline(false)
		}
	case c.Device == nil:
		c.Kind = NewDevice
	case c.Device.WPID != uint16(rep.Param(2))<<8|uint16(rep.Param(1)):
		// Another device took the slot.
		c.Kind, c.Device = NewDevice, nil
	case rep.Param(0)&0x40 != 0:
		c.Kind = Disconnected
		c.Device.SetOnline(false)
	default:
		c.Kind = Connected
		c.Device.SetOnline(true)
	}
	return c, true
}
