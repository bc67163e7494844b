package sensors_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/transport"
)

// cuedBackend is the emulator behind a system that announces its devices'
// changes, as Linux does for a receiver on hid-logitech-dj: the test sends
// the cues, and says which devices the system covers. It counts the
// receiver's open handles.
type cuedBackend struct {
	*emulator.Backend
	cues    chan transport.Cue
	open    atomic.Int32
	mu      sync.Mutex
	covered map[byte]bool
}

func (b *cuedBackend) Cues(ctx context.Context, info transport.Info) (*transport.Cues, error) {
	return transport.NewCues(b.cues, func(ix byte) bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.covered[ix]
	}), nil
}

func (b *cuedBackend) Open(info transport.Info) (transport.Conn, error) {
	c, err := b.Backend.Open(info)
	if err != nil {
		return nil, err
	}
	b.open.Add(1)
	return &countedConn{Conn: c, open: &b.open}, nil
}

type countedConn struct {
	transport.Conn
	open *atomic.Int32
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}

// quietMonitor runs a Monitor on a cued emulated receiver until the test
// ends.
func quietMonitor(t *testing.T, opts sensors.MonitorOpts, covered ...byte) (*cuedBackend, *sensors.Monitor) {
	t.Helper()
	p, _ := emulator.BuiltinProfile("default")
	b := &cuedBackend{Backend: emulator.NewBackend(p, "test", &emulator.Opts{Second: 10 * time.Millisecond}),
		cues: make(chan transport.Cue), covered: map[byte]bool{}}
	for _, ix := range covered {
		b.covered[ix] = true
	}
	t.Cleanup(b.Receiver.Close)
	opts.Backend = b
	return b, runMonitor(t, opts)
}

// awaitClosed waits until no handle on the receiver is open.
func awaitClosed(t *testing.T, b *cuedBackend, when string) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); b.open.Load() != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%s: the receiver is still open (%d handles)", when, b.open.Load())
		}
	}
}

// TestMonitor_Quiet: where the system announces the devices' changes, the
// monitor reads every figure as it does holding the receiver open, but
// closes the receiver between exchanges: what the devices send then is not
// read (the keystrokes and mouse movements that share the node), and a cue
// brings the figure instead.
func TestMonitor_Quiet(t *testing.T) {
	b, m := quietMonitor(t, sensors.MonitorOpts{}, 1, 2, 3)
	emu := b.Receiver
	await(t, m, "MX Master 3", "80 %", percent(80))
	await(t, m, "M705", "100 %", percent(100))
	await(t, m, "K750", "12 lux", lux(12))
	awaitClosed(t, b, "after the first readings")

	before := emu.TotalRequests()
	emu.SetBattery(1, 30, hidpp.StatusDischarging)
	emu.FloodInput(200)
	time.Sleep(100 * time.Millisecond)
	if s := await(t, m, "MX Master 3", "80 %", percent(80)); s.Battery.Percent != 80 {
		t.Fatal("unreachable")
	}
	if n := emu.TotalRequests() - before; n != 0 {
		t.Errorf("idle and closed, the monitor sent %d requests", n)
	}

	b.cues <- transport.Cue{Index: 1}
	await(t, m, "MX Master 3", "30 % on its cue", percent(30))
	emu.SetBattery(3, 40, hidpp.StatusDischarging)
	b.cues <- transport.Cue{Index: 3}
	await(t, m, "M705", "40 % on its cue", percent(40))
	awaitClosed(t, b, "after the cued reads")

	// The light button: the kernel's cue (when its figure changed) brings
	// a light request and the report it answers with.
	emu.SetLux(2, 700)
	time.Sleep(2100 * time.Millisecond) // within 2 s of a light report a cue only checks the keyboard is there
	b.cues <- transport.Cue{Index: 2}
	await(t, m, "K750", "700 lux on its cue", lux(700))
	awaitClosed(t, b, "after the light report")

	emu.SetOnline(1, false)
	b.cues <- transport.Cue{Index: 1}
	await(t, m, "MX Master 3", "offline on its cue", offline)
	emu.SetOnline(1, true)
	b.cues <- transport.Cue{Index: 1}
	await(t, m, "MX Master 3", "back on its cue", percent(30))

	// Lost cues (the kernel's socket overflowed): every device is read.
	emu.SetBattery(1, 25, hidpp.StatusDischarging)
	emu.SetBattery(3, 35, hidpp.StatusDischarging)
	b.cues <- transport.Cue{}
	await(t, m, "MX Master 3", "25 % after lost cues", percent(25))
	await(t, m, "M705", "35 % after lost cues", percent(35))

	// Unpaired: offline at once.
	b.cues <- transport.Cue{Index: 3, Gone: true}
	await(t, m, "M705", "offline when its node goes", offline)

	// CheckLight holds the receiver open for the report.
	awaitClosed(t, b, "before Check light")
	emu.SetLux(2, 900)
	var k750 string
	for _, s := range m.States() {
		if s.Codename == "K750" {
			k750 = s.ID
		}
	}
	if err := m.CheckLight(context.Background(), k750, 1); err != nil {
		t.Fatal(err)
	}
	await(t, m, "K750", "900 lux on Check light", lux(900))
	// The kernel's cue for the report just heard is its echo: it does not
	// ask for light again, only checks the keyboard is still there.
	asked := emu.Requests()[2]
	b.cues <- transport.Cue{Index: 2}
	time.Sleep(300 * time.Millisecond)
	if n := emu.Requests()[2] - asked; n != 1 {
		t.Errorf("the echo of a light report sent %d requests to the K750, want 1 (a ping)", n)
	}

	// Without the system's word, the monitor holds the receiver and hears
	// the devices itself.
	close(b.cues)
	time.Sleep(100 * time.Millisecond)
	emu.SetBattery(1, 20, hidpp.StatusDischarging)
	await(t, m, "MX Master 3", "20 % heard on the node", percent(20))
	if b.open.Load() != 1 {
		t.Errorf("with no cues the receiver has %d open handles, want 1", b.open.Load())
	}
}

// TestMonitor_QuietUncovered: a device the system does not watch (no
// driver bound, no power supply yet) is polled; once it is covered, its
// cue takes over.
func TestMonitor_QuietUncovered(t *testing.T) {
	b, m := quietMonitor(t, sensors.MonitorOpts{Poll: 50 * time.Millisecond}, 1, 2)
	emu := b.Receiver
	await(t, m, "M705", "100 %", percent(100))
	emu.SetBattery(3, 60, hidpp.StatusDischarging)
	await(t, m, "M705", "60 % by polling", percent(60))

	b.mu.Lock()
	b.covered[3] = true
	b.mu.Unlock()
	b.cues <- transport.Cue{Index: 3}
	time.Sleep(200 * time.Millisecond)
	awaitClosed(t, b, "once every device is covered")
	before := emu.TotalRequests()
	time.Sleep(300 * time.Millisecond) // six poll periods
	if n := emu.TotalRequests() - before; n != 0 {
		t.Errorf("the M705, covered now, was still polled: %d requests", n)
	}
}

// TestMonitor_HoldOpen: told to, the monitor holds a cued receiver open
// and hears its devices' events.
func TestMonitor_HoldOpen(t *testing.T) {
	b, m := quietMonitor(t, sensors.MonitorOpts{HoldOpen: true}, 1, 2, 3)
	await(t, m, "MX Master 3", "80 %", percent(80))
	b.Receiver.SetBattery(1, 45, hidpp.StatusDischarging)
	await(t, m, "MX Master 3", "45 % heard on the node", percent(45))
	if b.open.Load() != 1 {
		t.Errorf("held open: %d handles", b.open.Load())
	}
}
