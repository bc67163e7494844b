package sensors

import (
	"time"

	"github.com/helio-linux/helio/hidpp"
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

// State is everything Helio knows about one device at a moment: what the
// front ends (CLI formats, tray, notifications, D-Bus export, history) show
// and store. It is a value: copying it copies everything but Battery and
// Light, which are never changed once set, only replaced.
type State struct {
	ID       string // stable identity: receiver serial, wpid, device serial
	Name     string
	Codename string
	Kind     hidpp.Kind
	WPID     uint16
	Serial   string
	Index    byte   // slot on the receiver
	Protocol string // "1.0", "2.0", "4.5"; "" when never reached
	Receiver string // receiver serial
	Path     string // the receiver's node, such as /dev/hidraw0

	Online  bool
	Solar   bool           // has solar cells (feature 0x4301)
	Battery *hidpp.Battery // nil when unknown
	Light   *Light         // nil when never measured

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

// StateOf describes a device as a one-shot Reading found it.
func StateOf(r Reading) State {
	s := describe(r.Device)
	s.Online, s.Solar, s.Battery, s.Light, s.Err = r.Online, r.Solar, r.Battery, r.Light, r.Err
	if r.Battery != nil {
		s.BatteryTime = r.Time
	}
	if r.Light != nil {
		s.LightTime = r.Time
	}
	if r.Online {
		s.SeenTime = r.Time
	}
	return s
}

// describe fills the identity fields of s from d.
func describe(d *unifying.Device) State {
	s := State{ID: d.ID(), Name: d.Name(), Codename: d.Codename, Kind: d.Kind, WPID: d.WPID, Serial: d.Serial,
		Index: d.Index, Receiver: d.Receiver.Serial, Path: d.Receiver.Conn().Info().Path, Online: d.Online()}
	if p := d.Protocol(); p.Major != 0 {
		s.Protocol = p.String()
	}
	return s
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
