package faults_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
)

// Slots and codenames of the built-in profile's devices.
const (
	mx   = 1 // MX Master 3: HID++ 4.5, battery 0x1000
	k750 = 2 // K750: HID++ 2.0, solar dashboard 0x4301
	m705 = 3 // M705: HID++ 1.0, register 0x0D
)

var codenames = map[byte]string{mx: "MX Master 3", k750: "K750", m705: "M705"}

// sources is where each device's battery figure comes from.
var sources = map[string]string{"MX Master 3": "feature 0x1000", "K750": "feature 0x4301", "M705": "register 0x0D"}

// truth is what a device really is, as the emulator holds it.
type truth struct {
	online   bool
	percent  int
	lux      int // solar only
	protocol string
	name     string
}

// given is every figure the emulator was given, per device: the monitor may
// show one of them, late perhaps, but never anything else.
type given struct {
	mu      sync.Mutex
	percent map[string]map[int]bool
	lux     map[string]map[int]bool
}

func (g *given) addPercent(dev string, p int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.percent[dev] == nil {
		g.percent[dev] = map[int]bool{}
	}
	g.percent[dev][p] = true
}

func (g *given) addLux(dev string, l int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.lux[dev] == nil {
		g.lux[dev] = map[int]bool{}
	}
	g.lux[dev][l] = true
}

// check says what in s the emulator never held, or "".
func (g *given) check(s sensors.State) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var bad []string
	if b := s.Battery; b != nil {
		switch {
		case !b.HasPercent:
			bad = append(bad, fmt.Sprintf("a battery without a percentage: %+v", *b))
		case !g.percent[s.Codename][b.Percent]:
			bad = append(bad, fmt.Sprintf("%d %% (given %v)", b.Percent, keys(g.percent[s.Codename])))
		}
		if want := sources[s.Codename]; b.Source != want {
			bad = append(bad, fmt.Sprintf("a battery read from %s, want %s", b.Source, want))
		}
	}
	if s.Light != nil && !g.lux[s.Codename][s.Light.Lux] {
		bad = append(bad, fmt.Sprintf("%d lux (given %v)", s.Light.Lux, keys(g.lux[s.Codename])))
	}
	return strings.Join(bad, ", ")
}

func keys(m map[int]bool) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// recorder is a sensors.Recorder that checks every state it is given
// against the figures the emulator held, and keeps those it never held.
type recorder struct {
	g     *given
	mu    sync.Mutex
	n     int
	wrong []string
}

func (r *recorder) Record(s sensors.State) error {
	bad := r.g.check(s)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if bad != "" {
		r.wrong = append(r.wrong, fmt.Sprintf("%s: %s", s.Codename, bad))
	}
	return nil
}

func (r *recorder) result() (n int, wrong []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n, slices.Clone(r.wrong)
}

// plugLog is a slog.Handler that counts the monitor's "receiver plugged
// in" and "receiver pulled out" messages, so a test knows when the monitor
// has seen a change.
type plugLog struct {
	mu      sync.Mutex
	in, out int
	lost    []string
}

func (h *plugLog) Enabled(context.Context, slog.Level) bool { return true }

func (h *plugLog) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch r.Message {
	case "receiver plugged in":
		h.in++
	case "receiver pulled out":
		h.out++
	case "receiver lost":
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "err" {
				h.lost = append(h.lost, a.Value.String())
			}
			return true
		})
	}
	return nil
}

func (h *plugLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *plugLog) WithGroup(string) slog.Handler      { return h }

func (h *plugLog) counts() (in, out int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.in, h.out
}

// world is a Monitor running on an emulated receiver.
type world struct {
	t      *testing.T
	b      *emulator.Backend
	emu    *emulator.Receiver
	m      *sensors.Monitor
	g      *given
	rec    *recorder
	log    *plugLog
	truth  map[byte]truth
	cancel context.CancelFunc
	done   chan error
	stop   sync.Once
}

// profile is the built-in receiver with the K750 in constant light and no
// drain or gain, so that its charge and lux are only what the test sets.
func profile(t *testing.T) *emulator.Profile {
	t.Helper()
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	zero, lux := 0.0, 12
	for i := range p.Devices {
		if s := p.Devices[i].Solar; s != nil {
			s.Lux, s.Day, s.Drain, s.Gain = &lux, nil, &zero, &zero
		}
	}
	return p
}

// start runs a Monitor on a fresh emulated receiver and waits for its first
// readings: MX 80 %, K750 57 % in 12 lux, M705 100 %.
func start(t *testing.T) *world {
	t.Helper()
	g := &given{percent: map[string]map[int]bool{}, lux: map[string]map[int]bool{}}
	w := &world{t: t, g: g, rec: &recorder{g: g}, log: &plugLog{}, done: make(chan error, 1), truth: map[byte]truth{
		mx:   {online: true, percent: 80, protocol: "4.5", name: "MX Master 3 Wireless Mouse"},
		k750: {online: true, percent: 57, lux: 12, protocol: "2.0", name: "Wireless Solar Keyboard K750"},
		m705: {online: true, percent: 100, protocol: "1.0", name: "M705"},
	}}
	for ix, tr := range w.truth {
		g.addPercent(codenames[ix], tr.percent)
		if ix == k750 {
			g.addLux(codenames[ix], tr.lux)
		}
	}
	w.b = emulator.NewBackend(profile(t), "faults", &emulator.Opts{Second: 10 * time.Millisecond})
	w.emu = w.b.Receiver
	w.m = sensors.NewMonitor(sensors.MonitorOpts{
		Backend:       w.b,
		DeviceTimeout: 200 * time.Millisecond,
		LightInterval: 100 * time.Millisecond, // requests keep flowing during a fault
		Poll:          100 * time.Millisecond,
		PollMax:       400 * time.Millisecond,
		Recorder:      w.rec,
		Logger:        slog.New(w.log),
	})
	var ctx context.Context
	ctx, w.cancel = context.WithCancel(context.Background())
	go func() { w.done <- w.m.Run(ctx) }()
	t.Cleanup(w.close)
	w.awaitTruth("first readings")
	return w
}

// close stops the monitor and the emulator; Run must return nil soon.
func (w *world) close() {
	w.stop.Do(func() {
		w.cancel()
		select {
		case err := <-w.done:
			if err != nil {
				w.t.Errorf("Run = %v, want nil after cancel", err)
			}
		case <-time.After(5 * time.Second):
			w.t.Error("Run did not return within 5 s of cancel")
		}
		w.emu.Close()
	})
}

// running fails the test if Run returned.
func (w *world) running() {
	w.t.Helper()
	select {
	case err := <-w.done:
		w.done <- err
		w.t.Fatalf("Run returned during the fault: %v", err)
	default:
	}
}

// set gives the devices new figures, recorded as given before the emulator
// holds them, and brings the K750's light in with a button press.
func (w *world) set(mxPercent, k750Percent, k750Lux, m705Percent int) {
	w.t.Helper()
	g := w.g
	g.addPercent(codenames[mx], mxPercent)
	g.addPercent(codenames[k750], k750Percent)
	g.addLux(codenames[k750], k750Lux)
	g.addPercent(codenames[m705], m705Percent)
	for ix := range w.truth {
		if err := w.emu.SetOnline(ix, true); err != nil {
			w.t.Fatal(err)
		}
	}
	must(w.t, w.emu.SetLux(k750, k750Lux))
	must(w.t, w.emu.SetBattery(mx, mxPercent, hidpp.StatusDischarging))
	must(w.t, w.emu.SetBattery(k750, k750Percent, hidpp.StatusDischarging))
	must(w.t, w.emu.SetBattery(m705, m705Percent, hidpp.StatusDischarging))
	must(w.t, w.emu.PressLightButton(k750))
	w.truth[mx] = truth{true, mxPercent, 0, "4.5", "MX Master 3 Wireless Mouse"}
	w.truth[k750] = truth{true, k750Percent, k750Lux, "2.0", "Wireless Solar Keyboard K750"}
	w.truth[m705] = truth{true, m705Percent, 0, "1.0", "M705"}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mismatch says how s differs from the device's truth, or "".
func mismatch(s sensors.State, tr truth) string {
	var d []string
	if s.Online != tr.online {
		d = append(d, fmt.Sprintf("online %v, want %v", s.Online, tr.online))
	}
	if !tr.online {
		return strings.Join(d, "; ")
	}
	if b := s.Battery; b == nil || !b.HasPercent || b.Percent != tr.percent {
		d = append(d, fmt.Sprintf("battery %+v, want %d %%", b, tr.percent))
	}
	if tr.lux != 0 && (s.Light == nil || s.Light.Lux != tr.lux) {
		d = append(d, fmt.Sprintf("light %+v, want %d lux", s.Light, tr.lux))
	}
	if s.Protocol != tr.protocol || s.Name != tr.name {
		d = append(d, fmt.Sprintf("%q HID++ %s, want %q HID++ %s", s.Name, s.Protocol, tr.name, tr.protocol))
	}
	if s.Err != nil {
		d = append(d, fmt.Sprintf("error %v", s.Err))
	}
	return strings.Join(d, "; ")
}

// awaitTruth polls the monitor until every device shows its true state,
// then checks that nothing it ever recorded or shows is a figure the
// emulator did not hold.
func (w *world) awaitTruth(when string) {
	w.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var diff []string
		seen := map[string]bool{}
		for _, s := range w.m.States() {
			seen[s.Codename] = true
			for ix, name := range codenames {
				if name == s.Codename {
					if d := mismatch(s, w.truth[ix]); d != "" {
						diff = append(diff, s.Codename+": "+d)
					}
				}
			}
		}
		for _, name := range codenames {
			if !seen[name] {
				diff = append(diff, name+": not seen")
			}
		}
		if len(diff) == 0 {
			break
		}
		if time.Now().After(deadline) {
			slices.Sort(diff)
			w.log.mu.Lock()
			lost := slices.Clone(w.log.lost)
			w.log.mu.Unlock()
			w.t.Fatalf("%s: the monitor does not show the true state after 5 s:\n\t%s\nreceivers lost: %q",
				when, strings.Join(diff, "\n\t"), lost)
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.running()
	w.checkFigures(when)
}

// checkFigures fails if the monitor recorded or shows a figure the
// emulator never held.
func (w *world) checkFigures(when string) {
	w.t.Helper()
	_, wrong := w.rec.result()
	for _, s := range w.m.States() {
		if bad := w.g.check(s); bad != "" {
			wrong = append(wrong, "shown "+s.Codename+": "+bad)
		}
	}
	if len(wrong) > 0 {
		w.t.Fatalf("%s: figures the emulator never held:\n\t%s", when, strings.Join(wrong, "\n\t"))
	}
}

// stir makes the monitor talk while a fault is on: each device leaves and
// comes back (the monitor reads it again: ping, name, battery), and the
// K750's light button asks for a light report.
func (w *world) stir() {
	w.t.Helper()
	for _, ix := range []byte{mx, k750, m705} {
		must(w.t, w.emu.SetOnline(ix, false))
		must(w.t, w.emu.SetOnline(ix, true))
	}
	must(w.t, w.emu.PressLightButton(k750))
}

// replug pulls the receiver out and puts it back, waiting after each
// step until the monitor has been told.
func (w *world) replug() {
	w.t.Helper()
	in, out := w.log.counts()
	w.emu.Unplug()
	w.awaitPlugLog(in, out+1)
	w.emu.Replug()
	w.awaitPlugLog(in+1, out+1)
}

func (w *world) awaitPlugLog(in, out int) {
	w.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		gotIn, gotOut := w.log.counts()
		if gotIn >= in && gotOut >= out {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("the monitor saw %d plug-ins and %d pull-outs in 5 s, want %d and %d", gotIn, gotOut, in, out)
		}
		time.Sleep(time.Millisecond)
	}
}

// awaitRequests waits until the emulator has been asked n more things
// since the last ResetRequests, so a fault has traffic to act on.
func (w *world) awaitRequests(n int) {
	w.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for w.emu.TotalRequests() < n {
		if time.Now().After(deadline) {
			w.t.Fatalf("the monitor made %d requests in 5 s, want %d", w.emu.TotalRequests(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// goroutines waits for the goroutine count to come back to at most base,
// and returns it.
func goroutines(t *testing.T, base int) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return n
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines 5 s after the monitor stopped, %d before it started:\n%s", n, base, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count file descriptors: %v", err)
	}
	return len(ents)
}

// garbage returns n reports that no HID++ reader may take for a reading:
// random bytes of random lengths (a HID++ report ID never with its right
// length), HID++ reports cut short or too long, and well-framed events
// with impossible contents.
func garbage(rng *rand.Rand, n int) [][]byte {
	hexes := []string{
		// solar light report of 500 lux without the GOOD marker
		"11 02 09 10 39 01 f4 06 1d 00 00 00 00 00 00 00 00 00 00 00",
		// solar light report at 200 %, GOOD marker and all
		"11 02 09 10 c8 01 f4 06 1d 47 4f 4f 44 00 00 00 00 00 00 00",
		// solar battery broadcast with a marker that is nearly GOOD
		"11 02 09 00 21 00 00 06 1d 47 4f 4f 45 00 00 00 00 00 00 00",
		// 0x1000 battery event at 200 %
		"11 01 05 00 c8 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
		// 0x1000 battery event with an unknown status byte
		"11 01 05 00 21 14 09 00 00 00 00 00 00 00 00 00 00 00 00 00",
		// register 0x0D event at 200 %
		"10 03 0d c8 47 30 00",
		// register 0x07 event with an unknown level
		"10 03 07 09 00 00 00",
	}
	var fixed [][]byte
	for _, h := range hexes {
		b, err := hidpp.DecodeHex(h)
		if err != nil {
			panic(err)
		}
		fixed = append(fixed, b)
	}
	// HID++-looking reports with the wrong length: a real battery event
	// of 33 % cut short or run long.
	short := []byte{0x10, 0x03, 0x0d, 0x21, 0x47, 0x30, 0x00}
	long := append([]byte{0x11, 0x01, 0x05, 0x00, 0x21, 0x14}, make([]byte, 14)...)
	solar := append([]byte{0x11, 0x02, 0x09, 0x10, 0x21, 0x02, 0x2b, 0x06, 0x1d, 'G', 'O', 'O', 'D'}, make([]byte, 7)...)
	var out [][]byte
	for range n {
		switch rng.IntN(4) {
		case 0:
			out = append(out, fixed[rng.IntN(len(fixed))])
		case 1:
			src := [][]byte{short, long, solar}[rng.IntN(3)]
			l := rng.IntN(hidpp.MaxLen) + 1
			for l == len(src) || src[0] == hidpp.ShortID && l == hidpp.ShortLen || src[0] == hidpp.LongID && l == hidpp.LongLen {
				l = rng.IntN(hidpp.MaxLen) + 1
			}
			b := make([]byte, l)
			copy(b, src)
			out = append(out, b)
		default:
			l := rng.IntN(hidpp.MaxLen) + 1
			b := make([]byte, l)
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
			switch {
			case b[0] == hidpp.ShortID && l == hidpp.ShortLen,
				b[0] == hidpp.LongID && l == hidpp.LongLen,
				b[0] == hidpp.VeryLongID && l >= hidpp.VeryLongMinLen:
				b[0] = 0x42 // a well-framed report is not garbage
			}
			out = append(out, b)
		}
	}
	return out
}

// TestMonitor_Faults runs the monitor through each fault: inject it, make
// the monitor talk, clear it, give the devices new figures and check that
// the monitor shows them, never showed anything else, and left no
// goroutine behind.
func TestMonitor_Faults(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("garbage seed %d", seed)
	tests := []struct {
		name string
		// fault is injected while the monitor runs; it returns what clears
		// it (nil: the fault ends by itself).
		fault func(w *world) (clear func())
		// during, if set, checks the true state while the fault holds.
		during func(w *world)
	}{
		{name: "replies dropped", fault: func(w *world) func() {
			w.emu.DropReplies(4)
			w.stir()
			w.awaitRequests(6)
			return func() { w.emu.DropReplies(0) }
		}},
		{name: "every reply dropped for a while", fault: func(w *world) func() {
			w.emu.DropReplies(1 << 30)
			w.stir()
			w.awaitRequests(8)
			return func() { w.emu.DropReplies(0) }
		}},
		{name: "replies delayed past the timeout", fault: func(w *world) func() {
			w.emu.DelayReplies(4, 300*time.Millisecond)
			w.stir()
			w.awaitRequests(6)
			return func() {
				w.emu.DelayReplies(0, 0)
				time.Sleep(350 * time.Millisecond) // the late replies arrive, as stale ones
			}
		}},
		{name: "replies delayed within the timeout", fault: func(w *world) func() {
			w.emu.DelayReplies(1<<30, 30*time.Millisecond)
			w.stir()
			w.awaitRequests(8)
			return func() { w.emu.DelayReplies(0, 0) }
		}},
		{name: "replies duplicated", fault: func(w *world) func() {
			w.emu.DuplicateReplies(1 << 30)
			w.stir()
			w.awaitRequests(8)
			return func() { w.emu.DuplicateReplies(0) }
		}},
		{name: "wrong software ID", fault: func(w *world) func() {
			w.emu.MisaddressReplies(4, emulator.WrongSoftwareID)
			w.stir()
			w.awaitRequests(6)
			return func() { w.emu.MisaddressReplies(0, 0) }
		}},
		{name: "wrong device index", fault: func(w *world) func() {
			w.emu.MisaddressReplies(4, emulator.WrongDevice)
			w.stir()
			w.awaitRequests(6)
			return func() { w.emu.MisaddressReplies(0, 0) }
		}},
		{name: "wrong software ID and device index", fault: func(w *world) func() {
			w.emu.MisaddressReplies(1<<30, emulator.WrongSoftwareID|emulator.WrongDevice)
			w.stir()
			w.awaitRequests(8)
			return func() { w.emu.MisaddressReplies(0, 0) }
		}},
		{name: "device disconnects mid-request", fault: func(w *world) func() {
			// Each device is taken away by the next request to it: the
			// refresh after it comes back, or the light request.
			for _, ix := range []byte{mx, k750, m705} {
				must(w.t, w.emu.DisconnectMidRequest(ix))
			}
			w.stir()
			return nil
		}, during: func(w *world) {
			for ix := range w.truth {
				tr := w.truth[ix]
				tr.online = false
				w.truth[ix] = tr
			}
			w.awaitTruth("devices gone mid-request")
		}},
		{name: "receiver replugged during the faults", fault: func(w *world) func() {
			// The monitor opens the receiver again and lists its devices
			// while replies are late or doubled.
			w.emu.DelayReplies(1<<30, 20*time.Millisecond)
			w.emu.DuplicateReplies(1 << 30)
			w.replug()
			w.awaitRequests(10)
			return func() { w.emu.DelayReplies(0, 0); w.emu.DuplicateReplies(0) }
		}},
		{name: "reply dropped while the receiver opens", fault: func(w *world) func() {
			w.emu.DropReplies(1) // the first request after the replug: 0xB5 0x03
			w.replug()
			w.awaitRequests(1)
			return func() { w.emu.DropReplies(0) }
		}},
		{name: "reply dropped while the devices are listed", fault: func(w *world) func() {
			// After a replug the monitor asks the receiver, one at a time:
			// 0xB5 0x03, 0xF1 x3, 0x00, 0x02, then 0xB5 0x20, 0x30, 0x40
			// for slot 1 and 0xB5 0x21 for slot 2, the 10th. Every reply
			// is late, so the drop set after the 9th request is made
			// lands on the 10th.
			w.emu.DelayReplies(1<<30, 30*time.Millisecond)
			w.replug()
			w.awaitRequests(9)
			w.emu.DropReplies(1)
			w.awaitRequests(10)
			w.emu.DelayReplies(0, 0)
			return func() { w.emu.DropReplies(0) }
		}},
		{name: "garbage flood", fault: func(w *world) func() {
			rng := rand.New(rand.NewPCG(seed, 1))
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					for _, b := range garbage(rng, 20) {
						w.emu.InjectRaw(b)
					}
					select {
					case <-stop:
						return
					case <-time.After(time.Millisecond):
					}
				}
			}()
			w.stir()
			w.awaitRequests(8)
			return func() { close(stop); wg.Wait() }
		}},
		{name: "garbage flood with faults", fault: func(w *world) func() {
			rng := rand.New(rand.NewPCG(seed, 2))
			for _, b := range garbage(rng, 2000) {
				w.emu.InjectRaw(b)
			}
			w.emu.DropReplies(2)
			w.emu.DuplicateReplies(3)
			w.stir()
			w.awaitRequests(6)
			for _, b := range garbage(rng, 2000) {
				w.emu.InjectRaw(b)
			}
			return func() { w.emu.DropReplies(0); w.emu.DuplicateReplies(0) }
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := runtime.NumGoroutine()
			w := start(t)
			w.emu.ResetRequests()
			clear := tt.fault(w)
			if tt.during != nil {
				tt.during(w)
			}
			w.running()
			if clear != nil {
				clear()
			}
			w.set(10+i, 30+i, 300+10*i, 60+i)
			w.awaitTruth("after the fault")
			// Once more, to be sure the monitor follows events again.
			w.set(20+i, 40+i, 500+10*i, 80+i)
			w.awaitTruth("after the fault, second change")
			n, _ := w.rec.result()
			w.close()
			after := goroutines(t, base)
			t.Logf("%d requests, %d states recorded; goroutines %d before, %d after", w.emu.TotalRequests(), n, base, after)
		})
	}
}

// TestMonitor_Replug100 pulls the receiver out and puts it back 100 times
// in a row while the monitor watches the backend: the monitor must keep
// running, show the devices as they are, and hold no more goroutines or
// file descriptors than before. "paced" waits until the monitor is told of
// each change (it may still be opening the receiver when it is pulled out
// again); "back to back" does not wait at all.
func TestMonitor_Replug100(t *testing.T) {
	for _, tc := range []struct {
		name  string
		paced bool
	}{
		{"paced", true},
		{"back to back", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := runtime.NumGoroutine()
			w := start(t)
			w.set(15, 35, 250, 65)
			w.awaitTruth("before the replugs")
			fds := openFDs(t)
			goBefore := runtime.NumGoroutine()
			for range 100 {
				if tc.paced {
					w.replug()
				} else {
					w.emu.Unplug()
					w.emu.Replug()
				}
			}
			w.running()
			w.awaitTruth("after 100 replugs")
			w.set(16, 36, 260, 66)
			w.awaitTruth("after 100 replugs, new figures")
			w.set(17, 37, 270, 67)
			w.awaitTruth("after 100 replugs, newer figures")
			fdsAfter := openFDs(t)
			goAfter := runtime.NumGoroutine()
			if fdsAfter > fds {
				t.Errorf("%d file descriptors open after 100 replugs, %d before", fdsAfter, fds)
			}
			n, _ := w.rec.result()
			in, out := w.log.counts()
			w.close()
			settled := goroutines(t, base)
			t.Logf("monitor told of %d plug-ins, %d pull-outs; file descriptors %d before the replugs, %d after; "+
				"goroutines %d before the monitor, %d with it before the replugs, %d after, %d once it stopped; %d states recorded",
				in, out, fds, fdsAfter, base, goBefore, goAfter, settled, n)
		})
	}
}
