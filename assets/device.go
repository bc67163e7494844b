package assets

import (
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
)

// Battery names the icon that depicts st's battery, the same in the tray
// and the window: [BatteryCharging] while it charges, [BatteryFull] when it
// says full, else the icon of its level (a percentage counts as the level
// [hidpp.LevelOf] puts it in); [BatteryMissing] when the device is offline
// or gives no figure.
func Battery(st sensors.State) string {
	b := st.Battery
	switch {
	case !st.Online || b == nil:
		return BatteryMissing
	case b.Status == hidpp.StatusCharging:
		return BatteryCharging
	case b.Status == hidpp.StatusFull:
		return BatteryFull
	}
	value, measured, ok := st.Charge()
	level := b.Level
	switch {
	case !ok:
		return BatteryMissing
	case measured:
		level = hidpp.LevelOf(value)
	}
	switch level {
	case hidpp.LevelCritical:
		return BatteryCritical
	case hidpp.LevelLow:
		return BatteryLow
	case hidpp.LevelGood:
		return BatteryGood
	case hidpp.LevelFull:
		return BatteryFull
	}
	return BatteryMissing
}

// Device names the icon of one device's menu entry or card: for a solar
// keyboard that measured its light, [SolarSun] when the light charges it
// and [SolarDark] when it does not; else [Battery].
func Device(st sensors.State) string {
	if st.Online && st.Light != nil {
		if st.Light.Charging() {
			return SolarSun
		}
		return SolarDark
	}
	return Battery(st)
}
