package emulator_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/transporttest"
)

// host opens the built-in receiver (or p) and returns it with a HID++
// connection on it.
func host(t *testing.T, p *emulator.Profile) (*emulator.Receiver, *hidpp.Conn) {
	t.Helper()
	b, c := emulatortest.Open(t, p)
	return b.Receiver, c
}

func request(t *testing.T, c *hidpp.Conn, hexReq string) (hidpp.Report, error) {
	t.Helper()
	req, err := hidpp.ParseHex(hexReq)
	if err != nil {
		t.Fatal(err)
	}
	return c.Request(context.Background(), req)
}

// TestReceiver_Answers replays requests from the project's reference traces
// and checks the emulator's bytes.
func TestReceiver_Answers(t *testing.T) {
	_, c := host(t, nil)
	tests := []struct {
		name, req, want string
	}{
		{"receiver info", "10 ff 83 b5 03 00 00", "11 ff 83 b5 03 e0 66 21 92 05 06 0e 00 00 00 00 00 00 00 00"},
		{"firmware", "10 ff 81 f1 01 00 00", "10 ff 81 f1 01 24 11"},
		{"build", "10 ff 81 f1 02 00 00", "10 ff 81 f1 02 00 36"},
		{"bootloader", "10 ff 81 f1 04 00 00", "10 ff 81 f1 04 02 09"},
		{"count", "10 ff 81 02 00 00 00", "10 ff 81 02 00 03 00"},
		// slot 2: wpid 4002, 20 ms, keyboard
		{"K750 pairing", "10 ff 83 b5 21 00 00", "11 ff 83 b5 21 00 14 40 02 00 00 01 00 00 00 00 00 00 00 00"},
		{"K750 codename", "10 ff 83 b5 41 00 00", "11 ff 83 b5 41 04 4b 37 35 30 00 00 00 00 00 00 00 00 00 00"},
		{"K750 ping", "10 02 00 16 00 00 5a", "11 02 00 16 02 00 5a 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"MX ping", "10 01 00 1b 00 00 42", "11 01 00 1b 04 05 42 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"M705 0x0D as recorded", "10 03 81 0d 00 00 00", "10 03 81 0d 64 47 34"},
		{"M705 0x01 as recorded", "10 03 81 01 00 00 00", "10 03 81 01 02 00 00"},
		{"K750 getFeature 4301", "10 02 00 06 43 01 00", "11 02 00 06 09 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"K750 feature count", "10 02 01 06 00 00 00", "11 02 01 06 0a 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"K750 hidden 1DF3", "10 02 01 16 06 00 00", "11 02 01 16 1d f3 40 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"K750 firmware", "10 02 02 16 00 00 00", "11 02 02 16 00 52 51 4b 33 00 00 15 00 00 00 00 00 00 00 00"},
		{"MX battery", "10 01 05 06 00 00 00", "11 01 05 06 50 46 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := request(t, c, tt.req)
			if err != nil {
				t.Fatalf("request %s: %v", tt.req, err)
			}
			if got.String() != tt.want {
				t.Errorf("request %s\n got  %s\n want %s", tt.req, got, tt.want)
			}
		})
	}
}

func TestReceiver_Errors(t *testing.T) {
	r, c := host(t, nil)
	tests := []struct {
		name, req string
		version   byte
		code      byte
	}{
		{"empty slot pairing info", "10 ff 83 b5 25 00 00", 1, hidpp.Err10InvalidValue},
		{"unknown receiver register", "10 ff 81 77 00 00 00", 1, hidpp.Err10InvalidAddress},
		{"receiver F1 03", "10 ff 81 f1 03 00 00", 1, hidpp.Err10InvalidValue},
		{"empty slot request", "10 05 00 16 00 00 01", 1, hidpp.Err10UnknownDevice},
		{"M705 has no 0x07", "10 03 81 07 00 00 00", 1, hidpp.Err10InvalidAddress},
		{"M705 0x0D read-only", "10 03 80 0d 01 02 03", 1, hidpp.Err10InvalidValue},
		{"K750 bad feature index", "10 02 0b 06 00 00 00", 2, hidpp.Err20InvalidFeature},
		{"K750 0x1D4B functions", "10 02 05 06 00 00 00", 2, hidpp.Err20InvalidFunction},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := request(t, c, tt.req)
			var herr *hidpp.Error
			if !errors.As(err, &herr) || herr.Version != tt.version || herr.Code != tt.code {
				t.Fatalf("request %s: err = %v, want HID++ %d.0 error 0x%02X", tt.req, err, tt.version, tt.code)
			}
		})
	}
	// The kernel's ping has software ID 0; the HID++ 1.0 answer must echo it.
	raw, _ := r.Open(transport.Info{})
	defer raw.Close()
	raw.Write([]byte{0x10, 0x03, 0x00, 0x10, 0x00, 0x00, 0x5A})
	buf := make([]byte, 64)
	if n, _ := raw.Read(buf); !bytes.Equal(buf[:n], []byte{0x10, 0x03, 0x8F, 0x00, 0x10, 0x01, 0x00}) {
		t.Errorf("M705 answer to the kernel's ping = % x, want 10 03 8f 00 10 01 00", buf[:n])
	}
	if err := r.SetOnline(2, false); err != nil {
		t.Fatal(err)
	}
	if _, err := request(t, c, "10 02 00 16 00 00 01"); !errors.Is(err, hidpp.ErrOffline) {
		t.Errorf("ping of a device out of range: err = %v, want ErrOffline", err)
	}
}

// TestReceiver_FakeArrival checks the LTU trace order: the 0x41 notifications
// arrive before the ack of the register 0x02 write.
func TestReceiver_FakeArrival(t *testing.T) {
	r, _ := host(t, nil)
	raw, err := r.Open(transport.Info{Path: "raw"})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Write([]byte{0x10, 0xFF, 0x80, 0x02, 0x02, 0x00, 0x00}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"10 01 41 04 22 82 40",
		"10 02 41 04 21 02 40",
		"10 03 41 04 22 1b 10",
		"10 ff 80 02 00 00 00",
	}
	for _, w := range want {
		buf := make([]byte, 64)
		n, err := raw.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := hidpp.Parse(buf[:n])
		if got.String() != w {
			t.Errorf("got %s, want %s", got, w)
		}
	}
}

// TestReceiver_DJ checks the answer to the kernel's "get paired devices".
func TestReceiver_DJ(t *testing.T) {
	r, _ := host(t, nil)
	raw, err := r.Open(transport.Info{Path: "raw"})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	cmd := make([]byte, 15)
	cmd[0], cmd[1], cmd[2] = 0x20, 0xFF, 0x81
	raw.Write(cmd)
	want := [][]byte{
		{0x20, 0x01, 0x41, 0x01, 0x82, 0x40, 0x04, 0, 0, 0, 0, 0, 0, 0, 0},
		{0x20, 0x02, 0x41, 0x01, 0x02, 0x40, 0x1A, 0, 0, 0, 0, 0, 0, 0, 0},
		{0x20, 0x03, 0x41, 0x00, 0x1B, 0x10, 0x04, 0, 0, 0, 0, 0, 0, 0, 0},
	}
	for _, w := range want {
		buf := make([]byte, 64)
		n, _ := raw.Read(buf)
		if !bytes.Equal(buf[:n], w) {
			t.Errorf("got % x, want % x", buf[:n], w)
		}
	}
}

// TestReceiver_LightReports checks SetLightMeasure: the echo, then count
// light reports one period apart, the first matching the 2012 USB capture.
func TestReceiver_LightReports(t *testing.T) {
	_, c := host(t, nil)
	events, cancel := c.Subscribe()
	defer cancel()
	start := time.Now()
	rep, err := request(t, c, "11 02 09 06 02 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Param(0) != 2 || rep.Param(1) != 1 {
		t.Errorf("SetLightMeasure echo = %s, want parameters 02 01", rep)
	}
	for i := 0; i < 2; i++ {
		select {
		case ev := <-events:
			if i == 0 && ev.String() != "11 02 09 10 39 00 0c 06 1d 47 4f 4f 44 00 00 00 00 00 00 00" {
				t.Errorf("first light report = %s, want the 2012 capture", ev)
			}
			if i == 0 && time.Since(start) < 10*time.Millisecond {
				t.Errorf("first report came %v after the request, before one period", time.Since(start))
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("light report %d did not come", i+1)
		}
	}
	select {
	case ev := <-events:
		t.Errorf("a third report came: %s", ev)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestReceiver_BatteryEvents(t *testing.T) {
	r, c := host(t, nil)
	events, cancel := c.Subscribe()
	defer cancel()
	// HID++ 2.0: event 0 of 0x1000 at index 5.
	if err := r.SetBattery(1, 30, hidpp.StatusDischarging); err != nil {
		t.Fatal(err)
	}
	ev := <-events
	if ev.String() != "11 01 05 00 1e 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00" {
		t.Errorf("0x1000 event = %s", ev)
	}
	// HID++ 1.0: no event until the host enables battery notifications.
	if err := r.SetBattery(3, 50, hidpp.StatusCharging); err != nil {
		t.Fatal(err)
	}
	if _, err := request(t, c, "10 03 80 00 10 00 00"); err != nil {
		t.Fatal(err)
	}
	if err := r.SetBattery(3, 40, hidpp.StatusDischarging); err != nil {
		t.Fatal(err)
	}
	ev = <-events
	if ev.String() != "10 03 0d 28 47 30" && ev.String() != "10 03 0d 28 47 30 00" {
		t.Errorf("register 0x0D event = %s, want 10 03 0d 28 47 30 00", ev)
	}
}

func TestReceiver_OnlineNotifications(t *testing.T) {
	r, c := host(t, nil)
	events, cancel := c.Subscribe()
	defer cancel()
	// Without wireless notifications enabled, nothing is announced.
	r.SetOnline(1, false)
	r.SetOnline(1, true)
	if _, err := request(t, c, "10 ff 80 00 00 09 00"); err != nil {
		t.Fatal(err)
	}
	r.SetOnline(2, false)
	r.SetOnline(2, true)
	want := []string{
		"10 02 41 04 61 02 40", // link down
		"10 02 41 04 21 02 40", // link up
		"11 02 09 00 39 00 0c 06 1d 47 4f 4f 44 00 00 00 00 00 00 00", // battery broadcast
	}
	for _, w := range want {
		select {
		case ev := <-events:
			if ev.String() != w {
				t.Errorf("got %s, want %s", ev, w)
			}
		case <-time.After(time.Second):
			t.Fatalf("no notification, want %s", w)
		}
	}
}

func TestReceiver_Faults(t *testing.T) {
	r, c := host(t, nil)
	r.DropReplies(1)
	if _, err := request(t, c, "10 ff 81 02 00 00 00"); !errors.Is(err, hidpp.ErrTimeout) {
		t.Errorf("dropped reply: err = %v, want ErrTimeout", err)
	}
	if _, err := request(t, c, "10 ff 81 02 00 00 00"); err != nil {
		t.Errorf("after the drop: %v", err)
	}
	r.DelayReplies(1, 50*time.Millisecond)
	t0 := time.Now()
	if _, err := request(t, c, "10 ff 81 02 00 00 00"); err != nil || time.Since(t0) < 50*time.Millisecond {
		t.Errorf("delayed reply: err = %v after %v", err, time.Since(t0))
	}
	r.InjectRaw([]byte{0x10, 0x01})       // truncated
	r.InjectRaw([]byte{0x42, 0x42, 0x42}) // garbage
	if _, err := request(t, c, "10 ff 81 02 00 00 00"); err != nil {
		t.Errorf("after garbage: %v", err)
	}
	if s := c.Stats(); s.Ignored != 2 {
		t.Errorf("Stats().Ignored = %d, want 2", s.Ignored)
	}
	r.Unplug()
	select {
	case <-c.Done():
	case <-time.After(time.Second):
		t.Fatal("unplugging did not stop the connection")
	}
	if !errors.Is(c.Err(), transport.ErrGone) {
		t.Errorf("Err() = %v, want ErrGone", c.Err())
	}
	if _, err := r.Open(transport.Info{}); !errors.Is(err, transport.ErrGone) {
		t.Errorf("Open while unplugged: %v", err)
	}
	r.Replug()
	if _, err := r.Open(transport.Info{}); err != nil {
		t.Errorf("Open after replug: %v", err)
	}
}

func TestProfile_Errors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"syntax", "{\n  \"receiver\": {,\n}", "x.json:2:"},
		{"unknown field", `{"receiver":{"serial":"00000001"},"devices":[],"extra":1}`, `unknown field "extra"`},
		{"type", "{\"receiver\":{\"serial\":1}}", "receiver.serial"},
		{"empty", "", "empty file"},
		{"no serial", `{"receiver":{}}`, "receiver.serial: missing"},
		{"bad wpid", `{"receiver":{"serial":"00000001"},"devices":[{"index":1,"wpid":"40g2","kind":"mouse","codename":"Abcd","protocol":"2.0","serial":"00000001"}]}`, "devices[0].wpid"},
		{"bad kind", `{"receiver":{"serial":"00000001"},"devices":[{"index":1,"wpid":"4002","kind":"toaster","codename":"Abcd","protocol":"2.0","serial":"00000001"}]}`, "devices[0].kind"},
		{"short codename", `{"receiver":{"serial":"00000001"},"devices":[{"index":1,"wpid":"4002","kind":"mouse","codename":"K7","protocol":"2.0","serial":"00000001"}]}`, "devices[0].codename"},
		{"slot twice", `{"receiver":{"serial":"00000001"},"devices":[{"index":1,"wpid":"4002","kind":"mouse","codename":"Abcd","protocol":"2.0","serial":"00000001"},{"index":1,"wpid":"4003","kind":"mouse","codename":"Abce","protocol":"2.0","serial":"00000002"}]}`, "slot 1 is used twice"},
		{"slot range", `{"receiver":{"serial":"00000001"},"devices":[{"index":9,"wpid":"4002","kind":"mouse","codename":"Abcd","protocol":"2.0","serial":"00000001"}]}`, "devices[0].index"},
		{"registers on 2.0", `{"receiver":{"serial":"00000001"},"devices":[{"index":1,"wpid":"4002","kind":"mouse","codename":"Abcd","protocol":"2.0","serial":"00000001","registers":{"0d":"000000"}}]}`, "devices[0].registers"},
		{"bad register value", `{"receiver":{"serial":"00000001"},"devices":[{"index":1,"wpid":"101B","kind":"mouse","codename":"Abcd","protocol":"1.0","serial":"00000001","registers":{"0d":"0000"}}]}`, "devices[0].registers.0d"},
		{"feature 0 not root", `{"receiver":{"serial":"00000001"},"devices":[{"index":1,"wpid":"4002","kind":"mouse","codename":"Abcd","protocol":"2.0","serial":"00000001","features":["0001"]}]}`, "devices[0].features[0]"},
		{"bad reply key", `{"receiver":{"serial":"00000001"},"devices":[{"index":1,"wpid":"4002","kind":"mouse","codename":"Abcd","protocol":"2.0","serial":"00000001","replies":{"1000":"00"}}]}`, `key "1000"`},
		{"battery percent", `{"receiver":{"serial":"00000001"},"devices":[{"index":1,"wpid":"4002","kind":"mouse","codename":"Abcd","protocol":"2.0","serial":"00000001","battery":{"percent":101}}]}`, "devices[0].battery.percent"},
		{"solar both", `{"receiver":{"serial":"00000001"},"devices":[{"index":1,"wpid":"4002","kind":"keyboard","codename":"Abcd","protocol":"2.0","serial":"00000001","solar":{"charge":5,"lux":3,"day":[{"at":"01:00","lux":1}]}}]}`, "not both"},
		{"solar order", `{"receiver":{"serial":"00000001"},"devices":[{"index":1,"wpid":"4002","kind":"keyboard","codename":"Abcd","protocol":"2.0","serial":"00000001","solar":{"charge":5,"day":[{"at":"05:00","lux":1},{"at":"04:00","lux":1}]}}]}`, "devices[0].solar.day[1].at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := emulator.ParseProfile([]byte(tt.json), "x.json")
			var pe *emulator.ProfileError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseProfile = %v, want a *ProfileError", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "profile x.json") {
				t.Errorf("ParseProfile error = %q, want it to name x.json and contain %q", err, tt.want)
			}
		})
	}
}

func TestProfile_Builtin(t *testing.T) {
	for _, name := range emulator.Builtin() {
		if _, err := emulator.BuiltinProfile(name); err != nil {
			t.Errorf("built-in profile %s: %v", name, err)
		}
	}
	if _, err := emulator.BuiltinProfile("nope"); err == nil {
		t.Error("BuiltinProfile(nope) did not fail")
	}
}

// TestSolar_DaySchedule runs the default K750 through a simulated day: the
// light follows the schedule, and the charge rises in daylight and falls in
// the dark.
func TestSolar_DaySchedule(t *testing.T) {
	p, _ := emulator.BuiltinProfile("default")
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	r := emulator.New(p, &emulator.Opts{Second: time.Millisecond, Now: clock})
	defer r.Close()
	c, _ := r.Open(transport.Info{})
	conn := hidpp.NewConn(c, nil)
	defer conn.Close()
	read := func() (charge, lux int) {
		t.Helper()
		events, cancel := conn.Subscribe()
		defer cancel()
		req, _ := hidpp.ParseHex("10 02 09 06 01 01 00")
		if _, err := conn.Request(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		ev := <-events
		se, err := hidpp.DecodeSolarEvent(&ev)
		if err != nil {
			t.Fatal(err)
		}
		return se.Charge, se.Lux
	}
	if ch, lux := read(); ch != 57 || lux != 12 {
		t.Fatalf("at start: %d %%, %d lux; want 57 %%, 12 lux", ch, lux)
	}
	now = now.Add(6 * time.Hour) // 12:00, bright
	ch, lux := read()
	if lux < 450 || ch <= 57 {
		t.Errorf("at noon: %d %%, %d lux; want > 57 %% and >= 450 lux", ch, lux)
	}
	now = now.Add(12 * time.Hour) // 00:00, dark
	if _, lux := read(); lux != 0 {
		t.Errorf("at midnight: %d lux, want 0", lux)
	}
}

// TestSolar_Drain keeps a keyboard in the dark with a fast drain.
func TestSolar_Drain(t *testing.T) {
	p, err := emulator.ParseProfile([]byte(`{"receiver":{"serial":"00000001"},"devices":[{"index":1,"wpid":"4002",
		"kind":"keyboard","codename":"K750","protocol":"2.0","serial":"00000001",
		"solar":{"charge":50,"lux":0,"drain_per_hour":1}}]}`), "dark.json")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	r := emulator.New(p, &emulator.Opts{Second: time.Millisecond, Now: func() time.Time { return now }})
	defer r.Close()
	c, _ := r.Open(transport.Info{})
	conn := hidpp.NewConn(c, nil)
	defer conn.Close()
	events, cancel := conn.Subscribe()
	defer cancel()
	now = now.Add(10 * time.Hour)
	r.PressLightButton(1)
	ev := <-events
	se, err := hidpp.DecodeSolarEvent(&ev)
	if err != nil || se.Kind != hidpp.SolarLightButton || se.Charge != 40 {
		t.Errorf("after 10 h dark at 1 %%/h: %+v, %v; want a light-button event at 40 %%", se, err)
	}
}

// TestConn_Conformance runs the transport conformance test on the
// emulator's own Conn.
func TestConn_Conformance(t *testing.T) {
	transporttest.TestConn(t, func(t *testing.T) (transport.Conn, transporttest.Device) {
		p, err := emulator.BuiltinProfile("default")
		if err != nil {
			t.Fatal(err)
		}
		r := emulator.New(p, nil)
		t.Cleanup(r.Close)
		c, err := r.Open(transport.Info{Backend: "sim", Path: "sim:test"})
		if err != nil {
			t.Fatal(err)
		}
		return c, unpluggable{emulatortest.Device(t, r), r}
	})
}

// unpluggable lets the conformance test pull the emulated receiver out.
type unpluggable struct {
	transporttest.Device
	r *emulator.Receiver
}

func (u unpluggable) Unplug() { u.r.Unplug() }
