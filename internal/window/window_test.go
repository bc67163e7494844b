package window

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/sensors/history"
	"github.com/helio-linux/helio/unifying"
)

// now is the tests' clock: every time shown and every range is fixed, so
// the golden images are.
var now = time.Date(2026, 11, 20, 14, 5, 9, 0, time.UTC)

func fixedNow() time.Time { return now }

// newTestWindow renders Helio's window on fyne's software test driver,
// in fyne's own light theme so the goldens look like the real window.
// XDG_CACHE_HOME points into the test's directory: fyne's font scan writes
// its cache there.
func newTestWindow(t *testing.T, opts Opts) (*Window, fyne.Window) {
	t.Helper()
	cache := filepath.Join(t.TempDir(), "cache")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", cache)
	test.NewTempApp(t)
	test.ApplyTheme(t, theme.LightTheme())
	if opts.ConfigPath == "" {
		opts.ConfigPath = filepath.Join(t.TempDir(), "config.toml")
	}
	opts.Now, opts.Location = fixedNow, time.UTC
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	win := New(w, opts)
	return win, w
}

// emulatedStates reads every device of the emulated receiver once, as the
// direct read does, stamped with the test clock: the MX Master 3 at 80 %,
// the K750 at 57 % in 12 lux, the M705 as its HID++ 1.0 register gives
// it. A fourth device, paired but out of range since yesterday, is added:
// the emulator's profile has none.
func emulatedStates(t *testing.T) []sensors.State {
	t.Helper()
	_, conn := emulatortest.Open(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := unifying.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	devs, err := r.Devices(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	states := sensors.ReadAll(ctx, devs, &sensors.Opts{Now: fixedNow})
	yesterday := now.Add(-26 * time.Hour)
	states = append(states, sensors.State{ID: "E0662192-4069-720ABCDE", Name: "M720 Triathlon", Kind: hidpp.KindMouse,
		Serial: "720ABCDE", Battery: &hidpp.Battery{Percent: 45, HasPercent: true, Status: hidpp.StatusDischarging},
		BatteryTime: yesterday, SeenTime: yesterday})
	return states
}

func TestDevices_Golden(t *testing.T) {
	states := emulatedStates(t)
	for _, want := range []string{"MX Master 3 Wireless Mouse", "Wireless Solar Keyboard K750", "M705"} {
		found := false
		for _, s := range states {
			found = found || s.Name == want
		}
		if !found {
			t.Fatalf("the emulator gave no %s: %+v", want, states)
		}
	}
	for _, tt := range []struct {
		golden string
		snap   Snapshot
	}{
		{"devices-tray.png", Snapshot{States: states, Source: SourceTray}},
		{"devices-direct.png", Snapshot{States: states[:3], Source: SourceDirect, Read: now}},
		{"devices-none.png", Snapshot{Source: SourceDirect, Read: now, Err: errStub("no Logitech receiver found")}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			win, w := newTestWindow(t, Opts{HistoryPath: filepath.Join(t.TempDir(), "none.db")})
			win.Show(tt.snap)
			test.AssertImageMatches(t, tt.golden, w.Canvas().Capture())
		})
	}
}

// errStub is an error with a fixed text, for the banner of a failed read.
type errStub string

func (e errStub) Error() string { return string(e) }

func TestDevices_Wording(t *testing.T) {
	win, _ := newTestWindow(t, Opts{HistoryPath: filepath.Join(t.TempDir(), "none.db")})
	win.Show(Snapshot{States: emulatedStates(t), Source: SourceTray})
	got := texts(win.devices.list)
	for _, want := range []string{
		"80 %, discharging",
		"57 %, 12 lux, discharging",
		"100 %, discharging",
		"Updated 14:05:09",
		"Offline Out of range, switched off or asleep; last known charge 45 %",
		"Last seen Nov 19, 12:05",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the device list lacks %q; it shows:\n%s", want, got)
		}
	}
}

// record writes a week of emulated readings into a history database at
// path, each through history.Store.Record with the clock set to its time:
// an MX Master 3 slowly discharging and charged once, a K750 whose light
// follows the days (and so its charge), an M705 that reports only levels,
// and a mouse that went out of range for a day.
func record(t testing.TB, path string, end time.Time) {
	t.Helper()
	clock := end.Add(-7 * 24 * time.Hour)
	st, err := history.Open(path, history.Opts{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mx := sensors.State{ID: "E0662192-4082-1A2B3C4D", Name: "MX Master 3", Kind: hidpp.KindMouse, Serial: "1A2B3C4D", Online: true}
	k750 := sensors.State{ID: "E0662192-4002-750C0DE2", Name: "K750", Kind: hidpp.KindKeyboard, Serial: "750C0DE2", Online: true, Solar: true}
	m705 := sensors.State{ID: "E0662192-101B-705B0A1D", Name: "M705", Kind: hidpp.KindMouse, Serial: "705B0A1D", Online: true}
	rec := func(s sensors.State) {
		if err := st.Record(s); err != nil {
			t.Fatal(err)
		}
	}
	charge := 57.0
	for i := 0; clock.Before(end); i++ {
		hours := float64(i) / 6 // a reading every 10 minutes
		// MX Master: 100 % down 3 points a day, charged to 100 on day 4.
		p := 100 - int(hours/8)
		if hours >= 4*24 {
			p = 100 - int((hours-4*24)/8)
		}
		mx.Online = !(hours >= 30 && hours < 42) // out of range for 12 hours
		mx.Battery = &hidpp.Battery{Percent: p, HasPercent: true, Status: hidpp.StatusDischarging}
		rec(mx)
		// K750: daylight from 7:00 to 19:00, brighter mid-day.
		h := clock.Hour()
		lux := 0
		if h >= 7 && h < 19 {
			lux = 80 + 60*(6-abs(13-h))
		}
		if lux > hidpp.SolarChargingLux {
			charge = min(100, charge+0.05)
		} else {
			charge = max(0, charge-0.02)
		}
		k750.Battery = &hidpp.Battery{Percent: int(charge), HasPercent: true, Status: hidpp.StatusDischarging}
		k750.Light = &sensors.Light{Lux: lux}
		rec(k750)
		level := hidpp.LevelGood
		if hours > 5*24 {
			level = hidpp.LevelLow
		}
		m705.Battery = &hidpp.Battery{Level: level, Status: hidpp.StatusDischarging}
		rec(m705)
		clock = clock.Add(10 * time.Minute)
	}
}

func abs(v int) int { return max(v, -v) }

func TestCharts_Golden(t *testing.T) {
	db := filepath.Join(t.TempDir(), "history.db")
	record(t, db, now)
	win, w := newTestWindow(t, Opts{HistoryPath: db})
	win.Select(TabCharts)
	test.AssertImageMatches(t, "charts-24h.png", w.Canvas().Capture())
	// The M705 last changed days ago; its level still holds in the day.
	if got := texts(win.charts.pages[0]); !strings.Contains(got, "Not charted: M705") {
		t.Errorf("the day's charts lack the M705's note; they show:\n%s", got)
	}
	win.SelectRange(1)
	test.AssertImageMatches(t, "charts-7d.png", w.Canvas().Capture())
	got := texts(win.charts.tabs)
	for _, want := range []string{"Charge", "Light on the solar cells", "MX Master 3", "K750", "charges above 200 lux",
		"Not charted: M705"} {
		if !strings.Contains(got, want) {
			t.Errorf("the charts lack %q; they show:\n%s", want, got)
		}
	}
}

func TestCharts_Empty(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	st, err := history.Open(empty, history.Opts{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	missing := filepath.Join(dir, "state", "missing.db")
	for _, tt := range []struct{ name, path string }{{"no database", missing}, {"empty database", empty}} {
		t.Run(tt.name, func(t *testing.T) {
			win, w := newTestWindow(t, Opts{HistoryPath: tt.path})
			win.Select(TabCharts)
			test.AssertImageMatches(t, "charts-empty.png", w.Canvas().Capture())
			if got := texts(win.charts.tabs); !strings.Contains(got, NoReadings) {
				t.Errorf("charts of an empty history show %q, want %q", got, NoReadings)
			}
		})
	}
	if _, err := os.Stat(filepath.Dir(missing)); !os.IsNotExist(err) {
		t.Errorf("the window created the history's directory (stat: %v); only the tray should", err)
	}
}

func TestCharts_NothingInRange(t *testing.T) {
	db := filepath.Join(t.TempDir(), "history.db")
	record(t, db, now.Add(-30*24*time.Hour))
	win, _ := newTestWindow(t, Opts{HistoryPath: db})
	win.Select(TabCharts)
	// The last figures were stored a month ago; they still held during
	// the range (a row per change), so the lines run across it.
	if got := texts(win.charts.tabs); !strings.Contains(got, "Charge") {
		t.Errorf("charts of an old history show:\n%s", got)
	}
}

func TestSettings_ErrorThenSave(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home) // the status shows ~/.config/...: the same in every run
	path := filepath.Join(home, ".config", "helio", "config.toml")
	old := "[history]\npath = \"/var/tmp/h.db\"\n[monitor]\npoll = \"2m\"\n"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	win, w := newTestWindow(t, Opts{ConfigPath: path, HistoryPath: filepath.Join(t.TempDir(), "none.db")})
	win.Select(TabSettings)
	s := win.settings
	if s.low.entry.Text != "20" || s.interval.entry.Text != "10m" {
		t.Fatalf("form starts low %q interval %q, want the defaults 20 and 10m", s.low.entry.Text, s.interval.entry.Text)
	}

	s.low.entry.SetText("10")
	s.critical.entry.SetText("15")
	s.interval.entry.SetText("ten minutes")
	test.Tap(s.saveButton)
	test.AssertImageMatches(t, "settings-error.png", w.Canvas().Capture())
	if !s.interval.err.Visible() || !strings.Contains(s.interval.err.Text, "duration") {
		t.Errorf("interval error %q (visible %v), want a duration error", s.interval.err.Text, s.interval.err.Visible())
	}
	if b, _ := os.ReadFile(path); string(b) != old {
		t.Fatalf("an invalid form was saved:\n%s", b)
	}

	s.interval.entry.SetText("15m")
	test.Tap(s.saveButton)
	if !s.critical.err.Visible() || s.critical.err.Text != "Must be below “Low battery” (10)." {
		t.Errorf("critical error %q (visible %v), want it below low", s.critical.err.Text, s.critical.err.Visible())
	}
	if s.interval.err.Visible() {
		t.Errorf("the corrected interval still shows %q", s.interval.err.Text)
	}

	s.critical.entry.SetText("3")
	s.notifyDark.SetChecked(false)
	s.onButton.SetChecked(false)
	s.reports.entry.SetText("2")
	test.Tap(s.saveButton)
	test.AssertImageMatches(t, "settings-saved.png", w.Canvas().Capture())
	for _, f := range s.fields() {
		if f.err.Visible() {
			t.Errorf("%s still shows %q after a good save", f.key, f.err.Text)
		}
	}
	got, err := config.Load(path)
	if err != nil {
		t.Fatalf("Load(saved) = %v", err)
	}
	want := config.Default()
	want.Thresholds.Low, want.Thresholds.Critical = 10, 3
	want.Notifications.Dark = false
	want.Light.Interval, want.Light.Reports, want.Light.OnButton = config.Dur(15*time.Minute), 2, false
	want.History.Path, want.Monitor.Poll = "/var/tmp/h.db", config.Dur(2*time.Minute) // kept from the file
	if got != want {
		t.Errorf("saved config = %+v, want %+v", got, want)
	}
	b, _ := os.ReadFile(path)
	for _, line := range []string{"# Helio's configuration, written by Helio's settings window.", "low = 10", "critical = 3",
		"interval = '15m'", "on_button = false", "dark = false", "path = '/var/tmp/h.db'", "poll = '2m'"} {
		if !strings.Contains(string(b), line+"\n") {
			t.Errorf("saved file lacks %q:\n%s", line, b)
		}
	}
}

func TestSettings_BadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("[thresholds]\nlow = \"high\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	win, _ := newTestWindow(t, Opts{ConfigPath: path, HistoryPath: filepath.Join(t.TempDir(), "none.db")})
	s := win.settings
	if !strings.Contains(s.status.Text, path+":2:") || s.low.entry.Text != "20" {
		t.Errorf("a broken file shows status %q and low %q, want its error and the defaults", s.status.Text, s.low.entry.Text)
	}
	s.revert()
	test.Tap(s.saveButton)
	if _, err := config.Load(path); err != nil {
		t.Errorf("saving over a broken file left it broken: %v", err)
	}
}

// texts joins the text of every visible canvas.Text under o, for asserting
// on what is shown without a golden. Wrapped labels come out a line at a
// time; the lines are joined with spaces.
func texts(o fyne.CanvasObject) string {
	var b strings.Builder
	for _, obj := range test.LaidOutObjects(o) {
		if t, ok := obj.(*canvas.Text); ok && t.Visible() && t.Text != "" {
			b.WriteString(t.Text + " ")
		}
	}
	return b.String()
}
