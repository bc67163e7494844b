package cli

import (
	"strings"
	"testing"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
)

// TestQuery_BadInput: bad input on the new paths, several at once: a Bolt
// receiver answering an error to one slot's pairing registers, a Nano
// answering garbage to one, a Bluetooth device dropping off in the middle
// of the query. Each is said in a line of its own; every other device is
// read; nothing is made up of the garbage.
func TestQuery_BadInput(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	b := emulatortest.Emulate(t, "bolt", "nano", "bluetooth")
	bolt, nano, bt := b.Emulated[0], b.Emulated[1], b.Emulated[2]
	bolt.FaultSlot(2, emulator.SlotFault{Error: hidpp.Err10Busy})
	nano.FaultSlot(1, emulator.SlotFault{Garbage: []byte{0x00, 0x14, 0xFF, 0xFF}})
	if err := bt.DisconnectMidRequest(1); err != nil {
		t.Fatal(err)
	}
	old := newBackend
	newBackend = func(spec string) (transport.Backend, error) {
		if spec == "sim" {
			return b, nil
		}
		return old(spec)
	}
	t.Cleanup(func() { newBackend = old })
	out, errs, code := run(t, "", "--backend", "sim", "query")
	if code != 0 {
		t.Errorf("exit %d, %s", code, errs)
	}
	for _, want := range []string{"MX Keys S", "Logi POP Keys", "Wireless Mouse ", "MX Keys Wireless Keyboard", "MX Master 3  "} {
		if !strings.Contains(out, want) {
			t.Errorf("%s not read", want)
		}
	}
	all := out + errs
	for _, want := range []string{"sim:bolt", "slot 2", "sim:nano", "slot 1", "sim:bluetooth/d4:4e:7a:35:2b:10", "offline"} {
		if !strings.Contains(all, want) {
			t.Errorf("nothing says %s", want)
		}
	}
	if strings.Contains(out, "MX Master 3S") || strings.Contains(out, "ffff") || strings.Contains(out, "30 %") {
		t.Errorf("a device made up of an unreadable slot:\n%s", out)
	}
}
