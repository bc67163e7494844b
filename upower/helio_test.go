package upower_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
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
