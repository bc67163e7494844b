package assets_test

import (
	"testing"

	"github.com/helio-linux/helio/assets"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
)

func TestDevice(t *testing.T) {
	pct := func(p int, st hidpp.Status) *hidpp.Battery {
		return &hidpp.Battery{Percent: p, HasPercent: true, Status: st}
	}
	tests := []struct {
		name string
		st   sensors.State
		want string
	}{
		{"offline", sensors.State{Battery: pct(50, 0)}, assets.BatteryMissing},
		{"no battery", sensors.State{Online: true}, assets.BatteryMissing},
		{"critical", sensors.State{Online: true, Battery: pct(4, hidpp.StatusDischarging)}, assets.BatteryCritical},
		{"low", sensors.State{Online: true, Battery: pct(25, hidpp.StatusDischarging)}, assets.BatteryLow},
		{"good", sensors.State{Online: true, Battery: pct(60, hidpp.StatusDischarging)}, assets.BatteryGood},
		{"full by percent", sensors.State{Online: true, Battery: pct(95, hidpp.StatusDischarging)}, assets.BatteryFull},
		{"charging", sensors.State{Online: true, Battery: pct(10, hidpp.StatusCharging)}, assets.BatteryCharging},
		{"charging, no figure", sensors.State{Online: true, Battery: &hidpp.Battery{Status: hidpp.StatusCharging}}, assets.BatteryCharging},
		{"full, no figure", sensors.State{Online: true, Battery: &hidpp.Battery{Status: hidpp.StatusFull}}, assets.BatteryFull},
		{"level word", sensors.State{Online: true, Battery: &hidpp.Battery{Level: hidpp.LevelLow}}, assets.BatteryLow},
		{"solar, dark", sensors.State{Online: true, Solar: true, Battery: pct(57, 0), Light: &sensors.Light{Lux: 12}}, assets.SolarDark},
		{"solar, sun", sensors.State{Online: true, Solar: true, Battery: pct(57, 0), Light: &sensors.Light{Lux: 900}}, assets.SolarSun},
		{"solar, offline", sensors.State{Solar: true, Battery: pct(57, 0), Light: &sensors.Light{Lux: 900}}, assets.BatteryMissing},
	}
	for _, tt := range tests {
		if got := assets.Device(tt.st); got != tt.want {
			t.Errorf("Device(%s) = %q, want %q", tt.name, got, tt.want)
		}
		if _, err := assets.Icon(assets.Device(tt.st)); err != nil {
			t.Errorf("Device(%s): %v", tt.name, err)
		}
	}
}
