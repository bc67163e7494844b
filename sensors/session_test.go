package sensors_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/transport"
)

// lockedOut is a backend that lists, besides the emulated receiver, one
// this user may not open.
type lockedOut struct {
	transport.Backend
	withEmulator bool
}

var locked = transport.Info{Backend: "sim", Path: "/dev/hidraw9", VendorID: 0x046d, ProductID: 0xc52b}

func (b lockedOut) Receivers() ([]transport.Info, error) {
	infos, err := b.Backend.Receivers()
	if !b.withEmulator {
		infos = nil
	}
	return append(infos, locked), err
}

func (b lockedOut) Open(info transport.Info) (transport.Conn, error) {
	if info == locked {
		return nil, &transport.PermissionError{Path: info.Path, Err: os.ErrPermission}
	}
	return b.Backend.Open(info)
}

func newBackend(t *testing.T) *emulator.Backend {
	t.Helper()
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	b := emulator.NewBackend(p, "sim", &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(func() { b.Receiver.Close() })
	return b
}

func TestSession(t *testing.T) {
	ctx := context.Background()
	s, err := sensors.Open(ctx, lockedOut{newBackend(t), true}, sensors.SessionOpts{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var pe *transport.PermissionError
	if len(s.Receivers) != 1 || len(s.Errs) != 1 || !errors.As(s.Errs[0], &pe) {
		t.Fatalf("Open = %d receivers, errors %v; want the emulated one, and the locked one's permission error", len(s.Receivers), s.Errs)
	}
	if n := len(s.Devices()); n != 3 {
		t.Errorf("Devices = %d, want 3", n)
	}
	states := s.Read(ctx, fast)
	if len(states) != 1 || len(states[0]) != 3 {
		t.Fatalf("Read = %v", states)
	}
	for _, st := range states[0] {
		if !st.Online || st.Battery == nil || st.Err != nil || st.BatteryTime.IsZero() {
			t.Errorf("%s: %+v", st.Name, st)
		}
	}
	if s.Requests() == 0 {
		t.Error("Requests = 0")
	}
}

func TestOpen_Errors(t *testing.T) {
	ctx := context.Background()
	var pe *transport.PermissionError
	if _, err := sensors.Open(ctx, lockedOut{newBackend(t), false}, sensors.SessionOpts{}); !errors.As(err, &pe) {
		t.Errorf("Open with only a locked receiver = %v, want a *transport.PermissionError", err)
	}
	b := newBackend(t)
	b.Receiver.Unplug()
	if _, err := sensors.Open(ctx, b, sensors.SessionOpts{}); !errors.Is(err, sensors.ErrNoReceiver) {
		t.Errorf("Open with no receiver = %v, want ErrNoReceiver", err)
	}
}

func TestReadBackend(t *testing.T) {
	states, err := sensors.ReadBackend(context.Background(), lockedOut{newBackend(t), true}, sensors.SessionOpts{}, fast)
	var pe *transport.PermissionError
	if len(states) != 3 || !errors.As(err, &pe) {
		t.Errorf("ReadBackend = %d states, %v; want 3 and the locked receiver's error", len(states), err)
	}
}
