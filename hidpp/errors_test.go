package hidpp_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/helio-linux/helio/hidpp"
)

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		err  *hidpp.Error
		want []string
	}{
		{&hidpp.Error{Version: 1, Code: 0x09, Device: 2, SubID: 0x81, Address: 0x0D},
			[]string{"resource error", "0x09", "HID++ 1.0", "device 0x02", "register 0x0D"}},
		{&hidpp.Error{Version: 1, Code: 0x02, Device: 2, SubID: 0x81, Address: 0x0D},
			[]string{"invalid address", "0x02", "register 0x0D"}},
		{&hidpp.Error{Version: 1, Code: 0x01, Device: 1, SubID: 0x00, Address: 0x12},
			[]string{"invalid sub-ID", "HID++ 1.0"}},
		{&hidpp.Error{Version: 1, Code: 0x03, Device: 0xFF, SubID: 0x81, Address: 0xF1},
			[]string{"invalid value", "device 0xFF", "register 0xF1"}},
		{&hidpp.Error{Version: 2, Code: 0x06, Device: 2, SubID: 0x09, Address: 0x16},
			[]string{"invalid feature index", "HID++ 2.0", "feature index 9", "function 1"}},
		{&hidpp.Error{Version: 2, Code: 0x09, Device: 2, SubID: 0x05, Address: 0x26},
			[]string{"unsupported", "feature index 5", "function 2"}},
		{&hidpp.Error{Version: 2, Code: 0x42, Device: 2, SubID: 0x05, Address: 0x26},
			[]string{"unknown error 0x42"}},
	}
	for _, tt := range tests {
		msg := tt.err.Error()
		for _, w := range tt.want {
			if !strings.Contains(msg, w) {
				t.Errorf("(%+v).Error() = %q, want it to contain %q", *tt.err, msg, w)
			}
		}
	}
}

func TestErrorIs(t *testing.T) {
	tests := []struct {
		err               *hidpp.Error
		offline, noDevice bool
	}{
		{&hidpp.Error{Version: 1, Code: hidpp.Err10ResourceError}, true, false},
		{&hidpp.Error{Version: 1, Code: hidpp.Err10UnknownDevice}, false, true},
		{&hidpp.Error{Version: 1, Code: hidpp.Err10InvalidSubID}, false, false},
		{&hidpp.Error{Version: 1, Code: hidpp.Err10InvalidAddress}, false, false},
		{&hidpp.Error{Version: 1, Code: hidpp.Err10ConnectFail}, false, false},
		// The same numbers in HID++ 2.0 mean something else.
		{&hidpp.Error{Version: 2, Code: 0x09}, false, false},
		{&hidpp.Error{Version: 2, Code: 0x08}, false, false},
	}
	for _, tt := range tests {
		for _, err := range []error{tt.err, fmt.Errorf("ping device 1: %w", tt.err)} {
			if got := errors.Is(err, hidpp.ErrOffline); got != tt.offline {
				t.Errorf("errors.Is(%v, ErrOffline) = %v, want %v", err, got, tt.offline)
			}
			if got := errors.Is(err, hidpp.ErrNoDevice); got != tt.noDevice {
				t.Errorf("errors.Is(%v, ErrNoDevice) = %v, want %v", err, got, tt.noDevice)
			}
			for _, other := range []error{hidpp.ErrTimeout, hidpp.ErrClosed, hidpp.ErrMalformed} {
				if errors.Is(err, other) {
					t.Errorf("errors.Is(%v, %v) = true, want false", err, other)
				}
			}
			var e *hidpp.Error
			if !errors.As(err, &e) || e != tt.err {
				t.Errorf("errors.As(%v, *Error) = %v, want %v", err, e, tt.err)
			}
		}
	}
}

func TestErrorCodeName(t *testing.T) {
	tests := []struct {
		version, code byte
		want          string
	}{
		{1, 0x00, "success"},
		{1, 0x01, "invalid sub-ID"},
		{1, 0x02, "invalid address"},
		{1, 0x08, "unknown device"},
		{1, 0x09, "resource error"},
		{1, 0x0C, "wrong PIN code"},
		{1, 0x0D, "unknown error 0x0D"},
		{1, 0xFF, "unknown error 0xFF"},
		{2, 0x00, "no error"},
		{2, 0x06, "invalid feature index"},
		{2, 0x07, "invalid function"},
		{2, 0x09, "unsupported"},
		{2, 0x0A, "unknown error 0x0A"},
		{2, 0x80, "unknown error 0x80"},
	}
	for _, tt := range tests {
		if got := hidpp.ErrorCodeName(tt.version, tt.code); got != tt.want {
			t.Errorf("ErrorCodeName(%d, 0x%02X) = %q, want %q", tt.version, tt.code, got, tt.want)
		}
		e := &hidpp.Error{Version: tt.version, Code: tt.code}
		if got := e.CodeName(); got != tt.want {
			t.Errorf("(%+v).CodeName() = %q, want %q", *e, got, tt.want)
		}
	}
}
