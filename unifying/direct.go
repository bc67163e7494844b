package unifying

import (
	"context"
	"errors"
	"fmt"

	"github.com/helio-linux/helio/hidpp"
)

// directDevice is the one device of a device's own node (Direct), at
// index 0xFF. Its serial is the node's unique id (a Bluetooth device's
// address, which Linux and Solaar show as its serial), its product id the
// node's. What identifies it whichever way it is reached comes from the
// device: its protocol, its name and kind (feature 0x0005), and its unit
// and model id (feature 0x0003), read here unless the cache knows them,
// so that its identity ([Device.ID]) is fixed from the start. A device
// asleep or out of range is listed offline with the node's identity alone,
// which is no error; any other failure lists it the same way, and the
// error says what went wrong. A feature the device lacks is no error: it
// has none of that to give.
func (r *Receiver) directDevice(ctx context.Context, cache Cache) (*Device, error) {
	info := r.conn.Info()
	// Until it says its own name, it goes by its node's (a Bluetooth
	// device's Bluetooth name, HID_NAME), a name the system gives it.
	d := &Device{Receiver: r, cache: cache, slot: hidpp.ReceiverIndex, WPID: info.ProductID, Serial: info.Uniq, name: info.Name}
	var hk *hidpp.Known
	if cache != nil {
		if k, ok := cache.Load(d.CacheKey()); ok {
			d.name, hk = k.Device.Name, &k.Device
		}
	}
	d.Device = hidpp.NewDevice(r.conn, hidpp.ReceiverIndex, hk)
	if hk == nil || !d.selfKnown(*hk) {
		err := d.introduce(ctx)
		switch {
		case errors.Is(err, hidpp.ErrOffline), errors.Is(err, hidpp.ErrTimeout):
			d.SetOnline(false)
		case err != nil:
			return d.withKnown(), fmt.Errorf("ask %s who it is: %w", r, err)
		default:
			d.withKnown().Save()
		}
	}
	return d.withKnown(), nil
}

// Introduced reports whether a device on its own node has said all of
// who it is (protocol, name, kind, unit and model id, or that it lacks the
// feature), so that its ID is its own. Until then it is listed under its
// node's identity, which a long-running program must not show or record
// it under: the same device would get a second identity once it answers.
func (d *Device) Introduced() bool { return d.selfKnown(d.Known()) }

// selfKnown reports whether k holds everything a direct device says of
// itself: its protocol and, for a HID++ 2.0 device, its name, kind and
// identity or that it has no such feature.
func (d *Device) selfKnown(k hidpp.Known) bool {
	if k.Protocol.Major == 0 {
		return false
	}
	if !k.Protocol.IsFeatureBased() {
		return true
	}
	has := func(f hidpp.FeatureID) (known, present bool) {
		ix, ok := k.Features[f]
		return ok || k.Complete, ix != 0
	}
	nameKnown, named := has(hidpp.FeatureName)
	idKnown, identified := has(hidpp.FeatureFirmware)
	return nameKnown && (!named || k.Name != "" && k.Kind != hidpp.KindUnknown) &&
		idKnown && (!identified || k.Identity != nil)
}

// introduce asks a direct device who it is: its protocol (a ping), then
// for a HID++ 2.0 device its name and kind and its identity. A feature
// the device lacks is not an error.
func (d *Device) introduce(ctx context.Context) error {
	p, err := d.Ping(ctx)
	if err != nil {
		return err
	}
	d.SetOnline(true)
	if !p.IsFeatureBased() {
		return nil
	}
	if _, err := d.ReadName(ctx); err != nil && !errors.Is(err, hidpp.ErrNoFeature) {
		return err
	}
	if _, err := d.ReadKind(ctx); err != nil && !errors.Is(err, hidpp.ErrNoFeature) {
		return err
	}
	if _, err := d.Device.Identity(ctx); err != nil && !errors.Is(err, hidpp.ErrNoIdentity) {
		return err
	}
	return nil
}

// withKnown fills in the fields of a direct device from what its
// hidpp.Device knows: its kind, its name, and from its model id its
// wireless product id, the one a receiver pairs it with (the MX Master
// 3's 4082, whose Bluetooth id is b023; a device with none, such as the
// Bolt-only MX Master 3S, keeps its Bluetooth id, which is also its Bolt
// wpid), and its unit id.
func (d *Device) withKnown() *Device {
	k := d.Known()
	d.Kind = k.Kind
	if k.Name != "" {
		d.name = k.Name
	}
	if id := k.Identity; id != nil {
		d.UnitID = id.UnitID
		if wpid, ok := id.ProductID(hidpp.TransportWireless); ok && wpid != 0 {
			d.WPID = wpid
		}
	}
	return d
}
