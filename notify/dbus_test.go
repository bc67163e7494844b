package notify

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/dbustest"
	"github.com/helio-linux/helio/notify/notifytest"
	"github.com/helio-linux/helio/sensors"
)

// connect opens a client connection to the bus at addr, closed at the end
// of the test.
func connect(t *testing.T, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// logRecorder is a slog handler that keeps every record, for tests to
// count what was logged.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.records = append(l.records, r.Clone())
	l.mu.Unlock()
	return nil
}

// lines returns the messages logged at level or above, each prefixed with
// its level.
func (l *logRecorder) lines(level slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		if r.Level >= level {
			out = append(out, r.Level.String()+" "+r.Message)
		}
	}
	return out
}

func TestSender_Send(t *testing.T) {
	addr := dbustest.Start(t)
	f := notifytest.Start(t, addr)
	s := NewSender(connect(t, addr), nil)
	// want is the call an alert must make: from Helio, replacing nothing,
	// no actions, the device category and Helio's desktop entry.
	want := func(icon, summary, body string, urgency byte, expire int32) notifytest.Call {
		return notifytest.Call{App: "Helio", Icon: icon, Summary: summary, Body: body, Actions: []string{},
			Hints:  map[string]any{"urgency": urgency, "category": "device", "desktop-entry": "io.github.helio"},
			Expire: expire}
	}
	for i, tc := range []struct {
		alert Alert
		want  notifytest.Call
	}{{
		Alert{Kind: KindLow, Summary: "M705 battery low", Body: "20 % left. Charge it or replace its batteries soon.",
			Urgency: UrgencyNormal, IconName: "battery-low-symbolic"},
		want("battery-low-symbolic", "M705 battery low", "20 % left. Charge it or replace its batteries soon.", 1, -1),
	}, {
		Alert{Kind: KindCritical, Summary: "M705 battery critical", Body: "4 % left. Charge it or replace its batteries now.",
			Urgency: UrgencyCritical, IconName: "battery-caution-symbolic"},
		want("battery-caution-symbolic", "M705 battery critical", "4 % left. Charge it or replace its batteries now.", 2, 0),
	}, {
		Alert{Kind: KindDark, Summary: "K750 is in the dark", Body: "It has had 200 lux or less for 2 hours.",
			Urgency: UrgencyNormal, IconName: "weather-clear-night-symbolic"},
		want("weather-clear-night-symbolic", "K750 is in the dark", "It has had 200 lux or less for 2 hours.", 1, -1),
	}, {
		// Markup-like text goes as it is: the body is plain text.
		Alert{Kind: KindLow, Summary: "<b>Mouse</b> & co battery low", Body: "5 % < 20 %", Urgency: UrgencyLow},
		want("", "<b>Mouse</b> & co battery low", "5 % < 20 %", 0, -1),
	}} {
		id, err := s.Send(context.Background(), tc.alert)
		if err != nil {
			t.Fatalf("Send(%s) = %v", tc.alert.Summary, err)
		}
		if id != uint32(i+1) {
			t.Errorf("Send(%s) = ID %d, want %d", tc.alert.Summary, id, i+1)
		}
		calls := f.Calls()
		if len(calls) != i+1 {
			t.Fatalf("server received %d calls, want %d", len(calls), i+1)
		}
		if got := calls[i]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Send(%s) called Notify%+v, want Notify%+v", tc.alert.Summary, got, tc.want)
		}
	}
}

// TestSender_Outage: no daemon is one warning however many alerts fail,
// its return one Info line, and a second outage a second warning.
func TestSender_Outage(t *testing.T) {
	addr := dbustest.Start(t)
	rec := &logRecorder{}
	s := NewSender(connect(t, addr), slog.New(rec))
	low := Alert{Kind: KindLow, Summary: "M705 battery low", Body: "20 % left.", Urgency: UrgencyNormal}
	for range 3 {
		_, err := s.Send(context.Background(), low)
		var e dbus.Error
		if !errors.As(err, &e) || e.Name != "org.freedesktop.DBus.Error.ServiceUnknown" {
			t.Fatalf("Send with no daemon = %v, want ServiceUnknown", err)
		}
	}
	want := []string{"WARN no notification daemon on the session bus: alerts are not shown until one runs"}
	if got := rec.lines(slog.LevelInfo); !reflect.DeepEqual(got, want) {
		t.Errorf("logged %q, want %q", got, want)
	}

	f := notifytest.Start(t, addr)
	for range 2 {
		if _, err := s.Send(context.Background(), low); err != nil {
			t.Fatalf("Send with a daemon = %v", err)
		}
	}
	if n := len(f.Calls()); n != 2 {
		t.Errorf("daemon received %d calls, want 2", n)
	}
	want = append(want, "INFO notification daemon answers again: alerts are shown")
	if got := rec.lines(slog.LevelInfo); !reflect.DeepEqual(got, want) {
		t.Errorf("logged %q, want %q", got, want)
	}

	f.Stop()
	for range 2 {
		if _, err := s.Send(context.Background(), low); err == nil {
			t.Fatal("Send after the daemon quit succeeded")
		}
	}
	want = append(want, want[0])
	if got := rec.lines(slog.LevelInfo); !reflect.DeepEqual(got, want) {
		t.Errorf("logged %q, want %q", got, want)
	}
}

// TestSender_Hung: a daemon that never answers costs one bounded wait per
// alert and a warning, not a stuck caller.
func TestSender_Hung(t *testing.T) {
	addr := dbustest.Start(t)
	f := notifytest.Start(t, addr)
	defer f.Hold()()
	old := sendTimeout
	sendTimeout = 200 * time.Millisecond
	t.Cleanup(func() { sendTimeout = old })
	rec := &logRecorder{}
	s := NewSender(connect(t, addr), slog.New(rec))
	start := time.Now()
	_, err := s.Send(context.Background(), Alert{Summary: "M705 battery low"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send to a hung daemon = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Send to a hung daemon took %v", d)
	}
	want := []string{"WARN the notification daemon failed: alerts are not shown until it answers again"}
	if got := rec.lines(slog.LevelInfo); !reflect.DeepEqual(got, want) {
		t.Errorf("logged %q, want %q", got, want)
	}
}

// mouse is an online mouse at p percent, discharging.
func mouse(p int) sensors.State {
	return sensors.State{ID: "1A2B3C4D-101b-0000B705", Name: "M705", Online: true,
		Battery: &hidpp.Battery{Percent: p, HasPercent: true, Status: hidpp.StatusDischarging}}
}

// TestRun: the loop shows what the Watcher decides, keeps going through an
// outage of the daemon with one warning, and stops when its channel closes
// or its context ends.
func TestRun(t *testing.T) {
	addr := dbustest.Start(t)
	rec := &logRecorder{}
	s := NewSender(connect(t, addr), slog.New(rec))
	states := make(chan sensors.State)
	done := make(chan error, 1)
	go func() { done <- Run(context.Background(), states, NewWatcher(defaults), s) }()

	// No daemon: the low alert is lost, with one warning.
	for _, p := range []int{50, 20, 19, 21} {
		states <- mouse(p)
	}
	// A daemon starts: the critical alert shows, the lost low one does
	// not come back.
	f := notifytest.Start(t, addr)
	for _, p := range []int{10, 4, 3} {
		states <- mouse(p)
	}
	f.Wait(t, 1, 5*time.Second)
	close(states)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after its channel closed = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return when its channel closed")
	}
	var got []string
	for _, c := range f.Calls() {
		got = append(got, c.Summary)
	}
	if want := []string{"M705 battery critical"}; !reflect.DeepEqual(got, want) {
		t.Errorf("daemon showed %q, want %q", got, want)
	}
	want := []string{
		"WARN no notification daemon on the session bus: alerts are not shown until one runs",
		"INFO notification daemon answers again: alerts are shown",
	}
	if got := rec.lines(slog.LevelInfo); !reflect.DeepEqual(got, want) {
		t.Errorf("logged %q, want %q", got, want)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- Run(ctx, make(chan sensors.State), NewWatcher(defaults), s) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run after its context ended = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
}

// TestRun_Clock: states are stamped with the time they arrive, so the dark
// alert comes after DarkAfter of real time.
func TestRun_Clock(t *testing.T) {
	addr := dbustest.Start(t)
	f := notifytest.Start(t, addr)
	// Run reads the clock once per state, after taking the state: handing
	// it the time through a channel stamps each state with its own.
	times := make(chan time.Time)
	old := now
	now = func() time.Time { return <-times }
	t.Cleanup(func() { now = old })
	states := make(chan sensors.State)
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), states, NewWatcher(defaults), NewSender(connect(t, addr), nil))
	}()
	k750 := func(charge int) sensors.State {
		return sensors.State{ID: "E0662192-4002-750C0DE2", Name: "K750", Online: true, Solar: true,
			Battery: &hidpp.Battery{Percent: charge, HasPercent: true, Status: hidpp.StatusDischarging},
			Light:   &sensors.Light{Lux: 0}}
	}
	start := time.Date(2025, 11, 21, 18, 0, 0, 0, time.UTC)
	for _, s := range []struct {
		minutes, charge int
	}{{0, 60}, {30, 60}, {90, 59}, {180, 59}, {300, 58}} {
		states <- k750(s.charge)
		times <- start.Add(time.Duration(s.minutes) * time.Minute)
	}
	close(states)
	<-done
	var got []string
	for _, c := range f.Calls() {
		got = append(got, c.Summary+": "+c.Body)
	}
	want := []string{"K750 is in the dark: It has had 200 lux or less for 3 hours and its charge fell from 60 % to 59 %. " +
		"Put it where it gets more than 200 lux."}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("daemon showed %s, want %s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
