package desktop

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/internal/syncbuf"
	"github.com/helio-linux/helio/notify"
	"github.com/helio-linux/helio/sensors"
)

// The programs the notification tests run: dunst shows the alerts,
// dunstctl reads them back (through dbus-send and busctl).
var dunstPrograms = []string{"dbus-daemon", "Xvfb", "dunst", "dunstctl", "dbus-send", "busctl"}

// The icons Helio's alerts name, which the test's dunst finds in its
// icon_path, so the history shows which icon each alert asked for.
var alertIcons = []string{"battery-low-symbolic", "battery-caution-symbolic", "weather-clear-night-symbolic"}

// dunstrc makes dunst's history say what the history alone does not: each
// notification's urgency and whether it carried Helio's desktop entry, in
// its formatted message ("helio normal|summary|body"). It gives each
// urgency a timeout of its own, so an explicit expire timeout from Helio
// shows in the history, and keeps duplicates apart instead of stacking
// them, so a duplicate alert shows.
const dunstrc = `[global]
icon_path = %s
stack_duplicates = false
history_length = 100

[urgency_low]
timeout = 20
[urgency_normal]
timeout = 30
[urgency_critical]
timeout = 60

[helio_low]
desktop_entry = "io.github.helio"
msg_urgency = low
format = "helio low|%%s|%%b"
[helio_normal]
desktop_entry = "io.github.helio"
msg_urgency = normal
format = "helio normal|%%s|%%b"
[helio_critical]
desktop_entry = "io.github.helio"
msg_urgency = critical
format = "helio critical|%%s|%%b"
`

// startDunst starts dunst in s with dunstrc and the alert icons, and
// returns when it serves notifications, with nothing shown or in its
// history.
func startDunst(t *testing.T, s *Session) (icons string) {
	t.Helper()
	icons = filepath.Join(s.Home, "icons")
	if err := os.MkdirAll(icons, 0o755); err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	img.Set(8, 8, color.Black)
	for _, name := range alertIcons {
		f, err := os.Create(filepath.Join(icons, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	rc := filepath.Join(s.Home, "dunstrc")
	if err := os.WriteFile(rc, fmt.Appendf(nil, dunstrc, icons), 0o644); err != nil {
		t.Fatal(err)
	}
	d := s.Start("dunst", "-config", rc)
	s.WaitForName("org.freedesktop.Notifications", 10*time.Second, d)
	s.Run("dunstctl", "close-all")
	return icons
}

// shown is one notification as dunst's history has it.
type shown struct {
	ID       int
	App      string
	Summary  string
	Body     string
	Urgency  string // from dunstrc's format; "" without Helio's desktop entry
	Icon     string // the file dunst found, "" when none
	Category string
	Timeout  time.Duration
}

func (n shown) String() string {
	return fmt.Sprintf("#%d %s [%s] %q: %q icon %s category %q timeout %v",
		n.ID, n.App, n.Urgency, n.Summary, n.Body, n.Icon, n.Category, n.Timeout)
}

// history closes every notification dunst shows, which moves it into the
// history, and returns the history, oldest first.
func history(t *testing.T, s *Session) []shown {
	t.Helper()
	s.Run("dunstctl", "close-all")
	out := s.Run("dunstctl", "history")
	// The JSON of busctl: {"type": "aa{sv}", "data": [[{key: {"type", "data"}}]]}.
	var h struct {
		Data [][]map[string]struct {
			Data json.RawMessage `json:"data"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &h); err != nil || len(h.Data) != 1 {
		t.Fatalf("dunstctl history printed %q: %v", out, err)
	}
	var list []shown
	for _, m := range h.Data[0] {
		str := func(k string) string {
			var v string
			if err := json.Unmarshal(m[k].Data, &v); err != nil {
				t.Fatalf("dunstctl history: %s is %s: %v", k, m[k].Data, err)
			}
			return v
		}
		num := func(k string) int64 {
			v, err := strconv.ParseInt(string(m[k].Data), 10, 64)
			if err != nil {
				t.Fatalf("dunstctl history: %s is %s: %v", k, m[k].Data, err)
			}
			return v
		}
		n := shown{ID: int(num("id")), App: str("appname"), Summary: str("summary"), Body: str("body"),
			Icon: str("icon_path"), Category: str("category"), Timeout: time.Duration(num("timeout")) * time.Microsecond}
		if tag, _, ok := strings.Cut(str("message"), "|"); ok {
			n.Urgency, _ = strings.CutPrefix(tag, "helio ")
		}
		list = append(list, n)
	}
	slices.SortFunc(list, func(a, b shown) int { return a.ID - b.ID })
	return list
}

// count is how many notifications dunst holds: waiting, shown and in its
// history.
func count(t *testing.T, s *Session) int {
	t.Helper()
	n := 0
	for _, what := range []string{"waiting", "displayed", "history"} {
		v, err := strconv.Atoi(strings.TrimSpace(s.Run("dunstctl", "count", what)))
		if err != nil {
			t.Fatalf("dunstctl count %s: %v", what, err)
		}
		n += v
	}
	return n
}

// waitCount waits until dunst holds n notifications, then a little longer,
// and fails the test if it ever holds another number then.
func waitCount(t *testing.T, s *Session, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for count(t, s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("dunst holds %d notifications after %v, want %d: %v", count(t, s), timeout, n, history(t, s))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// An extra alert would have been sent with the last one, or just after.
	time.Sleep(300 * time.Millisecond)
	if got := count(t, s); got != n {
		t.Fatalf("dunst holds %d notifications, want %d: %v", got, n, history(t, s))
	}
}

// rig is Helio's notification path as a front end runs it: the emulated
// receiver, a live monitor, the loop and the sender on the session's bus.
// The test follows the monitor's states on a subscription of its own.
type rig struct {
	b      *emulator.Backend
	states <-chan sensors.State
	log    *syncbuf.Buffer
}

// Emulated devices: slots of the default profile.
const (
	mx   = 1 // MX Master 3, HID++ 4.5, 80 % at start
	k750 = 2 // K750 solar keyboard
	m705 = 3 // M705, HID++ 1.0
)

// startRig starts the path with the alert thresholds th, after prepare has
// set the devices' state at start-up, and waits until every device is seen
// online with a battery figure (and the K750 with its light). It returns
// when the K750's light was first seen: its dark stretch starts then.
func startRig(t *testing.T, s *Session, th config.Alerts, prepare func(*emulator.Receiver)) (*rig, time.Time) {
	t.Helper()
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	b := emulator.NewBackend(p, "desktop", &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(b.Receiver.Close)
	prepare(b.Receiver)
	// Light reports twice a second, so the K750's dark stretch is seen in
	// a test of seconds.
	m := sensors.NewMonitor(sensors.MonitorOpts{Backend: b, LightInterval: 500 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	alerts, stopAlerts := m.Subscribe()
	states, stopStates := m.Subscribe()
	r := &rig{b: b, states: states, log: &syncbuf.Buffer{}}
	logger := slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	loop, monitor := make(chan error, 1), make(chan error, 1)
	sender := notify.NewSender(s.Conn(), logger)
	go func() { loop <- notify.Run(ctx, alerts, notify.NewWatcher(th), sender) }()
	go func() { monitor <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-monitor; err != nil {
			t.Errorf("monitor: %v", err)
		}
		stopAlerts()
		stopStates()
		<-loop
	})
	seen := map[byte]bool{}
	var start time.Time
	r.wait(t, "every device online", func(st sensors.State) bool {
		if st.Online && st.Battery != nil && (!st.Solar || st.Light != nil) {
			if st.Solar && !seen[st.Index] {
				start = time.Now()
			}
			seen[st.Index] = true
		}
		return seen[mx] && seen[k750] && seen[m705]
	})
	return r, start
}

// wait reads the test's subscription until a state satisfies ok, and fails
// the test after 5 s.
func (r *rig) wait(t *testing.T, what string, ok func(sensors.State) bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case st := <-r.states:
			if ok(st) {
				return
			}
		case <-deadline:
			t.Fatalf("the monitor never showed %s", what)
		}
	}
}

// battery sets device ix's charge and waits until the monitor shows it.
func (r *rig) battery(t *testing.T, ix byte, percent int) {
	t.Helper()
	if err := r.b.Receiver.SetBattery(ix, percent, hidpp.StatusDischarging); err != nil {
		t.Fatal(err)
	}
	r.wait(t, fmt.Sprintf("device %d at %d %%", ix, percent), func(st sensors.State) bool {
		return st.Index == ix && st.Online && st.Battery != nil && st.Battery.Percent == percent
	})
}

// online takes device ix out of range or back, and waits until the
// monitor shows it.
func (r *rig) online(t *testing.T, ix byte, online bool) {
	t.Helper()
	if err := r.b.Receiver.SetOnline(ix, online); err != nil {
		t.Fatal(err)
	}
	r.wait(t, fmt.Sprintf("device %d online %v", ix, online), func(st sensors.State) bool {
		return st.Index == ix && st.Online == online && (!online || st.Battery != nil)
	})
}

// TestNotify_Dunst runs the alerts of a day with three devices through
// the real dunst, and checks that it showed exactly the three that should
// be shown, each once, as Helio worded them.
func TestNotify_Dunst(t *testing.T) {
	Require(t, dunstPrograms...)
	s := NewSession(t)
	s.StartX()
	icons := startDunst(t, s)

	th := config.Default().Alerts
	// Long enough that the first loss of charge comes well inside it, even
	// on a loaded machine.
	delay := 4 * time.Second
	th.Thresholds.DarkAfter = config.Dur(delay)
	r, start := startRig(t, s, th, func(rc *emulator.Receiver) {
		rc.SetBattery(m705, 12, hidpp.StatusDischarging) // already low at start-up
		rc.SetLux(k750, 0)                               // in the dark from the start
	})

	// The K750 loses charge, but has not been in the dark long enough.
	r.battery(t, k750, 56)
	if d := time.Since(start); d >= delay-200*time.Millisecond {
		t.Fatalf("the first loss of charge came %v into the dark, too close to the %v dark delay", d, delay)
	}
	// The MX Master runs down across the low threshold, wobbles around
	// it, and on to critical.
	for _, p := range []int{50, 20, 19, 21, 19, 21, 5} {
		r.battery(t, mx, p)
	}
	// Devices that are low go out of range and come back.
	r.online(t, mx, false)
	r.online(t, mx, true)
	r.online(t, m705, false)
	r.online(t, m705, true)
	// The K750 loses more charge, now in the dark for longer than
	// DarkAfter.
	time.Sleep(time.Until(start.Add(delay + 200*time.Millisecond)))
	r.battery(t, k750, 55)

	waitCount(t, s, 3, 5*time.Second)
	want := []shown{{
		App: "Helio", Urgency: "normal", Icon: filepath.Join(icons, "battery-low-symbolic.png"),
		Summary: "MX Master 3 Wireless Mouse battery low", Body: "20 % left. Charge it or replace its batteries soon.",
		Category: "device", Timeout: 30 * time.Second,
	}, {
		App: "Helio", Urgency: "critical", Icon: filepath.Join(icons, "battery-caution-symbolic.png"),
		Summary: "MX Master 3 Wireless Mouse battery critical", Body: "5 % left. Charge it or replace its batteries now.",
		Category: "device", Timeout: 0, // Helio's own: kept until dismissed, not dunst's 60 s
	}, {
		App: "Helio", Urgency: "normal", Icon: filepath.Join(icons, "weather-clear-night-symbolic.png"),
		Summary:  "Wireless Solar Keyboard K750 is in the dark",
		Body:     "It has had 200 lux or less for 0 minutes and its charge fell from 57 % to 55 %. Put it where it gets more than 200 lux.",
		Category: "device", Timeout: 30 * time.Second,
	}}
	got := history(t, s)
	for i := range got {
		got[i].ID = 0 // the order is checked; the numbers are dunst's
	}
	if !slices.Equal(got, want) {
		t.Errorf("dunst showed\n%s\nwant\n%s", lines(got), lines(want))
	}
	if out := r.log.String(); out != "" {
		t.Errorf("logged with a daemon running:\n%s", out)
	}
}

// TestNotify_NoDaemon: with no notification daemon the loop warns once,
// keeps following the devices, and shows the next alert once a daemon
// runs.
func TestNotify_NoDaemon(t *testing.T) {
	Require(t, dunstPrograms...)
	s := NewSession(t)
	s.StartX()
	r, _ := startRig(t, s, config.Default().Alerts, func(*emulator.Receiver) {})

	r.battery(t, mx, 15) // low: lost
	r.battery(t, mx, 4)  // critical: lost
	// The MX Master is charged a little, re-arming the alerts, while a
	// daemon starts.
	r.battery(t, mx, 30)
	icons := startDunst(t, s)
	r.battery(t, mx, 18)

	waitCount(t, s, 1, 5*time.Second)
	want := []shown{{
		App: "Helio", Urgency: "normal", Icon: filepath.Join(icons, "battery-low-symbolic.png"),
		Summary: "MX Master 3 Wireless Mouse battery low", Body: "18 % left. Charge it or replace its batteries soon.",
		Category: "device", Timeout: 30 * time.Second,
	}}
	got := history(t, s)
	for i := range got {
		got[i].ID = 0
	}
	if !slices.Equal(got, want) {
		t.Errorf("dunst showed\n%s\nwant\n%s", lines(got), lines(want))
	}
	log := r.log.String()
	if n := strings.Count(log, "\n"); n != 2 ||
		strings.Count(log, `level=WARN msg="no notification daemon on the session bus: alerts are not shown until one runs"`) != 1 ||
		strings.Count(log, `level=INFO msg="notification daemon answers again: alerts are shown"`) != 1 {
		t.Errorf("logged %d lines, want the warning and the recovery once each:\n%s", n, log)
	}
}

func lines(ns []shown) string {
	var b strings.Builder
	for _, n := range ns {
		fmt.Fprintln(&b, n)
	}
	return b.String()
}
