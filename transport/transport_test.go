package transport

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestPermissionError(t *testing.T) {
	err := error(&PermissionError{Path: "/dev/hidraw0", Err: os.ErrPermission})
	for _, w := range []string{"/dev/hidraw0", "42-helio.rules", "make install-udev"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not name %q", err, w)
		}
	}
	if !errors.Is(err, os.ErrPermission) {
		t.Error("PermissionError does not unwrap")
	}
}

func TestBus(t *testing.T) {
	tests := []struct {
		b    Bus
		want string
	}{{0, ""}, {BusUSB, "usb"}, {BusBluetooth, "bluetooth"}, {0x19, "bus 0x0019"}}
	for _, tt := range tests {
		if got := tt.b.String(); got != tt.want {
			t.Errorf("Bus(%d).String() = %q, want %q", tt.b, got, tt.want)
		}
		if back, ok := ParseBus(tt.want); !ok || back != tt.b {
			t.Errorf("ParseBus(%q) = %d, %v; want %d", tt.want, back, ok, tt.b)
		}
	}
	if _, ok := ParseBus("firewire"); ok {
		t.Error("ParseBus(firewire) succeeded")
	}
}

func TestInfo_Direct(t *testing.T) {
	tests := []struct {
		info Info
		want bool
	}{
		{Info{VendorID: 0x046D, ProductID: 0xC52B}, false},
		{Info{VendorID: 0x046D, ProductID: 0xC548}, false},
		{Info{VendorID: 0x046D, ProductID: 0xB023, Bus: BusBluetooth}, true},
		{Info{VendorID: 0x1234, ProductID: 0xB023, Bus: BusBluetooth}, false},
		{Info{}, false},
	}
	for _, tt := range tests {
		if got := tt.info.Direct(); got != tt.want {
			t.Errorf("%v.Direct() = %v, want %v", tt.info, got, tt.want)
		}
	}
}
