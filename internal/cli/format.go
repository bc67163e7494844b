package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/notify"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/upower"
)

// This file holds the output formats for scripts and status bars that the
// query and watch commands offer besides their own text and JSON: the text
// `upower --dump` prints, and the JSON object of a waybar custom module.

// formatUPower prints states as `upower --dump` prints the same devices
// when UPower exports them, one block per device: a "Device:" line with
// the object path, then exactly what `upower -i PATH` prints for the
// device ([upower.WriteText] of [upower.DeviceOf]), then a blank line:
//
//	Device: /org/freedesktop/UPower/devices/keyboard_hidpp_battery_750c0de2
//	  native-path:          hidpp_battery_750c0de2
//	  ...
//	    icon-name:          'battery-good-symbolic'
//	(a blank line)
//
// The updated time is shown in now's location.
func formatUPower(w io.Writer, states []sensors.State, now time.Time) error {
	var b strings.Builder
	for _, s := range states {
		d := upower.DeviceOf(s)
		fmt.Fprintf(&b, "Device: %s\n", d.Path)
		if err := upower.WriteText(&b, d, now); err != nil {
			return err
		}
		b.WriteString("\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing the upower text: %w", err)
	}
	return nil
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
