// Package emulatortest opens the emulated receiver for tests the way Helio
// opens a real one, so the packages above the protocol (unifying, sensors,
// the front ends) test against the same device side without repeating the
// set-up; and it presents the emulated receiver to the transport
// conformance test (package transporttest).
package emulatortest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport/transporttest"
)

// Timeout is the reply timeout of the connections Open makes: short, since
// the emulator answers at once, long enough for a loaded machine.
const Timeout = 300 * time.Millisecond

// Open emulates the receiver of profile p (nil: the built-in default) with
// light reports 10 ms apart, and opens a HID++ connection on it. Both are
// closed when the test ends.
func Open(t testing.TB, p *emulator.Profile) (*emulator.Backend, *hidpp.Conn) {
	t.Helper()
	if p == nil {
		var err error
		if p, err = emulator.BuiltinProfile("default"); err != nil {
			t.Fatal(err)
		}
	}
	b := emulator.NewBackend(p, "test", &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(b.Receiver.Close)
	infos, _ := b.Receivers()
	tc, err := b.Open(infos[0])
	if err != nil {
		t.Fatal(err)
	}
	c := hidpp.NewConn(tc, &hidpp.Opts{DeviceTimeout: Timeout, ReceiverTimeout: Timeout})
	t.Cleanup(func() { c.Close() })
	return b, c
}

// Device is the emulated receiver r as the device end of the transport
// conformance test ([transporttest.TestConn]): Send hands a report to every
// open Conn ([emulator.Receiver.InjectRaw]), and Written returns what was
// written to r ([emulator.Receiver.Tap]) from now until the test ends. It
// works alike for r's own Conns and for r on uhid behind a hidraw node.
func Device(t testing.TB, r *emulator.Receiver) transporttest.Device {
	written, stop := r.Tap(256)
	t.Cleanup(stop)
	return &device{r: r, written: written}
}

type device struct {
	r       *emulator.Receiver
	written <-chan []byte
}

func (d *device) Send(report []byte) error {
	d.r.InjectRaw(report)
	return nil
}

func (d *device) Written(ctx context.Context) ([]byte, error) {
	select {
	case b, ok := <-d.written:
		if !ok {
			return nil, errors.New("emulatortest: the tap has ended")
		}
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
