package window

import (
	"context"
	"flag"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/sensors/history"
	"github.com/helio-linux/helio/unifying"
)

// emulatedHistory makes TestEmulatedHistory write a week ending now into
// a database of the caller's: scripts/window-shot.sh fills the window's
// charts with it.
var emulatedHistory = flag.String("emulated-history", "",
	"write 7 days of emulated readings, ending now, to this history database `PATH`")

// recordEmulated drives the emulated receiver (profile "default") through
// simulated time from start to end with a clock of its own, reading every
// device each 10 minutes as the direct read does and recording the states
// in the history at path, stamped with that clock. The K750's light and
// charge are the emulator's (its day schedule, its charge model); the mice,
// which the emulator does not drain, lose a point every few hours, the MX
// Master 3 is charged on the fourth day, and is out of range (switched
// off) for half a day.
func recordEmulated(t testing.TB, path string, start, end time.Time) {
	t.Helper()
	var mu sync.Mutex
	clock := start
	nowf := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	b := emulator.NewBackend(p, "emulated", &emulator.Opts{Second: time.Millisecond, Now: nowf})
	defer b.Receiver.Close()
	infos, err := b.Receivers()
	if err != nil || len(infos) != 1 {
		t.Fatalf("emulated receivers: %v, %v", infos, err)
	}
	tc, err := b.Open(infos[0])
	if err != nil {
		t.Fatal(err)
	}
	c := hidpp.NewConn(tc, &hidpp.Opts{DeviceTimeout: 300 * time.Millisecond, ReceiverTimeout: 300 * time.Millisecond})
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := unifying.Open(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.EnableNotifications(ctx); err != nil {
		t.Fatal(err)
	}
	devs, err := r.Devices(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Follow the receiver's connection notifications, as the monitor does,
	// so a device back in range is read again.
	reports, unsubscribe := c.Subscribe()
	defer unsubscribe()
	go func() {
		for rep := range reports {
			r.Track(&rep)
		}
	}()

	st, err := history.Open(path, history.Opts{Now: nowf})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const step = 10 * time.Minute
	for now := start; now.Before(end); now = now.Add(step) {
		mu.Lock()
		clock = now
		mu.Unlock()
		hours := now.Sub(start).Hours()
		mx := 100 - int(hours/6)
		if hours >= 72 {
			mx = 100 - int((hours-72)/6)
		}
		offline := hours >= 30 && hours < 42
		if err := b.Receiver.SetOnline(1, !offline); err != nil {
			t.Fatal(err)
		}
		if err := b.Receiver.SetBattery(1, max(mx, 1), hidpp.StatusDischarging); err != nil {
			t.Fatal(err)
		}
		if err := b.Receiver.SetBattery(3, max(100-int(hours/9), 1), hidpp.StatusDischarging); err != nil {
			t.Fatal(err)
		}
		if !offline && !devs[0].Online() {
			// The reconnection notification is on its way; wait for it
			// rather than read the mouse as still away.
			for end := time.Now().Add(time.Second); !devs[0].Online() && time.Now().Before(end); {
				time.Sleep(time.Millisecond)
			}
		}
		for _, rd := range sensors.ReadAll(ctx, devs, &sensors.Opts{Now: nowf, LightWait: time.Second}) {
			if err := st.Record(rd); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestEmulatedHistory checks the emulated week: the K750's light follows
// the emulator's days and nights, its charge moves, and the MX Master's
// time out of range shows as offline rows.
func TestEmulatedHistory(t *testing.T) {
	path, end, days := filepath.Join(t.TempDir(), "history.db"), now, 2
	if *emulatedHistory != "" {
		path, end, days = *emulatedHistory, time.Now().Truncate(time.Minute), 7
	}
	start := end.Add(-time.Duration(days) * 24 * time.Hour)
	recordEmulated(t, path, start, end)

	st, err := history.Open(path, history.Opts{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	devs, err := st.Devices()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]history.Sample{}
	for _, d := range devs {
		if byName[d.Name], err = st.Query(d.ID, start, end); err != nil {
			t.Fatal(err)
		}
	}
	k750 := byName["Wireless Solar Keyboard K750"]
	dark, bright := false, false
	charges := map[int]bool{}
	for _, s := range k750 {
		dark = dark || s.Lux == 0
		bright = bright || s.Lux > hidpp.SolarChargingLux
		charges[s.Percent] = true
	}
	if !dark || !bright || len(charges) < 2 {
		t.Errorf("K750 over %d days: dark %v, bright %v, %d charge figures; want nights, days and a moving charge",
			days, dark, bright, len(charges))
	}
	offline, back := false, false
	for _, s := range byName["MX Master 3 Wireless Mouse"] {
		if !s.Online {
			offline = true
		} else if offline {
			back = true
		}
	}
	if !offline || !back {
		t.Errorf("MX Master: offline rows %v, back in range after %v; want both", offline, back)
	}
	if len(byName["M705"]) < 2 {
		t.Errorf("M705: %d rows, want its falling charge", len(byName["M705"]))
	}
}
