package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/metrics"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/transport"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// at is when the figures of [every] were confirmed: 2026-01-01 00:00:00 UTC.
var at = time.Unix(1767225600, 0)

// every holds a device of each kind of figure Helio exports, and two that
// must not appear twice or break the format.
var every = []sensors.State{
	{ID: "E0662192-4002-750C0DE2", Name: "Wireless Solar Keyboard K750", Kind: hidpp.KindKeyboard, WPID: 0x4002,
		Serial: "750C0DE2", Receiver: sensors.ReceiverInfo{Serial: "E0662192", Family: transport.FamilyUnifying}, Online: true, Solar: true,
		Battery: &hidpp.Battery{Percent: 57, HasPercent: true, Status: hidpp.StatusDischarging}, Light: &sensors.Light{Lux: 12},
		BatteryTime: at, LightTime: at.Add(time.Second)},
	// A measured percentage, charging.
	{ID: "E0662192-4082-4082C0DE", Name: "MX Master 3 Wireless Mouse", Kind: hidpp.KindMouse, WPID: 0x4082,
		Serial: "4082C0DE", Receiver: sensors.ReceiverInfo{Serial: "E0662192", Family: transport.FamilyUnifying}, Online: true,
		Battery: &hidpp.Battery{Percent: 80, HasPercent: true, Status: hidpp.StatusCharging}, BatteryTime: at},
	// Coarse steps of feature 0x1000: approximate, with its level.
	{ID: "0123456789ABCDEF0123456789ABCDEF-b023-B023C0DE", Name: "MX Keys S", Kind: hidpp.KindKeyboard, WPID: 0xb023,
		Serial: "B023C0DE", Receiver: sensors.ReceiverInfo{Serial: "0123456789ABCDEF0123456789ABCDEF", Family: transport.FamilyBolt}, Online: true,
		Battery:     &hidpp.Battery{Percent: 50, HasPercent: true, Approximate: true, Level: hidpp.LevelGood, Status: hidpp.StatusDischarging},
		BatteryTime: at},
	// Levels only (register 0x07): no charge ratio.
	{ID: "E0662192-1025-1025C0DE", Name: "M510", Kind: hidpp.KindMouse, WPID: 0x1025, Serial: "1025C0DE",
		Receiver: sensors.ReceiverInfo{Serial: "E0662192", Family: transport.FamilyUnifying}, Online: true,
		Battery: &hidpp.Battery{Level: hidpp.LevelLow, Status: hidpp.StatusDischarging}, BatteryTime: at},
	// An estimate from the voltage (feature 0x1001), full.
	{ID: "C0DEC0DE-405e-405EC0DE", Name: "M720 Triathlon", Kind: hidpp.KindMouse, WPID: 0x405e, Serial: "405EC0DE",
		Receiver: sensors.ReceiverInfo{Serial: "C0DEC0DE", Family: transport.FamilyNano}, Online: true,
		Battery:     &hidpp.Battery{Percent: 100, HasPercent: true, Approximate: true, VoltageMV: 4150, Status: hidpp.StatusFull},
		BatteryTime: at},
	// Out of range, with its last figures.
	{ID: "E0662192-101b-101BC0DE", Name: "M705", Kind: hidpp.KindMouse, WPID: 0x101b, Serial: "101BC0DE",
		Receiver: sensors.ReceiverInfo{Serial: "E0662192", Family: transport.FamilyUnifying}, Online: false,
		Battery: &hidpp.Battery{Percent: 15, HasPercent: true, Status: hidpp.StatusDischarging}, BatteryTime: at.Add(-25 * time.Hour)},
	// Never reached: no name, no figure, no time; and a family unknown.
	{ID: "E0662192-2011-", Kind: hidpp.KindKeyboard, WPID: 0x2011, Receiver: sensors.ReceiverInfo{Serial: "E0662192"}},
	// A name that tries to reach the terminal, with a byte that is not
	// UTF-8 and a quote.
	{ID: "E0662192-4024-4024C0DE", Name: "K400\x1b[2J\"\xff\n", Kind: hidpp.KindKeyboard, WPID: 0x4024, Serial: "4024C0DE",
		Receiver: sensors.ReceiverInfo{Serial: "E0662192", Family: transport.FamilyUnifying}, Online: true,
		Battery: &hidpp.Battery{Status: hidpp.StatusCharging}, BatteryTime: at},
	// The same identity again (a second receiver with the same serial):
	// left out rather than failing the scrape.
	{ID: "E0662192-4002-750C0DE2", Name: "Wireless Solar Keyboard K750", Kind: hidpp.KindKeyboard, WPID: 0x4002,
		Serial: "750C0DE2", Receiver: sensors.ReceiverInfo{Serial: "E0662192", Family: transport.FamilyUnifying}, Online: true},
	// A mouse on Bluetooth, without a receiver: its bus for a family.
	{ID: "4082-198E3EB8", Name: "Wireless Mouse MX Master 3", Kind: hidpp.KindMouse, WPID: 0x4082, Serial: "d1:e2:f3:04:15:26",
		UnitID: "198E3EB8", Direct: true, Bus: transport.BusBluetooth, Receiver: sensors.ReceiverInfo{PID: 0xb023, Path: "/dev/hidraw7"},
		Online: true, Battery: &hidpp.Battery{Percent: 100, HasPercent: true, Approximate: true, Level: hidpp.LevelFull,
			Status: hidpp.StatusDischarging}, BatteryTime: at},
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestWrite_Golden: every kind of figure, as Prometheus reads it.
func TestWrite_Golden(t *testing.T) {
	var b bytes.Buffer
	if err := metrics.Write(&b, every); err != nil {
		t.Fatal(err)
	}
	golden(t, "every.prom", b.Bytes())
}

// series is the set of "name{labels}" lines of text, without values.
func series(text string) map[string]string {
	out := map[string]string{}
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		out[line[:i]] = strings.TrimSpace(line[i+1:])
	}
	return out
}

// TestWrite_OnlyWhatIsKnown: a figure the device does not give has no
// series, rather than a zero that alerts would read as empty.
func TestWrite_OnlyWhatIsKnown(t *testing.T) {
	for _, tt := range []struct {
		name    string
		state   sensors.State
		present []string // metric names that must have a series
		absent  []string // and those that must not
	}{
		{"levels only", every[3],
			[]string{metrics.NameOnline, metrics.NameLevel, metrics.NameStatus, metrics.NameTimestamp},
			[]string{metrics.NameCharge, metrics.NameVoltage, metrics.NameLux}},
		{"percentage", every[1],
			[]string{metrics.NameOnline, metrics.NameCharge, metrics.NameStatus, metrics.NameTimestamp},
			[]string{metrics.NameLevel, metrics.NameVoltage, metrics.NameLux}},
		{"solar", every[0],
			[]string{metrics.NameCharge, metrics.NameLux, metrics.NameStatus, metrics.NameTimestamp},
			[]string{metrics.NameLevel, metrics.NameVoltage}},
		{"voltage", every[4],
			[]string{metrics.NameCharge, metrics.NameVoltage},
			[]string{metrics.NameLevel, metrics.NameLux}},
		{"never reached", every[6],
			[]string{metrics.NameOnline},
			[]string{metrics.NameCharge, metrics.NameLevel, metrics.NameStatus, metrics.NameLux, metrics.NameTimestamp, metrics.NameVoltage}},
	} {
		var b bytes.Buffer
		if err := metrics.Write(&b, []sensors.State{tt.state}); err != nil {
			t.Fatal(err)
		}
		got := b.String()
		for _, name := range tt.present {
			if !strings.Contains(got, "\n"+name+"{") {
				t.Errorf("%s: no %s in\n%s", tt.name, name, got)
			}
		}
		for _, name := range tt.absent {
			if strings.Contains(got, "\n"+name+"{") {
				t.Errorf("%s: %s present in\n%s", tt.name, name, got)
			}
		}
	}
}

// TestWrite_Values: the figures as the alert rules read them.
func TestWrite_Values(t *testing.T) {
	var b bytes.Buffer
	if err := metrics.Write(&b, every); err != nil {
		t.Fatal(err)
	}
	got := series(b.String())
	const k750 = `family="Unifying",kind="keyboard",name="Wireless Solar Keyboard K750",receiver_serial="E0662192",serial="750C0DE2",wpid="4002"`
	// Labels come sorted by name.
	for _, tt := range []struct{ series, want string }{
		{`helio_battery_charge_ratio{approximate="false",` + k750 + `}`, "0.57"},
		{`helio_light_lux{` + k750 + `}`, "12"},
		{`helio_battery_status{family="Unifying",kind="keyboard",name="Wireless Solar Keyboard K750",receiver_serial="E0662192",serial="750C0DE2",status="discharging",wpid="4002"}`, "1"},
		{`helio_battery_status{family="Unifying",kind="keyboard",name="Wireless Solar Keyboard K750",receiver_serial="E0662192",serial="750C0DE2",status="charging",wpid="4002"}`, "0"},
		// The later of the battery's and the light's times.
		{`helio_reading_timestamp_seconds{` + k750 + `}`, "1.767225601e+09"},
		{`helio_battery_level{family="Unifying",kind="mouse",level="low",name="M510",receiver_serial="E0662192",serial="1025C0DE",wpid="1025"}`, "1"},
		{`helio_battery_level{family="Unifying",kind="mouse",level="good",name="M510",receiver_serial="E0662192",serial="1025C0DE",wpid="1025"}`, "0"},
		{`helio_device_online{family="Unifying",kind="mouse",name="M705",receiver_serial="E0662192",serial="101BC0DE",wpid="101b"}`, "0"},
		{`helio_battery_voltage_volts{family="Nano",kind="mouse",name="M720 Triathlon",receiver_serial="C0DEC0DE",serial="405EC0DE",wpid="405e"}`, "4.15"},
		{`helio_battery_status{family="Nano",kind="mouse",name="M720 Triathlon",receiver_serial="C0DEC0DE",serial="405EC0DE",status="full",wpid="405e"}`, "1"},
		{`helio_device_online{family="unknown",kind="keyboard",name="",receiver_serial="E0662192",serial="",wpid="2011"}`, "0"},
		{`helio_battery_status{family="Unifying",kind="keyboard",name="K400\\x1b[2J\"\\xff\\x0a",receiver_serial="E0662192",serial="4024C0DE",status="charging",wpid="4024"}`, "1"},
	} {
		if v, ok := got[tt.series]; !ok || v != tt.want {
			t.Errorf("%s = %q (present %v), want %s", tt.series, v, ok, tt.want)
		}
	}
	if n := strings.Count(b.String(), "helio_device_online{"); n != len(every)-1 {
		t.Errorf("%d helio_device_online series, want %d: one per identity", n, len(every)-1)
	}
}

// promtool is the path of Prometheus's promtool (Debian package
// prometheus); without it the test fails, or under -short is skipped.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if testing.Short() {
			t.Skip("promtool is not installed (apt-get install prometheus)")
		}
		t.Fatal("promtool is not installed (apt-get install prometheus; go test -short skips this test)")
	}
	return p
}

// TestWrite_Promtool: promtool finds nothing against Prometheus's
// conventions in the metrics (names, units, help, types).
func TestWrite_Promtool(t *testing.T) {
	tool := promtool(t)
	var b bytes.Buffer
	if err := metrics.Write(&b, every); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tool, "check", "metrics")
	cmd.Stdin = &b
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestWrite_Promtool_Fails: the check above can fail: promtool rejects
// a counter named against the conventions.
func TestWrite_Promtool_Fails(t *testing.T) {
	tool := promtool(t)
	cmd := exec.Command(tool, "check", "metrics")
	cmd.Stdin = strings.NewReader("# HELP helio_scrapes Scrapes.\n# TYPE helio_scrapes counter\nhelio_scrapes 3\n")
	out, err := cmd.CombinedOutput()
	if err == nil && len(out) == 0 {
		t.Error("promtool check metrics accepted a counter without _total")
	}
}

// monitored runs a Monitor on the emulated receiver until the test ends.
func monitored(t testing.TB) (*emulator.Backend, *sensors.Monitor) {
	t.Helper()
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	b := emulator.NewBackend(p, "test", &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(b.Receiver.Close)
	m := sensors.NewMonitor(sensors.MonitorOpts{Backend: b, DeviceTimeout: 300 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("Monitor.Run: %v", err)
			}
		case <-time.After(3 * time.Second):
			t.Error("Monitor.Run did not return")
		}
	})
	return b, m
}

// awaitText waits until the metrics of m's states hold every line of want.
func awaitText(t testing.TB, m *sensors.Monitor, want ...string) string {
	t.Helper()
	var b bytes.Buffer
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b.Reset()
		if err := metrics.Write(&b, m.States()); err != nil {
			t.Fatal(err)
		}
		missing := ""
		for _, w := range want {
			if !strings.Contains(b.String(), w) {
				missing = w
			}
		}
		if missing == "" {
			return b.String()
		}
		if time.Now().After(end) {
			t.Fatalf("the metrics never held %s:\n%s", missing, b.String())
		}
	}
}

// k750Charge and k750Lux are the emulated K750's first figures, as the
// metrics give them.
const (
	k750Labels = `family="Unifying",kind="keyboard",name="Wireless Solar Keyboard K750",receiver_serial="E0662192",serial="750C0DE2",wpid="4002"`
	k750Charge = `helio_battery_charge_ratio{approximate="false",` + k750Labels + `} 0.57` + "\n"
	k750Lux    = `helio_light_lux{` + k750Labels + `} 12` + "\n"
)

// TestCollector_Monitor: the figures of a running monitor on the emulated
// receiver, its family and identity from the receiver.
func TestCollector_Monitor(t *testing.T) {
	_, m := monitored(t)
	awaitText(t, m, k750Charge, k750Lux,
		`helio_battery_charge_ratio{approximate="false",family="Unifying",kind="mouse",name="MX Master 3 Wireless Mouse",receiver_serial="E0662192",serial="1A2B3C4D",wpid="4082"} 0.8`+"\n",
		`helio_device_online{family="Unifying",kind="mouse",name="M705",receiver_serial="E0662192",serial="705B0A1D",wpid="101b"} 1`+"\n")
}
