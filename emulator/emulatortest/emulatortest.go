// Package emulatortest opens the emulated receiver for tests the way Helio
// opens a real one, so the packages above the protocol (unifying, sensors,
// the front ends) test against the same device side without repeating the
// set-up.
package emulatortest

import (
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
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
