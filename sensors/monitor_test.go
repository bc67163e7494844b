package sensors_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/transport"
)

// monitored runs a Monitor on an emulated receiver until the test ends.
func monitored(t *testing.T, p *emulator.Profile, opts sensors.MonitorOpts) (*emulator.Backend, *sensors.Monitor, *recorder) {
	t.Helper()
	if p == nil {
		p, _ = emulator.BuiltinProfile("default")
	}
	b := emulator.NewBackend(p, "test", &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(b.Receiver.Close)
	rec := &recorder{}
	opts.Backend, opts.Recorder = b, rec
	return b, runMonitor(t, opts), rec
}

// runMonitor runs a Monitor with opts until the test ends.
func runMonitor(t *testing.T, opts sensors.MonitorOpts) *sensors.Monitor {
	t.Helper()
	if opts.DeviceTimeout == 0 {
		opts.DeviceTimeout = 200 * time.Millisecond
	}
	m := sensors.NewMonitor(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(2 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return m
}

// recorder is a sensors.Recorder that keeps what it is given.
type recorder struct {
	mu     sync.Mutex
	states []sensors.State
}

func (r *recorder) Record(s sensors.State) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, s)
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.states)
}

// await polls the monitor until cond holds for the device named.
func await(t *testing.T, m *sensors.Monitor, name, what string, cond func(sensors.State) bool) sensors.State {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		for _, s := range m.States() {
			if s.Codename == name && cond(s) {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: waited for %s; states: %+v", name, what, m.States())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func percent(p int) func(sensors.State) bool {
	return func(s sensors.State) bool {
		return s.Online && s.Battery != nil && s.Battery.HasPercent && s.Battery.Percent == p
	}
}

func lux(l int) func(sensors.State) bool {
	return func(s sensors.State) bool { return s.Online && s.Light != nil && s.Light.Lux == l }
}

func offline(s sensors.State) bool { return !s.Online }

func TestMonitor_FirstReadings(t *testing.T) {
	_, m, rec := monitored(t, nil, sensors.MonitorOpts{})
	await(t, m, "MX Master 3", "80 %", percent(80))
	await(t, m, "M705", "100 %", percent(100))
	k := await(t, m, "K750", "12 lux", lux(12))
	if k.Battery == nil || k.Battery.Percent != 57 || !k.Solar || k.LightTime.IsZero() {
		t.Errorf("K750 = %+v", k)
	}
	if rec.count() == 0 {
		t.Error("nothing was recorded")
	}
	for _, s := range m.States() {
		if s.ID == "" || s.Receiver.Serial != "E0662192" || s.Receiver.Family != transport.FamilyUnifying || s.Protocol == "" {
			t.Errorf("identity of %s: %+v", s.Name, s)
		}
	}
}

// TestMonitor_Events follows battery events of both protocols, a device
// leaving and returning, and the light button.
func TestMonitor_Events(t *testing.T) {
	b, m, _ := monitored(t, nil, sensors.MonitorOpts{})
	emu := b.Receiver
	await(t, m, "K750", "first light", lux(12))
	await(t, m, "M705", "100 %", percent(100))

	emu.SetBattery(1, 30, hidpp.StatusDischarging) // HID++ 2.0 event
	await(t, m, "MX Master 3", "30 % from the 0x1000 event", percent(30))
	emu.SetBattery(3, 40, hidpp.StatusDischarging) // HID++ 1.0 event, enabled by the monitor
	await(t, m, "M705", "40 % from the 0x0D event", percent(40))

	emu.SetOnline(2, false)
	await(t, m, "K750", "offline", offline)
	emu.SetLux(2, 800)
	emu.SetOnline(2, true)
	s := await(t, m, "K750", "back, in 800 lux", lux(800))
	if s.Battery.Status != hidpp.StatusCharging {
		t.Errorf("K750 in 800 lux: status %s, want charging", s.Battery.Status)
	}
	emu.SetLux(2, 150)
	emu.PressLightButton(2)
	s = await(t, m, "K750", "a light report after the button", lux(150))
	if s.Battery.Status != hidpp.StatusDischarging {
		t.Errorf("K750 in 150 lux: status %s, want discharging", s.Battery.Status)
	}
}

// TestMonitor_LightSchedule: the K750 is asked for light on schedule, so
// its lux follows the light without a button press.
func TestMonitor_LightSchedule(t *testing.T) {
	b, m, _ := monitored(t, nil, sensors.MonitorOpts{LightInterval: 50 * time.Millisecond})
	first := await(t, m, "K750", "first light", lux(12))
	b.Receiver.SetLux(2, 333)
	s := await(t, m, "K750", "the scheduled report", lux(333))
	if !s.LightTime.After(first.LightTime) {
		t.Errorf("LightTime did not advance: %v then %v", first.LightTime, s.LightTime)
	}
}

// TestMonitor_ReceiverLoss pulls the receiver out and puts it back.
func TestMonitor_ReceiverLoss(t *testing.T) {
	b, m, _ := monitored(t, nil, sensors.MonitorOpts{})
	await(t, m, "K750", "first light", lux(12))
	b.Receiver.Unplug()
	for _, name := range []string{"MX Master 3", "K750", "M705"} {
		await(t, m, name, "offline after unplug", offline)
	}
	b.Receiver.SetBattery(1, 64, hidpp.StatusDischarging)
	b.Receiver.Replug()
	await(t, m, "MX Master 3", "64 % after replug", percent(64))
	await(t, m, "K750", "light after replug", lux(12))
}

// TestMonitor_Idle: with every device able to report by itself and the
// light schedule far away, the monitor sends nothing at all.
func TestMonitor_Idle(t *testing.T) {
	b, m, rec := monitored(t, nil, sensors.MonitorOpts{LightInterval: time.Hour})
	await(t, m, "K750", "first light", lux(12))
	await(t, m, "M705", "100 %", percent(100))
	time.Sleep(50 * time.Millisecond)
	b.Receiver.ResetRequests()
	n := rec.count()
	time.Sleep(300 * time.Millisecond)
	if got := b.Receiver.TotalRequests(); got != 0 {
		t.Errorf("idle monitor sent %d requests", got)
	}
	if rec.count() != n {
		t.Errorf("idle monitor recorded %d states", rec.count()-n)
	}
}

// TestMonitor_Poll: a HID++ 1.0 device that cannot be told to send battery
// events is polled, less often while it sleeps.
func TestMonitor_Poll(t *testing.T) {
	p, err := emulator.ParseProfile([]byte(`{"receiver":{"serial":"0000ABCD"},"devices":[
		{"index":1,"wpid":"2010","kind":"keyboard","codename":"K800","protocol":"1.0","serial":"00000001",
		 "registers":{"00":"000000"},"battery":{"percent":50,"register":"07"}}]}`), "poll")
	if err != nil {
		t.Fatal(err)
	}
	b, m, _ := monitored(t, p, sensors.MonitorOpts{Poll: 20 * time.Millisecond, PollMax: 160 * time.Millisecond})
	await(t, m, "K800", "a first reading", func(s sensors.State) bool { return s.Battery != nil && s.Battery.Level == hidpp.LevelGood })
	b.Receiver.SetBattery(1, 5, hidpp.StatusDischarging) // no event: the device cannot send one
	await(t, m, "K800", "critical, by polling", func(s sensors.State) bool { return s.Battery != nil && s.Battery.Level == hidpp.LevelCritical })

	count := func(d time.Duration) int {
		b.Receiver.ResetRequests()
		time.Sleep(d)
		return b.Receiver.Requests()[1]
	}
	awake := count(400 * time.Millisecond)
	b.Receiver.SetOnline(1, false)
	await(t, m, "K800", "offline", offline)
	time.Sleep(400 * time.Millisecond) // let the period grow
	asleep := count(400 * time.Millisecond)
	t.Logf("requests in 400 ms: %d awake, %d asleep", awake, asleep)
	if awake < 5 || asleep >= awake/2 {
		t.Errorf("polling: %d requests awake, %d asleep; want regular polls that thin out while asleep", awake, asleep)
	}
}

func TestMonitor_Subscribe(t *testing.T) {
	b, m, _ := monitored(t, nil, sensors.MonitorOpts{})
	await(t, m, "M705", "100 %", percent(100))
	ch, cancel := m.Subscribe()
	defer cancel()
	b.Receiver.SetBattery(1, 55, hidpp.StatusCharging)
	for {
		select {
		case s := <-ch:
			if s.Codename == "MX Master 3" && s.Battery != nil && s.Battery.Percent == 55 {
				return
			}
		case <-time.After(2 * time.Second):
			t.Fatal("no change delivered")
		}
	}
}

func TestMonitor_CheckLight(t *testing.T) {
	b, m, _ := monitored(t, nil, sensors.MonitorOpts{LightInterval: time.Hour})
	k := await(t, m, "K750", "first light", lux(12))
	b.Receiver.SetLux(2, 421)
	if err := m.CheckLight(context.Background(), k.ID, 1); err != nil {
		t.Fatal(err)
	}
	await(t, m, "K750", "the checked light", lux(421))
	mx := await(t, m, "MX Master 3", "80 %", percent(80))
	if err := m.CheckLight(context.Background(), mx.ID, 1); err == nil {
		t.Error("CheckLight on a mouse did not fail")
	}
}

// TestMonitor_Touched: a reading that confirms the same figures tells
// Touched, with the time it was confirmed, and no subscriber.
func TestMonitor_Touched(t *testing.T) {
	touched := make(chan sensors.State, 64)
	b, m, _ := monitored(t, nil, sensors.MonitorOpts{LightInterval: time.Hour, Touched: func(s sensors.State) {
		select {
		case touched <- s:
		default:
		}
	}})
	k := await(t, m, "K750", "first light", lux(12))
	b.Receiver.SetLux(2, 12)
	changes, cancel := m.Subscribe()
	defer cancel()
	if err := m.CheckLight(context.Background(), k.ID, 1); err != nil {
		t.Fatal(err)
	}
	for confirmed := false; !confirmed; {
		select {
		case s := <-touched:
			confirmed = s.ID == k.ID && s.LightTime.After(k.LightTime) && lux(12)(s)
		case <-time.After(2 * time.Second):
			t.Fatalf("Touched was not called with the K750's second light report; states: %+v", m.States())
		}
	}
	select {
	case s := <-changes:
		t.Errorf("a subscriber was told of an unchanged reading: %+v", s)
	default:
	}
}

// TestMonitor_Trend runs a K750 on a clock 6000 times faster than real
// time: in the dark its charge falls and the monitor estimates how long it
// lasts; in bright light it rises.
func TestMonitor_Trend(t *testing.T) {
	for _, tc := range []struct {
		lux   int
		trend sensors.Trend
	}{{0, sensors.TrendFalling}, {900, sensors.TrendRising}} {
		p, err := emulator.ParseProfile([]byte(fmt.Sprintf(`{"receiver":{"serial":"0000ABCD"},"devices":[
			{"index":1,"wpid":"4002","kind":"keyboard","codename":"K750","protocol":"2.0","serial":"00000001",
			 "solar":{"charge":60,"lux":%d,"drain_per_hour":20,"gain_per_hour_per_klux":20}}]}`, tc.lux)), "trend")
		if err != nil {
			t.Fatal(err)
		}
		start, base := time.Now(), time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
		clock := func() time.Time { return base.Add(time.Since(start) * 6000) }
		b := emulator.NewBackend(p, "trend", &emulator.Opts{Second: time.Millisecond, Now: clock})
		// Timers run on real time: a 10 ms interval is a minute on the clock.
		m := sensors.NewMonitor(sensors.MonitorOpts{Backend: b, Now: clock, LightInterval: 10 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- m.Run(ctx) }()
		s := await(t, m, "K750", "a trend", func(s sensors.State) bool { return s.Trend == tc.trend })
		cancel()
		<-done
		b.Receiver.Close()
		t.Logf("%d lux: %s at %d %%, %v left", tc.lux, s.Trend, s.Battery.Percent, s.Remaining)
		if tc.trend == sensors.TrendFalling {
			// 20 % an hour: the estimate must be near percent / 20 hours.
			want := time.Duration(s.Battery.Percent) * time.Hour / 20
			if s.Remaining < want*2/3 || s.Remaining > want*3/2 {
				t.Errorf("remaining %v at %d %%, want about %v", s.Remaining, s.Battery.Percent, want)
			}
		} else if s.Remaining != 0 {
			t.Errorf("a rising charge has an estimate: %v", s.Remaining)
		}
	}
}

// TestMonitor_CancelWhileChanging cancels subscriptions while changes are
// being delivered: no send may meet a closed channel.
func TestMonitor_CancelWhileChanging(t *testing.T) {
	b, m, _ := monitored(t, nil, sensors.MonitorOpts{})
	await(t, m, "M705", "100 %", percent(100))
	stop := make(chan struct{})
	go func() {
		for p := 0; ; p = (p + 1) % 100 {
			select {
			case <-stop:
				return
			default:
				b.Receiver.SetBattery(1, p, hidpp.StatusDischarging)
			}
		}
	}()
	for i := 0; i < 200; i++ {
		_, cancel := m.Subscribe()
		cancel()
	}
	close(stop)
}
