package upower

import (
	"fmt"
	"strings"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
)

// UPower's well-known names and paths.
const (
	// Name is the bus name of the UPower daemon, on the system bus.
	Name = "org.freedesktop.UPower"
	// Interface is the root object's interface.
	Interface = "org.freedesktop.UPower"
	// DeviceInterface is every device object's interface.
	DeviceInterface = "org.freedesktop.UPower.Device"
	// Path is the root object's path.
	Path = "/org/freedesktop/UPower"
	// DevicesPath is the parent of every device object.
	DevicesPath = "/org/freedesktop/UPower/devices"
	// DisplayDevicePath is the composite device GetDisplayDevice returns.
	DisplayDevicePath = DevicesPath + "/DisplayDevice"
)

// Type is a device's Type property: what kind of device it is.
type Type uint32

// The types Helio produces, numbered as on the bus (hidpp.md §14).
const (
	TypeUnknown       Type = 0
	TypeBattery       Type = 2 // the composite display device
	TypeMouse         Type = 5
	TypeKeyboard      Type = 6
	TypeTablet        Type = 10
	TypeGamingInput   Type = 12
	TypeTouchpad      Type = 14
	TypeRemoteControl Type = 22
)

var typeNames = map[Type]string{
	TypeUnknown: "unknown", TypeBattery: "battery", TypeMouse: "mouse", TypeKeyboard: "keyboard", TypeTablet: "tablet",
	TypeGamingInput: "gaming-input", TypeTouchpad: "touchpad", TypeRemoteControl: "remote-control",
}

// String is the type's name as libupower-glib prints it ("mouse",
// "gaming-input"); "unknown" for types Helio does not produce.
func (t Type) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return "unknown"
}

// State is a device's State property: what its battery is doing.
type State uint32

// Battery states, numbered as on the bus.
const (
	StateUnknown State = iota
	StateCharging
	StateDischarging
	StateEmpty
	StateFullyCharged
	StatePendingCharge
	StatePendingDischarge
)

var stateNames = [...]string{"unknown", "charging", "discharging", "empty", "fully-charged", "pending-charge", "pending-discharge"}

// String is the state's name as libupower-glib prints it; "unknown" for
// values out of range.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Level is a device's WarningLevel or BatteryLevel property.
type Level uint32

// Levels, numbered as on the bus: WarningLevel takes none, low, critical
// and action; BatteryLevel takes none when the device reports a percentage,
// else low, critical, normal, high, full or unknown.
const (
	LevelUnknown     Level = 0
	LevelNone        Level = 1
	LevelDischarging Level = 2 // UPS only
	LevelLow         Level = 3
	LevelCritical    Level = 4
	LevelAction      Level = 5
	LevelNormal      Level = 6
	LevelHigh        Level = 7
	LevelFull        Level = 8
)

var levelNames = [...]string{"unknown", "none", "discharging", "low", "critical", "action", "normal", "high", "full"}

// String is the level's name as libupower-glib prints it; "unknown" for
// values out of range.
func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "unknown"
}

// Device is one device as an org.freedesktop.UPower.Device object carries
// it, with UPower's property names. Properties UPower has and Helio never
// sets (energy, voltage, times, temperature, ...) are not fields: they are
// zero in [Device.Properties].
type Device struct {
	Path           string // the D-Bus object path, see [ObjectPath]
	NativePath     string
	Vendor         string
	Model          string
	Serial         string
	UpdateTime     uint64 // Unix seconds; 0 when never heard from
	Type           Type
	PowerSupply    bool // powers the computer: never
	HasHistory     bool // history offered through GetHistory: not by Helio
	HasStatistics  bool
	Online         bool // the device is in range (upower prints Online only for line power)
	Luminosity     float64
	Percentage     float64
	IsPresent      bool
	State          State
	IsRechargeable bool
	WarningLevel   Level
	BatteryLevel   Level
	IconName       string
}

// PercentLow is UPower's default PercentageLow (UPower.conf), which
// decides the caution icon and the warning level of devices other than
// mice, keyboards and touchpads.
const PercentLow = 20

// DeviceOf maps what Helio knows of a device to the properties UPower gives
// the same device when the kernel exports its battery
// (/sys/class/power_supply/hidpp_battery_*), computed as UPower's daemon
// computes them:
//
//   - Type from the device kind: 6 keyboard (also numpads), 5 mouse (also
//     trackballs), 14 touchpad, 10 tablet, 12 gaming input, 22 remote
//     control (presenters), else 0 unknown.
//   - Percentage and BatteryLevel: a reported percentage with BatteryLevel
//     1 (none); a level word as the kernel's capacity_level reads in
//     UPower: critical 4 at 5 %, low 3 at 10 %, good as normal 6 at 55 %,
//     full 8 at 100 %; no figure at all: unknown 0 at 0 %.
//   - State: 4 fully charged when the device says full, or at 100 % (UPower
//     overrides devices that always say discharging); for a solar keyboard
//     with a light reading, 1 charging above 200 lux, else 2 discharging;
//     else the device's own status, "not charging" and charging errors as
//     5 pending charge (as the kernel and UPower do). An offline device,
//     or one without a battery figure, is 0 unknown.
//   - IsPresent is whether the device is in range: an offline device shows
//     "present: no" and the battery-missing icon, with its last figures.
//   - WarningLevel as UPower's update_warning_level: a battery level other
//     than critical gives low for low, else none; otherwise, discharging
//     mice, keyboards and touchpads warn critical at 5 % and low at 10 %,
//     other kinds low at 20 %, critical at 5 %, action at 2 %.
//   - IconName as UPower's update_icon_name and up_daemon_get_charge_icon,
//     with UPower's default PercentageLow of 20.
//   - UpdateTime is when the battery or light was last confirmed, or when
//     the device was last seen when neither was.
//   - Luminosity is the solar keyboard's light in lux (0 when unmeasured).
//   - NativePath is hidpp_battery_ and the device's unit id in lower case
//     where it has one (so a device keeps its object on Bolt and over
//     Bluetooth), else its serial (the receiver's serial, or product id,
//     and the slot when the device has none), and Path is [ObjectPath] of
//     the type and native path.
func DeviceOf(s sensors.State) Device {
	d := Device{
		Vendor: "Logitech", Model: s.Name, Serial: s.Serial, Type: typeOf(s.Kind),
		IsPresent: s.Online, IsRechargeable: true, Online: s.Online,
	}
	id := strings.ToLower(s.UnitID)
	if id == "" {
		id = strings.ToLower(s.Serial)
	}
	if id == "" {
		rx := strings.ToLower(s.Receiver.Serial)
		if rx == "" {
			rx = fmt.Sprintf("%04x", s.Receiver.PID)
		}
		id = fmt.Sprintf("%s_%d", rx, s.Index)
	}
	d.NativePath = "hidpp_battery_" + id
	d.Path = ObjectPath(d.Type, d.NativePath)
	d.UpdateTime = updateTime(s)
	if s.Light != nil {
		d.Luminosity = float64(s.Light.Lux)
	}

	b := s.Battery
	switch {
	case b == nil:
		d.BatteryLevel = LevelUnknown
	case b.HasPercent:
		d.BatteryLevel, d.Percentage = LevelNone, float64(min(max(b.Percent, 0), 100))
	default:
		d.BatteryLevel, d.Percentage = levelOf(b.Level)
	}
	d.State = stateOf(s)
	d.WarningLevel = warningLevel(d)
	d.IconName = iconName(d)
	return d
}

// ObjectPath is the object path UPower gives a device of type t whose
// native path (its sysfs name) is nativePath, such as
// /org/freedesktop/UPower/devices/keyboard_hidpp_battery_750c0de2: the
// type's name, '_', the native path, made a valid path element as UPower
// does (up_device_compute_object_path: '-' and '@' become '_', '.' 'x',
// ':' 'o'), anything else a path cannot hold becoming '_'.
func ObjectPath(t Type, nativePath string) string {
	return DevicesPath + "/" + pathElement(t.String()+"_"+nativePath)
}

// pathElement makes id a D-Bus object path element.
func pathElement(id string) string {
	b := []byte(id)
	for i, c := range b {
		switch {
		case c == '.':
			b[i] = 'x'
		case c == ':':
			b[i] = 'o'
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		default:
			b[i] = '_'
		}
	}
	return string(b)
}

// typeOf maps a HID++ device kind to UPower's Type.
func typeOf(k hidpp.Kind) Type {
	switch k {
	case hidpp.KindKeyboard, hidpp.KindNumpad:
		return TypeKeyboard
	case hidpp.KindMouse, hidpp.KindTrackball:
		return TypeMouse
	case hidpp.KindTouchpad:
		return TypeTouchpad
	case hidpp.KindTablet:
		return TypeTablet
	case hidpp.KindGamepad, hidpp.KindJoystick:
		return TypeGamingInput
	case hidpp.KindPresenter, hidpp.KindRemote:
		return TypeRemoteControl
	}
	return TypeUnknown
}

// levelOf is UPower's reading of the kernel's capacity_level for a device
// that reports levels only (up-device-supply.c, sysfs_get_capacity_level).
// The kernel calls HID++'s "good" Normal.
func levelOf(l hidpp.Level) (Level, float64) {
	switch l {
	case hidpp.LevelCritical:
		return LevelCritical, 5
	case hidpp.LevelLow:
		return LevelLow, 10
	case hidpp.LevelGood:
		return LevelNormal, 55
	case hidpp.LevelFull:
		return LevelFull, 100
	}
	return LevelUnknown, 0
}

// stateOf is the State of s's battery, see [DeviceOf].
func stateOf(s sensors.State) State {
	b := s.Battery
	if !s.Online || b == nil {
		return StateUnknown
	}
	if b.Status == hidpp.StatusFull || b.HasPercent && b.Percent >= 100 || !b.HasPercent && b.Level == hidpp.LevelFull {
		return StateFullyCharged
	}
	if s.Solar && s.Light != nil {
		if s.Light.Charging() {
			return StateCharging
		}
		return StateDischarging
	}
	switch b.Status {
	case hidpp.StatusCharging:
		return StateCharging
	case hidpp.StatusDischarging:
		return StateDischarging
	case hidpp.StatusNotCharging, hidpp.StatusError:
		return StatePendingCharge
	}
	return StateUnknown
}

// warningLevel is UPower's update_warning_level with the daemon's default
// policy (PercentageLow 20, PercentageCritical 5, PercentageAction 2).
func warningLevel(d Device) Level {
	if d.BatteryLevel != LevelNone && d.BatteryLevel != LevelCritical {
		if d.BatteryLevel == LevelLow {
			return LevelLow
		}
		return LevelNone
	}
	if d.State != StateDischarging {
		return LevelNone
	}
	p := d.Percentage
	switch d.Type {
	case TypeMouse, TypeKeyboard, TypeTouchpad:
		switch {
		case p <= 5:
			return LevelCritical
		case p <= 10:
			return LevelLow
		}
		return LevelNone
	}
	switch {
	case p > PercentLow:
		return LevelNone
	case p > 5:
		return LevelLow
	case p > 2:
		return LevelCritical
	}
	return LevelAction
}

// iconName is UPower's update_icon_name for a device battery.
func iconName(d Device) string {
	if !d.IsPresent {
		return "battery-missing-symbolic"
	}
	switch d.State {
	case StateEmpty:
		return "battery-empty-symbolic"
	case StateFullyCharged:
		return "battery-full-charged-symbolic"
	case StateCharging, StatePendingCharge:
		return chargeIcon(d.Percentage, d.BatteryLevel, true)
	case StateDischarging, StatePendingDischarge:
		return chargeIcon(d.Percentage, d.BatteryLevel, false)
	}
	return "battery-missing-symbolic"
}

// chargeIcon is UPower's up_daemon_get_charge_icon.
func chargeIcon(p float64, level Level, charging bool) string {
	word := "full"
	if level == LevelNone {
		switch {
		case p <= PercentLow:
			word = "caution"
		case p < 30:
			word = "low"
		case p < 60:
			word = "good"
		}
	} else {
		switch level {
		case LevelUnknown:
			if charging { // the lack of symmetry is UPower's, on purpose
				word = "good"
			} else {
				word = "caution"
			}
		case LevelLow, LevelCritical:
			word = "caution"
		case LevelNormal:
			word = "low"
		case LevelHigh:
			word = "good"
		}
	}
	if charging {
		return "battery-" + word + "-charging-symbolic"
	}
	return "battery-" + word + "-symbolic"
}

// updateTime is when s's figures were last confirmed, in Unix seconds.
func updateTime(s sensors.State) uint64 {
	t := s.Confirmed()
	if t.IsZero() || t.Unix() < 0 {
		return 0
	}
	return uint64(t.Unix())
}
