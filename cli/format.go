package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/notify"
	"github.com/helio-linux/helio/sensors"
)

// This file holds the output formats for scripts and status bars that the
// query and watch commands offer besides their own text and JSON: the text
// `upower --dump` prints, and the JSON object of a waybar custom module.

// UPower's enums (org.freedesktop.UPower.Device), numbered as on the bus
// and named as libupower-glib prints them.
type (
	upType  uint32 // Type
	upState uint32 // State
	upLevel uint32 // WarningLevel and BatteryLevel
)

// Device types Helio produces.
const (
	upTypeUnknown       upType = 0
	upTypeMouse         upType = 5
	upTypeKeyboard      upType = 6
	upTypeTablet        upType = 10
	upTypeGamingInput   upType = 12
	upTypeTouchpad      upType = 14
	upTypeRemoteControl upType = 22
)

// Battery states.
const (
	upStateUnknown upState = iota
	upStateCharging
	upStateDischarging
	upStateEmpty
	upStateFullyCharged
	upStatePendingCharge
	upStatePendingDischarge
)

// Levels, for WarningLevel (none, low, critical, action) and BatteryLevel
// (none when the device reports a percentage; else low, critical, normal,
// high, full or unknown).
const (
	upLevelUnknown     upLevel = 0
	upLevelNone        upLevel = 1
	upLevelDischarging upLevel = 2 // UPS only
	upLevelLow         upLevel = 3
	upLevelCritical    upLevel = 4
	upLevelAction      upLevel = 5
	upLevelNormal      upLevel = 6
	upLevelHigh        upLevel = 7
	upLevelFull        upLevel = 8
)

var upTypeNames = map[upType]string{
	upTypeUnknown: "unknown", upTypeMouse: "mouse", upTypeKeyboard: "keyboard", upTypeTablet: "tablet",
	upTypeGamingInput: "gaming-input", upTypeTouchpad: "touchpad", upTypeRemoteControl: "remote-control",
}

func (t upType) String() string {
	if n, ok := upTypeNames[t]; ok {
		return n
	}
	return "unknown"
}

var upStateNames = [...]string{"unknown", "charging", "discharging", "empty", "fully-charged", "pending-charge", "pending-discharge"}

func (s upState) String() string {
	if int(s) < len(upStateNames) {
		return upStateNames[s]
	}
	return "unknown"
}

var upLevelNames = [...]string{"unknown", "none", "discharging", "low", "critical", "action", "normal", "high", "full"}

func (l upLevel) String() string {
	if int(l) < len(upLevelNames) {
		return upLevelNames[l]
	}
	return "unknown"
}

// upowerDevice is one device as an org.freedesktop.UPower.Device object
// would carry it, with UPower's property names. Properties UPower has and
// Helio never sets (energy, voltage, times, temperature, ...) are zero and
// not listed.
type upowerDevice struct {
	Path           string // the D-Bus object path
	NativePath     string
	Vendor         string
	Model          string
	Serial         string
	UpdateTime     uint64 // Unix seconds; 0 when never heard from
	Type           upType
	PowerSupply    bool // powers the computer: never
	HasHistory     bool // history offered through GetHistory: not by Helio
	HasStatistics  bool
	Online         bool // the device is in range (upower prints Online only for line power)
	Luminosity     float64
	Percentage     float64
	IsPresent      bool
	State          upState
	IsRechargeable bool
	WarningLevel   upLevel
	BatteryLevel   upLevel
	IconName       string
}

// upowerPercentLow is UPower's default PercentageLow (UPower.conf), which
// decides the caution icon.
const upowerPercentLow = 20

// upowerOf maps what Helio knows of a device to the properties UPower gives
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
func upowerOf(s sensors.State) upowerDevice {
	d := upowerDevice{
		Vendor: "Logitech", Model: s.Name, Serial: s.Serial, Type: upowerType(s.Kind),
		IsPresent: s.Online, IsRechargeable: true, Online: s.Online,
	}
	id := strings.ToLower(s.Serial)
	if id == "" {
		id = fmt.Sprintf("%s_%d", strings.ToLower(s.Receiver), s.Index)
	}
	d.NativePath = "hidpp_battery_" + id
	d.Path = "/org/freedesktop/UPower/devices/" + upPathElement(d.Type.String()+"_"+d.NativePath)
	d.UpdateTime = upUpdateTime(s)
	if s.Light != nil {
		d.Luminosity = float64(s.Light.Lux)
	}

	b := s.Battery
	switch {
	case b == nil:
		d.BatteryLevel = upLevelUnknown
	case b.HasPercent:
		d.BatteryLevel, d.Percentage = upLevelNone, float64(min(max(b.Percent, 0), 100))
	default:
		d.BatteryLevel, d.Percentage = upLevelOf(b.Level)
	}
	d.State = upowerState(s)
	d.WarningLevel = upWarningLevel(d)
	d.IconName = upIconName(d)
	return d
}

// upowerType maps a HID++ device kind to UPower's Type.
func upowerType(k hidpp.Kind) upType {
	switch k {
	case hidpp.KindKeyboard, hidpp.KindNumpad:
		return upTypeKeyboard
	case hidpp.KindMouse, hidpp.KindTrackball:
		return upTypeMouse
	case hidpp.KindTouchpad:
		return upTypeTouchpad
	case hidpp.KindTablet:
		return upTypeTablet
	case hidpp.KindGamepad, hidpp.KindJoystick:
		return upTypeGamingInput
	case hidpp.KindPresenter, hidpp.KindRemote:
		return upTypeRemoteControl
	}
	return upTypeUnknown
}

// upLevelOf is UPower's reading of the kernel's capacity_level for a device
// that reports levels only (up-device-supply.c, sysfs_get_capacity_level).
// The kernel calls HID++'s "good" Normal.
func upLevelOf(l hidpp.Level) (upLevel, float64) {
	switch l {
	case hidpp.LevelCritical:
		return upLevelCritical, 5
	case hidpp.LevelLow:
		return upLevelLow, 10
	case hidpp.LevelGood:
		return upLevelNormal, 55
	case hidpp.LevelFull:
		return upLevelFull, 100
	}
	return upLevelUnknown, 0
}

func upowerState(s sensors.State) upState {
	b := s.Battery
	if !s.Online || b == nil {
		return upStateUnknown
	}
	if b.Status == hidpp.StatusFull || b.HasPercent && b.Percent >= 100 || !b.HasPercent && b.Level == hidpp.LevelFull {
		return upStateFullyCharged
	}
	if s.Solar && s.Light != nil {
		if s.Light.Charging() {
			return upStateCharging
		}
		return upStateDischarging
	}
	switch b.Status {
	case hidpp.StatusCharging:
		return upStateCharging
	case hidpp.StatusDischarging:
		return upStateDischarging
	case hidpp.StatusNotCharging, hidpp.StatusError:
		return upStatePendingCharge
	}
	return upStateUnknown
}

// upWarningLevel is UPower's update_warning_level with the daemon's default
// policy (PercentageLow 20, PercentageCritical 5, PercentageAction 2).
func upWarningLevel(d upowerDevice) upLevel {
	if d.BatteryLevel != upLevelNone && d.BatteryLevel != upLevelCritical {
		if d.BatteryLevel == upLevelLow {
			return upLevelLow
		}
		return upLevelNone
	}
	if d.State != upStateDischarging {
		return upLevelNone
	}
	p := d.Percentage
	switch d.Type {
	case upTypeMouse, upTypeKeyboard, upTypeTouchpad:
		switch {
		case p <= 5:
			return upLevelCritical
		case p <= 10:
			return upLevelLow
		}
		return upLevelNone
	}
	switch {
	case p > upowerPercentLow:
		return upLevelNone
	case p > 5:
		return upLevelLow
	case p > 2:
		return upLevelCritical
	}
	return upLevelAction
}

// upIconName is UPower's update_icon_name for a device battery.
func upIconName(d upowerDevice) string {
	if !d.IsPresent {
		return "battery-missing-symbolic"
	}
	switch d.State {
	case upStateEmpty:
		return "battery-empty-symbolic"
	case upStateFullyCharged:
		return "battery-full-charged-symbolic"
	case upStateCharging, upStatePendingCharge:
		return upChargeIcon(d.Percentage, d.BatteryLevel, true)
	case upStateDischarging, upStatePendingDischarge:
		return upChargeIcon(d.Percentage, d.BatteryLevel, false)
	}
	return "battery-missing-symbolic"
}

// upChargeIcon is UPower's up_daemon_get_charge_icon.
func upChargeIcon(p float64, level upLevel, charging bool) string {
	word := "full"
	if level == upLevelNone {
		switch {
		case p <= upowerPercentLow:
			word = "caution"
		case p < 30:
			word = "low"
		case p < 60:
			word = "good"
		}
	} else {
		switch level {
		case upLevelUnknown:
			if charging { // the lack of symmetry is UPower's, on purpose
				word = "good"
			} else {
				word = "caution"
			}
		case upLevelLow, upLevelCritical:
			word = "caution"
		case upLevelNormal:
			word = "low"
		case upLevelHigh:
			word = "good"
		}
	}
	if charging {
		return "battery-" + word + "-charging-symbolic"
	}
	return "battery-" + word + "-symbolic"
}

// upUpdateTime is when s's figures were last confirmed, in Unix seconds.
func upUpdateTime(s sensors.State) uint64 {
	t := s.BatteryTime
	if s.LightTime.After(t) {
		t = s.LightTime
	}
	if t.IsZero() {
		t = s.SeenTime
	}
	if t.IsZero() || t.Unix() < 0 {
		return 0
	}
	return uint64(t.Unix())
}

// upPathElement makes a D-Bus object path element as UPower does
// (up_device_compute_object_path: '-' and '@' become '_', '.' 'x', ':' 'o'),
// and replaces anything else a path cannot hold with '_'.
func upPathElement(id string) string {
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

// upTimeLayout is strftime's %c in the C locale, which upower uses for the
// "updated" line.
const upTimeLayout = "Mon Jan _2 15:04:05 2006"

// upFormatG is C's printf %g, as upower prints doubles.
func upFormatG(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// formatUPower prints states as `upower --dump` prints the same devices
// when UPower exports them, one block per device:
//
//	Device: /org/freedesktop/UPower/devices/keyboard_hidpp_battery_750c0de2
//	  native-path:          hidpp_battery_750c0de2
//	  vendor:               Logitech
//	  model:                Wireless Solar Keyboard K750
//	  serial:               750C0DE2
//	  power supply:         no
//	  updated:              Sat Mar 14 09:26:53 2026 (42 seconds ago)
//	  has history:          no
//	  has statistics:       no
//	  keyboard
//	    present:             yes
//	    rechargeable:        yes
//	    state:               discharging
//	    warning-level:       none
//	    luminosity:          12 lx
//	    percentage:          57%
//	    icon-name:          'battery-good-symbolic'
//	(a blank line)
//
// Each block after its "Device:" line is exactly what `upower -i PATH`
// prints for the device (libupower-glib's up_device_to_text), with the
// properties [upowerOf] computes: the battery-level line appears for
// devices that report levels (their percentage then reads "(should be
// ignored)"), the luminosity line for keyboards with a light reading above
// 0 lux, the present and state lines for mice, keyboards and touchpads.
// The updated time is shown in now's location, in the C locale's %c form,
// with the seconds between it and now.
func formatUPower(w io.Writer, states []sensors.State, now time.Time) error {
	var b strings.Builder
	for _, s := range states {
		d := upowerOf(s)
		fmt.Fprintf(&b, "Device: %s\n", d.Path)
		writeUpowerText(&b, d, now)
		b.WriteString("\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing the upower text: %w", err)
	}
	return nil
}

// writeUpowerText is libupower-glib's up_device_to_text for the device
// types Helio produces (never line power, batteries, UPSes or monitors, so
// none of the energy, voltage, time and technology lines).
func writeUpowerText(b *strings.Builder, d upowerDevice, now time.Time) {
	yesNo := func(v bool) string {
		if v {
			return "yes"
		}
		return "no"
	}
	line := func(label, value string) { fmt.Fprintf(b, "  %-22s%s\n", label+":", value) }
	sub := func(label, value string) { fmt.Fprintf(b, "    %-21s%s\n", label+":", value) }

	line("native-path", d.NativePath)
	for _, kv := range [][2]string{{"vendor", d.Vendor}, {"model", d.Model}, {"serial", d.Serial}} {
		if kv[1] != "" {
			line(kv[0], kv[1])
		}
	}
	line("power supply", yesNo(d.PowerSupply))
	updated := time.Unix(int64(d.UpdateTime), 0).In(now.Location())
	line("updated", fmt.Sprintf("%s (%d seconds ago)", updated.Format(upTimeLayout), now.Unix()-int64(d.UpdateTime)))
	line("has history", yesNo(d.HasHistory))
	line("has statistics", yesNo(d.HasStatistics))
	fmt.Fprintf(b, "  %s\n", d.Type)

	t := d.Type
	hasState := t == upTypeMouse || t == upTypeKeyboard || t == upTypeTouchpad
	if hasState {
		sub("present", yesNo(d.IsPresent))
	}
	if hasState || t == upTypeGamingInput {
		sub("rechargeable", yesNo(d.IsRechargeable))
	}
	if hasState {
		sub("state", d.State.String())
	}
	sub("warning-level", d.WarningLevel.String())
	if d.BatteryLevel != upLevelNone {
		sub("battery-level", d.BatteryLevel.String())
	}
	if t == upTypeKeyboard && d.Luminosity > 0 {
		sub("luminosity", upFormatG(d.Luminosity)+" lx")
	}
	if d.BatteryLevel == upLevelNone {
		sub("percentage", upFormatG(d.Percentage)+"%")
	} else {
		sub("percentage", upFormatG(d.Percentage)+"% (should be ignored)")
	}
	fmt.Fprintf(b, "    icon-name:          '%s'\n", d.IconName)
}

// waybarOutput is one update of a waybar custom module with
// "return-type": "json".
type waybarOutput struct {
	Text       string `json:"text"`
	Tooltip    string `json:"tooltip"`
	Class      string `json:"class"`
	Percentage int    `json:"percentage"`
	Alt        string `json:"alt"`
}

// waybarLevelValue puts level words on the percentage scale, as the tray
// does, so level-only devices compare with the others.
var waybarLevelValue = map[hidpp.Level]int{
	hidpp.LevelCritical: 5, hidpp.LevelLow: 20, hidpp.LevelGood: 50, hidpp.LevelFull: 100,
}

// formatWaybar prints states as one line of JSON for a waybar custom module
// with "return-type": "json", such as
//
//	{"text":"K750 57%","tooltip":"Wireless Solar Keyboard K750: 57 %, 12 lux, discharging\nMX Master 3 Wireless Mouse: 80 %, discharging","class":"good","percentage":57,"alt":"keyboard"}
//
// Its fields:
//
//   - text is the lowest battery among online devices: the device's
//     codename (its name when it has none) and its figure, "57%", "~50%"
//     for a coarse or estimated one, or the level word ("good") for a
//     device that reports only levels. It is empty, which hides the
//     module, when no online device gives a figure.
//   - tooltip has one line per device with its figures: percentage or
//     level, lux for solar keyboards with a light reading, and status; or
//     "offline".
//   - class is the lowest battery's: "charging" while it charges, else
//     "critical" at or below 5 % and "low" at or below 20 % (the alert
//     thresholds of notify.DefaultThresholds), "full" when it says full or
//     100 %, else "good"; "unknown" with no figure. Level words count as
//     their level.
//   - percentage is the lowest battery's percentage; for a level word, a
//     typical figure of that level (critical 5, low 20, good 50, full 100);
//     0 with no figure.
//   - alt is the lowest device's kind ("keyboard", "mouse", ...), for
//     waybar's format-icons; "none" with no figure.
//
// Text and tooltip escape &, < and >, as waybar reads them as Pango markup.
func formatWaybar(w io.Writer, states []sensors.State) error {
	out := waybarOutput{Class: "unknown", Alt: "none"}
	lines := make([]string, 0, len(states))
	best, bestValue := -1, 0
	for i, s := range states {
		lines = append(lines, waybarLabel(s))
		if v, ok := waybarValue(s); ok && (best < 0 || v < bestValue) {
			best, bestValue = i, v
		}
	}
	out.Tooltip = waybarEscape(strings.Join(lines, "\n"))
	if best >= 0 {
		s := states[best]
		name := s.Codename
		if name == "" {
			name = s.Name
		}
		out.Text = waybarEscape(name + " " + waybarFigure(s.Battery))
		out.Percentage = bestValue
		out.Alt = s.Kind.String()
		out.Class = waybarClass(s, bestValue)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("encoding the waybar JSON: %w", err)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing the waybar JSON: %w", err)
	}
	return nil
}

// waybarValue places an online device's battery on the percentage scale,
// or returns false when it gives no figure to compare.
func waybarValue(s sensors.State) (int, bool) {
	b := s.Battery
	if !s.Online || b == nil {
		return 0, false
	}
	switch {
	case b.HasPercent:
		return min(max(b.Percent, 0), 100), true
	case waybarLevelValue[b.Level] > 0:
		return waybarLevelValue[b.Level], true
	case b.Status == hidpp.StatusFull:
		return 100, true
	}
	return 0, false
}

func waybarClass(s sensors.State, value int) string {
	b := s.Battery
	if s.StatusWord() == "charging" {
		return "charging"
	}
	t := notify.DefaultThresholds
	switch {
	case value <= t.Critical:
		return "critical"
	case value <= t.Low:
		return "low"
	case b.Status == hidpp.StatusFull || value >= 100:
		return "full"
	}
	return "good"
}

// waybarFigure is a battery's figure for a status bar: "57%", "~50%", "good".
func waybarFigure(b *hidpp.Battery) string {
	switch {
	case b.HasPercent && b.Approximate:
		return fmt.Sprintf("~%d%%", b.Percent)
	case b.HasPercent:
		return fmt.Sprintf("%d%%", b.Percent)
	case b.Level != hidpp.LevelUnknown:
		return b.Level.String()
	}
	return b.Status.String()
}

// waybarLabel is "Name: figure[, N lux][, status]", or "Name: offline".
func waybarLabel(s sensors.State) string {
	name := s.Name
	if name == "" {
		name = "unknown device"
	}
	if !s.Online {
		return name + ": offline"
	}
	var parts []string
	b := s.Battery
	said := ""
	switch {
	case b == nil:
		parts = append(parts, "battery unknown")
	case b.HasPercent && b.Approximate:
		parts = append(parts, fmt.Sprintf("about %d %%", b.Percent))
	case b.HasPercent:
		parts = append(parts, fmt.Sprintf("%d %%", b.Percent))
	case b.Level != hidpp.LevelUnknown:
		parts = append(parts, b.Level.String())
	case b.Status == hidpp.StatusCharging || b.Status == hidpp.StatusFull:
		said = b.Status.String()
		parts = append(parts, said)
	default:
		parts = append(parts, "battery unknown")
	}
	if s.Light != nil {
		parts = append(parts, fmt.Sprintf("%d lux", s.Light.Lux))
	}
	if st := s.StatusWord(); st != "" && st != said {
		parts = append(parts, st)
	}
	return name + ": " + strings.Join(parts, ", ")
}

var waybarEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// waybarEscape escapes text for Pango markup.
func waybarEscape(s string) string { return waybarEscaper.Replace(s) }
