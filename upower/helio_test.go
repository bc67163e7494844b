package upower_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/upower"
)

// TestStateDict_RoundTrip: what the service puts on the bus reads back as
// the state it was, so a client words every device as the tray does.
func TestStateDict_RoundTrip(t *testing.T) {
	at := time.UnixMilli(1_795_000_000_123)
	for _, st := range []sensors.State{
		{ID: "E0662192-4082-1A2B3C4D", Name: "MX Master 3", Codename: "MX Master 3", Kind: hidpp.KindMouse, WPID: 0x4082,
			Serial: "1A2B3C4D", Index: 1, Protocol: "4.5", Receiver: sensors.ReceiverInfo{Serial: "E0662192", PID: 0xc52b, Family: "Unifying", Firmware: "24.11.B0036", Path: "/dev/hidraw0"}, Online: true,
			Battery: &hidpp.Battery{Percent: 100, HasPercent: true, Status: hidpp.StatusDischarging}, BatteryTime: at, SeenTime: at},
		{ID: "k", Name: "K750", Kind: hidpp.KindKeyboard, Online: true, Solar: true, Light: &sensors.Light{Lux: 0},
			Battery:     &hidpp.Battery{Percent: 57, HasPercent: true, Approximate: true, Level: hidpp.LevelGood, Status: hidpp.StatusCharging, VoltageMV: 3800},
			BatteryTime: at, LightTime: at, Trend: sensors.TrendFalling, Remaining: 90 * time.Hour},
		{ID: "m", Name: "M325", Online: true, Battery: &hidpp.Battery{Level: hidpp.LevelLow, Status: hidpp.StatusDischarging}},
		{ID: "4082-198E3EB8", Name: "Wireless Mouse MX Master 3", Kind: hidpp.KindMouse, WPID: 0x4082, Serial: "d1:e2:f3:04:15:26",
			UnitID: "198E3EB8", Index: 0xFF, Protocol: "4.5", Direct: true, Bus: transport.BusBluetooth,
			Receiver: sensors.ReceiverInfo{PID: 0xb023, Path: "/dev/hidraw7"}, Online: true,
			Battery: &hidpp.Battery{Percent: 100, HasPercent: true, Approximate: true, Level: hidpp.LevelFull}},
		{ID: "c534-4054-2", Name: "Wireless Mouse", Kind: hidpp.KindMouse, Online: true, NoBattery: true, Bus: transport.BusUSB},
		{ID: "o", Name: "M720", Err: errors.New("read battery: timeout")},
		{},
	} {
		dict := upower.StateDict(st)
		// Through the wire's own encoding, as a client receives it.
		v := dbus.MakeVariant(dict)
		var back map[string]dbus.Variant
		if err := dbus.Store([]any{v.Value()}, &back); err != nil {
			t.Fatal(err)
		}
		got, err := upower.StateOf(back)
		if err != nil {
			t.Fatalf("StateOf(StateDict(%s)): %v", st.Name, err)
		}
		if (got.Err == nil) != (st.Err == nil) || got.Err != nil && got.Err.Error() != st.Err.Error() {
			t.Errorf("%s: Err = %v, want %v", st.Name, got.Err, st.Err)
		}
		got.Err, st.Err = nil, nil
		if !reflect.DeepEqual(got, st) {
			t.Errorf("StateOf(StateDict(x)) =\n%+v\nwant\n%+v", got, st)
		}
		if got.Figures() != st.Figures() {
			t.Errorf("%s reads back as %q, want %q", st.Name, got.Figures(), st.Figures())
		}
	}
}

// TestStateOf_Older: a Helio from before Bluetooth devices sends no
// Direct, Bus, UnitId or NoBattery: its states read with them unset.
func TestStateOf_Older(t *testing.T) {
	st := sensors.State{ID: "E0662192-4002-750C0DE2", Name: "K750", Online: true, Solar: true}
	dict := upower.StateDict(st)
	for _, k := range []string{"Direct", "Bus", "UnitId", "NoBattery"} {
		delete(dict, k)
	}
	got, err := upower.StateOf(dict)
	if err != nil || !reflect.DeepEqual(got, st) {
		t.Errorf("StateOf(an older Helio's) = %+v, %v; want %+v", got, err, st)
	}
}

// TestDeviceOf_Identity: a device's UPower object is named after its unit
// id where it has one, so the MX Master 3S keeps its object on Bolt and
// over Bluetooth; a device with no serial, after its receiver and slot.
func TestDeviceOf_Identity(t *testing.T) {
	bolt := sensors.State{Kind: hidpp.KindMouse, Serial: "CD2A6BB7", UnitID: "CD2A6BB7", Receiver: sensors.ReceiverInfo{Serial: "3338", PID: 0xc548}, Index: 2}
	bt := sensors.State{Kind: hidpp.KindMouse, Serial: "c4:1f:2e:3d:4c:5b", UnitID: "CD2A6BB7", Direct: true, Index: 0xFF}
	nano := sensors.State{Kind: hidpp.KindMouse, Receiver: sensors.ReceiverInfo{PID: 0xc534}, Index: 2}
	if a, b := upower.DeviceOf(bolt).Path, upower.DeviceOf(bt).Path; a != b || a != "/org/freedesktop/UPower/devices/mouse_hidpp_battery_cd2a6bb7" {
		t.Errorf("on Bolt %s, over Bluetooth %s", a, b)
	}
	if p := upower.DeviceOf(nano).NativePath; p != "hidpp_battery_c534_2" {
		t.Errorf("a device without serial on a receiver without one: %s", p)
	}
}

func TestStateOf_NotHelio(t *testing.T) {
	dict := upower.StateDict(sensors.State{Name: "x"})
	delete(dict, "Percent")
	if _, err := upower.StateOf(dict); !errors.Is(err, upower.ErrNotHelio) {
		t.Errorf("StateOf without Percent = %v, want ErrNotHelio", err)
	}
	dict = upower.StateDict(sensors.State{Name: "x"})
	dict["Online"] = dbus.MakeVariant("yes")
	if _, err := upower.StateOf(dict); !errors.Is(err, upower.ErrNotHelio) {
		t.Errorf("StateOf with a string Online = %v, want ErrNotHelio", err)
	}
}
