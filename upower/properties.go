package upower

import "time"

// Properties are d's org.freedesktop.UPower.Device properties, every one
// UPower's interface has, with its name and the Go type of its D-Bus type
// (/usr/share/dbus-1/interfaces/org.freedesktop.UPower.Device.xml): s as
// string, t uint64, u uint32, b bool, d float64, x int64, i int32. A client
// checks these types against its own copy of the interface: libupower-glib
// warns about any that differ. Properties Helio never knows (energy,
// voltage, times, temperature, capacity, technology) are zero, and
// ChargeCycles is -1, unknown.
func (d Device) Properties() map[string]any {
	return map[string]any{
		"NativePath":       d.NativePath,
		"Vendor":           d.Vendor,
		"Model":            d.Model,
		"Serial":           d.Serial,
		"UpdateTime":       d.UpdateTime,
		"Type":             uint32(d.Type),
		"PowerSupply":      d.PowerSupply,
		"HasHistory":       d.HasHistory,
		"HasStatistics":    d.HasStatistics,
		"Online":           d.Online,
		"Energy":           0.0,
		"EnergyEmpty":      0.0,
		"EnergyFull":       0.0,
		"EnergyFullDesign": 0.0,
		"EnergyRate":       0.0,
		"Voltage":          0.0,
		"ChargeCycles":     int32(-1),
		"Luminosity":       d.Luminosity,
		"TimeToEmpty":      int64(0),
		"TimeToFull":       int64(0),
		"Percentage":       d.Percentage,
		"Temperature":      0.0,
		"IsPresent":        d.IsPresent,
		"State":            uint32(d.State),
		"IsRechargeable":   d.IsRechargeable,
		"Capacity":         0.0,
		"Technology":       uint32(0),
		"WarningLevel":     uint32(d.WarningLevel),
		"BatteryLevel":     uint32(d.BatteryLevel),
		"IconName":         d.IconName,
	}
}

// Display is the composite device UPower's GetDisplayDevice returns, at
// [DisplayDevicePath], made from Helio's devices: a battery (Type 2) with
// the figures of the lowest one, the present device with a battery figure
// (a percentage, or a level read as one) whose Percentage is lowest, the
// first seen on a tie: its Percentage, State, BatteryLevel, WarningLevel,
// IconName and UpdateTime. With no such device it is what UPower shows on a
// computer without batteries: Type 0 unknown, not present, 0 %, warning
// and battery levels none, the battery-missing icon, updated now.
//
// UPower builds its display device from the computer's own batteries only;
// Helio has none, so its display device is the battery most in need of
// charge, which is what a panel showing it wants.
func Display(devices []Device, now time.Time) Device {
	lowest := -1
	for i, d := range devices {
		if !d.IsPresent || d.BatteryLevel == LevelUnknown {
			continue
		}
		if lowest < 0 || d.Percentage < devices[lowest].Percentage {
			lowest = i
		}
	}
	out := Device{Path: DisplayDevicePath, WarningLevel: LevelNone, BatteryLevel: LevelNone, IconName: "battery-missing-symbolic"}
	if lowest < 0 {
		if u := now.Unix(); u > 0 {
			out.UpdateTime = uint64(u)
		}
		return out
	}
	l := devices[lowest]
	out.Type, out.IsPresent, out.IsRechargeable = TypeBattery, true, true
	out.Percentage, out.State, out.BatteryLevel, out.WarningLevel = l.Percentage, l.State, l.BatteryLevel, l.WarningLevel
	out.IconName, out.UpdateTime = l.IconName, l.UpdateTime
	return out
}
