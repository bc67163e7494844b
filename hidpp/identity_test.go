package hidpp_test

import (
	"context"
	"errors"
	"testing"

	"github.com/helio-linux/helio/hidpp"
)

// TestDecodeIdentity decodes feature 0x0003 function 0 as Solaar's
// recordings show it (docs/devices.md §6): the MX Master 3 over Bluetooth
// (unit 198E3EB8, model B02340820000: Bluetooth LE b023 and wireless
// 4082) and the MX Master 3S on Bolt (unit CD2A6BB7, model B03400000000:
// Bluetooth LE b034 alone).
func TestDecodeIdentity(t *testing.T) {
	tests := []struct {
		name      string
		payload   []byte
		unit      string
		ble, wpid uint16
		hasWPID   bool
	}{
		{"MX Master 3", []byte{0x02, 0x19, 0x8E, 0x3E, 0xB8, 0x00, 0x06, 0xB0, 0x23, 0x40, 0x82, 0x00, 0x00}, "198E3EB8", 0xB023, 0x4082, true},
		{"MX Master 3S", []byte{0x03, 0xCD, 0x2A, 0x6B, 0xB7, 0x00, 0x02, 0xB0, 0x34, 0x00, 0x00, 0x00, 0x00}, "CD2A6BB7", 0xB034, 0, false},
	}
	for _, tt := range tests {
		id, err := hidpp.DecodeIdentity(tt.payload)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if id.UnitID != tt.unit {
			t.Errorf("%s: unit %q, want %q", tt.name, id.UnitID, tt.unit)
		}
		if ble, ok := id.ProductID(hidpp.TransportBluetoothLE); !ok || ble != tt.ble {
			t.Errorf("%s: Bluetooth LE id %04x, %v; want %04x", tt.name, ble, ok, tt.ble)
		}
		if wpid, ok := id.ProductID(hidpp.TransportWireless); ok != tt.hasWPID || wpid != tt.wpid {
			t.Errorf("%s: wpid %04x, %v; want %04x, %v", tt.name, wpid, ok, tt.wpid, tt.hasWPID)
		}
		if _, ok := id.ProductID(hidpp.TransportUSB); ok {
			t.Errorf("%s: a USB id from a model that lists none", tt.name)
		}
	}
	if _, err := hidpp.DecodeIdentity(make([]byte, 12)); !errors.Is(err, hidpp.ErrMalformed) {
		t.Errorf("12 bytes: %v, want ErrMalformed", err)
	}
	zero, _ := hidpp.DecodeIdentity(make([]byte, 16))
	if zero.UnitID != "00000000" {
		t.Errorf("no unit id decodes as %q, want 00000000", zero.UnitID)
	}
	// Every transport bit set: the USB id is the fourth pair, past the
	// six bytes, and is not read.
	all, _ := hidpp.DecodeIdentity([]byte{1, 0, 0, 0, 1, 0, 0x0F, 1, 2, 3, 4, 5, 6})
	if _, ok := all.ProductID(hidpp.TransportUSB); ok {
		t.Error("a product id read past the model id")
	}
}

// TestDevice_Identity: feature 0x0003 is asked once, the answer kept with
// what is known; a device without it, or speaking HID++ 1.0, says so.
func TestDevice_Identity(t *testing.T) {
	f := newFake(scripted(map[string][]string{
		"10 01 00 06 00 03 00": {pad20("11 01 00 06 02 00 00")},
		"10 01 02 06 00 00 00": {pad20("11 01 02 06 02 19 8E 3E B8 00 06 B0 23 40 82 00 00")},
	}))
	c := newConn(t, f, slowOpts)
	d := hidpp.NewDevice(c, 1, &hidpp.Known{Protocol: hidpp.Protocol{Major: 4, Minor: 5}})
	for range 2 {
		id, err := d.Identity(context.Background())
		if err != nil || id.UnitID != "198E3EB8" {
			t.Fatalf("Identity() = %+v, %v", id, err)
		}
	}
	if n := f.writeCount(); n != 2 {
		t.Errorf("%d requests for two Identity calls, want 2 (GetFeature, then function 0 once)", n)
	}
	if k := d.Known(); k.Identity == nil || k.Identity.UnitID != "198E3EB8" {
		t.Errorf("Known().Identity = %+v", k.Identity)
	}

	none := hidpp.NewDevice(newConn(t, newFake(scripted(map[string][]string{
		"10 02 00 06 00 03 00": {pad20("11 02 00 06 00 00 00")},
	})), slowOpts), 2, &hidpp.Known{Protocol: hidpp.Protocol{Major: 4, Minor: 5}})
	if _, err := none.Identity(context.Background()); !errors.Is(err, hidpp.ErrNoIdentity) {
		t.Errorf("a device without 0x0003: %v, want ErrNoIdentity", err)
	}
	old := hidpp.NewDevice(newConn(t, newFake(nil), slowOpts), 3, &hidpp.Known{Protocol: hidpp.Protocol10})
	if _, err := old.Identity(context.Background()); !errors.Is(err, hidpp.ErrNoIdentity) {
		t.Errorf("a HID++ 1.0 device: %v, want ErrNoIdentity", err)
	}
}
