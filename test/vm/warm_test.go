package vm

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/test/rig"
)

// warmTarget is issue 13's goal for a query without a running Helio: with
// the device cache, at most one HID++ request a device, and none to a
// receiver the kernel lists the devices of (hid-logitech-dj on hidraw).
const warmTarget = 1

// TestQuery_Warm holds helio query to that goal over the real hidraw nodes,
// as JSON and as text, and checks that what it no longer asks is never
// taken from another receiver: the same one plugged in again, and another
// one in the same port paired with the very same devices, are asked who
// they are.
func TestQuery_Warm(t *testing.T) {
	pl := rig.Plug(t, nil)
	k750Read(t)
	emu := pl.Emus[0]
	cache := t.TempDir()
	want := map[string]int{"4082": 80, "4002": 57, "101b": 100}
	// query runs helio query and checks what it says: the receiver's
	// serial and every device's charge. It returns the requests each
	// device index received.
	query := func(what, serial string, args ...string) map[byte]int {
		t.Helper()
		emu.ResetRequests()
		out, took, err := runHelio(t, cache, append([]string{"query"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		reqs := emu.Requests()
		t.Logf("%s: %v, requests %v", what, took.Round(time.Millisecond), reqs)
		if len(args) == 0 { // text
			for _, s := range []string{"serial " + serial, "80 %", "57 %, ", " lux", "100 %"} {
				if !strings.Contains(string(out), s) {
					t.Errorf("%s: %q missing from\n%s", what, s, out)
				}
			}
			return reqs
		}
		q := rig.ParseQuery(t, out)
		if len(q.Receivers) != 1 || q.Receivers[0].Serial != serial || len(q.Receivers[0].Devices) != len(want) {
			t.Fatalf("%s: receivers %+v, want one, serial %s, with %d devices", what, q.Receivers, serial, len(want))
		}
		for _, d := range q.Receivers[0].Devices {
			if p, ok := want[d.WPID]; !ok || !d.Online || d.Percent() != p {
				t.Errorf("%s: %s (%s) online %v at %d %%, want %d %%", what, d.Name, d.WPID, d.Online, d.Percent(), p)
			}
		}
		return reqs
	}
	warm := func(what, serial string, args ...string) {
		t.Helper()
		reqs := query(what, serial, args...)
		if n := reqs[0xFF]; n != 0 {
			t.Errorf("%s: %d requests to the receiver, want none", what, n)
		}
		for ix := byte(1); ix <= 3; ix++ {
			if n := reqs[ix]; n > warmTarget {
				t.Errorf("%s: %d requests to device %d, want at most %d", what, n, ix, warmTarget)
			}
		}
	}
	asked := func(what string, reqs map[byte]int) {
		t.Helper()
		if reqs[0xFF] == 0 {
			t.Errorf("%s: the receiver was not asked who it is", what)
		}
	}

	query("cold", "E0662192", "--json")
	warm("warm, --json", "E0662192", "--json")
	warm("warm, text", "E0662192")
	before := time.Now()
	warm("warm, --json, timed", "E0662192", "--json")
	rig.Metric("hidraw_query_warm_target_ms", time.Since(before).Milliseconds())

	// The same receiver out and in again: a new plugging-in.
	pl.UHIDs[0].Unplug()
	rig.WaitFor(t, 10*time.Second, "the receiver's nodes to go", func() bool { return len(rig.Receivers()) == 0 })
	if err := pl.UHIDs[0].Plug(); err != nil {
		t.Fatal(err)
	}
	replugged(t)
	asked("plugged in again", query("plugged in again", "E0662192", "--json"))
	warm("plugged in again, warm", "E0662192", "--json")

	// Another receiver in the same port, paired with the same devices.
	pl.UHIDs[0].Unplug()
	rig.WaitFor(t, 10*time.Second, "the receiver's nodes to go", func() bool { return len(rig.Receivers()) == 0 })
	twin := rig.DefaultProfile(t)
	twin.Receiver.Serial = "0000ABCD"
	tw := rig.Plug(t, nil, twin)
	k750Read(t)
	emu = tw.Emus[0]
	asked("another receiver in the port", query("another receiver in the port", "0000ABCD", "--json"))
	warm("another receiver in the port, warm", "0000ABCD", "--json")
}

// replugged waits until the kernel has bound the default receiver again,
// and read its K750.
func replugged(t *testing.T) {
	t.Helper()
	rig.WaitFor(t, 20*time.Second, "the receiver's hidraw node", func() bool { return len(rig.Receivers()) == 1 })
	n := len(rig.DefaultProfile(t).Devices)
	rig.WaitFor(t, 30*time.Second, fmt.Sprintf("%d power supplies", n), func() bool { return len(rig.PowerSupplies()) >= n })
	k750Read(t)
}
