package hidpp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// Identity is what a device says it is with feature 0x0003 (device
// firmware and information) function 0: its unit id, the same whichever
// way it is reached (a receiver, Bluetooth), and its model id, which
// lists the product ids it has on each transport. Solaar reads the same
// bytes for its "Unit ID" and "Model ID" (hidpp.md §9, docs/devices.md §6).
type Identity struct {
	// UnitID is the unit id as 8 upper-case hex digits; "00000000" on
	// devices that give none (the C534 Nano's keyboard and mouse).
	UnitID string `json:"unit_id"`
	// Transports says which ids the model id holds, one bit each:
	// 0x01 Bluetooth, 0x02 Bluetooth LE, 0x04 wireless (the wpid),
	// 0x08 USB.
	Transports byte `json:"transports"`
	// Model is the model id: the product ids of the transports set in
	// Transports, two bytes each, in that bit order, then zeros.
	Model [6]byte `json:"model"`
}

// Transport bits of [Identity.Transports].
const (
	TransportBluetooth   = 0x01
	TransportBluetoothLE = 0x02
	TransportWireless    = 0x04
	TransportUSB         = 0x08
)

// DecodeIdentity decodes feature 0x0003 function 0's reply: [entity count,
// unit id (4), unknown, transport bits, model id (6)].
func DecodeIdentity(p []byte) (Identity, error) {
	if len(p) < 13 {
		return Identity{}, malformed("device information needs 13 bytes, got %d", len(p))
	}
	id := Identity{UnitID: fmt.Sprintf("%08X", binary.BigEndian.Uint32(p[1:5])), Transports: p[6] & 0x0F}
	copy(id.Model[:], p[7:13])
	return id, nil
}

// ProductID is the device's product id on transport bit t (one of the
// Transport constants), from the model id; ok is false when the model id
// lists none for it.
func (id Identity) ProductID(t byte) (pid uint16, ok bool) {
	off := 0
	for bit := byte(0x01); bit <= TransportUSB; bit <<= 1 {
		if id.Transports&bit == 0 {
			continue
		}
		if off+2 > len(id.Model) {
			return 0, false
		}
		if bit == t {
			return binary.BigEndian.Uint16(id.Model[off:]), true
		}
		off += 2
	}
	return 0, false
}

// ErrNoIdentity is returned by [Device.Identity] for a device that has no
// feature 0x0003 (HID++ 1.0 devices, some HID++ 2.0 ones): it cannot say
// what unit it is.
var ErrNoIdentity = errors.New("hidpp: the device gives no unit id (no feature 0x0003)")

// Identity reads what the device says it is (feature 0x0003 function 0),
// once: the answer is kept with what is known of the device, so a device
// known from a cache is not asked again. A device without the feature
// gives an error wrapping [ErrNoIdentity].
func (d *Device) Identity(ctx context.Context) (Identity, error) {
	d.mu.Lock()
	id := d.known.Identity
	d.mu.Unlock()
	if id != nil {
		return *id, nil
	}
	p := d.Protocol()
	if p.Major == 0 {
		var err error
		if p, err = d.Ping(ctx); err != nil {
			return Identity{}, err
		}
	}
	if !p.IsFeatureBased() {
		return Identity{}, fmt.Errorf("%w: %s speaks HID++ 1.0", ErrNoIdentity, d)
	}
	rep, err := d.Call(ctx, FeatureFirmware, 0)
	if errors.Is(err, ErrNoFeature) {
		return Identity{}, fmt.Errorf("%w: %s", ErrNoIdentity, d)
	}
	if err != nil {
		return Identity{}, fmt.Errorf("read identity of %s: %w", d, err)
	}
	got, err := DecodeIdentity(rep.Params())
	if err != nil {
		return Identity{}, fmt.Errorf("read identity of %s: %w", d, err)
	}
	d.mu.Lock()
	d.known.Identity = &got
	d.mu.Unlock()
	return got, nil
}
