// Package notify decides when Helio warns the user about a device, what
// the warning says, and shows it. A [Watcher] takes every new
// [sensors.State] of every device, as the live monitor produces it, and
// returns the [Alert]s to show; a [Sender] shows each as a freedesktop
// desktop notification over D-Bus; [Run] joins the two for the front ends
// (the tray and "helio watch --notify").
//
// The rules answer the complaints about other tools: one alert per
// crossing, never a flood, nothing on start-up or reconnect.
//
//   - The first battery figure seen from a device, at start-up or after it
//     went offline and came back, only sets its baseline: it never alerts,
//     however low it is.
//   - A battery that falls to the low threshold or below alerts once; one
//     that falls to the critical threshold or below alerts once more. A
//     drop past both at once gives only the critical alert.
//   - An alert re-arms only once the battery rises above its threshold
//     plus the hysteresis, so a figure wobbling around the threshold (19,
//     21, 19, 21 %) alerts once.
//   - A device that reports only levels alerts on the words: "low" for the
//     low alert, "critical" for the critical one. Its alerts re-arm when it
//     reports "good" or "full" again.
//   - A charging device (or one full or on external power) never gets a
//     low or critical alert.
//   - A solar keyboard that has seen no more than 200 lux for the dark
//     delay and whose charge fell over that time gets one dark alert,
//     re-armed when it sees more than 200 lux.
//   - Each kind can be switched off.
//
// The thresholds, the delay and the switches are the config file's
// [config.Alerts], taken as they are.
package notify

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/sensors"
)

// Kind is what an alert is about.
type Kind int

// Alert kinds.
const (
	KindLow      Kind = iota + 1 // the battery fell to the low threshold
	KindCritical                 // the battery fell to the critical threshold
	KindDark                     // a solar keyboard has been in the dark too long
)

func (k Kind) String() string {
	switch k {
	case KindLow:
		return "low"
	case KindCritical:
		return "critical"
	case KindDark:
		return "dark"
	}
	return fmt.Sprintf("kind %d", int(k))
}

// Urgency is a notification's urgency, numbered as the freedesktop
// Desktop Notifications Specification numbers its "urgency" hint (a byte),
// so the sender can pass it on as it is.
type Urgency byte

// Urgencies of the freedesktop notification specification.
const (
	UrgencyLow      Urgency = 0
	UrgencyNormal   Urgency = 1
	UrgencyCritical Urgency = 2 // notification servers keep these until dismissed
)

func (u Urgency) String() string {
	switch u {
	case UrgencyLow:
		return "low"
	case UrgencyNormal:
		return "normal"
	case UrgencyCritical:
		return "critical"
	}
	return fmt.Sprintf("urgency %d", byte(u))
}

// Alert is one notification to show.
type Alert struct {
	DeviceID string // the device's stable ID, the ID of the state given to [Watcher.Observe]
	Device   string // the device's name, the Name of that state, or "Logitech device"
	Kind     Kind
	// Percent is the battery's charge when the alert fired, or -1 when the
	// device reports only a level.
	Percent  int
	Summary  string // the notification's one-line summary
	Body     string // the notification's body, plain text
	Urgency  Urgency
	IconName string // a freedesktop icon name
}

// Watcher follows every device's states and decides which alerts to
// show. It remembers, per device ID, which alerts are armed and how long a
// solar keyboard has been in the dark.
//
// A Watcher is safe for concurrent use: each reader goroutine of the front
// end may call [Watcher.Observe] for its devices.
type Watcher struct {
	a config.Alerts

	mu      sync.Mutex
	devices map[string]*deviceState
}

// deviceState is what a Watcher remembers of one device.
type deviceState struct {
	connected bool // a state with Online set came since the last offline one

	// Battery alerts. hasBaseline is false until the first battery figure
	// since the device came online; that figure sets the arms without
	// alerting.
	hasBaseline   bool
	lowArmed      bool
	criticalArmed bool

	// Dark alert. The dark stretch survives the device going offline: a
	// sleeping keyboard gives no light reading, which is no evidence of
	// light. Only a light reading above 200 lux ends it.
	darkArmed     bool
	inDark        bool
	darkSince     time.Time
	darkCharge    int // the first charge seen in the dark stretch
	hasDarkCharge bool
}

// NewWatcher returns a Watcher that alerts by a. It does not check a:
// [config.Load] has, or call [config.Alerts.Validate]. A negative
// Hysteresis counts as 0.
func NewWatcher(a config.Alerts) *Watcher {
	a.Thresholds.Hysteresis = max(a.Thresholds.Hysteresis, 0)
	return &Watcher{a: a, devices: make(map[string]*deviceState)}
}

// Observe takes the new state s of a device, seen at now, and returns the
// alerts to show now: none, or one or two (a battery alert and a dark
// alert). It knows the device by s.ID and words the alerts with s.Name; an
// empty name reads "Logitech device" in the texts. States of one device
// must come in order of now.
//
// A state with Online false forgets the device's battery baseline, so its
// first figure after it comes back only sets a new one, and the first
// state after it comes back never alerts. A state without a battery figure
// changes no battery alert.
func (w *Watcher) Observe(s sensors.State, now time.Time) []Alert {
	w.mu.Lock()
	defer w.mu.Unlock()
	d := w.devices[s.ID]
	if d == nil {
		d = &deviceState{darkArmed: true}
		w.devices[s.ID] = d
	}
	if !s.Online {
		d.connected, d.hasBaseline = false, false
		return nil
	}
	first := !d.connected
	d.connected = true
	name := s.Name
	if name == "" {
		name = "Logitech device"
	}
	var alerts []Alert
	if a, ok := w.battery(d, &s); ok {
		alerts = append(alerts, w.alert(a, name, &s, now, d))
	}
	if w.dark(d, first, &s, now) {
		alerts = append(alerts, w.alert(KindDark, name, &s, now, d))
	}
	return alerts
}

// Forget drops what the Watcher remembers of a device, such as one
// unpaired for good. Its next state is a first one.
func (w *Watcher) Forget(id string) {
	w.mu.Lock()
	delete(w.devices, id)
	w.mu.Unlock()
}

// position is where a battery stands against the thresholds.
type position struct {
	belowLow, belowCritical bool // at or below the threshold
	clearLow, clearCritical bool // above the threshold plus hysteresis
}

// place puts b against t, or returns false when b gives no figure (no
// battery, or a status without percent or level).
func place(t config.Thresholds, b *hidpp.Battery) (position, bool) {
	switch {
	case b == nil:
		return position{}, false
	case b.HasPercent:
		p := b.Percent
		return position{
			belowLow:      p <= t.Low,
			belowCritical: p <= t.Critical,
			clearLow:      p > t.Low+t.Hysteresis,
			clearCritical: p > t.Critical+t.Hysteresis,
		}, true
	case b.Level == hidpp.LevelCritical:
		return position{belowLow: true, belowCritical: true}, true
	case b.Level == hidpp.LevelLow:
		return position{belowLow: true}, true
	case b.Level == hidpp.LevelGood, b.Level == hidpp.LevelFull, b.Status == hidpp.StatusFull:
		// Level words are coarse and have no points to add: only a word
		// above "low" re-arms.
		return position{clearLow: true, clearCritical: true}, true
	}
	return position{}, false
}

// onPower reports whether a battery charges or is held by external power,
// so it cannot be running down.
func onPower(b *hidpp.Battery) bool {
	switch b.Status {
	case hidpp.StatusCharging, hidpp.StatusFull, hidpp.StatusNotCharging:
		return true
	}
	return false
}

// battery updates d with s's battery and returns the battery alert to
// show, if any.
func (w *Watcher) battery(d *deviceState, s *sensors.State) (Kind, bool) {
	pos, ok := place(w.a.Thresholds, s.Battery)
	if !ok {
		return 0, false
	}
	if !d.hasBaseline {
		d.hasBaseline = true
		d.lowArmed, d.criticalArmed = !pos.belowLow, !pos.belowCritical
		return 0, false
	}
	if pos.clearLow {
		d.lowArmed = true
	}
	if pos.clearCritical {
		d.criticalArmed = true
	}
	if onPower(s.Battery) {
		return 0, false
	}
	if pos.belowCritical && d.criticalArmed {
		d.criticalArmed = false
		if w.a.Notifications.Critical {
			d.lowArmed = false // the critical alert says it all
			return KindCritical, true
		}
	}
	if pos.belowLow && d.lowArmed {
		d.lowArmed = false
		if w.a.Notifications.Low {
			return KindLow, true
		}
	}
	return 0, false
}

// dark updates d with s's light and reports whether to show the dark
// alert.
func (w *Watcher) dark(d *deviceState, first bool, s *sensors.State, now time.Time) bool {
	if s.Light == nil {
		return false // no light figure: the stretch neither starts nor ends
	}
	if s.Light.Charging() {
		d.inDark, d.darkArmed = false, true
		return false
	}
	if !d.inDark {
		d.inDark, d.darkSince, d.hasDarkCharge = true, now, false
	}
	p, hasPercent := percentOf(s.Battery)
	if hasPercent && !d.hasDarkCharge {
		d.darkCharge, d.hasDarkCharge = p, true
	}
	if first || !d.darkArmed || !w.a.Notifications.Dark || now.Sub(d.darkSince) < w.a.Thresholds.DarkAfter.Duration {
		return false
	}
	if !hasPercent || !d.hasDarkCharge || p >= d.darkCharge {
		return false // not losing charge: the dark does no harm yet
	}
	d.darkArmed = false
	return true
}

func percentOf(b *hidpp.Battery) (int, bool) {
	if b == nil || !b.HasPercent {
		return 0, false
	}
	return b.Percent, true
}

// alert words the alert of kind k. Called with w.mu held.
func (w *Watcher) alert(k Kind, name string, s *sensors.State, now time.Time, d *deviceState) Alert {
	a := Alert{DeviceID: s.ID, Device: name, Kind: k, Percent: -1}
	p, hasPercent := percentOf(s.Battery)
	if hasPercent {
		a.Percent = p
	}
	switch k {
	case KindLow, KindCritical:
		a.Summary = fmt.Sprintf("%s battery %s", name, k)
		a.Urgency, a.IconName = UrgencyNormal, "battery-low-symbolic"
		if k == KindCritical {
			a.Urgency, a.IconName = UrgencyCritical, "battery-caution-symbolic"
		}
		a.Body = charge(s.Battery, k) + " " + advice(s, k)
	case KindDark:
		a.Summary = name + " is in the dark"
		a.Urgency, a.IconName = UrgencyNormal, "weather-clear-night-symbolic"
		a.Body = fmt.Sprintf("It has had %d lux or less for %s and its charge fell from %d %% to %d %%. "+
			"Put it where it gets more than %d lux.",
			hidpp.SolarChargingLux, duration(now.Sub(d.darkSince)), d.darkCharge, p, hidpp.SolarChargingLux)
	}
	return a
}

// charge is the first sentence of a battery alert's body, as precise as
// the device is.
func charge(b *hidpp.Battery, k Kind) string {
	switch {
	case b.HasPercent && b.Approximate:
		return fmt.Sprintf("About %d %% left.", b.Percent)
	case b.HasPercent:
		return fmt.Sprintf("%d %% left.", b.Percent)
	}
	return fmt.Sprintf("The battery level is %s.", k)
}

// advice is what to do about a low battery.
func advice(s *sensors.State, k Kind) string {
	switch {
	case s.Solar:
		return fmt.Sprintf("The keyboard charges from light: put it where it gets more than %d lux.", hidpp.SolarChargingLux)
	case k == KindCritical:
		return "Charge it or replace its batteries now."
	}
	return "Charge it or replace its batteries soon."
}

// duration words a span in whole hours and minutes: "2 hours",
// "1 hour 30 minutes", "45 minutes".
func duration(d time.Duration) string {
	d = d.Truncate(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if h > 0 {
		parts = append(parts, plural(h, "hour"))
	}
	if m > 0 || h == 0 {
		parts = append(parts, plural(m, "minute"))
	}
	return strings.Join(parts, " ")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
