package sensors_test

import (
	"testing"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
)

func battery(percent int, approximate bool, level hidpp.Level, status hidpp.Status, mV int) *hidpp.Battery {
	return &hidpp.Battery{Percent: percent, HasPercent: percent >= 0, Approximate: approximate, Level: level, Status: status, VoltageMV: mV}
}

func TestState_Figures(t *testing.T) {
	dis, chg, full := hidpp.StatusDischarging, hidpp.StatusCharging, hidpp.StatusFull
	tests := []struct {
		st   sensors.State
		want string
	}{
		{sensors.State{Online: true, Solar: true, Battery: battery(57, false, 0, 0, 0), Light: &sensors.Light{Lux: 12}}, "57 %, 12 lux, discharging"},
		{sensors.State{Online: true, Solar: true, Battery: battery(57, false, 0, 0, 0), Light: &sensors.Light{Lux: 900}}, "57 %, 900 lux, charging"},
		{sensors.State{Online: true, Battery: battery(50, true, 0, dis, 0)}, "about 50 %, discharging"},
		{sensors.State{Online: true, Battery: battery(50, true, 0, dis, 3800)}, "about 50 % (3.80 V), discharging"},
		{sensors.State{Online: true, Battery: battery(-1, false, hidpp.LevelGood, dis, 0)}, "good, discharging"},
		{sensors.State{Online: true, Battery: battery(-1, false, hidpp.LevelGood, chg, 0)}, "good, charging"},
		{sensors.State{Online: true, Battery: battery(-1, false, 0, chg, 0)}, "charging"},
		{sensors.State{Online: true, Battery: battery(100, false, 0, full, 0)}, "100 %, full"},
		{sensors.State{Online: true, Battery: battery(-1, false, 0, full, 0)}, "full"},
		{sensors.State{Online: true, Battery: battery(-1, false, 0, 0, 0)}, "battery unknown"},
		{sensors.State{Online: true}, "battery unknown"},
		{sensors.State{Online: true, Solar: true}, "waiting for its first light report"},
		{sensors.State{Online: false, Battery: battery(45, false, 0, dis, 0)}, "offline"},
	}
	for _, tt := range tests {
		if got := tt.st.Figures(); got != tt.want {
			t.Errorf("Figures(%+v) = %q, want %q", tt.st, got, tt.want)
		}
	}
}

func TestBattery_Figure(t *testing.T) {
	tests := []struct {
		b    *hidpp.Battery
		want string
	}{
		{battery(57, false, 0, 0, 0), "57 %"},
		{battery(50, true, 0, 0, 0), "about 50 %"},
		{battery(130, false, 0, 0, 0), "100 %"},
		{battery(-1, false, hidpp.LevelLow, 0, 0), "low"},
		{battery(-1, false, 0, hidpp.StatusCharging, 0), "charging"},
		{battery(-1, false, 0, hidpp.StatusDischarging, 0), ""},
	}
	for _, tt := range tests {
		if got := tt.b.Figure(); got != tt.want {
			t.Errorf("Figure(%+v) = %q, want %q", *tt.b, got, tt.want)
		}
	}
}

func TestLowest(t *testing.T) {
	on := func(b *hidpp.Battery) sensors.State { return sensors.State{Online: true, Battery: b} }
	tests := []struct {
		states []sensors.State
		want   int
	}{
		{nil, -1},
		{[]sensors.State{{Online: false, Battery: battery(3, false, 0, 0, 0)}, on(battery(-1, false, 0, hidpp.StatusCharging, 0))}, -1},
		{[]sensors.State{on(battery(80, false, 0, 0, 0)), on(battery(-1, false, hidpp.LevelLow, 0, 0)), on(battery(30, false, 0, 0, 0))}, 1},
		{[]sensors.State{on(battery(-1, false, 0, hidpp.StatusFull, 0)), on(battery(99, false, 0, 0, 0))}, 1},
		{[]sensors.State{on(battery(20, false, 0, 0, 0)), on(battery(20, false, 0, 0, 0))}, 0},
	}
	for i, tt := range tests {
		if got := sensors.Lowest(tt.states); got != tt.want {
			t.Errorf("case %d: Lowest = %d, want %d", i, got, tt.want)
		}
	}
}
