package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/dbustest"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/upower"
)

// upowerTestNow is the moment the UPower golden states are formatted at.
var upowerTestNow = time.Date(2026, 3, 14, 9, 27, 35, 0, time.UTC)

// upowerTestStates are the devices of the UPower golden test: the five the
// format must get right, then one of each other branch of upower's text.
func upowerTestStates() []sensors.State {
	ago := func(d time.Duration) time.Time { return upowerTestNow.Add(-d) }
	return []sensors.State{
		{ // K750: solar keyboard, 57 %, 12 lux, discharging
			Name: "Wireless Solar Keyboard K750", Codename: "K750", Kind: hidpp.KindKeyboard, WPID: 0x4002,
			Serial: "750C0DE2", Index: 2, Protocol: "2.0", Receiver: sensors.ReceiverInfo{Serial: "E0662192"}, Online: true, Solar: true,
			Battery:     &hidpp.Battery{Percent: 57, HasPercent: true, Status: hidpp.StatusDischarging, Source: "feature 0x4301"},
			Light:       &sensors.Light{Lux: 12},
			BatteryTime: ago(42 * time.Second), LightTime: ago(42 * time.Second), SeenTime: ago(42 * time.Second),
		},
		{ // a mouse at 80 %, discharging
			Name: "MX Master 3 Wireless Mouse", Codename: "MX Master 3", Kind: hidpp.KindMouse, WPID: 0x4082,
			Serial: "1A2B3C4D", Index: 1, Protocol: "4.5", Receiver: sensors.ReceiverInfo{Serial: "E0662192"}, Online: true,
			Battery:     &hidpp.Battery{Percent: 80, HasPercent: true, Status: hidpp.StatusDischarging, Source: "feature 0x1000"},
			BatteryTime: ago(5 * time.Minute), SeenTime: ago(time.Minute),
		},
		{ // a HID++ 1.0 mouse charging
			Name: "M705", Codename: "M705", Kind: hidpp.KindMouse, WPID: 0x101b,
			Serial: "705B0A1D", Index: 3, Protocol: "1.0", Receiver: sensors.ReceiverInfo{Serial: "E0662192"}, Online: true,
			Battery:     &hidpp.Battery{Percent: 45, HasPercent: true, Status: hidpp.StatusCharging, Source: "register 0x0D"},
			BatteryTime: ago(10 * time.Second),
		},
		{ // a keyboard that reports levels only: "good"
			Name: "Wireless Illuminated Keyboard K800", Codename: "K800", Kind: hidpp.KindKeyboard, WPID: 0x2010,
			Serial: "800AB12C", Index: 4, Protocol: "1.0", Receiver: sensors.ReceiverInfo{Serial: "E0662192"}, Online: true,
			Battery:     &hidpp.Battery{Level: hidpp.LevelGood, Status: hidpp.StatusDischarging, Source: "register 0x07"},
			BatteryTime: ago(2 * time.Minute),
		},
		{ // offline, never read
			Name: "Wireless Rechargeable Touchpad T650", Codename: "T650", Kind: hidpp.KindTouchpad, WPID: 0x4101,
			Serial: "650D1E2F", Index: 5, Protocol: "", Receiver: sensors.ReceiverInfo{Serial: "E0662192"}, Online: false,
			SeenTime: ago(3 * time.Hour),
		},
		{ // a presenter reporting a low level (0x1004): remote control
			Name: "R500 Laser Presentation Remote", Codename: "R500", Kind: hidpp.KindPresenter, WPID: 0xb030,
			Serial: "5000C0DE", Index: 6, Protocol: "4.2", Receiver: sensors.ReceiverInfo{Serial: "E0662192"}, Online: true,
			Battery:     &hidpp.Battery{Level: hidpp.LevelLow, Status: hidpp.StatusDischarging, Source: "feature 0x1004"},
			BatteryTime: ago(90 * time.Second),
		},
		{ // a gamepad charging without saying how full
			Name: "Gamepad F710", Codename: "F710", Kind: hidpp.KindGamepad, WPID: 0xc21f,
			Serial: "F710F710", Index: 1, Protocol: "4.2", Receiver: sensors.ReceiverInfo{Serial: "C0FFEE01"}, Online: true,
			Battery:     &hidpp.Battery{Status: hidpp.StatusCharging, Source: "feature 0x1004"},
			BatteryTime: ago(30 * time.Second),
		},
		{ // a device of unknown kind at about 3 %, from its voltage
			Name: "Prototype", Kind: hidpp.KindUnknown, WPID: 0x4fff, Serial: "", Index: 2, Protocol: "4.2",
			Receiver: sensors.ReceiverInfo{Serial: "C0FFEE01"}, Online: true,
			Battery:     &hidpp.Battery{Percent: 3, HasPercent: true, Approximate: true, Status: hidpp.StatusDischarging, VoltageMV: 3560, Source: "feature 0x1001"},
			BatteryTime: ago(20 * time.Second),
		},
		{ // a mouse at 100 % that says discharging, as many do
			Name: "Marathon Mouse M705", Codename: "M705", Kind: hidpp.KindMouse, WPID: 0x406d,
			Serial: "0D0E0A0F", Index: 3, Protocol: "4.5", Receiver: sensors.ReceiverInfo{Serial: "C0FFEE01"}, Online: true,
			Battery:     &hidpp.Battery{Percent: 100, HasPercent: true, Status: hidpp.StatusDischarging, Source: "feature 0x1000"},
			BatteryTime: ago(time.Hour),
		},
	}
}

// TestUpowerOf: Helio's states in UPower's enums.
func TestUpowerOf(t *testing.T) {
	type want struct {
		path         string
		typ          upower.Type
		state        upower.State
		warning, bl  upower.Level
		percent, lux float64
		icon         string
		present      bool
		update       time.Duration // before upowerTestNow
	}
	wants := []want{
		{path: "/org/freedesktop/UPower/devices/keyboard_hidpp_battery_750c0de2", typ: 6, state: 2, warning: 1, bl: 1, percent: 57, lux: 12,
			icon: "battery-good-symbolic", present: true, update: 42 * time.Second},
		{path: "/org/freedesktop/UPower/devices/mouse_hidpp_battery_1a2b3c4d", typ: 5, state: 2, warning: 1, bl: 1, percent: 80,
			icon: "battery-full-symbolic", present: true, update: 5 * time.Minute},
		{path: "/org/freedesktop/UPower/devices/mouse_hidpp_battery_705b0a1d", typ: 5, state: 1, warning: 1, bl: 1, percent: 45,
			icon: "battery-good-charging-symbolic", present: true, update: 10 * time.Second},
		{path: "/org/freedesktop/UPower/devices/keyboard_hidpp_battery_800ab12c", typ: 6, state: 2, warning: 1, bl: 6, percent: 55,
			icon: "battery-low-symbolic", present: true, update: 2 * time.Minute},
		{path: "/org/freedesktop/UPower/devices/touchpad_hidpp_battery_650d1e2f", typ: 14, state: 0, warning: 1, bl: 0, percent: 0,
			icon: "battery-missing-symbolic", present: false, update: 3 * time.Hour},
		{path: "/org/freedesktop/UPower/devices/remote_control_hidpp_battery_5000c0de", typ: 22, state: 2, warning: 3, bl: 3, percent: 10,
			icon: "battery-caution-symbolic", present: true, update: 90 * time.Second},
		{path: "/org/freedesktop/UPower/devices/gaming_input_hidpp_battery_f710f710", typ: 12, state: 1, warning: 1, bl: 0, percent: 0,
			icon: "battery-good-charging-symbolic", present: true, update: 30 * time.Second},
		{path: "/org/freedesktop/UPower/devices/unknown_hidpp_battery_c0ffee01_2", typ: 0, state: 2, warning: 4, bl: 1, percent: 3,
			icon: "battery-caution-symbolic", present: true, update: 20 * time.Second},
		{path: "/org/freedesktop/UPower/devices/mouse_hidpp_battery_0d0e0a0f", typ: 5, state: 4, warning: 1, bl: 1, percent: 100,
			icon: "battery-full-charged-symbolic", present: true, update: time.Hour},
	}
	for i, s := range upowerTestStates() {
		d, w := upower.DeviceOf(s), wants[i]
		got := fmt.Sprintf("%s type %d state %d warning %d level %d %g%% %g lx %s present %v updated %d",
			d.Path, d.Type, d.State, d.WarningLevel, d.BatteryLevel, d.Percentage, d.Luminosity, d.IconName, d.IsPresent, d.UpdateTime)
		exp := fmt.Sprintf("%s type %d state %d warning %d level %d %g%% %g lx %s present %v updated %d",
			w.path, w.typ, w.state, w.warning, w.bl, w.percent, w.lux, w.icon, w.present, upowerTestNow.Add(-w.update).Unix())
		if got != exp {
			t.Errorf("upower.DeviceOf(%s) =\n %s\nwant\n %s", s.Name, got, exp)
		}
		if want := strings.TrimPrefix(d.Path, "/org/freedesktop/UPower/devices/"); !strings.HasSuffix(want, d.NativePath) {
			t.Errorf("upower.DeviceOf(%s): native path %q is not the end of %q", s.Name, d.NativePath, d.Path)
		}
	}
}

func TestFormatUPower_Updated(t *testing.T) {
	s := upowerTestStates()[0]
	var b strings.Builder
	if err := formatUPower(&b, []sensors.State{s}, upowerTestNow); err != nil {
		t.Fatal(err)
	}
	if want := "  updated:              Sat Mar 14 09:26:53 2026 (42 seconds ago)\n"; !strings.Contains(b.String(), want) {
		t.Errorf("formatUPower = \n%s\nwant the line %q", b.String(), want)
	}
	b.Reset()
	formatUPower(&b, []sensors.State{s}, upowerTestNow.In(time.FixedZone("CET", 3600)))
	if want := "Sat Mar 14 10:26:53 2026 (42 seconds ago)"; !strings.Contains(b.String(), want) {
		t.Errorf("formatUPower in CET = \n%s\nwant %q", b.String(), want)
	}
}

// secondsAgo matches the relative part of upower's "updated:" line, which
// depends on when upower ran.
var secondsAgo = regexp.MustCompile(`\((-?\d+) seconds ago\)`)

// normaliseSecondsAgo replaces each "(N seconds ago)" with "(N seconds
// ago)" and returns the numbers it found.
func normaliseSecondsAgo(s string) (string, []int64) {
	var ns []int64
	for _, m := range secondsAgo.FindAllStringSubmatch(s, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		ns = append(ns, n)
	}
	return secondsAgo.ReplaceAllString(s, "(N seconds ago)"), ns
}

// devicesPart is the per-device blocks of `upower --dump`: everything
// before the DisplayDevice.
func devicesPart(dump string) string {
	if i := strings.Index(dump, "Device: "+upower.DisplayDevicePath+"\n"); i >= 0 {
		return dump[:i]
	}
	return dump
}

// compareLines fails with the first differing line.
func compareLines(t *testing.T, what, got, want string) {
	t.Helper()
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("%s: line %d differs:\n got %q\nwant %q\n--- got\n%s--- want\n%s", what, i+1, gl, wl, got, want)
			return
		}
	}
}

var goldenUPower = filepath.Join("testdata", "format-upower.golden")

// TestFormatUPower_RealUpower exports the golden states on a private bus as
// UPower would, runs the real upower CLI against them and compares its text
// with formatUPower's, line by line. With -update it rewrites
// testdata/format-upower.golden from upower's output, for
// TestFormatUPower_Golden.
func TestFormatUPower_RealUpower(t *testing.T) {
	for _, tool := range []string{"dbus-daemon", "upower"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install dbus upower): the real upower is not run; TestFormatUPower_Golden compares with its recorded output", tool)
		}
	}
	states := upowerTestStates()
	addr := dbustest.Start(t)
	exportUPower(t, addr, states)

	run := upowerCLI(t, upowerEnv(t, addr))

	before := time.Now()
	dump := run("--dump")
	after := time.Now()
	var want strings.Builder
	if err := formatUPower(&want, states, before.UTC()); err != nil {
		t.Fatal(err)
	}
	got, gotAgo := normaliseSecondsAgo(devicesPart(dump))
	exp, expAgo := normaliseSecondsAgo(want.String())
	compareLines(t, "upower --dump vs formatUPower", got, exp)
	if len(gotAgo) != len(expAgo) {
		t.Fatalf("upower printed %d updated lines, formatUPower %d", len(gotAgo), len(expAgo))
	}
	slack := int64(after.Sub(before)/time.Second) + 2
	for i := range gotAgo {
		if d := gotAgo[i] - expAgo[i]; d < 0 || d > slack {
			t.Errorf("device %d: upower says %d seconds ago, formatUPower %d", i, gotAgo[i], expAgo[i])
		}
	}

	// `upower -i PATH` prints each block without its Device line.
	blocks := strings.SplitAfter(want.String(), "\n\n")
	for i, s := range states {
		path := upower.DeviceOf(s).Path
		one, _ := normaliseSecondsAgo(run("-i", path))
		exp, _ := normaliseSecondsAgo(strings.TrimPrefix(blocks[i], "Device: "+path+"\n"))
		compareLines(t, "upower -i "+path, one, exp)
	}

	if *update {
		if err := os.WriteFile(goldenUPower, []byte(dump), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	recorded, err := os.ReadFile(goldenUPower)
	if err != nil {
		t.Fatalf("%v (run go test -run TestFormatUPower_RealUpower -update to record it)", err)
	}
	rec, _ := normaliseSecondsAgo(string(recorded))
	live, _ := normaliseSecondsAgo(dump)
	compareLines(t, "upower --dump vs "+goldenUPower, live, rec)
}

// TestFormatUPower_Golden compares formatUPower with the output of the real
// upower recorded in testdata/format-upower.golden, so the format is checked
// where upower is not installed. The recorded "seconds ago" depend on when
// it was recorded and are left out of the comparison;
// TestFormatUPower_Updated checks them.
func TestFormatUPower_Golden(t *testing.T) {
	recorded, err := os.ReadFile(goldenUPower)
	if err != nil {
		t.Fatalf("%v (run go test -run TestFormatUPower_RealUpower -update where upower is installed)", err)
	}
	var b strings.Builder
	if err := formatUPower(&b, upowerTestStates(), upowerTestNow); err != nil {
		t.Fatal(err)
	}
	got, _ := normaliseSecondsAgo(b.String())
	want, _ := normaliseSecondsAgo(devicesPart(string(recorded)))
	compareLines(t, "formatUPower vs "+goldenUPower, got, want)
}

// upowerRoot is the org.freedesktop.UPower interface of the test service.
type upowerRoot struct{ devices []dbus.ObjectPath }

func (r *upowerRoot) EnumerateDevices() ([]dbus.ObjectPath, *dbus.Error) { return r.devices, nil }
func (r *upowerRoot) GetDisplayDevice() (dbus.ObjectPath, *dbus.Error) {
	return upower.DisplayDevicePath, nil
}
func (r *upowerRoot) GetCriticalAction() (string, *dbus.Error) { return "HybridSleep", nil }

// upowerDeviceMethods are org.freedesktop.UPower.Device's methods. The
// devices have no history or statistics, and say so as UPower does.
type upowerDeviceMethods struct{}

func (upowerDeviceMethods) Refresh() *dbus.Error { return nil }

func (upowerDeviceMethods) GetHistory(string, uint32, uint32) ([]struct {
	Time  uint32
	Value float64
	State uint32
}, *dbus.Error) {
	return nil, dbus.NewError("org.freedesktop.UPower.GeneralError", []any{"device does not support getting history"})
}

func (upowerDeviceMethods) GetStatistics(string) ([]struct{ Value, Accuracy float64 }, *dbus.Error) {
	return nil, dbus.NewError("org.freedesktop.UPower.GeneralError", []any{"device does not support getting stats"})
}

// upowerProps are a device's org.freedesktop.UPower.Device properties, the
// names and D-Bus types of upower.Device.Properties, never changing.
func upowerProps(d upower.Device) map[string]*prop.Prop {
	props := map[string]*prop.Prop{}
	for name, v := range d.Properties() {
		props[name] = &prop.Prop{Value: v, Writable: false, Emit: prop.EmitConst}
	}
	return props
}

// exportUPower exports, on the bus at addr, the org.freedesktop.UPower
// root object and one org.freedesktop.UPower.Device per state (plus the
// DisplayDevice `upower --dump` asks for) with the properties upowerOf
// gives, and owns org.freedesktop.UPower. It is the smallest service the
// upower CLI reads as the UPower daemon; the connection closes when the
// test ends.
func exportUPower(t *testing.T, addr string, states []sensors.State) {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connecting to the private bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })

	exportObject := func(path dbus.ObjectPath, iface string, methods any, props map[string]*prop.Prop) {
		t.Helper()
		if err := conn.Export(methods, path, iface); err != nil {
			t.Fatalf("exporting %s on %s: %v", iface, path, err)
		}
		p, err := prop.Export(conn, path, prop.Map{iface: props})
		if err != nil {
			t.Fatalf("exporting the properties of %s: %v", path, err)
		}
		node := &introspect.Node{Name: string(path), Interfaces: []introspect.Interface{
			introspect.IntrospectData, prop.IntrospectData,
			{Name: iface, Methods: introspect.Methods(methods), Properties: p.Introspection(iface)},
		}}
		if err := conn.Export(introspect.NewIntrospectable(node), path, "org.freedesktop.DBus.Introspectable"); err != nil {
			t.Fatalf("exporting the introspection of %s: %v", path, err)
		}
	}

	root := &upowerRoot{}
	for _, s := range states {
		d := upower.DeviceOf(s)
		root.devices = append(root.devices, dbus.ObjectPath(d.Path))
		exportObject(dbus.ObjectPath(d.Path), upower.DeviceInterface, upowerDeviceMethods{}, upowerProps(d))
	}
	// The composite battery of a computer without one, as UPower shows it.
	display := upower.Device{Type: upower.TypeBattery, IconName: "battery-missing-symbolic", BatteryLevel: upower.LevelNone, WarningLevel: upower.LevelNone}
	exportObject(upower.DisplayDevicePath, upower.DeviceInterface, upowerDeviceMethods{}, upowerProps(display))
	c := func(v any) *prop.Prop { return &prop.Prop{Value: v, Writable: false, Emit: prop.EmitConst} }
	exportObject(upower.Path, upower.Interface, root, map[string]*prop.Prop{
		"DaemonVersion": c("0.99.20"),
		"OnBattery":     c(false),
		"LidIsClosed":   c(false),
		"LidIsPresent":  c(false),
	})

	reply, err := conn.RequestName(upower.Name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s on the private bus: reply %v, %v", upower.Name, reply, err)
	}
}

func TestFormatWaybar(t *testing.T) {
	all := upowerTestStates()
	k750, mx, m705, k800, t650 := all[0], all[1], all[2], all[3], all[4]
	sunny := k750
	sunny.Light = &sensors.Light{Lux: 500}
	battery := func(s sensors.State, b hidpp.Battery) sensors.State {
		s.Battery = &b
		return s
	}
	odd := mx
	odd.Name, odd.Codename = "Tom & Jerry <3>", ""
	for _, tt := range []struct {
		name   string
		states []sensors.State
		want   string
	}{
		{"K750", []sensors.State{k750},
			`{"text":"K750 57 %","tooltip":"Wireless Solar Keyboard K750: 57 %, 12 lux, discharging","class":"good","percentage":57,"alt":"keyboard"}`},
		{"lowest of three, charging", []sensors.State{k750, mx, m705},
			`{"text":"M705 45 %","tooltip":"Wireless Solar Keyboard K750: 57 %, 12 lux, discharging\nMX Master 3 Wireless Mouse: 80 %, discharging\nM705: 45 %, charging","class":"charging","percentage":45,"alt":"mouse"}`},
		{"level word", []sensors.State{mx, k800},
			`{"text":"K800 good","tooltip":"MX Master 3 Wireless Mouse: 80 %, discharging\nWireless Illuminated Keyboard K800: good, discharging","class":"good","percentage":50,"alt":"keyboard"}`},
		{"percent below a level word", []sensors.State{k800, battery(mx, hidpp.Battery{Percent: 45, HasPercent: true, Status: hidpp.StatusDischarging})},
			`{"text":"MX Master 3 45 %","tooltip":"Wireless Illuminated Keyboard K800: good, discharging\nMX Master 3 Wireless Mouse: 45 %, discharging","class":"good","percentage":45,"alt":"mouse"}`},
		{"low", []sensors.State{battery(mx, hidpp.Battery{Percent: 20, HasPercent: true, Status: hidpp.StatusDischarging})},
			`{"text":"MX Master 3 20 %","tooltip":"MX Master 3 Wireless Mouse: 20 %, discharging","class":"low","percentage":20,"alt":"mouse"}`},
		{"critical, approximate", []sensors.State{battery(mx, hidpp.Battery{Percent: 5, HasPercent: true, Approximate: true, Status: hidpp.StatusDischarging})},
			`{"text":"MX Master 3 about 5 %","tooltip":"MX Master 3 Wireless Mouse: about 5 %, discharging","class":"critical","percentage":5,"alt":"mouse"}`},
		{"critical level", []sensors.State{battery(k800, hidpp.Battery{Level: hidpp.LevelCritical, Status: hidpp.StatusDischarging})},
			`{"text":"K800 critical","tooltip":"Wireless Illuminated Keyboard K800: critical, discharging","class":"critical","percentage":5,"alt":"keyboard"}`},
		{"full", []sensors.State{battery(m705, hidpp.Battery{Percent: 100, HasPercent: true, Status: hidpp.StatusFull})},
			`{"text":"M705 100 %","tooltip":"M705: 100 %, full","class":"full","percentage":100,"alt":"mouse"}`},
		{"full without a figure", []sensors.State{battery(m705, hidpp.Battery{Status: hidpp.StatusFull})},
			`{"text":"M705 full","tooltip":"M705: full","class":"full","percentage":100,"alt":"mouse"}`},
		{"solar keyboard charging from light", []sensors.State{sunny},
			`{"text":"K750 57 %","tooltip":"Wireless Solar Keyboard K750: 57 %, 500 lux, charging","class":"charging","percentage":57,"alt":"keyboard"}`},
		{"charging without a figure is no figure", []sensors.State{battery(m705, hidpp.Battery{Status: hidpp.StatusCharging}), mx},
			`{"text":"MX Master 3 80 %","tooltip":"M705: charging\nMX Master 3 Wireless Mouse: 80 %, discharging","class":"good","percentage":80,"alt":"mouse"}`},
		{"offline only", []sensors.State{t650},
			`{"text":"","tooltip":"Wireless Rechargeable Touchpad T650: offline","class":"unknown","percentage":0,"alt":"none"}`},
		{"no devices", nil,
			`{"text":"","tooltip":"","class":"unknown","percentage":0,"alt":"none"}`},
		{"markup escaped", []sensors.State{odd},
			`{"text":"Tom &amp; Jerry &lt;3&gt; 80 %","tooltip":"Tom &amp; Jerry &lt;3&gt;: 80 %, discharging","class":"good","percentage":80,"alt":"mouse"}`},
	} {
		var b strings.Builder
		if err := formatWaybar(&b, tt.states); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := b.String(); got != tt.want+"\n" {
			t.Errorf("formatWaybar(%s) =\n %s\nwant\n %s", tt.name, got, tt.want)
		}
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestFormat_WriteError(t *testing.T) {
	if err := formatUPower(failWriter{}, upowerTestStates(), upowerTestNow); err == nil || !strings.Contains(err.Error(), "file already closed") {
		t.Errorf("formatUPower to a closed writer = %v", err)
	}
	if err := formatWaybar(failWriter{}, upowerTestStates()); err == nil || !strings.Contains(err.Error(), "file already closed") {
		t.Errorf("formatWaybar to a closed writer = %v", err)
	}
}

// upowerEnv is the environment the real upower command runs in against
// the service on the private bus at addr, which it takes for the system
// bus: the C locale and UTC, so its output is the same everywhere.
func upowerEnv(t *testing.T, addr string) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LC_ALL=C", "TZ=UTC", "DBUS_SYSTEM_BUS_ADDRESS=" + addr}
}

// upowerCLI runs the real upower command in env and returns what it
// printed. Anything on its stderr fails the test: a GLib warning there
// means a property or method has the wrong type.
func upowerCLI(t *testing.T, env []string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command("upower", args...)
		cmd.Env = env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("upower %v: %v; stderr:\n%s", args, err, errb.String())
		}
		if errb.Len() > 0 {
			t.Errorf("upower %v wrote to stderr (a GLib warning means a property or method has the wrong type):\n%s", args, errb.String())
		}
		return out.String()
	}
}
