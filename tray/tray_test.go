package tray

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/helio-linux/helio/assets"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
)

const receiver = "1A2B3C4D"

// device is the state of a device on the receiver, as the monitor names it:
// offline, with no figures yet.
func device(codename string, wpid uint16, serial string) sensors.State {
	return sensors.State{ID: fmt.Sprintf("%s-%04x-%s", receiver, wpid, serial), Name: codename, Codename: codename,
		WPID: wpid, Serial: serial, Receiver: sensors.ReceiverInfo{Serial: receiver}}
}

var (
	k750 = device("K750", 0x4002, "0000A750")
	m705 = device("M705", 0x101b, "0000B705")
	mx   = device("MX Master 3", 0x4082, "0000C003")
	r400 = device("R400", 0x1015, "0000D400")
)

// State builders: each returns d online with the figures given, unless told
// otherwise.

func percent(d sensors.State, p int, st hidpp.Status) sensors.State {
	d.Online, d.Battery = true, &hidpp.Battery{Percent: p, HasPercent: true, Status: st}
	return d
}

func approx(d sensors.State, p int, st hidpp.Status) sensors.State {
	d.Online = true
	d.Battery = &hidpp.Battery{Percent: p, HasPercent: true, Approximate: true, Level: hidpp.LevelOf(p), Status: st}
	return d
}

func level(d sensors.State, l hidpp.Level, st hidpp.Status) sensors.State {
	d.Online, d.Battery = true, &hidpp.Battery{Level: l, Status: st}
	return d
}

func status(d sensors.State, st hidpp.Status) sensors.State {
	d.Online, d.Battery = true, &hidpp.Battery{Status: st}
	return d
}

// solar is a K750-style state: the charge and status come from the light
// report, as hidpp.SolarEvent.Battery makes them.
func solar(d sensors.State, p, lux int) sensors.State {
	ev := hidpp.SolarEvent{Kind: hidpp.SolarLightReport, Charge: p, Lux: lux, HasLux: true}
	b := ev.Battery()
	d.Online, d.Solar, d.Battery, d.Light = true, true, &b, &sensors.Light{Lux: lux}
	return d
}

// with returns d changed by change, for states the builders do not make.
func with(d sensors.State, change func(*sensors.State)) sensors.State {
	change(&d)
	return d
}

func offline(d sensors.State) sensors.State {
	d.Online = false
	return d
}

const (
	discharging = hidpp.StatusDischarging
	charging    = hidpp.StatusCharging
	full        = hidpp.StatusFull
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name   string
		states []sensors.State
		opts   Opts
		want   Summary
	}{{
		name:   "no devices",
		states: nil,
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-missing-symbolic", Fallback: assets.BatteryMissing,
			Tooltip: "No devices", Items: []Item{}},
	}, {
		name:   "one solar keyboard in dim light",
		states: []sensors.State{solar(k750, 57, 12)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-level-60-symbolic", Fallback: assets.BatteryGood, Text: "57 %",
			Tooltip: "K750: 57 %, 12 lux, discharging", Light: assets.SolarDark,
			Items: []Item{{DeviceID: "1A2B3C4D-4002-0000A750", Label: "K750: 57 %, 12 lux, discharging",
				Icon: assets.SolarDark, CheckLight: true}}},
	}, {
		name:   "icon follows the lowest battery, not the first",
		states: []sensors.State{solar(k750, 90, 500), percent(m705, 14, discharging), percent(mx, 60, discharging)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-level-10-symbolic", Fallback: assets.BatteryLow, Text: "14 %",
			Tooltip: "K750: 90 %, 500 lux, charging\nM705: 14 %, discharging\nMX Master 3: 60 %, discharging", Light: assets.SolarSun,
			Items: []Item{
				{DeviceID: "1A2B3C4D-4002-0000A750", Label: "K750: 90 %, 500 lux, charging", Icon: assets.SolarSun, CheckLight: true},
				{DeviceID: "1A2B3C4D-101b-0000B705", Label: "M705: 14 %, discharging", Icon: assets.BatteryLow},
				{DeviceID: "1A2B3C4D-4082-0000C003", Label: "MX Master 3: 60 %, discharging", Icon: assets.BatteryGood},
			}},
	}, {
		name:   "offline devices are listed but do not set the icon",
		states: []sensors.State{offline(m705), percent(mx, 80, discharging)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-level-80-symbolic", Fallback: assets.BatteryFull, Text: "80 %",
			Tooltip: "M705: offline\nMX Master 3: 80 %, discharging",
			Items: []Item{
				{DeviceID: "1A2B3C4D-101b-0000B705", Label: "M705: offline", Icon: assets.BatteryMissing},
				{DeviceID: "1A2B3C4D-4082-0000C003", Label: "MX Master 3: 80 %, discharging", Icon: assets.BatteryFull},
			}},
	}, {
		name:   "all offline: no known battery",
		states: []sensors.State{offline(k750), offline(m705)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-missing-symbolic", Fallback: assets.BatteryMissing,
			Tooltip: "K750: offline\nM705: offline",
			Items: []Item{
				{DeviceID: "1A2B3C4D-4002-0000A750", Label: "K750: offline", Icon: assets.BatteryMissing},
				{DeviceID: "1A2B3C4D-101b-0000B705", Label: "M705: offline", Icon: assets.BatteryMissing},
			}},
	}, {
		name:   "offline solar keyboard gets no Check light entry",
		states: []sensors.State{with(k750, func(s *sensors.State) { s.Solar = true })},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-missing-symbolic", Fallback: assets.BatteryMissing,
			Tooltip: "K750: offline",
			Items:   []Item{{DeviceID: "1A2B3C4D-4002-0000A750", Label: "K750: offline", Icon: assets.BatteryMissing}}},
	}, {
		name:   "lowest is charging: charging icon",
		states: []sensors.State{percent(m705, 33, charging), percent(mx, 70, discharging)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-level-30-charging-symbolic", Fallback: assets.BatteryCharging, Text: "33 %",
			Tooltip: "M705: 33 %, charging\nMX Master 3: 70 %, discharging",
			Items: []Item{
				{DeviceID: "1A2B3C4D-101b-0000B705", Label: "M705: 33 %, charging", Icon: assets.BatteryCharging},
				{DeviceID: "1A2B3C4D-4082-0000C003", Label: "MX Master 3: 70 %, discharging", Icon: assets.BatteryGood},
			}},
	}, {
		name:   "level-only devices compare by level: critical < low < good < full",
		states: []sensors.State{level(r400, hidpp.LevelGood, discharging), level(m705, hidpp.LevelLow, discharging), level(mx, hidpp.LevelFull, discharging)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-low-symbolic", Fallback: assets.BatteryLow,
			Tooltip: "R400: good, discharging\nM705: low, discharging\nMX Master 3: full, discharging",
			Items: []Item{
				{DeviceID: "1A2B3C4D-1015-0000D400", Label: "R400: good, discharging", Icon: assets.BatteryGood},
				{DeviceID: "1A2B3C4D-101b-0000B705", Label: "M705: low, discharging", Icon: assets.BatteryLow},
				{DeviceID: "1A2B3C4D-4082-0000C003", Label: "MX Master 3: full, discharging", Icon: assets.BatteryFull},
			}},
	}, {
		name:   "a critical level is lower than a measured 9 %",
		states: []sensors.State{percent(m705, 9, discharging), level(r400, hidpp.LevelCritical, discharging)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-caution-symbolic", Fallback: assets.BatteryCritical,
			Tooltip: "M705: 9 %, discharging\nR400: critical, discharging",
			Items: []Item{
				{DeviceID: "1A2B3C4D-101b-0000B705", Label: "M705: 9 %, discharging", Icon: assets.BatteryCritical},
				{DeviceID: "1A2B3C4D-1015-0000D400", Label: "R400: critical, discharging", Icon: assets.BatteryCritical},
			}},
	}, {
		name:   "a measured 15 % is lower than a good level",
		states: []sensors.State{level(r400, hidpp.LevelGood, discharging), percent(m705, 15, discharging)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-level-20-symbolic", Fallback: assets.BatteryLow, Text: "15 %",
			Tooltip: "R400: good, discharging\nM705: 15 %, discharging",
			Items: []Item{
				{DeviceID: "1A2B3C4D-1015-0000D400", Label: "R400: good, discharging", Icon: assets.BatteryGood},
				{DeviceID: "1A2B3C4D-101b-0000B705", Label: "M705: 15 %, discharging", Icon: assets.BatteryLow},
			}},
	}, {
		name:   "level-only device charging",
		states: []sensors.State{level(r400, hidpp.LevelLow, charging)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-low-charging-symbolic", Fallback: assets.BatteryCharging,
			Tooltip: "R400: low, charging",
			Items:   []Item{{DeviceID: "1A2B3C4D-1015-0000D400", Label: "R400: low, charging", Icon: assets.BatteryCharging}}},
	}, {
		name:   "approximate percentage reads about",
		states: []sensors.State{approx(mx, 50, discharging)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-level-50-symbolic", Fallback: assets.BatteryGood, Text: "about 50 %",
			Tooltip: "MX Master 3: about 50 %, discharging",
			Items:   []Item{{DeviceID: "1A2B3C4D-4082-0000C003", Label: "MX Master 3: about 50 %, discharging", Icon: assets.BatteryGood}}},
	}, {
		name:   "charging without a percentage reads charging, never 0 %",
		states: []sensors.State{status(m705, charging)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-missing-symbolic", Fallback: assets.BatteryMissing,
			Tooltip: "M705: charging",
			Items:   []Item{{DeviceID: "1A2B3C4D-101b-0000B705", Label: "M705: charging", Icon: assets.BatteryCharging}}},
	}, {
		name:   "charging without a percentage does not hide a known battery",
		states: []sensors.State{status(m705, charging), percent(mx, 88, discharging)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-level-90-symbolic", Fallback: assets.BatteryFull, Text: "88 %",
			Tooltip: "M705: charging\nMX Master 3: 88 %, discharging",
			Items: []Item{
				{DeviceID: "1A2B3C4D-101b-0000B705", Label: "M705: charging", Icon: assets.BatteryCharging},
				{DeviceID: "1A2B3C4D-4082-0000C003", Label: "MX Master 3: 88 %, discharging", Icon: assets.BatteryFull},
			}},
	}, {
		name:   "full on power",
		states: []sensors.State{percent(mx, 100, full)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-level-100-charged-symbolic", Fallback: assets.BatteryFull, Text: "100 %",
			Tooltip: "MX Master 3: 100 %, full",
			Items:   []Item{{DeviceID: "1A2B3C4D-4082-0000C003", Label: "MX Master 3: 100 %, full", Icon: assets.BatteryFull}}},
	}, {
		name:   "full without percent or level",
		states: []sensors.State{status(mx, full)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-full-charged-symbolic", Fallback: assets.BatteryFull,
			Tooltip: "MX Master 3: full",
			Items:   []Item{{DeviceID: "1A2B3C4D-4082-0000C003", Label: "MX Master 3: full", Icon: assets.BatteryFull}}},
	}, {
		name:   "solar keyboard in light charges",
		states: []sensors.State{solar(k750, 41, 540)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-level-40-charging-symbolic", Fallback: assets.BatteryCharging, Text: "41 %",
			Tooltip: "K750: 41 %, 540 lux, charging", Light: assets.SolarSun,
			Items: []Item{{DeviceID: "1A2B3C4D-4002-0000A750", Label: "K750: 41 %, 540 lux, charging",
				Icon: assets.SolarSun, CheckLight: true}}},
	}, {
		name:   "exactly 200 lux does not charge",
		states: []sensors.State{solar(k750, 41, hidpp.SolarChargingLux)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-level-40-symbolic", Fallback: assets.BatteryGood, Text: "41 %",
			Tooltip: "K750: 41 %, 200 lux, discharging", Light: assets.SolarDark,
			Items: []Item{{DeviceID: "1A2B3C4D-4002-0000A750", Label: "K750: 41 %, 200 lux, discharging",
				Icon: assets.SolarDark, CheckLight: true}}},
	}, {
		name:   "solar keyboard full in light",
		states: []sensors.State{solar(k750, 100, 800)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-level-100-charged-symbolic", Fallback: assets.BatteryFull, Text: "100 %",
			Tooltip: "K750: 100 %, 800 lux, full", Light: assets.SolarSun,
			Items: []Item{{DeviceID: "1A2B3C4D-4002-0000A750", Label: "K750: 100 %, 800 lux, full",
				Icon: assets.SolarSun, CheckLight: true}}},
	}, {
		name:   "solar keyboard without a light report yet",
		states: []sensors.State{with(k750, func(s *sensors.State) { s.Online, s.Solar = true, true })},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-missing-symbolic", Fallback: assets.BatteryMissing,
			Tooltip: "K750: waiting for its first light report",
			Items: []Item{{DeviceID: "1A2B3C4D-4002-0000A750", Label: "K750: waiting for its first light report",
				Icon: assets.BatteryMissing, CheckLight: true}}},
	}, {
		name:   "ShowPercent off leaves Text empty",
		states: []sensors.State{percent(m705, 57, discharging)},
		opts:   Opts{},
		want: Summary{IconName: "battery-level-60-symbolic", Fallback: assets.BatteryGood,
			Tooltip: "M705: 57 %, discharging",
			Items:   []Item{{DeviceID: "1A2B3C4D-101b-0000B705", Label: "M705: 57 %, discharging", Icon: assets.BatteryGood}}},
	}, {
		name:   "no name and no ID reads unknown device with no ID",
		states: []sensors.State{{Online: true, Battery: &hidpp.Battery{Percent: 25, HasPercent: true, Status: discharging}}},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-level-30-symbolic", Fallback: assets.BatteryLow, Text: "25 %",
			Tooltip: "unknown device: 25 %, discharging",
			Items:   []Item{{Label: "unknown device: 25 %, discharging", Icon: assets.BatteryLow}}},
	}, {
		name:   "device without an ID has none",
		states: []sensors.State{percent(sensors.State{Name: "M705"}, 25, discharging)},
		opts:   Opts{},
		want: Summary{IconName: "battery-level-30-symbolic", Fallback: assets.BatteryLow,
			Tooltip: "M705: 25 %, discharging",
			Items:   []Item{{Label: "M705: 25 %, discharging", Icon: assets.BatteryLow}}},
	}, {
		name:   "nameless devices offline",
		states: []sensors.State{{}, {}},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-missing-symbolic", Fallback: assets.BatteryMissing,
			Tooltip: "unknown device: offline\nunknown device: offline",
			Items: []Item{
				{Label: "unknown device: offline", Icon: assets.BatteryMissing},
				{Label: "unknown device: offline", Icon: assets.BatteryMissing},
			}},
	}, {
		name:   "equal figures: the first device wins",
		states: []sensors.State{level(r400, hidpp.LevelGood, discharging), percent(m705, 50, discharging)},
		opts:   DefaultOpts,
		want: Summary{IconName: "battery-good-symbolic", Fallback: assets.BatteryGood,
			Tooltip: "R400: good, discharging\nM705: 50 %, discharging",
			Items: []Item{
				{DeviceID: "1A2B3C4D-1015-0000D400", Label: "R400: good, discharging", Icon: assets.BatteryGood},
				{DeviceID: "1A2B3C4D-101b-0000B705", Label: "M705: 50 %, discharging", Icon: assets.BatteryGood},
			}},
	}, {
		name: "one solar keyboard in the dark darkens the badge; an offline one does not count",
		states: []sensors.State{solar(k750, 70, 600), solar(with(k750, func(s *sensors.State) { s.ID, s.Name = "second", "K750 desk" }), 60, 40),
			offline(solar(with(k750, func(s *sensors.State) { s.ID, s.Name = "third", "K750 attic" }), 50, 0))},
		opts: Opts{},
		want: Summary{IconName: "battery-level-60-symbolic", Fallback: assets.BatteryGood, Light: assets.SolarDark,
			Tooltip: "K750: 70 %, 600 lux, charging\nK750 desk: 60 %, 40 lux, discharging\nK750 attic: offline",
			Items: []Item{
				{DeviceID: "1A2B3C4D-4002-0000A750", Label: "K750: 70 %, 600 lux, charging", Icon: assets.SolarSun, CheckLight: true},
				{DeviceID: "second", Label: "K750 desk: 60 %, 40 lux, discharging", Icon: assets.SolarDark, CheckLight: true},
				{DeviceID: "third", Label: "K750 attic: offline", Icon: assets.BatteryMissing},
			}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summarize(tt.states, tt.opts)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Summarize() =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

// TestSummarize_Icon checks the icon name rule for one device at a time:
// percentages round to the nearest 10, halves up.
func TestSummarize_Icon(t *testing.T) {
	tests := []struct {
		in   sensors.State
		want string
	}{
		{percent(mx, 0, discharging), "battery-level-0-symbolic"},
		{percent(mx, 4, discharging), "battery-level-0-symbolic"},
		{percent(mx, 5, discharging), "battery-level-10-symbolic"},
		{percent(mx, 14, discharging), "battery-level-10-symbolic"},
		{percent(mx, 15, discharging), "battery-level-20-symbolic"},
		{percent(mx, 44, discharging), "battery-level-40-symbolic"},
		{percent(mx, 45, discharging), "battery-level-50-symbolic"},
		{percent(mx, 94, discharging), "battery-level-90-symbolic"},
		{percent(mx, 95, discharging), "battery-level-100-symbolic"},
		{percent(mx, 100, discharging), "battery-level-100-symbolic"},
		{percent(mx, 150, discharging), "battery-level-100-symbolic"}, // out of range: clamped
		{percent(mx, -3, discharging), "battery-level-0-symbolic"},
		{percent(mx, 0, charging), "battery-level-0-charging-symbolic"},
		{percent(mx, 67, charging), "battery-level-70-charging-symbolic"},
		{percent(mx, 100, full), "battery-level-100-charged-symbolic"},
		{percent(mx, 62, hidpp.StatusNotCharging), "battery-level-60-symbolic"},
		{percent(mx, 62, hidpp.StatusUnknown), "battery-level-60-symbolic"},
		{approx(mx, 5, discharging), "battery-level-10-symbolic"},
		{level(mx, hidpp.LevelCritical, discharging), "battery-caution-symbolic"},
		{level(mx, hidpp.LevelLow, discharging), "battery-low-symbolic"},
		{level(mx, hidpp.LevelGood, discharging), "battery-good-symbolic"},
		{level(mx, hidpp.LevelFull, discharging), "battery-full-symbolic"},
		{level(mx, hidpp.LevelCritical, charging), "battery-caution-charging-symbolic"},
		{level(mx, hidpp.LevelGood, charging), "battery-good-charging-symbolic"},
		{level(mx, hidpp.LevelFull, full), "battery-full-charged-symbolic"},
		{level(mx, hidpp.Level(9), discharging), "battery-missing-symbolic"}, // not a level
		{status(mx, discharging), "battery-missing-symbolic"},
		{status(mx, charging), "battery-missing-symbolic"},
		{with(mx, func(s *sensors.State) { s.Online = true }), "battery-missing-symbolic"},
		{with(mx, func(s *sensors.State) { s.Battery = &hidpp.Battery{Percent: 3, HasPercent: true} }), "battery-missing-symbolic"}, // offline
	}
	for _, tt := range tests {
		got := Summarize([]sensors.State{tt.in}, DefaultOpts).IconName
		if got != tt.want {
			t.Errorf("Summarize(%s).IconName = %q, want %q", describe(tt.in), got, tt.want)
		}
	}
}

// TestSummarize_Label checks the menu label of one device at a time.
func TestSummarize_Label(t *testing.T) {
	tests := []struct {
		in   sensors.State
		want string
	}{
		{percent(m705, 57, discharging), "M705: 57 %, discharging"},
		{percent(m705, 0, discharging), "M705: 0 %, discharging"}, // a measured empty battery
		{approx(m705, 90, discharging), "M705: about 90 %, discharging"},
		{approx(m705, 30, charging), "M705: about 30 %, charging"},
		{level(m705, hidpp.LevelGood, discharging), "M705: good, discharging"},
		{level(m705, hidpp.LevelCritical, hidpp.StatusUnknown), "M705: critical"},
		{status(m705, charging), "M705: charging"},
		{status(m705, full), "M705: full"},
		{status(m705, hidpp.StatusError), "M705: battery unknown, battery error"},
		{percent(m705, 80, hidpp.StatusNotCharging), "M705: 80 %, not charging"},
		{percent(m705, 44, hidpp.StatusUnknown), "M705: 44 %"},
		{with(m705, func(s *sensors.State) { s.Online = true }), "M705: battery unknown"},
		{offline(m705), "M705: offline"},
		{solar(k750, 57, 12), "K750: 57 %, 12 lux, discharging"},
		{solar(k750, 57, 201), "K750: 57 %, 201 lux, charging"},
		{solar(k750, 57, 0), "K750: 57 %, 0 lux, discharging"},
		{with(k750, func(s *sensors.State) { s.Online, s.Solar, s.Light = true, true, &sensors.Light{Lux: 350} }),
			"K750: battery unknown, 350 lux, charging"},
		// A battery broadcast without lux: the status is not known.
		{with(k750, func(s *sensors.State) {
			s.Online, s.Solar = true, true
			s.Battery = &hidpp.Battery{Percent: 63, HasPercent: true, Status: hidpp.StatusUnknown}
		}), "K750: 63 %"},
		{sensors.State{ID: receiver + "-0000-00000000", Online: true}, "unknown device: battery unknown"},
	}
	for _, tt := range tests {
		s := Summarize([]sensors.State{tt.in}, DefaultOpts)
		if len(s.Items) != 1 {
			t.Fatalf("Summarize(%s) gave %d items, want 1", describe(tt.in), len(s.Items))
		}
		if got := s.Items[0].Label; got != tt.want {
			t.Errorf("Summarize(%s) label = %q, want %q", describe(tt.in), got, tt.want)
		}
		if s.Tooltip != tt.want {
			t.Errorf("Summarize(%s) tooltip = %q, want %q", describe(tt.in), s.Tooltip, tt.want)
		}
	}
}

func TestSummarize_DoesNotChangeStates(t *testing.T) {
	in := []sensors.State{percent(m705, 150, discharging), solar(k750, 12, 50)}
	before := *in[0].Battery
	Summarize(in, DefaultOpts)
	if *in[0].Battery != before {
		t.Errorf("Summarize changed a state's battery: %+v, want %+v", *in[0].Battery, before)
	}
}

func TestSummarize_FallbackIsAnAsset(t *testing.T) {
	states := []sensors.State{
		percent(mx, 3, discharging), percent(mx, 25, discharging), percent(mx, 60, discharging),
		percent(mx, 95, discharging), percent(mx, 50, charging), percent(mx, 100, full),
		level(mx, hidpp.LevelLow, discharging), status(mx, charging), offline(mx),
		solar(k750, 50, 10), solar(k750, 50, 1000),
	}
	for _, r := range states {
		s := Summarize([]sensors.State{r}, DefaultOpts)
		for _, name := range []string{s.Fallback, s.Items[0].Icon} {
			if _, err := assets.Icon(name); err != nil {
				t.Errorf("Summarize(%s): %v", describe(r), err)
			}
		}
	}
}

func describe(r sensors.State) string {
	s := "unknown device"
	if r.Name != "" {
		s = r.Name
	}
	if !r.Online {
		return s + " offline"
	}
	if b := r.Battery; b != nil {
		s += " " + b.Status.String()
		if b.HasPercent {
			s += " " + b.Figure()
		}
		if b.Level != hidpp.LevelUnknown {
			s += " " + b.Level.String()
		}
	}
	if r.Light != nil {
		s += " light"
	}
	return s
}
