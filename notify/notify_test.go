package notify

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/sensors"
)

var t0 = time.Date(2025, 11, 21, 9, 0, 0, 0, time.UTC)

// State builders. The states carry no ID or name: the tests give them with
// named.

// named gives s the device's ID and name, as the monitor fills them in.
func named(id, name string, s sensors.State) sensors.State {
	s.ID, s.Name = id, name
	return s
}

func pct(p int) sensors.State {
	return sensors.State{Online: true,
		Battery: &hidpp.Battery{Percent: p, HasPercent: true, Status: hidpp.StatusDischarging}}
}

func withStatus(r sensors.State, st hidpp.Status) sensors.State {
	b := *r.Battery
	b.Status = st
	r.Battery = &b
	return r
}

func charging(p int) sensors.State { return withStatus(pct(p), hidpp.StatusCharging) }

func approx(p int) sensors.State {
	r := pct(p)
	r.Battery.Approximate, r.Battery.Level = true, hidpp.LevelOf(p)
	return r
}

func lvl(l hidpp.Level) sensors.State {
	return sensors.State{Online: true, Battery: &hidpp.Battery{Level: l, Status: hidpp.StatusDischarging}}
}

// noFigure is an online state whose battery could not be read.
func noFigure() sensors.State {
	return sensors.State{Online: true, Err: fmt.Errorf("read battery: timeout")}
}

func off() sensors.State { return sensors.State{} }

// sol is a K750 light report, charge and status as hidpp.SolarEvent makes
// them.
func sol(p, lux int) sensors.State {
	b := hidpp.SolarEvent{Kind: hidpp.SolarLightReport, Charge: p, Lux: lux, HasLux: true}.Battery()
	return sensors.State{Online: true, Solar: true, Battery: &b, Light: &sensors.Light{Lux: lux}}
}

// solNoLux is a K750 battery broadcast: a charge without a light figure.
func solNoLux(p int) sensors.State {
	b := hidpp.SolarEvent{Kind: hidpp.SolarBattery, Charge: p}.Battery()
	return sensors.State{Online: true, Solar: true, Battery: &b}
}

// step is one state, seen at t0+at, and the kinds of alert it must give.
type step struct {
	r    sensors.State
	at   time.Duration
	want []Kind
}

// every gives each state its own minute and expects the kinds listed in
// want by index; for battery sequences where time does not matter.
func every(rs []sensors.State, want map[int][]Kind) []step {
	out := make([]step, len(rs))
	for i, r := range rs {
		out[i] = step{r: r, at: time.Duration(i) * time.Minute, want: want[i]}
	}
	return out
}

func seq(rs ...sensors.State) []sensors.State { return rs }

var (
	low  = []Kind{KindLow}
	crit = []Kind{KindCritical}
	dark = []Kind{KindDark}
)

// defaults are the alert rules of a config file that sets none.
var defaults = config.Default().Alerts

// alerts returns the default rules after change.
func alerts(change func(*config.Alerts)) config.Alerts {
	a := defaults
	change(&a)
	return a
}

func TestWatcher_Observe(t *testing.T) {
	tests := []struct {
		name  string
		th    config.Alerts
		steps []step
	}{
		{"start-up silence: first reading already critical", defaults,
			every(seq(pct(3), pct(2), pct(1)), nil)},
		{"start-up silence: first reading low, later critical alerts", defaults,
			every(seq(pct(15), pct(12), pct(5), pct(4)), map[int][]Kind{2: crit})},
		{"start-up silence: unreadable battery first, first figure is the baseline", defaults,
			every(seq(noFigure(), pct(10), pct(9)), nil)},
		{"crossing low alerts once", defaults,
			every(seq(pct(40), pct(21), pct(20), pct(19), pct(15), pct(10)), map[int][]Kind{2: low})},
		{"crossing critical after low", defaults,
			every(seq(pct(25), pct(18), pct(9), pct(5), pct(4), pct(1)), map[int][]Kind{1: low, 3: crit})},
		{"a drop straight past both gives only critical", defaults,
			every(seq(pct(50), pct(3), pct(2), pct(19)), map[int][]Kind{1: crit})},
		{"hysteresis: wobbling around low alerts once", defaults,
			every(seq(pct(50), pct(19), pct(21), pct(19), pct(21), pct(19), pct(23), pct(20)), map[int][]Kind{1: low})},
		{"hysteresis: rising above low+3 re-arms", defaults,
			every(seq(pct(50), pct(20), pct(24), pct(20)), map[int][]Kind{1: low, 3: low})},
		{"hysteresis: wobbling around critical alerts once", defaults,
			every(seq(pct(30), pct(5), pct(7), pct(4), pct(8), pct(5)), map[int][]Kind{1: crit})},
		{"hysteresis: rising above critical+3 re-arms critical only", defaults,
			every(seq(pct(30), pct(5), pct(9), pct(5), pct(15)), map[int][]Kind{1: crit, 3: crit})},
		{"custom hysteresis", alerts(func(a *config.Alerts) { a.Thresholds.Hysteresis = 10 }),
			every(seq(pct(50), pct(20), pct(30), pct(20), pct(31), pct(20)), map[int][]Kind{1: low, 5: low})},
		{"zero hysteresis re-arms just above the threshold", alerts(func(a *config.Alerts) { a.Thresholds.Hysteresis = 0 }),
			every(seq(pct(50), pct(20), pct(21), pct(20)), map[int][]Kind{1: low, 3: low})},
		{"negative hysteresis counts as zero", alerts(func(a *config.Alerts) { a.Thresholds.Hysteresis = -5 }),
			every(seq(pct(50), pct(20), pct(21), pct(20)), map[int][]Kind{1: low, 3: low})},
		{"custom thresholds", alerts(func(a *config.Alerts) { a.Thresholds.Low, a.Thresholds.Critical = 30, 10 }),
			every(seq(pct(40), pct(31), pct(30), pct(11), pct(10)), map[int][]Kind{2: low, 4: crit})},
		{"charging never alerts", defaults,
			every(seq(pct(50), charging(20), charging(5), charging(3)), nil)},
		{"charging up past the hysteresis re-arms", defaults,
			every(seq(pct(50), pct(18), charging(18), charging(40), pct(20)), map[int][]Kind{1: low, 4: low})},
		{"unplugged below low after alerting: no repeat", defaults,
			every(seq(pct(50), pct(18), charging(18), charging(22), pct(21), pct(19)), map[int][]Kind{1: low})},
		{"unplugged while armed: the fall alerts", defaults,
			every(seq(pct(50), charging(30), pct(19)), map[int][]Kind{2: low})},
		{"full and not charging are on power", defaults,
			every(seq(pct(50), withStatus(pct(10), hidpp.StatusFull), withStatus(pct(4), hidpp.StatusNotCharging)), nil)},
		{"error status can still alert", defaults,
			every(seq(pct(50), withStatus(pct(15), hidpp.StatusError)), map[int][]Kind{1: low})},
		{"reconnect silence: first reading after offline only sets the baseline", defaults,
			every(seq(pct(50), off(), pct(10), pct(9), pct(4)), map[int][]Kind{4: crit})},
		{"reconnect silence: repeated reconnects below low never alert", defaults,
			every(seq(pct(50), pct(15), off(), pct(15), off(), pct(15), off(), pct(14)), map[int][]Kind{1: low})},
		{"reconnect re-arms by the new baseline", defaults,
			every(seq(pct(15), off(), pct(60), pct(20)), map[int][]Kind{3: low})},
		{"reconnect with an unreadable battery first", defaults,
			every(seq(pct(50), off(), noFigure(), pct(3), pct(2)), nil)},
		{"readings without a figure change nothing", defaults,
			every(seq(pct(50), noFigure(), pct(20), noFigure(), pct(19)), map[int][]Kind{2: low})},
		{"low off: only critical", alerts(func(a *config.Alerts) { a.Notifications.Low = false }),
			every(seq(pct(50), pct(20), pct(10), pct(5)), map[int][]Kind{3: crit})},
		{"critical off: only low, even on a drop past both", alerts(func(a *config.Alerts) { a.Notifications.Critical = false }),
			every(seq(pct(50), pct(3), pct(2), pct(1)), map[int][]Kind{1: low})},
		{"low and critical off", alerts(func(a *config.Alerts) { a.Notifications.Low, a.Notifications.Critical = false, false }),
			every(seq(pct(50), pct(20), pct(5), pct(1)), nil)},
		{"levels: low then critical", defaults,
			every(seq(lvl(hidpp.LevelGood), lvl(hidpp.LevelLow), lvl(hidpp.LevelLow), lvl(hidpp.LevelCritical), lvl(hidpp.LevelCritical)),
				map[int][]Kind{1: low, 3: crit})},
		{"levels: good straight to critical gives only critical", defaults,
			every(seq(lvl(hidpp.LevelFull), lvl(hidpp.LevelCritical)), map[int][]Kind{1: crit})},
		{"levels: flapping low/critical alerts once each", defaults,
			every(seq(lvl(hidpp.LevelGood), lvl(hidpp.LevelLow), lvl(hidpp.LevelCritical), lvl(hidpp.LevelLow), lvl(hidpp.LevelCritical)),
				map[int][]Kind{1: low, 2: crit})},
		{"levels: good re-arms", defaults,
			every(seq(lvl(hidpp.LevelGood), lvl(hidpp.LevelLow), lvl(hidpp.LevelGood), lvl(hidpp.LevelLow)),
				map[int][]Kind{1: low, 3: low})},
		{"levels: first reading low is silent", defaults,
			every(seq(lvl(hidpp.LevelLow), lvl(hidpp.LevelLow), lvl(hidpp.LevelCritical)), map[int][]Kind{2: crit})},
		{"levels: unknown level is no figure", defaults,
			every(seq(lvl(hidpp.LevelUnknown), lvl(hidpp.LevelLow)), nil)},
		{"levels: charging never alerts", defaults,
			every(seq(lvl(hidpp.LevelGood), withStatus(lvl(hidpp.LevelLow), hidpp.StatusCharging)), nil)},
		{"approximate percentages alert by percent", defaults,
			every(seq(approx(50), approx(30), approx(5)), map[int][]Kind{2: crit})},
		{"solar keyboard in light never gets low", defaults,
			every(seq(sol(50, 500), sol(19, 500), sol(4, 500)), nil)},
		{"solar keyboard in dim light gets low", defaults,
			every(seq(sol(25, 500), sol(20, 50)), map[int][]Kind{1: low})},
		{"solar battery broadcast (no lux) alerts", defaults,
			every(seq(solNoLux(25), solNoLux(20)), map[int][]Kind{1: low})},

		// Dark: no more than 200 lux for DarkAfter (2 h), charge falling.
		{"dark: two hours dark and falling alerts once", defaults, []step{
			{r: sol(60, 50), at: 0},
			{r: sol(60, 40), at: time.Hour},
			{r: sol(59, 30), at: 2*time.Hour - time.Second},
			{r: sol(59, 30), at: 2 * time.Hour, want: dark},
			{r: sol(58, 30), at: 3 * time.Hour},
			{r: sol(50, 0), at: 10 * time.Hour},
		}},
		{"dark: exactly 200 lux is dark", defaults, []step{
			{r: sol(60, 200), at: 0},
			{r: sol(58, 200), at: 2 * time.Hour, want: dark},
		}},
		{"dark: charge not falling, no alert until it falls", defaults, []step{
			{r: sol(60, 150), at: 0},
			{r: sol(60, 150), at: 3 * time.Hour},
			{r: sol(61, 150), at: 4 * time.Hour},
			{r: sol(59, 150), at: 5 * time.Hour, want: dark},
		}},
		{"dark: light above 200 lux restarts the clock", defaults, []step{
			{r: sol(60, 50), at: 0},
			{r: sol(59, 50), at: 90 * time.Minute},
			{r: sol(59, 201), at: 100 * time.Minute},
			{r: sol(59, 50), at: 110 * time.Minute},
			{r: sol(57, 50), at: 3 * time.Hour},
			{r: sol(56, 50), at: 110*time.Minute + 2*time.Hour, want: dark},
		}},
		{"dark: re-armed by light", defaults, []step{
			{r: sol(60, 50), at: 0},
			{r: sol(58, 50), at: 2 * time.Hour, want: dark},
			{r: sol(58, 50), at: 3 * time.Hour},
			{r: sol(58, 800), at: 4 * time.Hour},
			{r: sol(58, 10), at: 5 * time.Hour},
			{r: sol(55, 10), at: 7 * time.Hour, want: dark},
		}},
		{"dark: readings without lux neither start nor end the stretch", defaults, []step{
			{r: sol(60, 50), at: 0},
			{r: solNoLux(59), at: time.Hour},
			{r: solNoLux(58), at: 2 * time.Hour},
			{r: sol(58, 50), at: 2*time.Hour + time.Minute, want: dark},
		}},
		{"dark: the stretch survives sleep, the first reading after it is silent", defaults, []step{
			{r: sol(60, 50), at: 0},
			{r: off(), at: 30 * time.Minute},
			{r: sol(57, 50), at: 3 * time.Hour},
			{r: sol(57, 50), at: 3*time.Hour + time.Minute, want: dark},
		}},
		{"dark: an alert given is not repeated after reconnect", defaults, []step{
			{r: sol(60, 50), at: 0},
			{r: sol(58, 50), at: 2 * time.Hour, want: dark},
			{r: off(), at: 150 * time.Minute},
			{r: sol(55, 50), at: 4 * time.Hour},
			{r: sol(54, 50), at: 5 * time.Hour},
		}},
		{"dark: start-up in the dark counts from the first reading", defaults, []step{
			{r: sol(60, 50), at: 0},
			{r: sol(59, 50), at: 119 * time.Minute},
			{r: sol(59, 50), at: 120 * time.Minute, want: dark},
		}},
		{"dark: the first charge of the stretch is the reference", defaults, []step{
			{r: sensors.State{Online: true, Solar: true, Light: &sensors.Light{Lux: 50}}, at: 0},
			{r: sol(60, 50), at: time.Hour},
			{r: sol(60, 50), at: 2 * time.Hour},
			{r: sol(59, 50), at: 2*time.Hour + time.Minute, want: dark},
		}},
		{"dark: custom delay", alerts(func(a *config.Alerts) { a.Thresholds.DarkAfter = config.Dur(30 * time.Minute) }), []step{
			{r: sol(60, 50), at: 0},
			{r: sol(59, 50), at: 29 * time.Minute},
			{r: sol(59, 50), at: 30 * time.Minute, want: dark},
		}},
		{"dark: switched off", alerts(func(a *config.Alerts) { a.Notifications.Dark = false }), []step{
			{r: sol(60, 50), at: 0},
			{r: sol(50, 50), at: 5 * time.Hour},
		}},
		{"dark and low on the same reading", defaults, []step{
			{r: sol(25, 50), at: 0},
			{r: sol(20, 50), at: 2 * time.Hour, want: []Kind{KindLow, KindDark}},
		}},
		{"dark: a device without light readings never gets it", defaults, []step{
			{r: pct(60), at: 0},
			{r: pct(50), at: 5 * time.Hour},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWatcher(tt.th)
			for i, s := range tt.steps {
				alerts := w.Observe(named("dev-1", "K750", s.r), t0.Add(s.at))
				var got []Kind
				for _, a := range alerts {
					got = append(got, a.Kind)
				}
				if !reflect.DeepEqual(got, s.want) {
					t.Errorf("step %d: Observe(%s at +%v) = %v, want %v", i, describe(s.r), s.at, got, s.want)
				}
			}
		})
	}
}

// TestWatcher_Observe_Alert checks the whole alert: texts, urgency, icon.
func TestWatcher_Observe_Alert(t *testing.T) {
	tests := []struct {
		name  string
		dev   string
		first sensors.State
		then  sensors.State
		after time.Duration
		want  Alert
	}{
		{"solar keyboard low", "K750", solNoLux(40), sol(20, 80), time.Minute, Alert{
			DeviceID: "id", Device: "K750", Kind: KindLow, Percent: 20,
			Summary: "K750 battery low",
			Body:    "20 % left. The keyboard charges from light: put it where it gets more than 200 lux.",
			Urgency: UrgencyNormal, IconName: "battery-low-symbolic",
		}},
		{"solar keyboard critical", "K750", solNoLux(40), solNoLux(5), time.Minute, Alert{
			DeviceID: "id", Device: "K750", Kind: KindCritical, Percent: 5,
			Summary: "K750 battery critical",
			Body:    "5 % left. The keyboard charges from light: put it where it gets more than 200 lux.",
			Urgency: UrgencyCritical, IconName: "battery-caution-symbolic",
		}},
		{"mouse low", "M705", pct(40), pct(18), time.Minute, Alert{
			DeviceID: "id", Device: "M705", Kind: KindLow, Percent: 18,
			Summary: "M705 battery low",
			Body:    "18 % left. Charge it or replace its batteries soon.",
			Urgency: UrgencyNormal, IconName: "battery-low-symbolic",
		}},
		{"mouse critical", "M705", pct(40), pct(2), time.Minute, Alert{
			DeviceID: "id", Device: "M705", Kind: KindCritical, Percent: 2,
			Summary: "M705 battery critical",
			Body:    "2 % left. Charge it or replace its batteries now.",
			Urgency: UrgencyCritical, IconName: "battery-caution-symbolic",
		}},
		{"approximate percentage", "MX Anywhere", approx(50), approx(5), time.Minute, Alert{
			DeviceID: "id", Device: "MX Anywhere", Kind: KindCritical, Percent: 5,
			Summary: "MX Anywhere battery critical",
			Body:    "About 5 % left. Charge it or replace its batteries now.",
			Urgency: UrgencyCritical, IconName: "battery-caution-symbolic",
		}},
		{"level only", "R400", lvl(hidpp.LevelGood), lvl(hidpp.LevelLow), time.Minute, Alert{
			DeviceID: "id", Device: "R400", Kind: KindLow, Percent: -1,
			Summary: "R400 battery low",
			Body:    "The battery level is low. Charge it or replace its batteries soon.",
			Urgency: UrgencyNormal, IconName: "battery-low-symbolic",
		}},
		{"level only critical", "R400", lvl(hidpp.LevelGood), lvl(hidpp.LevelCritical), time.Minute, Alert{
			DeviceID: "id", Device: "R400", Kind: KindCritical, Percent: -1,
			Summary: "R400 battery critical",
			Body:    "The battery level is critical. Charge it or replace its batteries now.",
			Urgency: UrgencyCritical, IconName: "battery-caution-symbolic",
		}},
		{"empty name", "", pct(40), pct(18), time.Minute, Alert{
			DeviceID: "id", Device: "Logitech device", Kind: KindLow, Percent: 18,
			Summary: "Logitech device battery low",
			Body:    "18 % left. Charge it or replace its batteries soon.",
			Urgency: UrgencyNormal, IconName: "battery-low-symbolic",
		}},
		{"dark", "K750", sol(62, 40), sol(57, 12), 2*time.Hour + 30*time.Minute + 20*time.Second, Alert{
			DeviceID: "id", Device: "K750", Kind: KindDark, Percent: 57,
			Summary: "K750 is in the dark",
			Body: "It has had 200 lux or less for 2 hours 30 minutes and its charge fell from 62 % to 57 %. " +
				"Put it where it gets more than 200 lux.",
			Urgency: UrgencyNormal, IconName: "weather-clear-night-symbolic",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWatcher(defaults)
			if got := w.Observe(named("id", tt.dev, tt.first), t0); got != nil {
				t.Fatalf("first Observe(%s) = %+v, want no alert", describe(tt.first), got)
			}
			got := w.Observe(named("id", tt.dev, tt.then), t0.Add(tt.after))
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("Observe(%s) =\n%+v\nwant\n%+v", describe(tt.then), got, tt.want)
			}
		})
	}
}

func TestWatcher_Observe_DevicesAreIndependent(t *testing.T) {
	w := NewWatcher(defaults)
	steps := []struct {
		id   string
		r    sensors.State
		want []Kind
	}{
		{"mouse", pct(50), nil},
		{"keyboard", pct(15), nil}, // its own first reading: silent
		{"mouse", pct(19), low},
		{"keyboard", pct(14), nil},
		{"keyboard", off(), nil}, // the keyboard going away leaves the mouse alone
		{"mouse", pct(4), crit},
		{"keyboard", pct(4), nil},
		{"keyboard", pct(3), nil},
	}
	for i, s := range steps {
		var got []Kind
		for _, a := range w.Observe(named(s.id, s.id, s.r), t0.Add(time.Duration(i)*time.Minute)) {
			if a.DeviceID != s.id || a.Device != s.id {
				t.Errorf("step %d: alert for %q/%q, want %q", i, a.DeviceID, a.Device, s.id)
			}
			got = append(got, a.Kind)
		}
		if !reflect.DeepEqual(got, s.want) {
			t.Errorf("step %d: Observe(%s, %s) = %v, want %v", i, s.id, describe(s.r), got, s.want)
		}
	}
}

func TestWatcher_Forget(t *testing.T) {
	w := NewWatcher(defaults)
	w.Observe(named("m", "M705", pct(50)), t0)
	w.Forget("m")
	if got := w.Observe(named("m", "M705", pct(10)), t0.Add(time.Minute)); got != nil {
		t.Errorf("Observe after Forget = %+v, want no alert (a first reading)", got)
	}
	w.Forget("never seen") // must not panic
}

func TestWatcher_Concurrent(t *testing.T) {
	w := NewWatcher(defaults)
	const devices, readings = 8, 200
	var wg sync.WaitGroup
	counts := make([]int, devices)
	for d := range devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("dev-%d", d)
			for i := range readings {
				// 100 % down to 1 %, twice: low and critical once per pass
				// after the first reading, re-armed by the jump back up.
				p := 100 - i%100
				counts[d] += len(w.Observe(named(id, id, pct(p)), t0.Add(time.Duration(i)*time.Minute)))
			}
		}()
	}
	wg.Wait()
	for d, n := range counts {
		if n != 4 {
			t.Errorf("device %d got %d alerts, want 4 (low and critical, twice)", d, n)
		}
	}
}

func TestKind_String(t *testing.T) {
	for k, want := range map[Kind]string{KindLow: "low", KindCritical: "critical", KindDark: "dark", 0: "kind 0", 9: "kind 9"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestUrgency_String(t *testing.T) {
	for u, want := range map[Urgency]string{UrgencyLow: "low", UrgencyNormal: "normal", UrgencyCritical: "critical", 7: "urgency 7"} {
		if got := u.String(); got != want {
			t.Errorf("Urgency(%d).String() = %q, want %q", byte(u), got, want)
		}
	}
	// The freedesktop specification numbers them 0, 1, 2.
	if UrgencyLow != 0 || UrgencyNormal != 1 || UrgencyCritical != 2 {
		t.Errorf("urgencies = %d, %d, %d, want 0, 1, 2", UrgencyLow, UrgencyNormal, UrgencyCritical)
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0 minutes"},
		{59 * time.Second, "0 minutes"},
		{time.Minute, "1 minute"},
		{45 * time.Minute, "45 minutes"},
		{time.Hour, "1 hour"},
		{time.Hour + time.Minute, "1 hour 1 minute"},
		{2 * time.Hour, "2 hours"},
		{2*time.Hour + 30*time.Minute + 59*time.Second, "2 hours 30 minutes"},
		{50 * time.Hour, "50 hours"},
	}
	for _, tt := range tests {
		if got := duration(tt.in); got != tt.want {
			t.Errorf("duration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func describe(r sensors.State) string {
	if !r.Online {
		return "offline"
	}
	var parts []string
	if b := r.Battery; b != nil {
		if b.HasPercent {
			parts = append(parts, fmt.Sprintf("%d %%", b.Percent))
		}
		if b.Level != hidpp.LevelUnknown {
			parts = append(parts, b.Level.String())
		}
		parts = append(parts, b.Status.String())
	} else {
		parts = append(parts, "no battery")
	}
	if r.Light != nil {
		parts = append(parts, fmt.Sprintf("%d lux", r.Light.Lux))
	}
	return strings.Join(parts, " ")
}
