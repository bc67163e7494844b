package history

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
)

// schema1 writes a history as Helio wrote schema version 1: devices keyed
// by receiver serial, wpid and device serial. The MX Master 3S was
// recorded on two Bolt receivers (at home, at work), the K750 on one
// Unifying receiver, and a Nano's keyboard, which has no serial, on a
// receiver without one.
func schema1(t *testing.T, path string) {
	t.Helper()
	rawSQL(t, path, schema, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID), "PRAGMA user_version = 1",
		`INSERT INTO devices (id, ident, name, codename, kind, wpid, serial) VALUES
			(1, 'AAAA0001-b034-CD2A6BB7', 'MX Master 3S', 'MX Master 3S', 'mouse', 45108, 'CD2A6BB7'),
			(2, 'E0662192-4002-750C0DE2', 'Wireless Solar Keyboard K750', 'K750', 'keyboard', 16386, '750C0DE2'),
			(3, 'BBBB0002-b034-CD2A6BB7', 'MX Master 3S', 'MX Master 3S', 'mouse', 45108, 'CD2A6BB7'),
			(4, '-4075-00000000', 'Wireless Keyboard', 'K470', 'keyboard', 16501, '00000000')`,
		`INSERT INTO samples (device, time_ms, online, percent, approximate) VALUES
			(1, 1000, 1, 90, 0), (1, 3000, 1, 80, 0),
			(2, 1000, 1, 57, 0),
			(3, 2000, 1, 85, 0), (3, 3000, 1, 79, 0), (3, 4000, 1, 70, 0),
			(4, 1000, 1, 30, 0)`)
}

// TestMigrate_1to2: the recorder re-keys a schema 1 history by wpid and
// unit id, merges the rows of a device recorded under two receivers, and
// keeps the identity of one that has no unit id; a reader reads the old
// file as it is, and changes nothing.
func TestMigrate_1to2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	schema1(t, path)
	sum := sha(t, path)
	r, err := OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	devs, err := r.Devices()
	if err != nil || len(devs) != 4 || devs[0].ID != "AAAA0001-b034-CD2A6BB7" {
		t.Errorf("reading schema 1: %+v, %v", devs, err)
	}
	r.Close()
	if sha(t, path) != sum {
		t.Fatal("the reader changed a schema 1 file")
	}

	s := open(t, path, Opts{Now: func() time.Time { return time.UnixMilli(5000) }, Retention: Retention{Full: 1000 * time.Hour}})
	var version int
	s.db.QueryRow("PRAGMA user_version").Scan(&version)
	if version != 2 {
		t.Errorf("user_version %d after the recorder opened it, want 2", version)
	}
	devs, err = s.Devices()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range devs {
		got = append(got, fmt.Sprintf("%s %d", d.ID, d.Samples))
	}
	if g, want := strings.Join(got, ", "), "b034-CD2A6BB7 4, -4075-00000000 1, 4002-750C0DE2 1"; g != want {
		t.Errorf("devices after the migration: %s, want %s", g, want)
	}
	samples, err := s.Query("b034-CD2A6BB7", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var pcts []string
	for _, smp := range samples {
		pcts = append(pcts, fmt.Sprintf("%d:%d", smp.Time.UnixMilli(), smp.Percent))
	}
	// The row both had at 3000 keeps the first identity's.
	if g, want := strings.Join(pcts, " "), "1000:90 2000:85 3000:80 4000:70"; g != want {
		t.Errorf("merged rows %s, want %s", g, want)
	}
	// Recording under the new identity goes on the merged history.
	st := sensors.State{ID: "b034-CD2A6BB7", Name: "MX Master 3S", Codename: "MX Master 3S", Kind: hidpp.KindMouse, WPID: 0xb034,
		Serial: "CD2A6BB7", Online: true, Battery: &hidpp.Battery{Percent: 65, HasPercent: true}}
	if err := s.Record(st); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "b034-CD2A6BB7"); n != 5 {
		t.Errorf("%d rows after one more, want 5", n)
	}
	s.Close()

	// A migrated file is not migrated again.
	s2 := open(t, path, Opts{Now: func() time.Time { return time.UnixMilli(5000) }, Retention: Retention{Full: 1000 * time.Hour}})
	if n := count(t, s2, "b034-CD2A6BB7"); n != 5 {
		t.Errorf("%d rows on the next open, want 5", n)
	}
	s2.Close()
}
