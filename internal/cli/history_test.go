package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/chart"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/sensors/history"
)

// historyT0 is when the test histories start; "now" is a day later.
var historyT0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// useHistory points the CLI at a history database in a temporary
// XDG_STATE_HOME, fixes its clock and time zone, and fills it with a day of
// a K750 (light every 30 minutes, offline for a while), an MX Master 3 and
// a level-only K270. It returns the database path.
func useHistory(t *testing.T) string {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	oldNow, oldLoc := historyNow, historyLoc
	historyNow, historyLoc = func() time.Time { return historyT0.Add(24 * time.Hour) }, time.UTC
	t.Cleanup(func() { historyNow, historyLoc = oldNow, oldLoc })
	path, err := history.DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	now := historyT0
	st, err := history.Open(path, history.Opts{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k750 := func(percent, lux int, online bool) sensors.State {
		return sensors.State{ID: "E0662192-4002-750C0DE2", Name: "Wireless Solar Keyboard K750", Codename: "K750",
			Kind: hidpp.KindKeyboard, WPID: 0x4002, Serial: "750C0DE2", Online: online, Solar: true,
			Battery: &hidpp.Battery{Percent: percent, HasPercent: true, Status: hidpp.StatusDischarging},
			Light:   &sensors.Light{Lux: lux}}
	}
	mx := func(percent int, status hidpp.Status) sensors.State {
		return sensors.State{ID: "E0662192-4082-1A2B3C4D", Name: "MX Master 3 Wireless Mouse", Codename: "MX Master 3",
			Kind: hidpp.KindMouse, WPID: 0x4082, Serial: "1A2B3C4D", Online: true,
			Battery: &hidpp.Battery{Percent: percent, HasPercent: true, Status: status}}
	}
	k270 := sensors.State{ID: "E0662192-4003-27027027", Name: "Wireless Keyboard K270", Codename: "K270",
		Kind: hidpp.KindKeyboard, WPID: 0x4003, Serial: "27027027", Online: true,
		Battery: &hidpp.Battery{Level: hidpp.LevelGood, Status: hidpp.StatusDischarging}}
	record := func(at time.Duration, s sensors.State) {
		now = historyT0.Add(at)
		if err := st.Record(s); err != nil {
			t.Fatal(err)
		}
	}
	record(0, mx(80, hidpp.StatusDischarging))
	record(0, k270)
	for i := range 6 {
		record(time.Duration(i)*30*time.Minute, k750(57-i/3, 12+150*i, true))
	}
	record(3*time.Hour, k750(56, 762, false))
	record(4*time.Hour, k750(56, 300, true))
	record(10*time.Hour, mx(79, hidpp.StatusDischarging))
	record(11*time.Hour, mx(79, hidpp.StatusCharging))
	// An old K270 reading, outside the default day.
	k270.Battery = &hidpp.Battery{Level: hidpp.LevelLow, Status: hidpp.StatusDischarging}
	record(-72*time.Hour, k270) // recorded last, so its last row is the oldest
	return path
}

func TestHistory_Text(t *testing.T) {
	useHistory(t)
	out, errs, code := run(t, "", "history")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	golden(t, "history-text.golden", out)
}

func TestHistory_CSV(t *testing.T) {
	useHistory(t)
	out, errs, code := run(t, "", "history", "k750", "--csv", "--since", "2026-03-01T09:00:00Z", "--until", "2026-03-01T11:59:59Z")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	want := `device,name,time,online,percent,level,status,voltage_mv,lux
E0662192-4002-750C0DE2,Wireless Solar Keyboard K750,2026-03-01T09:00:00Z,true,57,,discharging,,312
E0662192-4002-750C0DE2,Wireless Solar Keyboard K750,2026-03-01T09:30:00Z,true,56,,discharging,,462
E0662192-4002-750C0DE2,Wireless Solar Keyboard K750,2026-03-01T10:00:00Z,true,56,,discharging,,612
E0662192-4002-750C0DE2,Wireless Solar Keyboard K750,2026-03-01T10:30:00Z,true,56,,discharging,,762
E0662192-4002-750C0DE2,Wireless Solar Keyboard K750,2026-03-01T11:00:00Z,false,56,,discharging,,762
`
	if out != want {
		t.Errorf("history --csv =\n%s\nwant\n%s", out, want)
	}
	// Every device over the whole history.
	out, _, code = run(t, "", "history", "--csv", "--since", "30d")
	golden(t, "history-all.csv.golden", out)
	if code != 0 || !strings.Contains(out, ",low,discharging,,\n") {
		t.Errorf("exit %d; the K270's level is missing", code)
	}
}

func TestHistory_PNG(t *testing.T) {
	useHistory(t)
	for _, args := range [][]string{{"k750"}, {}, {"mx master"}} {
		file := filepath.Join(t.TempDir(), "chart.png")
		_, errs, code := run(t, "", append([]string{"history", "--png", file}, args...)...)
		if code != 0 || errs != "" {
			t.Fatalf("history %v --png: exit %d, stderr %q", args, code, errs)
		}
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 1000 || b.Dy() != 600 {
			t.Errorf("history %v --png: %dx%d, want 1000x600", args, b.Dx(), b.Dy())
		}
		// Not blank: text, axes and coloured lines (every other pixel is
		// enough to tell).
		colors, ink := map[color.RGBA]bool{}, 0
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y += 2 {
			for x := b.Min.X; x < b.Max.X; x += 2 {
				r, g, bl, _ := img.At(x, y).RGBA()
				c := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 255}
				colors[c] = true
				if c != (color.RGBA{255, 255, 255, 255}) {
					ink++
				}
			}
		}
		if ink < 1500 || len(colors) < 10 {
			t.Errorf("history %v --png looks blank: %d non-white pixels, %d colours", args, ink, len(colors))
		}
	}
}

// historyLayout is the chart "helio history --png" draws of the devices
// whose name holds only, for its geometry, with each device's colour by
// codename.
func historyLayout(t *testing.T, path, only string, since, until time.Time) (*chart.Chart, map[string]color.RGBA) {
	t.Helper()
	st, err := history.Open(path, history.Opts{Now: historyNow})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	devs, err := st.Devices()
	if err != nil {
		t.Fatal(err)
	}
	var series []deviceHistory
	for _, d := range devs {
		if !strings.Contains(d.Name, only) {
			continue
		}
		rows, err := st.Span(context.Background(), d.ID, since, until)
		if err != nil {
			t.Fatal(err)
		}
		series = append(series, deviceHistory{Device: d, rows: rows})
	}
	c, err := historyChart(context.Background(), series, since, until, historyNow(), &historyProgress{})
	if err != nil {
		t.Fatal(err)
	}
	colors := map[string]color.RGBA{}
	for i, d := range series {
		colors[d.Codename] = chart.Color(i)
	}
	return c, colors
}

// TestHistory_Picture checks what the chart shows, in the PNG the command
// writes: each device's colour at the height of its figures, gaps while it
// is offline, and the charging threshold under the light.
func TestHistory_Picture(t *testing.T) {
	path := useHistory(t)
	since, until := historyNow().Add(-24*time.Hour), historyNow()
	tests := []struct {
		args   []string
		only   string // the devices of args
		dev    string
		panels int
		panel  int
		at     time.Duration // after historyT0
		value  float64
		want   bool
	}{
		{[]string{"k750"}, "K750", "K750", 2, 0, 15 * time.Minute, 57, true},
		{[]string{"k750"}, "K750", "K750", 2, 0, 2*time.Hour + 15*time.Minute, 56, true},
		{[]string{"k750"}, "K750", "K750", 2, 0, 2*time.Hour + 15*time.Minute, 57, false},
		{[]string{"k750"}, "K750", "K750", 2, 0, 3*time.Hour + 30*time.Minute, 56, false}, // offline
		{[]string{"k750"}, "K750", "K750", 2, 1, 75 * time.Minute, 312, true},
		{[]string{"k750"}, "K750", "K750", 2, 1, 3*time.Hour + 30*time.Minute, 762, false}, // offline
		{[]string{"k750"}, "K750", "K750", 2, 1, 4 * time.Hour, 300, true},                 // back
		// The last row's figures hold to the end: the history stores
		// changes only.
		{[]string{"k750"}, "K750", "K750", 2, 1, 6 * time.Hour, 300, true},
		{[]string{"k750"}, "K750", "K750", 2, 1, 23 * time.Hour, 300, true},
		{[]string{}, "", "MX Master 3", 2, 0, 5 * time.Hour, 80, true},
		{[]string{}, "", "MX Master 3", 2, 0, 10*time.Hour + 30*time.Minute, 79, true},
		{[]string{}, "", "K750", 2, 0, 15 * time.Minute, 57, true},
		{[]string{"mx master"}, "MX Master", "MX Master 3", 1, 0, 5 * time.Hour, 80, true},
	}
	for _, tt := range tests {
		file := filepath.Join(t.TempDir(), "chart.png")
		if _, errs, code := run(t, "", append([]string{"history", "--png", file}, tt.args...)...); code != 0 {
			t.Fatalf("history %v --png: exit %d, stderr %q", tt.args, code, errs)
		}
		img := decodePNG(t, file)
		c, colors := historyLayout(t, path, tt.only, since, until)
		areas, err := c.PlotAreas()
		if err != nil {
			t.Fatal(err)
		}
		if len(areas) != tt.panels {
			t.Fatalf("history %v --png: %d panels, want %d", tt.args, len(areas), tt.panels)
		}
		a := areas[tt.panel]
		x := c.XPixel(a, float64(historyT0.Add(tt.at).Unix()))
		y := c.YPixel(tt.panel, a, tt.value)
		ink := colors[tt.dev]
		got := rgbaAt(img, x, y-1) == ink && rgbaAt(img, x, y) == ink
		if got != tt.want {
			t.Errorf("history %v --png: %s at %v, %g in panel %d: pixels (%d, %d..%d) are %v, %v; want %v: %v",
				tt.args, tt.dev, tt.at, tt.value, tt.panel, x, y-1, y, rgbaAt(img, x, y-1), rgbaAt(img, x, y), ink, tt.want)
		}
		// While the K750 is offline, its column stays empty in both panels.
		if tt.dev == "K750" && !tt.want && tt.at == 3*time.Hour+30*time.Minute {
			for y := a.Min.Y; y < a.Max.Y; y++ {
				if rgbaAt(img, x, y) == ink {
					t.Errorf("history %v --png: the offline K750 is drawn at (%d, %d)", tt.args, x, y)
					break
				}
			}
		}
		if tt.panels == 2 {
			y := c.YPixel(1, areas[1], historyLuxThreshold)
			if rgbaAt(img, areas[1].Min.X+2, y) != historyThresholdInk {
				t.Errorf("history %v --png: no threshold at (%d, %d)", tt.args, areas[1].Min.X+2, y)
			}
		}
	}
}

// TestHistory_PictureCarriedIn checks the left edge of the chart: the
// figures stored before --since held at since, and are drawn from there,
// as the window draws them.
func TestHistory_PictureCarriedIn(t *testing.T) {
	path := useHistory(t)
	tests := []struct {
		args  []string
		only  string // the devices of args
		since time.Duration
		dev   string
		panel int
		at    time.Duration // after historyT0
		value float64
	}{
		// The K750's row of 08:30 (57 %, 162 lux) holds until 09:00.
		{[]string{"k750"}, "K750", 45 * time.Minute, "K750", 0, 50 * time.Minute, 57},
		{[]string{"k750"}, "K750", 45 * time.Minute, "K750", 1, 50 * time.Minute, 162},
		// Nothing was stored after 19:00: every figure is carried in.
		{[]string{}, "", 12 * time.Hour, "MX Master 3", 0, 13 * time.Hour, 79},
		{[]string{}, "", 12 * time.Hour, "K750", 1, 20 * time.Hour, 300},
	}
	for _, tt := range tests {
		since := historyT0.Add(tt.since)
		file := filepath.Join(t.TempDir(), "chart.png")
		args := append([]string{"history", "--png", file, "--since", since.Format(time.RFC3339)}, tt.args...)
		if _, errs, code := run(t, "", args...); code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errs)
		}
		img := decodePNG(t, file)
		c, colors := historyLayout(t, path, tt.only, since, historyNow())
		areas, err := c.PlotAreas()
		if err != nil {
			t.Fatal(err)
		}
		a := areas[tt.panel]
		x := c.XPixel(a, float64(historyT0.Add(tt.at).Unix()))
		y := c.YPixel(tt.panel, a, tt.value)
		if ink := colors[tt.dev]; rgbaAt(img, x, y-1) != ink || rgbaAt(img, x, y) != ink {
			t.Errorf("%v: %s at %v, %g in panel %d: pixels (%d, %d..%d) are %v, %v; want %v",
				args, tt.dev, tt.at, tt.value, tt.panel, x, y-1, y, rgbaAt(img, x, y-1), rgbaAt(img, x, y), ink)
		}
	}
}

func decodePNG(t *testing.T, file string) image.Image {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func rgbaAt(img image.Image, x, y int) color.RGBA {
	return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
}

func TestHistory_Match(t *testing.T) {
	useHistory(t)
	for _, q := range []string{"k750", "4002", "750c", "wireless solar", "E0662192-4002-750C0DE2", "K750"} {
		out, errs, code := run(t, "", "history", q)
		if code != 0 || !strings.Contains(out, "K750") || strings.Contains(out, "MX Master") {
			t.Errorf("history %q: exit %d, stdout %q, stderr %q", q, code, out, errs)
		}
	}
	for _, q := range []string{"wireless", "nothing"} {
		_, errs, code := run(t, "", "history", q)
		if code != ExitUsage || !strings.Contains(errs, "K750") || !strings.Contains(errs, "K270") {
			t.Errorf("history %q: exit %d, stderr %q; want the candidates listed", q, code, errs)
		}
	}
	// A device with nothing in the range is still shown when asked for.
	out, _, code := run(t, "", "history", "K270", "--since", "1h")
	if code != 0 || !strings.Contains(out, "nothing changed in this range") {
		t.Errorf("history K270 --since 1h: exit %d, %q", code, out)
	}
}

func TestHistory_NoDatabase(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	for _, args := range [][]string{{"history"}, {"history", "--db", filepath.Join(t.TempDir(), "none.db")}} {
		_, errs, code := run(t, "", args...)
		if code != ExitFailure || !strings.Contains(errs, "no history has been recorded yet") || !strings.Contains(errs, "helio watch") {
			t.Errorf("helio %v: exit %d, stderr %q", args, code, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(os.Getenv("XDG_STATE_HOME"), "helio")); err == nil {
		t.Error("reading a missing history created it")
	}
}

func TestHistory_DB(t *testing.T) {
	path := useHistory(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir()) // elsewhere: only --db finds it
	out, _, code := run(t, "", "history", "--db", path, "mx")
	if code != 0 || !strings.Contains(out, "79 %") {
		t.Errorf("history --db: exit %d, %q", code, out)
	}
}

func TestHistory_UsageErrors(t *testing.T) {
	useHistory(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--since", "yesterday"}, `--since "yesterday": want a duration`},
		{[]string{"--since", "7x"}, `--since "7x"`},
		{[]string{"--since", "-5h"}, `--since "-5h"`},
		{[]string{"--since", "3d-1h"}, `--since "3d-1h"`},
		{[]string{"--since", ""}, `--since ""`},
		{[]string{"--until", "2026-13-01"}, `--until "2026-13-01"`},
		{[]string{"--since", "1h", "--until", "2d"}, "is not before --until"},
		{[]string{"--csv", "--png", "x.png"}, "choose one of --csv and --png"},
		{[]string{"a", "b"}, "at most one DEVICE"},
	}
	for _, tt := range tests {
		_, errs, code := run(t, "", append([]string{"history"}, tt.args...)...)
		if code != ExitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("history %q: exit %d, stderr %q; want exit 2 and %q", tt.args, code, errs, tt.want)
		}
		if n := strings.Count(strings.TrimSpace(errs), "\n"); n > 0 {
			t.Errorf("history %q: the error is %d lines, want one", tt.args, n+1)
		}
	}
}

func TestParseHistoryTime(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	oldLoc := historyLoc
	historyLoc = time.UTC
	defer func() { historyLoc = oldLoc }()
	tests := []struct {
		in   string
		want time.Time
	}{
		{"24h", now.Add(-24 * time.Hour)},
		{"90m", now.Add(-90 * time.Minute)},
		{"7d", now.AddDate(0, 0, -7)},
		{"30d", now.AddDate(0, 0, -30)},
		{"1d12h", now.Add(-36 * time.Hour)},
		{"0d", now},
		{"2026-03-01", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-03-01T10:00:00+01:00", time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := parseHistoryTime("--since", tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseHistoryTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// TestHistory_Quiet checks that an export into a pipe or a buffer shows no
// progress.
func TestHistory_Quiet(t *testing.T) {
	useHistory(t)
	var out, errb bytes.Buffer
	code := Main([]string{"history", "--csv", "--since", "30d"}, Env{Stdout: &out, Stderr: &errb})
	if code != 0 || errb.Len() != 0 {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	if isTerminal(&errb) {
		t.Error("a buffer is a terminal")
	}
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	if isTerminal(w) {
		t.Error("a pipe is a terminal")
	}
	if f, err := os.Open(os.DevNull); err == nil {
		defer f.Close()
		if isTerminal(f) {
			t.Error("/dev/null is a terminal")
		}
	}
}

func TestHistory_Help(t *testing.T) {
	for _, args := range [][]string{{"help", "history"}, {"history", "--help"}} {
		out, _, code := run(t, "", args...)
		if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "--png") || !strings.Contains(out, "helio watch") {
			t.Errorf("helio %v: exit %d, %q", args, code, out)
		}
	}
}

// openPTY returns both ends of a new pseudo-terminal, or skips the test.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlock the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("pseudo-terminal number: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open the pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// TestHistory_Progress checks that a long export shows its progress on a
// terminal, and clears it after.
func TestHistory_Progress(t *testing.T) {
	useHistory(t)
	master, slave := openPTY(t)
	if !isTerminal(slave) {
		t.Fatal("a pseudo-terminal is not a terminal")
	}
	oldAfter, oldRows := historyProgressAfter, historyProgressRows
	historyProgressAfter, historyProgressRows = 0, 0
	defer func() { historyProgressAfter, historyProgressRows = oldAfter, oldRows }()
	for _, args := range [][]string{{"--csv"}, {"--png", filepath.Join(t.TempDir(), "c.png")}} {
		var out bytes.Buffer
		code := Main(append([]string{"history", "--since", "30d"}, args...), Env{Stdout: &out, Stderr: slave})
		if code != 0 {
			t.Fatalf("history %v: exit %d", args, code)
		}
		var got string
		buf := make([]byte, 4096)
		if err := master.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
			t.Skipf("no deadline on a pseudo-terminal: %v", err)
		}
		for !strings.HasSuffix(got, "\r\x1b[K") {
			n, err := master.Read(buf)
			got += string(buf[:n])
			if err != nil {
				break
			}
		}
		if !strings.Contains(got, "helio history: ") || !strings.HasSuffix(got, "\r\x1b[K") {
			t.Errorf("history %v on a terminal: stderr %q, want progress, then the line cleared", args, got)
		}
	}
}

// countdownContext is a context canceled at the n-th call of its Err
// method: a test that runs a command with n = 1, 2, 3... cancels it at each
// point where it looks, one after the other.
type countdownContext struct {
	context.Context
	mu   sync.Mutex
	n    int
	done chan struct{}
}

func newCountdownContext(n int) *countdownContext {
	c := &countdownContext{Context: context.Background(), n: n, done: make(chan struct{})}
	if n <= 0 {
		close(c.done)
	}
	return c
}

func (c *countdownContext) Done() <-chan struct{} { return c.done }

func (c *countdownContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n <= 0 {
		return context.Canceled
	}
	if c.n--; c.n == 0 {
		close(c.done)
		return context.Canceled
	}
	return nil
}

// TestHistory_PNGCanceled interrupts "history --png" at each point where
// it checks its context, and then at each point where it reads its clock
// (so also between its checks, as Ctrl-C or SIGTERM come when they come).
// Once interrupted, it must stop with the context's error and leave the
// previous chart whole, with no temporary file beside it; else it must
// replace it with a whole chart.
func TestHistory_PNGCanceled(t *testing.T) {
	useHistory(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "chart.png")
	old := []byte("the previous chart")
	// try runs the command and says whether it finished, checking what it
	// left either way. A strict try wants it to fail when ctx ended: the
	// countdown's cancellation reaches the command's context through a
	// goroutine of package context, maybe after its last check.
	try := func(ctx context.Context, what string, strict bool) (finished bool) {
		t.Helper()
		if err := os.WriteFile(file, old, 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		code := Main([]string{"history", "--png", file}, Env{Stdout: &out, Stderr: &errb, Context: ctx})
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("%s: the directory holds %q (%v), want only chart.png", what, names, err)
		}
		switch {
		case code == 0:
			if strict && ctx.Err() != nil {
				t.Errorf("%s: exit 0 although interrupted", what)
			}
			if _, err := png.Decode(bytes.NewReader(got)); err != nil {
				t.Errorf("%s: exit 0, but chart.png is no PNG: %v", what, err)
			}
		case !bytes.Equal(got, old):
			t.Errorf("%s: exit %d, stderr %q; chart.png is %d bytes, want the previous %d", what, code,
				errb.String(), len(got), len(old))
		case !strings.Contains(errb.String(), context.Canceled.Error()):
			t.Errorf("%s: exit %d, stderr %q; want the context's error", what, code, errb.String())
		}
		return code == 0
	}

	if try(newCountdownContext(0), "canceled before the start", true) {
		t.Fatal("history --png ran to the end with a canceled context")
	}
	n := 1
	for ; n < 2000 && !try(newCountdownContext(n), fmt.Sprintf("canceled at check %d", n), false); n++ {
	}
	if n == 2000 {
		t.Fatal("history --png never finished")
	}

	fixed := historyNow
	defer func() { historyNow = fixed }()
	for k := 1; ; k++ {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		historyNow = func() time.Time {
			if calls++; calls == k {
				cancel()
			}
			return fixed()
		}
		finished := try(ctx, fmt.Sprintf("canceled at reading %d of the clock", k), true)
		cancel()
		if finished || k == 1000 {
			break
		}
	}
}

// TestHistory_PNGNotRegular checks that --png never writes through a
// symbolic link, nor onto a device, a pipe or a directory.
func TestHistory_PNGNotRegular(t *testing.T) {
	useHistory(t)
	dir := t.TempDir()
	precious := filepath.Join(dir, "precious.txt")
	if err := os.WriteFile(precious, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	link, dangling := filepath.Join(dir, "link.png"), filepath.Join(dir, "dangling.png")
	fifo, sub := filepath.Join(dir, "fifo.png"), filepath.Join(dir, "dir.png")
	if err := os.Symlink(precious, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere.png"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{link, dangling, fifo, sub, os.DevNull} {
		_, errs, code := run(t, "", "history", "--png", file)
		if code == 0 || !strings.Contains(errs, "not a regular file") {
			t.Errorf("history --png %s: exit %d, stderr %q; want a refusal", file, code, errs)
		}
	}
	if b, err := os.ReadFile(precious); err != nil || string(b) != "precious" {
		t.Errorf("the file a link names is now %.20q, %d bytes (%v)", b, len(b), err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 5 {
		t.Errorf("the directory holds %d files, want the 5 it had", len(entries))
	}
}

// historyChild, when set, makes the test binary run "helio" with the
// arguments in HELIO_CLI_TEST_ARGS (one a line) under a file size limit
// of this many bytes, and print its exit status: the child of
// TestHistory_PNGWriteFails.
const historyChild = "HELIO_CLI_TEST_FSIZE"

func TestMain(m *testing.M) {
	if v := os.Getenv(historyChild); v != "" {
		limit, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			fmt.Println("bad limit:", err)
			os.Exit(1)
		}
		// Past the limit a write fails with EFBIG rather than kill.
		signal.Ignore(syscall.SIGXFSZ)
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
			fmt.Println("setrlimit:", err)
			os.Exit(1)
		}
		args := strings.Split(os.Getenv("HELIO_CLI_TEST_ARGS"), "\n")
		code := Main(args, Env{Stdout: os.Stdout, Stderr: os.Stdout})
		fmt.Println("exit", code)
		os.Exit(0)
	}
	if args := os.Getenv("HELIO_CLI_TEST_ARGS"); args != "" {
		// A child that is helio itself (TestSignals).
		os.Exit(Main(strings.Split(args, "\n"), Env{Stdout: os.Stdout, Stderr: os.Stderr}))
	}
	os.Exit(m.Run())
}

// TestHistory_PNGWriteFails runs "history --png" in a process that cannot
// write a file past 8 KiB, over a chart of about 25: the write fails half
// way, and the previous chart must be left whole, with no temporary file
// beside it.
func TestHistory_PNGWriteFails(t *testing.T) {
	path := useHistory(t) // in XDG_STATE_HOME, which the child inherits
	// Held open, the database keeps its shared-memory file at full size:
	// the child's SQLite needs not grow it past the limit.
	st, err := history.Open(path, history.Opts{Now: historyNow})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "chart.png")
	args := []string{"history", "--png", file, "--since", "2026-03-01T08:00:00Z", "--until", "2026-03-02T08:00:00Z"}
	if _, errs, code := run(t, "", args...); code != 0 {
		t.Fatalf("history --png: exit %d, stderr %q", code, errs)
	}
	previous, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(previous) < 16<<10 {
		t.Fatalf("the chart is %d bytes, want more than 16 KiB to fail half way", len(previous))
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), historyChild+"=8192", "HELIO_CLI_TEST_ARGS="+strings.Join(args, "\n"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "file too large") || !strings.Contains(string(out), "exit 1") {
		t.Errorf("child said %q, want the write to fail, and exit 1", out)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, previous) {
		t.Errorf("after a failed write chart.png is %d bytes, want the previous %d", len(got), len(previous))
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
		t.Errorf("the directory holds %d files (%v), want only chart.png", len(entries), err)
	}
}

// TestHistory_ChangesNothing: reading the history, even with a config that
// would prune it to an hour and a --since far back, or pointed with --db at
// another program's file, changes no byte of it.
func TestHistory_ChangesNothing(t *testing.T) {
	path := useHistory(t)
	sum := func(p string) string {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%x", sha256.Sum256(b))
	}
	before := sum(path)
	cfg := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(cfg, []byte("[history]\nfull = \"1h\"\nkeep = \"1h\"\n"), 0o600)
	for _, args := range [][]string{{"history"}, {"history", "--since", "800d"}, {"history", "--csv", "--since", "800d"}} {
		if _, errs, code := run(t, "", append([]string{"--config", cfg}, args...)...); code != 0 {
			t.Fatalf("%v: exit %d, %s", args, code, errs)
		}
	}
	if sum(path) != before {
		t.Error("reading the history changed it")
	}
	out, _, _ := run(t, "", "history", "--since", "800d", "--csv")
	if n := strings.Count(out, "\n"); n != 14 {
		t.Errorf("after the reads, the CSV has %d lines, want a header and 13 rows", n)
	}

	other := filepath.Join(t.TempDir(), "passwd")
	os.WriteFile(other, []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644)
	before = sum(other)
	_, errs, code := run(t, "", "history", "--db", other)
	if code != ExitUsage || !strings.Contains(errs, "not a SQLite database") {
		t.Errorf("history --db %s: exit %d, %q", other, code, errs)
	}
	if sum(other) != before {
		t.Errorf("history --db %s changed it", other)
	}
	if m, _ := filepath.Glob(other + "*.broken-*"); len(m) != 0 {
		t.Errorf("history --db set %v aside", m)
	}
}
