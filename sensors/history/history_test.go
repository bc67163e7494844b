package history

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
)

// t0 is a fixed start for fake clocks.
var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// clock is a settable fake clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// k750 is the solar keyboard with the given charge and light.
func k750(percent, lux int) sensors.State {
	return sensors.State{ID: "E0662192-4002-750C0DE2", Name: "Wireless Solar Keyboard K750", Codename: "K750",
		Kind: hidpp.KindKeyboard, WPID: 0x4002, Serial: "750C0DE2", Receiver: sensors.ReceiverInfo{Serial: "E0662192"}, Online: true, Solar: true,
		Battery: &hidpp.Battery{Percent: percent, HasPercent: true, Status: hidpp.StatusDischarging, Source: "feature 0x4301"},
		Light:   &sensors.Light{Lux: lux}}
}

// mouse is an M705-like mouse measuring its voltage (feature 0x1001).
func mouse(mV int) sensors.State {
	return sensors.State{ID: "E0662192-101B-0705CAFE", Name: "M705", Codename: "M705", Kind: hidpp.KindMouse,
		WPID: 0x101b, Serial: "0705CAFE", Receiver: sensors.ReceiverInfo{Serial: "E0662192"}, Online: true,
		Battery: &hidpp.Battery{VoltageMV: mV, Percent: hidpp.PercentFromVoltage(mV), HasPercent: true, Approximate: true,
			Status: hidpp.StatusDischarging, Source: "feature 0x1001"}}
}

func open(t testing.TB, path string, opts Opts) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if w := s.Warning(); w != "" {
		t.Errorf("Open(%s) warns: %s", path, w)
	}
	return s
}

// fastSync turns fsync off for tests that write many rows and measure only
// contents and sizes.
func fastSync(t testing.TB) {
	old := synchronous
	synchronous = "OFF"
	t.Cleanup(func() { synchronous = old })
}

func count(t testing.TB, s *Store, id string) int {
	t.Helper()
	rows, err := s.Query(id, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

func TestStore_RecordChangesOnly(t *testing.T) {
	offline := k750(57, 12)
	offline.Online = false
	noLight := k750(57, 12)
	noLight.Light = nil
	renamed := k750(57, 12)
	renamed.Name = "K750 on the desk"
	level := sensors.State{ID: "x-2010-1", Name: "K270", Kind: hidpp.KindKeyboard, Online: true,
		Battery: &hidpp.Battery{Level: hidpp.LevelGood, Status: hidpp.StatusDischarging}}
	tests := []struct {
		name   string
		states []sensors.State
		rows   int
	}{
		{"same state twice", []sensors.State{k750(57, 12), k750(57, 12)}, 1},
		{"light changes", []sensors.State{k750(57, 12), k750(57, 13), k750(57, 13)}, 2},
		{"charge changes", []sensors.State{k750(57, 12), k750(56, 12)}, 2},
		{"goes offline and back", []sensors.State{k750(57, 12), offline, offline, k750(57, 12)}, 3},
		{"light unknown", []sensors.State{k750(57, 12), noLight}, 2},
		{"only the name changes", []sensors.State{k750(57, 12), renamed}, 1},
		{"level device", []sensors.State{level, level}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{now: t0}
			s := open(t, filepath.Join(t.TempDir(), "history.db"), Opts{Now: c.Now})
			for _, st := range tt.states {
				c.Add(time.Second)
				if err := s.Record(st); err != nil {
					t.Fatal(err)
				}
			}
			if got := count(t, s, tt.states[0].ID); got != tt.rows {
				t.Errorf("rows = %d, want %d", got, tt.rows)
			}
			last := tt.states[len(tt.states)-1]
			ds, _ := s.Devices()
			if len(ds) != 1 || ds[0].Name != last.Name {
				t.Errorf("Devices() = %+v, want one named %q", ds, last.Name)
			}
		})
	}
}

// TestStore_Reopen checks that the last row is known again after Open: the
// same state recorded by a new process writes nothing.
func TestStore_Reopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	c := &clock{now: t0}
	s := open(t, path, Opts{Now: c.Now})
	s.Record(k750(57, 12))
	s.Record(mouse(3900))
	s.Close()
	c.Add(time.Minute)
	s = open(t, path, Opts{Now: c.Now})
	for _, st := range []sensors.State{k750(57, 12), mouse(3900), k750(57, 14)} {
		if err := s.Record(st); err != nil {
			t.Fatal(err)
		}
	}
	if k, m := count(t, s, k750(0, 0).ID), count(t, s, mouse(0).ID); k != 2 || m != 1 {
		t.Errorf("rows after reopening: K750 %d, mouse %d; want 2 and 1", k, m)
	}
}

func TestStore_Query(t *testing.T) {
	c := &clock{now: t0}
	s := open(t, filepath.Join(t.TempDir(), "history.db"), Opts{Now: c.Now})
	for i := range 10 { // a change every 10 minutes, lux = i
		c.Set(t0.Add(time.Duration(i) * 10 * time.Minute))
		if err := s.Record(k750(50+i, i)); err != nil {
			t.Fatal(err)
		}
	}
	s.Record(mouse(3900))
	at := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	tests := []struct {
		id           string
		since, until time.Time
		lux          []int
	}{
		{k750(0, 0).ID, time.Time{}, time.Time{}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{k750(0, 0).ID, at(20), at(40), []int{2, 3, 4}}, // both ends included
		{k750(0, 0).ID, at(21), at(39), []int{3}},
		{k750(0, 0).ID, at(75), time.Time{}, []int{8, 9}},
		{k750(0, 0).ID, time.Time{}, at(5), []int{0}},
		{k750(0, 0).ID, at(200), time.Time{}, nil},
		{"no-such-device", time.Time{}, time.Time{}, nil},
	}
	for _, tt := range tests {
		got, err := s.Query(tt.id, tt.since, tt.until)
		if err != nil {
			t.Fatal(err)
		}
		var lux []int
		for _, smp := range got {
			lux = append(lux, smp.Lux)
		}
		if fmt.Sprint(lux) != fmt.Sprint(tt.lux) {
			t.Errorf("Query(%s, %v, %v) lux = %v, want %v", tt.id, tt.since, tt.until, lux, tt.lux)
		}
	}
	for _, tt := range []struct {
		id   string
		at   time.Time
		want Sample
	}{
		{k750(0, 0).ID, at(30), Sample{Online: true, Percent: 53, Status: hidpp.StatusDischarging, Lux: 3}},
		{mouse(0).ID, at(90), Sample{Online: true, Percent: hidpp.PercentFromVoltage(3900), Approximate: true, Status: hidpp.StatusDischarging, VoltageMV: 3900, Lux: -1}},
	} {
		got, _ := s.Query(tt.id, tt.at, tt.at)
		if len(got) != 1 || !got[0].Time.Equal(tt.at) {
			t.Errorf("Query(%s) at %v = %+v, want one sample then", tt.id, tt.at, got)
			continue
		}
		got[0].Time = time.Time{}
		if got[0] != tt.want {
			t.Errorf("Query(%s) at %v = %+v, want %+v", tt.id, tt.at, got[0], tt.want)
		}
	}
}

func TestStore_LastBefore(t *testing.T) {
	c := &clock{now: t0}
	s := open(t, filepath.Join(t.TempDir(), "history.db"), Opts{Now: c.Now})
	for i := range 3 { // lux = i at 0, 10 and 20 minutes
		c.Set(t0.Add(time.Duration(i) * 10 * time.Minute))
		if err := s.Record(k750(57, i)); err != nil {
			t.Fatal(err)
		}
	}
	at := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	tests := []struct {
		id   string
		t    time.Time
		lux  int
		want bool
	}{
		{k750(0, 0).ID, at(15), 1, true},
		{k750(0, 0).ID, at(10), 0, true}, // before, not at
		{k750(0, 0).ID, at(10).Add(time.Millisecond), 1, true},
		{k750(0, 0).ID, at(500), 2, true},
		{k750(0, 0).ID, at(0), 0, false},
		{"no-such-device", at(15), 0, false},
	}
	for _, tt := range tests {
		got, ok, err := s.LastBefore(context.Background(), tt.id, tt.t)
		if err != nil || ok != tt.want || ok && got.Lux != tt.lux {
			t.Errorf("LastBefore(%s, %v) = lux %d, %v, %v; want lux %d, %v", tt.id, tt.t, got.Lux, ok, err, tt.lux, tt.want)
		}
	}
}

func TestStore_Span(t *testing.T) {
	c := &clock{now: t0}
	s := open(t, filepath.Join(t.TempDir(), "history.db"), Opts{Now: c.Now})
	for i := range 5 { // lux = i every 10 minutes
		c.Set(t0.Add(time.Duration(i) * 10 * time.Minute))
		if err := s.Record(k750(57, i)); err != nil {
			t.Fatal(err)
		}
	}
	at := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	tests := []struct {
		since, until time.Time
		lux          []int
	}{
		{at(15), at(35), []int{1, 2, 3}}, // the figures of 0:10 held at 0:15
		{at(20), at(35), []int{1, 2, 3}},
		{at(0), at(5), []int{0}},
		{at(-5), at(5), []int{0}},
		{at(60), at(90), []int{4}}, // nothing stored in the range: the last figures held
	}
	for _, tt := range tests {
		got, err := s.Span(context.Background(), k750(0, 0).ID, tt.since, tt.until)
		if err != nil {
			t.Fatal(err)
		}
		var lux []int
		for _, smp := range got {
			lux = append(lux, smp.Lux)
		}
		if fmt.Sprint(lux) != fmt.Sprint(tt.lux) {
			t.Errorf("Span(%v, %v) lux = %v, want %v", tt.since, tt.until, lux, tt.lux)
		}
	}
}

// TestStore_QueryCanceled checks that a done context ends a query with an
// error that says so, as an interrupted "helio history" needs.
func TestStore_QueryCanceled(t *testing.T) {
	fastSync(t)
	s := open(t, filepath.Join(t.TempDir(), "history.db"), Opts{Now: func() time.Time { return t0 }})
	if err := s.Record(k750(57, 0)); err != nil {
		t.Fatal(err)
	}
	// Many rows at once, as a long history has them.
	if _, err := s.db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
		INSERT INTO samples (device, time_ms, online, percent, approximate, lux)
		SELECT (SELECT id FROM devices), ? + i * 1000, 1, 57, 0, i % 1000 FROM n`, t0.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	id := k750(0, 0).ID
	for name, f := range map[string]func() error{
		"QueryContext": func() error { _, err := s.QueryContext(ctx, id, time.Time{}, time.Time{}); return err },
		"LastBefore":   func() error { _, _, err := s.LastBefore(ctx, id, t0.Add(time.Hour)); return err },
		"Span":         func() error { _, err := s.Span(ctx, id, t0, t0.Add(time.Hour)); return err },
	} {
		if err := f(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context = %v, want context.Canceled", name, err)
		}
	}
	if n := count(t, s, id); n != 50001 {
		t.Errorf("Query without a context: %d rows, want 50001", n)
	}
}

func TestStore_Devices(t *testing.T) {
	c := &clock{now: t0}
	s := open(t, filepath.Join(t.TempDir(), "history.db"), Opts{Now: c.Now})
	s.Record(k750(57, 12))
	c.Add(time.Hour)
	s.Record(mouse(3900))
	c.Add(time.Hour)
	s.Record(k750(57, 300))
	got, err := s.Devices()
	if err != nil {
		t.Fatal(err)
	}
	want := []Device{
		{ID: "E0662192-101B-0705CAFE", Name: "M705", Codename: "M705", Kind: "mouse", WPID: 0x101b, Serial: "0705CAFE",
			First: t0.Add(time.Hour), Last: t0.Add(time.Hour), Samples: 1},
		{ID: "E0662192-4002-750C0DE2", Name: "Wireless Solar Keyboard K750", Codename: "K750", Kind: "keyboard", WPID: 0x4002,
			Serial: "750C0DE2", First: t0, Last: t0.Add(2 * time.Hour), Samples: 2},
	}
	if len(got) != len(want) {
		t.Fatalf("Devices() = %+v, want %+v", got, want)
	}
	for i := range want {
		g := got[i]
		if !g.First.Equal(want[i].First) || !g.Last.Equal(want[i].Last) {
			t.Errorf("device %d times = %v..%v, want %v..%v", i, g.First, g.Last, want[i].First, want[i].Last)
		}
		g.First, g.Last = want[i].First, want[i].Last
		if g != want[i] {
			t.Errorf("device %d = %+v, want %+v", i, g, want[i])
		}
	}
}

// TestStore_Retention records rows of various ages with a fake clock and
// checks what the retention keeps: everything younger than Full, the last
// row of each hour until Hourly, nothing older.
func TestStore_Retention(t *testing.T) {
	now := t0.Add(400 * 24 * time.Hour)
	day := 24 * time.Hour
	hour := func(h int) time.Time { return now.Add(-30 * day).Truncate(time.Hour).Add(time.Duration(h) * time.Hour) }
	rows := []struct {
		at   time.Time
		kept bool
	}{
		{now.Add(-380 * day), false}, // older than a year
		{now.Add(-366 * day), false},
		{now.Add(-364 * day), true},            // alone in its hour
		{hour(10).Add(5 * time.Minute), false}, // thinned: a later row in the hour
		{hour(10).Add(20 * time.Minute), false},
		{hour(10).Add(50 * time.Minute), true}, // the hour's last
		{hour(11).Add(10 * time.Minute), true},
		{now.Add(-3 * day), true}, // younger than Full: all kept
		{now.Add(-3 * day).Add(time.Minute), true},
		{now.Add(-3 * day).Add(2 * time.Minute), true},
		{now.Add(-time.Minute), true},
	}
	c := &clock{now: rows[0].at}
	s := open(t, filepath.Join(t.TempDir(), "history.db"), Opts{Now: c.Now})
	// A mouse last seen 370 days ago: it goes entirely.
	s.Record(mouse(3900))
	for i, r := range rows {
		c.Set(r.at)
		if err := s.Record(k750(50, i)); err != nil {
			t.Fatal(err)
		}
	}
	c.Set(now)
	if err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Query(k750(0, 0).ID, time.Time{}, time.Time{})
	var want []int
	for i, r := range rows {
		if r.kept {
			want = append(want, i)
		}
	}
	var lux []int
	for _, smp := range got {
		lux = append(lux, smp.Lux)
	}
	if fmt.Sprint(lux) != fmt.Sprint(want) {
		t.Errorf("kept rows %v, want %v", lux, want)
	}
	ds, _ := s.Devices()
	if len(ds) != 1 || ds[0].Codename != "K750" {
		t.Errorf("Devices() after retention = %+v, want the K750 only", ds)
	}
	// The mouse is forgotten: recording it again stores a row.
	s.Record(mouse(3900))
	if n := count(t, s, mouse(0).ID); n != 1 {
		t.Errorf("mouse rows after it came back = %d, want 1", n)
	}
	// The K750's last row survived, so the same state is not stored again.
	s.Record(k750(50, len(rows)-1))
	if n := count(t, s, k750(0, 0).ID); n != len(want) {
		t.Errorf("K750 rows after recording its last state again = %d, want %d", n, len(want))
	}
}

// TestStore_ConcurrentReader reads a file while another Store writes it, as
// `helio history` does while the monitor runs.
func TestStore_ConcurrentReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	w := open(t, path, Opts{})
	r, err := OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	const n = 150
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		defer done.Store(true)
		start := time.Now()
		c := &clock{now: start}
		w.opts.Now = c.Now
		for i := range n {
			c.Add(time.Second)
			if err := w.Record(k750(50, i)); err != nil {
				t.Errorf("Record: %v", err)
				return
			}
		}
	})
	reads, last := 0, 0
	for !done.Load() {
		rows, err := r.Query(k750(0, 0).ID, time.Time{}, time.Time{})
		if err != nil {
			t.Fatalf("Query while writing: %v", err)
		}
		if len(rows) < last {
			t.Fatalf("rows went from %d to %d", last, len(rows))
		}
		last = len(rows)
		if _, err := r.Devices(); err != nil {
			t.Fatalf("Devices while writing: %v", err)
		}
		reads++
	}
	wg.Wait()
	if got := count(t, r, k750(0, 0).ID); got != n {
		t.Errorf("reader sees %d rows, want %d", got, n)
	}
	t.Logf("%d reads while %d rows were written", reads, n)
}

func sha(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// rawSQL runs statements on a SQLite file without the Store.
func rawSQL(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// realDB writes a history with enough rows to span many pages, closes it
// and returns its bytes.
func realDB(t *testing.T, path string) []byte {
	t.Helper()
	fastSync(t)
	c := &clock{now: time.Now().Add(-time.Hour)}
	s := open(t, path, Opts{Now: c.Now})
	for i := range 2000 {
		c.Add(time.Second)
		if err := s.Record(k750(i%100, i)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// defaultPathIn is Helio's default history path, under a temporary
// XDG_STATE_HOME, with its directory made.
func defaultPathIn(t *testing.T) string {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	path, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOpen_BadFiles checks that a file that cannot be a Helio history, at
// Helio's own default path, is moved aside, with its -wal, and a new
// history started, with a warning.
func TestOpen_BadFiles(t *testing.T) {
	real := realDB(t, filepath.Join(t.TempDir(), "real.db"))
	random := make([]byte, 8192)
	for i := range random {
		random[i] = byte(rand.IntN(256))
	}
	// A database whose pages were overwritten in the middle.
	scribbled := bytes.Clone(real)
	for i := 4096 * 3; i < 4096*5 && i < len(scribbled); i++ {
		scribbled[i] = byte(rand.IntN(256))
	}
	tests := []struct {
		name  string
		write func(t *testing.T, path string)
		want  string // in the warning
	}{
		{"random bytes", func(t *testing.T, path string) { os.WriteFile(path, random, 0o600) }, "is not a SQLite database"},
		{"text", func(t *testing.T, path string) { os.WriteFile(path, []byte("hello\n"), 0o600) }, "is not a SQLite database"},
		{"truncated to half", func(t *testing.T, path string) { os.WriteFile(path, real[:len(real)/2], 0o600) }, "damaged"},
		{"truncated to its header", func(t *testing.T, path string) { os.WriteFile(path, real[:100], 0o600) }, "damaged"},
		{"truncated inside its magic", func(t *testing.T, path string) { os.WriteFile(path, real[:10], 0o600) }, "truncated"},
		{"pages overwritten", func(t *testing.T, path string) { os.WriteFile(path, scribbled, 0o600) }, "damaged"},
		{"foreign application", func(t *testing.T, path string) {
			rawSQL(t, path, "PRAGMA application_id = 1234", "CREATE TABLE notes (body TEXT)", "INSERT INTO notes VALUES ('mine')")
		}, "another application (application_id 0x000004D2)"},
		{"plain SQLite file", func(t *testing.T, path string) {
			rawSQL(t, path, "CREATE TABLE notes (body TEXT)")
		}, "another application"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := defaultPathIn(t)
			tt.write(t, path)
			os.WriteFile(path+"-wal", []byte("a stale log"), 0o600)
			before := sha(t, path)
			c := &clock{now: time.Date(2026, 11, 21, 23, 12, 18, 0, time.UTC)}
			s, err := Open(path, Opts{Now: c.Now})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			aside := path + ".broken-20261121-231218"
			w := s.Warning()
			if !strings.Contains(w, tt.want) || !strings.Contains(w, path) || !strings.Contains(w, aside) {
				t.Errorf("Warning() = %q, want it to name %s, %s and say %q", w, path, aside, tt.want)
			}
			if sha(t, aside) != before {
				t.Error("the moved file differs from the original")
			}
			if b, _ := os.ReadFile(aside + "-wal"); string(b) != "a stale log" {
				t.Errorf("the -wal file was not moved with it: %q", b)
			}
			if err := s.Record(k750(57, 12)); err != nil {
				t.Fatal(err)
			}
			if n := count(t, s, k750(0, 0).ID); n != 1 {
				t.Errorf("the new history has %d rows, want 1", n)
			}
		})
	}
	t.Run("twice in a second", func(t *testing.T) {
		path := defaultPathIn(t)
		c := &clock{now: t0}
		for i, want := range []string{".broken-20260301-000000", ".broken-20260301-000000-2"} {
			os.WriteFile(path, []byte("garbage"), 0o600)
			s, err := Open(path, Opts{Now: c.Now})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			if _, err := os.Stat(path + want); err != nil {
				t.Errorf("open %d: %v", i, err)
			}
		}
	})
}

// TestOpen_GoodFiles checks files that must open without a warning.
func TestOpen_GoodFiles(t *testing.T) {
	for _, tt := range []struct {
		name  string
		write func(path string)
	}{
		{"missing", func(string) {}},
		{"empty", func(path string) { os.WriteFile(path, nil, 0o600) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "history.db")
			tt.write(path)
			s := open(t, path, Opts{})
			var appID, version int
			var mode string
			s.db.QueryRow("PRAGMA application_id").Scan(&appID)
			s.db.QueryRow("PRAGMA user_version").Scan(&version)
			s.db.QueryRow("PRAGMA journal_mode").Scan(&mode)
			if appID != ApplicationID || version != SchemaVersion || mode != "wal" {
				t.Errorf("application_id %#x, user_version %d, journal_mode %s; want %#x, %d, wal", appID, version, mode, ApplicationID, SchemaVersion)
			}
			if err := s.Record(k750(57, 12)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestOpen_NewerSchema checks that a history from a newer Helio is left as
// it is, whether checkpointed or with rows still in its write-ahead log (the
// newer Helio running).
func TestOpen_NewerSchema(t *testing.T) {
	for _, live := range []bool{false, true} {
		t.Run(fmt.Sprintf("live=%v", live), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "history.db")
			s := open(t, path, Opts{})
			s.Record(k750(57, 12))
			s.Close()
			files := []string{path}
			if live {
				db, err := sql.Open("sqlite", path)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				db.SetMaxOpenConns(1)
				for _, q := range []string{"PRAGMA wal_autocheckpoint = 0", "PRAGMA user_version = 7", "CREATE TABLE newer (x)"} {
					if _, err := db.Exec(q); err != nil {
						t.Fatal(err)
					}
				}
				files = append(files, path+"-wal")
			} else {
				rawSQL(t, path, "PRAGMA journal_mode = DELETE", "PRAGMA user_version = 7")
			}
			var before [][32]byte
			for _, f := range files {
				before = append(before, sha(t, f))
			}
			_, err := Open(path, Opts{})
			var se *SchemaError
			if !errors.As(err, &se) || se.Version != 7 || se.Known != SchemaVersion || se.Path != path {
				t.Fatalf("Open = %v, want a SchemaError for version 7", err)
			}
			if !strings.Contains(err.Error(), "upgrade Helio") {
				t.Errorf("error %q does not say to upgrade Helio", err)
			}
			for i, f := range files {
				if sha(t, f) != before[i] {
					t.Errorf("%s was changed", f)
				}
			}
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				if strings.Contains(e.Name(), "broken") {
					t.Errorf("Open left %s beside the file", e.Name())
				}
			}
		})
	}
}

func TestOpen_Unwritable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	os.WriteFile(file, nil, 0o600)
	t.Run("parent is a file", func(t *testing.T) {
		path := filepath.Join(file, "helio", "history.db")
		_, err := Open(path, Opts{})
		if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, syscall.ENOTDIR) {
			t.Errorf("Open(%s) = %v, want an error naming it, ENOTDIR", path, err)
		}
	})
	t.Run("read-only directory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root writes into read-only directories")
		}
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o500)
		defer os.Chmod(ro, 0o700)
		_, err := Open(filepath.Join(ro, "history.db"), Opts{})
		if err == nil || !strings.Contains(err.Error(), ro) || !strings.Contains(err.Error(), "not writable") {
			t.Errorf("Open in a read-only directory = %v", err)
		}
	})
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/var/lib/someone/state")
	if p, _ := DefaultPath(); p != "/var/lib/someone/state/helio/history.db" {
		t.Errorf("DefaultPath() = %s", p)
	}
	t.Setenv("XDG_STATE_HOME", "relative")
	t.Setenv("HOME", "/home/k750")
	if p, _ := DefaultPath(); p != "/home/k750/.local/state/helio/history.db" {
		t.Errorf("DefaultPath() with a relative XDG_STATE_HOME = %s", p)
	}
}

func TestStore_Closed(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "history.db"), Opts{})
	s.Close()
	if err := s.Record(k750(1, 1)); err == nil {
		t.Error("Record after Close succeeded")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
