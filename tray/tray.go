// Package tray decides what Helio's tray icon shows: which icon, the text
// beside it, the tooltip and one menu entry per device, each with its
// figures. It holds no GUI code. The StatusNotifierItem front end (built on
// fyne.io/systray) calls [Summarize] with the latest [sensors.State] of
// every device, as the live monitor keeps it, whenever one changes, and
// draws the [Summary] it gets back.
//
// The rules, in short:
//
//   - The icon follows the lowest battery among online devices, so one
//     weak mouse is not hidden behind a full keyboard.
//   - Figures are as precise as the device gives them: "57 %" when it
//     measures, "about 50 %" for a coarse step or a voltage estimate, the
//     level word ("good") when it reports only levels, "charging" when it
//     charges without saying how full it is (never "0 %").
//   - A solar keyboard with a light reading shows its lux and whether that
//     light charges it (more than [hidpp.SolarChargingLux]).
package tray

import (
	"fmt"
	"strings"

	"github.com/helio-linux/helio/assets"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
)

// Opts tunes the summary.
type Opts struct {
	// ShowPercent fills [Summary.Text] with the figure of the lowest
	// battery, for trays that show a label beside the icon.
	ShowPercent bool
}

// DefaultOpts shows the percentage beside the icon: a tray that shows only
// an icon is what users of other tools keep asking to change.
var DefaultOpts = Opts{ShowPercent: true}

// Summary is everything the tray shows at one moment.
type Summary struct {
	// IconName is the freedesktop icon to ask the theme for. With a
	// percentage it is battery-level-N-symbolic, N rounded to the nearest
	// 10, or battery-level-N-charging-symbolic while charging, or
	// battery-level-100-charged-symbolic when full on power. With only a
	// level word it is battery-caution-symbolic, battery-low-symbolic,
	// battery-good-symbolic or battery-full-symbolic (with -charging or
	// battery-full-charged-symbolic on power), so the icon claims no more
	// precision than the device gives. With no battery figure from any
	// online device it is battery-missing-symbolic.
	IconName string
	// Fallback names the [assets] icon to draw when the theme lacks
	// IconName.
	Fallback string
	// Text is the lowest battery's percentage, such as "57 %" or
	// "about 50 %", when [Opts.ShowPercent] is set. It is empty when the
	// option is off, when no online device gives a battery figure, and
	// when the lowest battery reports only a level word (that word is in
	// the icon and the tooltip).
	Text string
	// Tooltip holds one line per device, the labels of Items, or
	// "No devices" when there is none.
	Tooltip string
	// Light names the [assets] icon for the light the solar keyboards
	// see, drawn as a badge on the tray icon: [assets.SolarDark] when any
	// online one with a light reading has too little to charge,
	// [assets.SolarSun] when all of them have enough, empty when none has
	// a reading.
	Light string
	// Items are the menu entries, one per device state, in the states'
	// order.
	Items []Item
}

// Item is the menu entry of one device.
type Item struct {
	// DeviceID is the device's stable identity, the state's
	// [sensors.State.ID] (receiver serial, wpid, device serial).
	DeviceID string
	// Label is the device's name and figures, such as
	// "K750: 57 %, 12 lux, discharging" or "M705: offline".
	Label string
	// Icon names the [assets] icon for the entry: the light for a solar
	// keyboard with a light reading, else its battery.
	Icon string
	// CheckLight asks for a "Check light" entry: the device has solar cells
	// and is online, so it can measure its light now.
	CheckLight bool
}

// UnknownDevice is the name shown for a device whose name is empty.
const UnknownDevice = "unknown device"

// NoDevices is the tooltip when there are no device states at all.
const NoDevices = "No devices"

// Summarize decides what the tray shows for these device states, one per
// device. A state with an empty Name is shown under [UnknownDevice].
// Summarize keeps nothing between calls and does not change the states.
func Summarize(states []sensors.State, opts Opts) Summary {
	s := Summary{Items: make([]Item, 0, len(states))}
	lines := make([]string, 0, len(states))
	var lowest charge
	found := false
	for i := range states {
		st := &states[i]
		it := Item{
			DeviceID:   st.ID,
			Label:      label(st),
			Icon:       itemIcon(st),
			CheckLight: st.Solar && st.Online,
		}
		s.Items = append(s.Items, it)
		lines = append(lines, it.Label)
		if st.Online && st.Light != nil {
			if !st.Light.Charging() {
				s.Light = assets.SolarDark
			} else if s.Light == "" {
				s.Light = assets.SolarSun
			}
		}
		if c, ok := chargeOf(st); ok && (!found || c.value < lowest.value) {
			lowest, found = c, true
		}
	}
	if len(lines) == 0 {
		s.Tooltip = NoDevices
	} else {
		s.Tooltip = strings.Join(lines, "\n")
	}
	if !found {
		s.IconName, s.Fallback = "battery-missing-symbolic", assets.BatteryMissing
		return s
	}
	s.IconName, s.Fallback = lowest.iconName(), lowest.fallback()
	if opts.ShowPercent && lowest.percent {
		s.Text = percentText(lowest.value, lowest.approximate)
	}
	return s
}

// charge is one online device's battery put on a scale all devices share.
type charge struct {
	value       int  // the percentage, or levelValue of the level
	percent     bool // value is a percentage the device reported
	approximate bool
	level       hidpp.Level // known when !percent
	status      hidpp.Status
}

// levelValue places level words on the percentage scale so devices that
// report levels compare with those that report percentages: critical <
// low < good < full, each at a typical figure for that level.
var levelValue = [...]int{
	hidpp.LevelCritical: 5,
	hidpp.LevelLow:      20,
	hidpp.LevelGood:     50,
	hidpp.LevelFull:     100,
}

// chargeOf returns st's battery as a charge, or false when st is offline
// or gives no figure to compare (no battery, or a status without percent or
// level, such as "charging").
func chargeOf(st *sensors.State) (charge, bool) {
	if !st.Online || st.Battery == nil {
		return charge{}, false
	}
	b := st.Battery
	c := charge{status: b.Status, approximate: b.Approximate}
	switch {
	case b.HasPercent:
		c.value, c.percent = clampPercent(b.Percent), true
	case b.Level >= hidpp.LevelCritical && b.Level <= hidpp.LevelFull:
		c.level, c.value = b.Level, levelValue[b.Level]
	case b.Status == hidpp.StatusFull:
		c.level, c.value = hidpp.LevelFull, levelValue[hidpp.LevelFull]
	default:
		return charge{}, false
	}
	return c, true
}

// levelIconWord is the word of the freedesktop battery icons for a level.
var levelIconWord = [...]string{
	hidpp.LevelCritical: "caution",
	hidpp.LevelLow:      "low",
	hidpp.LevelGood:     "good",
	hidpp.LevelFull:     "full",
}

func (c charge) iconName() string {
	if c.percent {
		n := roundTen(c.value)
		switch c.status {
		case hidpp.StatusCharging:
			return fmt.Sprintf("battery-level-%d-charging-symbolic", n)
		case hidpp.StatusFull:
			return "battery-level-100-charged-symbolic"
		}
		return fmt.Sprintf("battery-level-%d-symbolic", n)
	}
	switch c.status {
	case hidpp.StatusCharging:
		return "battery-" + levelIconWord[c.level] + "-charging-symbolic"
	case hidpp.StatusFull:
		return "battery-full-charged-symbolic"
	}
	return "battery-" + levelIconWord[c.level] + "-symbolic"
}

func (c charge) fallback() string {
	switch c.status {
	case hidpp.StatusCharging:
		return assets.BatteryCharging
	case hidpp.StatusFull:
		return assets.BatteryFull
	}
	level := c.level
	if c.percent {
		level = hidpp.LevelOf(c.value)
	}
	return levelAsset(level)
}

func levelAsset(l hidpp.Level) string {
	switch l {
	case hidpp.LevelCritical:
		return assets.BatteryCritical
	case hidpp.LevelLow:
		return assets.BatteryLow
	case hidpp.LevelGood:
		return assets.BatteryGood
	case hidpp.LevelFull:
		return assets.BatteryFull
	}
	return assets.BatteryMissing
}

// roundTen rounds a percentage to the nearest 10, halves up, as the
// freedesktop battery-level-N icons come in steps of 10.
func roundTen(p int) int { return (clampPercent(p) + 5) / 10 * 10 }

func clampPercent(p int) int { return min(max(p, 0), 100) }

func percentText(p int, approximate bool) string {
	if approximate {
		return fmt.Sprintf("about %d %%", p)
	}
	return fmt.Sprintf("%d %%", p)
}

func deviceName(st *sensors.State) string {
	if st.Name == "" {
		return UnknownDevice
	}
	return st.Name
}

// label is "Name: figures".
func label(st *sensors.State) string { return deviceName(st) + ": " + Figures(st) }

// Figures is what the tray says of a device after its name: its battery as
// precisely as the device gives it, its light when it measures light, and
// its status when the figure does not already say it, such as
// "57 %, 12 lux, discharging"; or "offline".
func Figures(st *sensors.State) string {
	if !st.Online {
		return "offline"
	}
	figure, said := batteryFigure(st.Battery)
	parts := []string{figure}
	if st.Light != nil {
		parts = append(parts, fmt.Sprintf("%d lux", st.Light.Lux))
	}
	if w := st.StatusWord(); w != "" && w != said {
		parts = append(parts, w)
	}
	return strings.Join(parts, ", ")
}

// BatteryFigure is how much charge b holds, as the tray words it: "57 %",
// "about 50 %", a level such as "good", "charging" or "full" when the
// device says only that, or "battery unknown".
func BatteryFigure(b *hidpp.Battery) string {
	figure, _ := batteryFigure(b)
	return figure
}

// batteryFigure is how much charge b holds, as precisely as the device
// says. said is the status word the figure already tells ("charging",
// "full"), so the label does not repeat it.
func batteryFigure(b *hidpp.Battery) (figure, said string) {
	switch {
	case b == nil:
		return "battery unknown", ""
	case b.HasPercent:
		return percentText(clampPercent(b.Percent), b.Approximate), ""
	case b.Level != hidpp.LevelUnknown:
		return b.Level.String(), ""
	case b.Status == hidpp.StatusCharging:
		return "charging", "charging"
	case b.Status == hidpp.StatusFull:
		return "full", "full"
	}
	return "battery unknown", ""
}

// itemIcon is the light for a solar keyboard that measured it, else the
// battery's level or state.
func itemIcon(st *sensors.State) string {
	if !st.Online {
		return assets.BatteryMissing
	}
	if st.Light != nil {
		if st.Light.Charging() {
			return assets.SolarSun
		}
		return assets.SolarDark
	}
	if c, ok := chargeOf(st); ok {
		return c.fallback()
	}
	if st.Battery != nil && st.Battery.Status == hidpp.StatusCharging {
		return assets.BatteryCharging
	}
	return assets.BatteryMissing
}
