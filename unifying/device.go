package unifying

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/helio-linux/helio/hidpp"
)

// Device is a device paired to a receiver, as the receiver describes it.
// The embedded [hidpp.Device] talks to it: Index is its slot on the
// receiver, and ReadName and ReadKind ask the device itself, where Name
// and Kind say what is already known without asking.
type Device struct {
	*hidpp.Device
	Receiver *Receiver

	WPID           uint16
	Kind           hidpp.Kind // as the receiver's pairing register says
	Serial         string     // 8 hex digits
	Codename       string     // as stored in the receiver, such as "K750"
	ReportInterval int        // milliseconds
	PowerSwitch    int        // location code

	cache Cache

	mu      sync.Mutex
	online  bool
	reached bool // a request said whether it is in range
	name    string
}

// ID is the device's stable identity: receiver serial, wpid and device
// serial. It stays the same across ports, reboots and slot changes.
func (d *Device) ID() string {
	return fmt.Sprintf("%s-%04x-%s", d.Receiver.Serial, d.WPID, d.Serial)
}

func (d *Device) String() string {
	return fmt.Sprintf("%s (slot %d, wpid %04x)", d.Codename, d.Index(), d.WPID)
}

// Online reports whether the device answered its last request (a ping, a
// reading) or, since, said so in a notification; false until then.
func (d *Device) Online() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.online
}

// Reached reports whether anything has said yet whether the device is in
// range: a ping ([Device.Refresh]), a reading, a notification. A device
// just listed ([Receiver.Paired]) is not reached.
func (d *Device) Reached() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reached
}

// SetOnline records whether the device is in range: a connection change
// seen in a notification, or what a request found.
func (d *Device) SetOnline(on bool) {
	d.mu.Lock()
	d.online, d.reached = on, true
	d.mu.Unlock()
}

// Name is the device's full name: feature 0x0005's for HID++ 2.0 devices
// once read, else the codename.
func (d *Device) Name() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.name != "" {
		return d.name
	}
	return d.Codename
}

// Refresh pings the device for its protocol and presence (verifying, for
// the same single request, what the cache said of it) and, for a
// HID++ 2.0 device seen for the first time, reads its name. (Its kind is
// already known from the receiver.) A
// device that is asleep or out of range is marked offline; that is not an
// error. What was learned is stored in the cache.
func (d *Device) Refresh(ctx context.Context) error {
	p, err := d.Verify(ctx)
	switch {
	case errors.Is(err, hidpp.ErrOffline), errors.Is(err, hidpp.ErrTimeout):
		d.SetOnline(false)
		return nil
	case err != nil:
		d.SetOnline(false)
		return fmt.Errorf("refresh %s: %w", d, err)
	}
	d.SetOnline(true)
	if p.IsFeatureBased() {
		name, err := d.ReadName(ctx)
		if err != nil && !errors.Is(err, hidpp.ErrNoFeature) {
			return fmt.Errorf("refresh %s: %w", d, err)
		}
		d.mu.Lock()
		d.name = name
		d.mu.Unlock()
	}
	d.Save()
	return nil
}

// Prepare readies a device just listed ([Receiver.Paired]) for a reading
// that follows at once (as sensors.Read does). A device the cache knows (its
// protocol, and for a HID++ 2.0 device its name) is not pinged: the
// reading's own request says whether it is in range, as a ping would, and
// the reading judges what the cache said. Any other device is refreshed
// ([Device.Refresh]).
func (d *Device) Prepare(ctx context.Context) error {
	if d.Reached() || d.cacheKnows() {
		return nil
	}
	return d.Refresh(ctx)
}

// cacheKnows reports whether the cache told everything a reading of the
// device needs besides the reading: its protocol and its name (or that it
// has none to read), and that the reading asks the device something (a
// device with no battery to read must be pinged to know it is in range).
func (d *Device) cacheKnows() bool {
	if !d.Unconfirmed() {
		return false
	}
	k := d.Known()
	ix, asked := k.Features[hidpp.FeatureName]
	named := !k.Protocol.IsFeatureBased() || k.Name != "" || asked && ix == 0
	return named && k.ReadingAsks()
}

// EnableBatteryEvents makes a HID++ 1.0 device report battery changes by
// itself (register 0x07 or 0x0D events): it sets the battery bit (0x10) of
// the device's own register 0x00, keeping the other flags, as the kernel
// does. HID++ 2.0 devices send battery events without being asked.
func (d *Device) EnableBatteryEvents(ctx context.Context) error {
	v, err := d.ReadRegister(ctx, 0x00)
	if err != nil {
		return fmt.Errorf("enable battery events on %s: %w", d, err)
	}
	if v[0]&0x10 != 0 {
		return nil
	}
	if err := d.WriteRegister(ctx, 0x00, v[0]|0x10, v[1], v[2]); err != nil {
		return fmt.Errorf("enable battery events on %s: %w", d, err)
	}
	return nil
}

// Save stores what is known about the device in the cache, if there is one.
func (d *Device) Save() {
	if d.cache != nil {
		d.cache.Store(d.ID(), Known{Codename: d.Codename, Device: d.Known()})
	}
}
