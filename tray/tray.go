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
	// [sensors.State.ID] (wpid and unit id, on any receiver or path).
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

// NoDevices is the tooltip when there are no device states at all.
const NoDevices = "No devices"

// Summarize decides what the tray shows for these device states, one per
// device. A state with an empty Name is shown as [sensors.State.Title] heads it.
// Summarize keeps nothing between calls and does not change the states.
func Summarize(states []sensors.State, opts Opts) Summary {
	s := Summary{Items: make([]Item, 0, len(states))}
	lines := make([]string, 0, len(states))
	for i := range states {
		st := &states[i]
		it := Item{
			DeviceID:   st.ID,
			Label:      label(st),
			Icon:       assets.Device(*st),
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
	}
	if len(lines) == 0 {
		s.Tooltip = NoDevices
	} else {
		s.Tooltip = strings.Join(lines, "\n")
	}
	low := sensors.Lowest(states)
	if low < 0 {
		s.IconName, s.Fallback = "battery-missing-symbolic", assets.BatteryMissing
		return s
	}
	lowest, _ := chargeOf(&states[low])
	s.IconName, s.Fallback = lowest.iconName(), assets.Battery(states[low])
	if opts.ShowPercent && lowest.percent {
		s.Text = states[low].Battery.Figure()
	}
	return s
}

// charge is one online device's battery put on a scale all devices share.
type charge struct {
	value   int         // the percentage, or levelValue of the level
	percent bool        // value is a percentage the device reported
	level   hidpp.Level // known when !percent
	status  hidpp.Status
}

// chargeOf returns st's battery as a charge, or false when st gives no
// figure to compare ([sensors.State.Charge]).
func chargeOf(st *sensors.State) (charge, bool) {
	value, measured, ok := st.Charge()
	if !ok {
		return charge{}, false
	}
	c := charge{value: value, percent: measured, status: st.Battery.Status}
	if !measured {
		c.level = st.Battery.Level
		if c.level == hidpp.LevelUnknown {
			c.level = hidpp.LevelFull // a device that says only "full"
		}
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

// roundTen rounds a percentage to the nearest 10, halves up, as the
// freedesktop battery-level-N icons come in steps of 10.
func roundTen(p int) int { return (clampPercent(p) + 5) / 10 * 10 }

func clampPercent(p int) int { return min(max(p, 0), 100) }

// label is "Name: figures", in the words of [sensors.State.Figures].
func label(st *sensors.State) string { return st.Title() + ": " + st.Figures() }
