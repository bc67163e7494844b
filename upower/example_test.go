package upower_test

import (
	"os"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/upower"
)

// The K750 as `upower -i` would print it.
func ExampleWriteText() {
	now := time.Date(2026, 3, 14, 9, 27, 35, 0, time.UTC)
	k750 := sensors.State{
		Name: "Wireless Solar Keyboard K750", Kind: hidpp.KindKeyboard, Serial: "750C0DE2", Online: true, Solar: true,
		Battery:     &hidpp.Battery{Percent: 57, HasPercent: true, Status: hidpp.StatusDischarging},
		Light:       &sensors.Light{Lux: 12},
		BatteryTime: now.Add(-42 * time.Second),
	}
	d := upower.DeviceOf(k750)
	upower.WriteText(os.Stdout, d, now)
	// Output:
	//   native-path:          hidpp_battery_750c0de2
	//   vendor:               Logitech
	//   model:                Wireless Solar Keyboard K750
	//   serial:               750C0DE2
	//   power supply:         no
	//   updated:              Sat Mar 14 09:26:53 2026 (42 seconds ago)
	//   has history:          no
	//   has statistics:       no
	//   keyboard
	//     present:             yes
	//     rechargeable:        yes
	//     state:               discharging
	//     warning-level:       none
	//     luminosity:          12 lx
	//     percentage:          57%
	//     icon-name:          'battery-good-symbolic'
}
