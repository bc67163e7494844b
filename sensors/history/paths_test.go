package history_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/sensors/history"
)

// TestRecord_AcrossPaths: the MX Master 3S read on a Bolt receiver one day
// and over Bluetooth the next is one device of the history, since its
// unit id (feature 0x0003; Bolt's 0xB5 0x5n) says it is the same mouse:
// one row from each path, under one identity.
func TestRecord_AcrossPaths(t *testing.T) {
	const id = "b034-CD2A6BB7"
	s, err := history.Open(filepath.Join(t.TempDir(), "history.db"), history.Opts{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	paths := []struct {
		profile string
		slot    byte
		percent int
	}{
		{"bolt", 2, 25},
		{"bluetooth-3s", 1, 20},
	}
	for _, p := range paths {
		b := emulatortest.Emulate(t, p.profile)
		b.Receiver.SetBattery(p.slot, p.percent, 0)
		states, err := sensors.ReadBackend(context.Background(), b, sensors.SessionOpts{}, nil)
		if err != nil {
			t.Fatalf("%s: %v", p.profile, err)
		}
		found := false
		for _, st := range states {
			if st.ID != id {
				continue
			}
			found = true
			if st.Battery == nil || st.Battery.Percent != p.percent {
				t.Fatalf("%s: the MX Master 3S reads %+v, want %d %%", p.profile, st.Battery, p.percent)
			}
			if err := s.Record(st); err != nil {
				t.Fatal(err)
			}
		}
		if !found {
			t.Fatalf("%s: no device %s among %d read", p.profile, id, len(states))
		}
	}
	devs, err := s.Devices()
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].ID != id || devs[0].Samples != 2 {
		t.Fatalf("history devices = %+v, want one, %s, with 2 rows", devs, id)
	}
	rows, err := s.Query(id, time.Time{}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Percent != 25 || rows[1].Percent != 20 {
		t.Fatalf("rows of %s = %+v, want 25 %% (Bolt), then 20 %% (Bluetooth)", id, rows)
	}
}
