package transport

import (
	"context"
	"errors"
)

// Cue is the system's word that something changed about one of a
// receiver's paired devices: its battery, its connection, its pairing.
// It carries no figure; it tells a program holding the receiver closed
// when to open it and ask.
type Cue struct {
	// Index is the device's slot on the receiver, [DirectIndex] for a
	// device reached without one, or 0 when the system lost track (its
	// messages overflowed) and any device may have changed.
	Index byte
	// Gone says the system removed the device: it was unpaired, or the
	// receiver is being pulled out.
	Gone bool
}

// Cuer is a Backend on a system whose own drivers handle the paired
// devices of some receivers and announce their changes (Linux's
// hid-logitech-dj and hid-logitech-hidpp, and a power_supply uevent for
// every change). A long-running program then need not keep such a receiver
// open to hear its devices: a receiver's node also carries every keystroke
// and mouse movement of its devices, and holding it open wakes the holder
// for each.
type Cuer interface {
	// Cues starts listening to what the system says of the devices of
	// receiver info, until ctx ends. It returns an error wrapping
	// [ErrNotCued] when no system driver handles that receiver.
	Cues(ctx context.Context, info Info) (*Cues, error)
}

// DirectIndex is the HID++ device index of a device reached without a
// receiver ([Info.Direct]): the one device on its node.
const DirectIndex = 0xFF

// ErrNotCued is returned by [Cuer.Cues] for a receiver no system driver
// handles.
var ErrNotCued = errors.New("transport: no system driver announces this receiver's devices")

// Cues is one receiver's stream of [Cue]s.
type Cues struct {
	// C receives the cues; it is closed when the listening ends.
	C      <-chan Cue
	covers func(index byte) bool
}

// NewCues returns the stream c, where covers says which devices the
// system announces.
func NewCues(c <-chan Cue, covers func(index byte) bool) *Cues {
	return &Cues{C: c, covers: covers}
}

// Covers reports whether the system announces the changes of device
// index now. One it does not (no driver watches its battery yet, as before
// its first connection) must be asked from time to time instead.
func (c *Cues) Covers(index byte) bool { return c.covers(index) }
