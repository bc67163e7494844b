package sensors

import (
	"fmt"
	"strings"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/unifying"
)

// Trend is where a battery's charge is heading.
type Trend int

// Trends.
const (
	TrendUnknown Trend = iota // not enough history yet
	TrendSteady
	TrendRising
	TrendFalling
)

func (t Trend) String() string {
	switch t {
	case TrendSteady:
		return "steady"
	case TrendRising:
		return "rising"
	case TrendFalling:
		return "falling"
	}
	return "unknown"
}

// ParseTrend is the inverse of Trend.String; an unknown word is
// TrendUnknown.
func ParseTrend(s string) Trend {
	for _, t := range []Trend{TrendSteady, TrendRising, TrendFalling} {
		if t.String() == s {
			return t
		}
	}
	return TrendUnknown
}

// State is everything Helio knows about one device at a moment: what the
// front ends (CLI formats, tray, notifications, D-Bus export, history) show
// and store. It is a value: copying it copies everything but Battery and
// Light, which are never changed once set, only replaced.
type State struct {
	ID       string // stable identity across receivers and paths: [unifying.Device.ID]
	Name     string
	Codename string
	Kind     hidpp.Kind
	WPID     uint16
	Serial   string // the receiver's word for it, or a Bluetooth device's address; "" when none
	UnitID   string // the device's unit id where something gives it as such (Bolt, the device itself); "" elsewhere
	Index    byte   // slot on the receiver; 0xFF for a device on its own node
	Protocol string // "1.0", "2.0", "4.5"; "" when never reached
	// Receiver is the receiver the device is paired to. A device reached
	// without one (Direct) has only Path and PID: its own node's.
	Receiver ReceiverInfo
	// Direct says the device is reached without a receiver, on a node of
	// its own (Bluetooth).
	Direct bool
	// Bus is the bus of the node the device is read through: its
	// receiver's (USB), or its own (Bluetooth); 0 when the backend does
	// not say.
	Bus transport.Bus

	Online  bool
	Solar   bool           // has solar cells (feature 0x4301)
	Battery *hidpp.Battery // nil when unknown
	// NoBattery says the device reports no battery at all: no battery
	// feature or register, no solar dashboard (the M185 on a C534 Nano).
	NoBattery bool
	Light     *Light // nil when never measured

	BatteryTime time.Time // when the battery figure was last confirmed
	LightTime   time.Time // when the light was last measured
	SeenTime    time.Time // when the device last answered or reported anything

	// For solar devices with enough history: where the charge is heading,
	// and how long it lasts at the current light (0 when unknown, or when
	// not falling).
	Trend     Trend
	Remaining time.Duration

	Err error // why a figure is missing, when not simply offline
}

// ReceiverInfo is the receiver a device is paired to, as a [State]
// carries it: enough to group and head devices by receiver wherever the
// state travels (over D-Bus to the window or a query). Path alone groups:
// a receiver may have no serial (the C534 Nano), and a device reached
// without a receiver has only Path and PID, its own node's.
type ReceiverInfo struct {
	Serial   string // "" when the receiver gives none
	PID      uint16
	Family   transport.Family
	Firmware string
	Path     string // its node, such as /dev/hidraw0
}

// Identify is the state of d as far as the device object knows it without
// asking: its identity and whether it answered its last ping.
func Identify(d *unifying.Device) State {
	info := d.Receiver.Conn().Info()
	if info.Bus == 0 && !d.Receiver.Direct {
		info.Bus = transport.BusUSB // every Logitech receiver is a USB dongle, whatever the backend says
	}
	s := State{ID: d.ID(), Name: d.Name(), Codename: d.Codename, Kind: d.Kind, WPID: d.WPID, Serial: d.Serial, UnitID: d.UnitID,
		Index: d.Index(), Online: d.Online(), Direct: d.Receiver.Direct, Bus: info.Bus, Receiver: ReceiverInfo{PID: d.Receiver.PID, Path: info.Path}}
	if !d.Receiver.Direct {
		s.Receiver = ReceiverInfo{Serial: d.Receiver.Serial, PID: d.Receiver.PID, Family: d.Receiver.Family,
			Firmware: d.Receiver.Firmware, Path: info.Path}
	}
	if p := d.Protocol(); p.Major != 0 {
		s.Protocol = p.String()
	}
	return s
}

// applySolar records a solar dashboard event: the charge always, the
// light when the event carries lux. An event without lux (the power-up
// broadcast, a light-button press) says no status by itself: the charge
// rising says charging and falling discharging, as the kernel decides.
func (s *State) applySolar(ev hidpp.SolarEvent, now time.Time) {
	b := ev.Battery()
	if !ev.HasLux && b.Status == hidpp.StatusUnknown && s.Battery != nil && s.Battery.HasPercent {
		switch {
		case b.Percent < s.Battery.Percent:
			b.Status = hidpp.StatusDischarging
		case b.Percent > s.Battery.Percent:
			b.Status = hidpp.StatusCharging
		default:
			b.Status = s.Battery.Status
		}
	}
	s.Online, s.Solar, s.SeenTime, s.Err = true, true, now, nil
	s.Battery, s.BatteryTime = &b, now
	if ev.HasLux {
		s.Light, s.LightTime = &Light{Lux: ev.Lux}, now
	}
}

// StatusWord says what the battery is doing, in the words Helio shows:
// "full", "charging", "discharging", "not charging", "battery error", or
// "" when unknown. A solar keyboard's light decides it when measured (more
// than 200 lux charges), as the kernel and UPower decide.
func (s State) StatusWord() string {
	b := s.Battery
	if b != nil && b.Status == hidpp.StatusFull {
		return "full"
	}
	if s.Light != nil {
		if s.Light.Charging() {
			return "charging"
		}
		return "discharging"
	}
	if b == nil {
		return ""
	}
	switch b.Status {
	case hidpp.StatusDischarging:
		return "discharging"
	case hidpp.StatusCharging:
		return "charging"
	case hidpp.StatusNotCharging:
		return "not charging"
	case hidpp.StatusError:
		return "battery error"
	}
	return ""
}

// Figures is what Helio says of a device after its name, the same words in
// every front end (query, watch, the tray's menu and tooltip, waybar's
// tooltip, the window's cards): its charge as [hidpp.Battery.Figure] words
// it, with the voltage when the device measures one, a solar keyboard's
// light, and the status when the figure does not already say it, such as
// "57 %, 12 lux, discharging", "about 50 % (3.80 V), discharging" or
// "good, charging". An offline device is "offline"; a solar keyboard not
// heard from yet is "waiting for its first light report"; a device that
// reports no battery at all is "reports no battery"; one that gave no
// figure is "battery unknown".
func (s State) Figures() string {
	if !s.Online {
		return "offline"
	}
	var figure string
	if s.Battery != nil {
		figure = s.Battery.Figure()
	}
	var parts []string
	switch {
	case figure == "" && s.Solar && s.Light == nil && s.Err == nil:
		parts = append(parts, "waiting for its first light report")
	case figure == "" && s.NoBattery:
		parts = append(parts, "reports no battery")
	case figure == "":
		parts = append(parts, "battery unknown")
	case s.Battery.VoltageMV != 0:
		parts = append(parts, fmt.Sprintf("%s (%.2f V)", figure, float64(s.Battery.VoltageMV)/1000))
	default:
		parts = append(parts, figure)
	}
	if s.Light != nil {
		parts = append(parts, fmt.Sprintf("%d lux", s.Light.Lux))
	}
	if w := s.StatusWord(); w != "" && w != figure {
		parts = append(parts, w)
	}
	return strings.Join(parts, ", ")
}

// levelCharge places level words on the percentage scale, each at a
// typical figure for its level, so that devices reporting levels compare
// with those reporting percentages.
var levelCharge = [...]int{
	hidpp.LevelCritical: 5,
	hidpp.LevelLow:      20,
	hidpp.LevelGood:     50,
	hidpp.LevelFull:     100,
}

// Charge places an online device's battery on the percentage scale every
// device shares: its percentage, or for a level word a typical figure of
// that level (critical 5, low 20, good 50, full 100; a device that says
// only "full" counts as full). measured says the value is a percentage the
// device reported. ok is false when the device is offline or gives no
// figure to compare, such as "charging" alone.
func (s State) Charge() (value int, measured, ok bool) {
	b := s.Battery
	switch {
	case !s.Online || b == nil:
		return 0, false, false
	case b.HasPercent:
		return min(max(b.Percent, 0), 100), true, true
	case b.Level >= hidpp.LevelCritical && b.Level <= hidpp.LevelFull:
		return levelCharge[b.Level], false, true
	case b.Status == hidpp.StatusFull:
		return levelCharge[hidpp.LevelFull], false, true
	}
	return 0, false, false
}

// Lowest is the index of the state with the lowest [State.Charge], the
// first of equals, or -1 when none gives a figure: the device the tray's
// icon and a status bar show, so one weak mouse is not hidden behind a
// full keyboard.
func Lowest(states []State) int {
	best, bestValue := -1, 0
	for i := range states {
		if v, _, ok := states[i].Charge(); ok && (best < 0 || v < bestValue) {
			best, bestValue = i, v
		}
	}
	return best
}

// Title is the device's name as front ends head it: its Name, or
// "unknown device" when it has none (a device never reached).
func (s State) Title() string {
	if s.Name == "" {
		return "unknown device"
	}
	return s.Name
}

// Confirmed is when the device's figures were last confirmed: its battery
// or its light, whichever came later, else when it was last heard from;
// zero when never.
func (s State) Confirmed() time.Time {
	t := s.BatteryTime
	if s.LightTime.After(t) {
		t = s.LightTime
	}
	if t.IsZero() {
		t = s.SeenTime
	}
	return t
}
