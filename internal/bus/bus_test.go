package bus

import (
	"errors"
	"testing"
)

func TestCheckAddress(t *testing.T) {
	for _, tt := range []struct {
		addr string
		ok   bool
	}{
		{"unix:path=/run/user/1000/bus", true},
		{"unix:abstract=/tmp/dbus-x,guid=1234", true},
		{"unix:path=/a;tcp:host=localhost,port=1", true},
		{"autolaunch:", true},
		{"nonsense", false},
		{":path=/x", false},
		{"unix:path", false},
		{"unix:=x", false},
	} {
		err := CheckAddress(tt.addr)
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrBadAddress) {
			t.Errorf("CheckAddress(%q) = %v, want ok %v", tt.addr, err, tt.ok)
		}
	}
}

func TestSession_None(t *testing.T) {
	env := map[string]string{"XDG_RUNTIME_DIR": t.TempDir()}
	if _, _, err := Session(func(k string) string { return env[k] }); !errors.Is(err, ErrNoSessionBus) {
		t.Errorf("Session without a bus = %v, want ErrNoSessionBus", err)
	}
}
