package unifying

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/helio-linux/helio/hidpp"
)

// Device is a device paired to a receiver, as the receiver describes it,
// or the one device on its own node (Receiver.Direct), as it describes
// itself. The embedded [hidpp.Device] talks to it: Index is its slot on
// the receiver (0xFF on its own node), and ReadName and ReadKind ask the
// device itself, where Name and Kind say what is already known without
// asking.
type Device struct {
	*hidpp.Device
	Receiver *Receiver

	// WPID is the device's wireless product id, as the receiver pairs it;
	// on its own node, the one its model id gives (feature 0x0003), else
	// its Bluetooth product id, which is a Bolt device's wpid too.
	WPID uint16
	Kind hidpp.Kind // as the receiver's pairing register says, or the device (0x0005)
	// Serial is the device's serial, 8 hex digits, from the receiver's
	// pairing register; on its own node, the node's unique id (a
	// Bluetooth address); "" when neither says.
	Serial string
	// UnitID is the device's unit id, 8 hex digits, where something
	// gives it as such: Bolt's pairing register, or the device's own
	// feature 0x0003 on its own node; "" elsewhere.
	UnitID         string
	Codename       string // as stored in the receiver, such as "K750"
	ReportInterval int    // milliseconds
	PowerSwitch    int    // location code

	cache Cache
	slot  byte // the device's index, known before its hidpp.Device is made

	mu      sync.Mutex
	online  bool
	reached bool // a request said whether it is in range
	unheard bool // the last ping went unanswered, rather than answered "not connected"
	name    string
	// noCodename says the receiver keeps no codename for the device.
	noCodename bool
}

// ID is the device's stable identity, "4082-1A2B3C4D": its wpid and its
// unit id (the serial a receiver gives it, which is the unit id its own
// feature 0x0003 gives on every device Solaar's recordings show both of),
// so that it stays the same across ports, reboots, slots and receivers,
// and across the ways to reach it: the MX Master 3S paired to a Bolt
// receiver (wpid b034, unit CD2A6BB7) and connected over Bluetooth (b034,
// unit CD2A6BB7 from 0x0003) is one device.
//
// A device with no unit id (the C534 Nano's devices give 00000000) is
// keyed by what holds it: its receiver's serial, or the receiver's
// product id when it has none, then its wpid and slot ("c534-4075-1"),
// since nothing in the device tells two of the same model apart. A device
// on its own node that has not said who it is yet is keyed by its product
// id and address ("b023-d1:e2:f3:04:15:26").
func (d *Device) ID() string {
	if d.Receiver.Direct {
		if id, ok := UnitIdentity(d.WPID, d.UnitID); ok {
			return id
		}
		return d.CacheKey()
	}
	if id, ok := UnitIdentity(d.WPID, d.Serial); ok {
		return id
	}
	rx := d.Receiver.Serial
	if rx == "" {
		rx = fmt.Sprintf("%04x", d.Receiver.PID)
	}
	return fmt.Sprintf("%s-%04x-%d", rx, d.WPID, d.slot)
}

// UnitIdentity is the identity ([Device.ID]) of a device of wpid whose
// unit id (or receiver serial) is unit: "4082-1A2B3C4D". ok is false when
// unit does not tell a device apart (not 8 hex digits, or all zeros), and
// the device is keyed otherwise. The history's migration re-keys what it
// kept with it.
func UnitIdentity(wpid uint16, unit string) (id string, ok bool) {
	if len(unit) != 8 || unit == "00000000" || strings.Trim(unit, "0123456789ABCDEFabcdef") != "" {
		return "", false
	}
	return fmt.Sprintf("%04x-%s", wpid, strings.ToUpper(unit)), true
}

// CacheKey is where the device's entry is kept in a [Cache]: its ID, which
// a receiver's listing gives before anything is asked of the device; for
// the device on its own node, which must say itself who it is, its
// product id and address, which the node gives.
func (d *Device) CacheKey() string {
	if d.Receiver.Direct {
		return fmt.Sprintf("%04x-%s", d.Receiver.PID, d.Serial)
	}
	return d.ID()
}

func (d *Device) String() string {
	if d.Receiver.Direct {
		return fmt.Sprintf("%s (%s)", d.Name(), d.Receiver)
	}
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
	d.online, d.reached, d.unheard = on, true, false
	d.mu.Unlock()
}

// Unheard reports whether the device is offline because its last ping
// ([Device.Refresh]) went unanswered, not because its receiver said it is
// not connected. Nothing will announce such a device coming back (the
// receiver never saw it go), so a long-running caller asks again.
func (d *Device) Unheard() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.unheard
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
// HID++ 2.0 device seen for the first time, reads its name, and its kind
// when the receiver did not say it. A device that is asleep or out of
// range is marked offline; that is not an error. What was learned is
// stored in the cache.
func (d *Device) Refresh(ctx context.Context) error {
	p, err := d.Verify(ctx)
	switch {
	case errors.Is(err, hidpp.ErrOffline):
		d.SetOnline(false)
		return nil
	case errors.Is(err, hidpp.ErrTimeout):
		d.SetOnline(false)
		d.mu.Lock()
		d.unheard = true
		d.mu.Unlock()
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
		unknownKind := d.Kind == hidpp.KindUnknown
		d.mu.Unlock()
		if unknownKind {
			k, err := d.ReadKind(ctx)
			if err != nil && !errors.Is(err, hidpp.ErrNoFeature) {
				return fmt.Errorf("refresh %s: %w", d, err)
			}
			d.mu.Lock()
			d.Kind = k
			d.mu.Unlock()
		}
	}
	d.Save()
	return nil
}

// Prepare readies a device just listed ([Receiver.Paired]) for a reading
// that follows at once (as sensors.Read does). A device the cache knows (its
// protocol, and for a HID++ 2.0 device its name and kind) is not pinged: the
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
// device needs besides the reading: its protocol, its name and kind (or
// that it has no name to read), and that the reading asks the device
// something (a device with no battery to read must be pinged to know it
// is in range).
func (d *Device) cacheKnows() bool {
	if !d.Unconfirmed() {
		return false
	}
	k := d.Known()
	ix, asked := k.Features[hidpp.FeatureName]
	named := !k.Protocol.IsFeatureBased() || k.Name != "" && (d.Kind != hidpp.KindUnknown || k.Kind != hidpp.KindUnknown) ||
		asked && ix == 0
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
		d.cache.Store(d.CacheKey(), Known{Codename: d.Codename, NoCodename: d.noCodename, Device: d.Known()})
	}
}
