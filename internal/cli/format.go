package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/config"
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

// formatWaybar prints states as one line of JSON for a waybar custom module
// with "return-type": "json", such as
//
//	{"text":"K750 57 %","tooltip":"Wireless Solar Keyboard K750: 57 %, 12 lux, discharging\nMX Master 3 Wireless Mouse: 80 %, discharging","class":"good","percentage":57,"alt":"keyboard"}
//
// Its fields:
//
//   - text is the lowest battery among online devices: the device's
//     codename (its name when it has none) and its figure in Helio's
//     words ([hidpp.Battery.Figure]): "57 %", "about 50 %" for a coarse or
//     estimated one, or the level word ("good") for a device that reports
//     only levels. It is empty, which hides the
//     module, when no online device gives a figure.
//   - tooltip has one line per device, "Name: figures" as the tray's
//     tooltip says it ([sensors.State.Figures]).
//   - class is the lowest battery's: "charging" while it charges, else
//     "critical" at or below 5 % and "low" at or below 20 % (the default
//     alert thresholds, [config.Default]), "full" when it says full or
//     100 %, else "good"; "unknown" with no figure. Level words count as
//     their level.
//   - percentage is the lowest battery's [sensors.State.Charge]: its
//     percentage, or for a level word a typical figure of that level
//     (critical 5, low 20, good 50, full 100); 0 with no figure.
//   - alt is the lowest device's kind ("keyboard", "mouse", ...), for
//     waybar's format-icons; "none" with no figure.
//
// Text and tooltip escape &, < and >, as waybar reads them as Pango markup.
func formatWaybar(w io.Writer, states []sensors.State) error {
	out := waybarOutput{Class: "unknown", Alt: "none"}
	lines := make([]string, 0, len(states))
	for _, s := range states {
		lines = append(lines, s.Title()+": "+s.Figures())
	}
	out.Tooltip = waybarEscape(strings.Join(lines, "\n"))
	if low := sensors.Lowest(states); low >= 0 {
		s := states[low]
		name := s.Codename
		if name == "" {
			name = s.Name
		}
		value, _, _ := s.Charge()
		out.Text = waybarEscape(name + " " + s.Battery.Figure())
		out.Percentage = value
		out.Alt = s.Kind.String()
		out.Class = waybarClass(s, value)
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

func waybarClass(s sensors.State, value int) string {
	b := s.Battery
	if s.StatusWord() == "charging" {
		return "charging"
	}
	t := config.Default().Thresholds
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

var waybarEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// waybarEscape escapes text for Pango markup.
func waybarEscape(s string) string { return waybarEscaper.Replace(s) }
