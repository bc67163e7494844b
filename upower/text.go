package upower

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/helio-linux/helio/internal/escape"
)

// timeLayout is strftime's %c in the C locale, which upower uses for the
// "updated" line.
const timeLayout = "Mon Jan _2 15:04:05 2006"

// formatG is C's printf %g, as upower prints doubles.
func formatG(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// WriteText writes what `upower -i PATH` prints for d
// (libupower-glib's up_device_to_text), for the device types Helio
// produces: never line power, batteries, UPSes or monitors, so none of the
// energy, voltage, time and technology lines. For the K750:
//
//	native-path:          hidpp_battery_750c0de2
//	vendor:               Logitech
//	model:                Wireless Solar Keyboard K750
//	serial:               750C0DE2
//	power supply:         no
//	updated:              Sat Mar 14 09:26:53 2026 (42 seconds ago)
//	has history:          no
//	has statistics:       no
//	keyboard
//	  present:             yes
//	  rechargeable:        yes
//	  state:               discharging
//	  warning-level:       none
//	  luminosity:          12 lx
//	  percentage:          57%
//	  icon-name:          'battery-good-symbolic'
//
// The battery-level line appears for devices that report levels (their
// percentage then reads "(should be ignored)"), the luminosity line for
// keyboards with a light reading above 0 lux, the present and state lines
// for mice, keyboards and touchpads. The updated time is shown in now's
// location, in the C locale's %c form, with the seconds between it and now.
func WriteText(w io.Writer, d Device, now time.Time) error {
	var b strings.Builder
	yesNo := func(v bool) string {
		if v {
			return "yes"
		}
		return "no"
	}
	line := func(label, value string) { fmt.Fprintf(&b, "  %-22s%s\n", label+":", value) }
	sub := func(label, value string) { fmt.Fprintf(&b, "    %-21s%s\n", label+":", value) }

	// The model and serial come from the device, over the radio: printed
	// raw, a name could forge a line ("percentage: 100%") or move the
	// cursor.
	line("native-path", escape.Text(d.NativePath))
	for _, kv := range [][2]string{{"vendor", d.Vendor}, {"model", d.Model}, {"serial", d.Serial}} {
		if kv[1] != "" {
			line(kv[0], escape.Text(kv[1]))
		}
	}
	line("power supply", yesNo(d.PowerSupply))
	updated := time.Unix(int64(d.UpdateTime), 0).In(now.Location())
	line("updated", fmt.Sprintf("%s (%d seconds ago)", updated.Format(timeLayout), now.Unix()-int64(d.UpdateTime)))
	line("has history", yesNo(d.HasHistory))
	line("has statistics", yesNo(d.HasStatistics))
	fmt.Fprintf(&b, "  %s\n", d.Type)

	t := d.Type
	hasState := t == TypeMouse || t == TypeKeyboard || t == TypeTouchpad
	if hasState {
		sub("present", yesNo(d.IsPresent))
	}
	if hasState || t == TypeGamingInput {
		sub("rechargeable", yesNo(d.IsRechargeable))
	}
	if hasState {
		sub("state", d.State.String())
	}
	sub("warning-level", d.WarningLevel.String())
	if d.BatteryLevel != LevelNone {
		sub("battery-level", d.BatteryLevel.String())
	}
	if t == TypeKeyboard && d.Luminosity > 0 {
		sub("luminosity", formatG(d.Luminosity)+" lx")
	}
	if d.BatteryLevel == LevelNone {
		sub("percentage", formatG(d.Percentage)+"%")
	} else {
		sub("percentage", formatG(d.Percentage)+"% (should be ignored)")
	}
	fmt.Fprintf(&b, "    icon-name:          '%s'\n", d.IconName)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("upower: writing the text of %s: %w", d.Path, err)
	}
	return nil
}
