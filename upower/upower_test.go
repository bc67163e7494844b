package upower

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
)

// TestDeviceOf_Icons: UPower's icon and warning rules at their edges.
func TestDeviceOf_Icons(t *testing.T) {
	for _, tt := range []struct {
		kind    hidpp.Kind
		percent int
		status  hidpp.Status
		icon    string
		warning Level
	}{
		{hidpp.KindMouse, 5, hidpp.StatusDischarging, "battery-caution-symbolic", LevelCritical},
		{hidpp.KindMouse, 10, hidpp.StatusDischarging, "battery-caution-symbolic", LevelLow},
		{hidpp.KindMouse, 11, hidpp.StatusDischarging, "battery-caution-symbolic", LevelNone},
		{hidpp.KindMouse, 20, hidpp.StatusDischarging, "battery-caution-symbolic", LevelNone},
		{hidpp.KindMouse, 21, hidpp.StatusDischarging, "battery-low-symbolic", LevelNone},
		{hidpp.KindKeyboard, 30, hidpp.StatusCharging, "battery-good-charging-symbolic", LevelNone},
		{hidpp.KindKeyboard, 60, hidpp.StatusDischarging, "battery-full-symbolic", LevelNone},
		{hidpp.KindKeyboard, 90, hidpp.StatusNotCharging, "battery-full-charging-symbolic", LevelNone},
		{hidpp.KindKeyboard, 95, hidpp.StatusFull, "battery-full-charged-symbolic", LevelNone},
		{hidpp.KindPresenter, 21, hidpp.StatusDischarging, "battery-low-symbolic", LevelNone},
		{hidpp.KindPresenter, 20, hidpp.StatusDischarging, "battery-caution-symbolic", LevelLow},
		{hidpp.KindPresenter, 5, hidpp.StatusDischarging, "battery-caution-symbolic", LevelCritical},
		{hidpp.KindPresenter, 2, hidpp.StatusDischarging, "battery-caution-symbolic", LevelAction},
		{hidpp.KindPresenter, 2, hidpp.StatusUnknown, "battery-missing-symbolic", LevelNone},
	} {
		s := sensors.State{Kind: tt.kind, Online: true, Battery: &hidpp.Battery{Percent: tt.percent, HasPercent: true, Status: tt.status}}
		if d := DeviceOf(s); d.IconName != tt.icon || d.WarningLevel != tt.warning {
			t.Errorf("DeviceOf(%s, %d %%, %s) = %s, warning %s; want %s, %s", tt.kind, tt.percent, tt.status, d.IconName, d.WarningLevel, tt.icon, tt.warning)
		}
	}
	// A solar keyboard's light decides charging, as the kernel decides.
	sun := sensors.State{Kind: hidpp.KindKeyboard, Online: true, Solar: true, Light: &sensors.Light{Lux: 230},
		Battery: &hidpp.Battery{Percent: 42, HasPercent: true, Status: hidpp.StatusDischarging}}
	if d := DeviceOf(sun); d.State != StateCharging || d.IconName != "battery-good-charging-symbolic" || d.Luminosity != 230 {
		t.Errorf("K750 in 230 lux: state %s, icon %s, luminosity %g", d.State, d.IconName, d.Luminosity)
	}
}

func TestObjectPath(t *testing.T) {
	for _, tt := range []struct {
		typ    Type
		native string
		want   string
	}{
		{TypeKeyboard, "hidpp_battery_750c0de2", "/org/freedesktop/UPower/devices/keyboard_hidpp_battery_750c0de2"},
		{TypeRemoteControl, "hidpp_battery_5000c0de", "/org/freedesktop/UPower/devices/remote_control_hidpp_battery_5000c0de"},
		{TypeMouse, "hid-00:1f.0@x", "/org/freedesktop/UPower/devices/mouse_hid_00o1fx0_x"},
	} {
		if got := ObjectPath(tt.typ, tt.native); got != tt.want {
			t.Errorf("ObjectPath(%s, %q) = %q, want %q", tt.typ, tt.native, got, tt.want)
		}
	}
}

// TestDeviceOf_NoSerial: a device without a serial is named by its
// receiver and slot.
func TestDeviceOf_NoSerial(t *testing.T) {
	d := DeviceOf(sensors.State{Kind: hidpp.KindMouse, Receiver: sensors.ReceiverInfo{Serial: "E0662192"}, Index: 3})
	if want := "/org/freedesktop/UPower/devices/mouse_hidpp_battery_e0662192_3"; d.Path != want || d.NativePath != "hidpp_battery_e0662192_3" {
		t.Errorf("DeviceOf(no serial) = %s, %s; want %s", d.Path, d.NativePath, want)
	}
}

// TestDevice_Properties: every property of UPower's Device interface, with
// its D-Bus type.
func TestDevice_Properties(t *testing.T) {
	want := map[string]string{ // from org.freedesktop.UPower.Device.xml (upower 0.99.20)
		"NativePath": "string", "Vendor": "string", "Model": "string", "Serial": "string", "UpdateTime": "uint64",
		"Type": "uint32", "PowerSupply": "bool", "HasHistory": "bool", "HasStatistics": "bool", "Online": "bool",
		"Energy": "float64", "EnergyEmpty": "float64", "EnergyFull": "float64", "EnergyFullDesign": "float64",
		"EnergyRate": "float64", "Voltage": "float64", "ChargeCycles": "int32", "Luminosity": "float64",
		"TimeToEmpty": "int64", "TimeToFull": "int64", "Percentage": "float64", "Temperature": "float64",
		"IsPresent": "bool", "State": "uint32", "IsRechargeable": "bool", "Capacity": "float64",
		"Technology": "uint32", "WarningLevel": "uint32", "BatteryLevel": "uint32", "IconName": "string",
	}
	k750 := sensors.State{Name: "Wireless Solar Keyboard K750", Kind: hidpp.KindKeyboard, Serial: "750C0DE2", Online: true, Solar: true,
		Battery: &hidpp.Battery{Percent: 57, HasPercent: true}, Light: &sensors.Light{Lux: 12}}
	props := DeviceOf(k750).Properties()
	for name, typ := range want {
		v, ok := props[name]
		if !ok {
			t.Errorf("Properties() has no %s", name)
			continue
		}
		if got := fmtType(v); got != typ {
			t.Errorf("Properties()[%s] is a %s, want %s", name, got, typ)
		}
	}
	if len(props) != len(want) {
		t.Errorf("Properties() has %d properties, want %d", len(props), len(want))
	}
	if props["Luminosity"] != 12.0 || props["Percentage"] != 57.0 || props["Type"] != uint32(6) || props["State"] != uint32(2) {
		t.Errorf("K750 properties: %v", props)
	}
}

func fmtType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case uint64:
		return "uint64"
	case uint32:
		return "uint32"
	case int64:
		return "int64"
	case int32:
		return "int32"
	case bool:
		return "bool"
	case float64:
		return "float64"
	}
	return "other"
}

func TestDisplay(t *testing.T) {
	now := time.Date(2026, 3, 14, 9, 27, 35, 0, time.UTC)
	dev := func(kind hidpp.Kind, online bool, b *hidpp.Battery) Device {
		return DeviceOf(sensors.State{Kind: kind, Serial: "1", Online: online, Battery: b, BatteryTime: now.Add(-time.Minute)})
	}
	mouse80 := dev(hidpp.KindMouse, true, &hidpp.Battery{Percent: 80, HasPercent: true, Status: hidpp.StatusDischarging})
	kbd8 := dev(hidpp.KindKeyboard, true, &hidpp.Battery{Percent: 8, HasPercent: true, Status: hidpp.StatusDischarging})
	goodLevel := dev(hidpp.KindKeyboard, true, &hidpp.Battery{Level: hidpp.LevelGood, Status: hidpp.StatusDischarging})
	offline5 := dev(hidpp.KindMouse, false, &hidpp.Battery{Percent: 5, HasPercent: true})
	unknown := dev(hidpp.KindMouse, true, nil)

	none := Display([]Device{offline5, unknown}, now)
	if none.Type != TypeUnknown || none.IsPresent || none.Percentage != 0 || none.IconName != "battery-missing-symbolic" ||
		none.WarningLevel != LevelNone || none.BatteryLevel != LevelNone || none.UpdateTime != uint64(now.Unix()) || none.Path != DisplayDevicePath {
		t.Errorf("Display(offline, unknown) = %+v, want UPower's empty display device", none)
	}
	for _, tt := range []struct {
		name string
		devs []Device
		want Device
	}{
		{"lowest percentage", []Device{mouse80, kbd8, offline5}, kbd8},
		{"level word", []Device{mouse80, goodLevel}, goodLevel},
		{"one", []Device{mouse80}, mouse80},
	} {
		got := Display(tt.devs, now)
		w := tt.want
		if got.Type != TypeBattery || !got.IsPresent || got.Percentage != w.Percentage || got.State != w.State ||
			got.WarningLevel != w.WarningLevel || got.BatteryLevel != w.BatteryLevel || got.IconName != w.IconName ||
			got.UpdateTime != w.UpdateTime || got.Path != DisplayDevicePath || got.NativePath != "" {
			t.Errorf("Display(%s) = %+v, want the figures of %+v", tt.name, got, w)
		}
	}
	if d := Display([]Device{mouse80, kbd8}, now); d.WarningLevel != LevelLow || d.IconName != "battery-caution-symbolic" {
		t.Errorf("Display at 8 %%: warning %s, icon %s", d.WarningLevel, d.IconName)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestWriteText_Error(t *testing.T) {
	if err := WriteText(failWriter{}, Device{Path: "/x"}, time.Now()); err == nil || !strings.Contains(err.Error(), "file already closed") {
		t.Errorf("WriteText to a closed writer = %v", err)
	}
}
