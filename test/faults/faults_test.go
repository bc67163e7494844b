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

// dev is one device of a family's receiver (or Bluetooth node), as the
// campaign drives it: its slot in the emulator, its identity (by which
// the monitor's states are matched to it: the name shown may be the
// codename until the device has said its own), the name the monitor
// shows, its protocol and where its battery figure comes from.
type dev struct {
	slot      byte
	id        string
	name      string
	protocol  string
	source    string // hidpp.Battery.Source
	solar     bool   // a K750: charge and light from solar events
	noBattery bool   // reports no battery at all
}

// family is a kind of receiver, or Bluetooth devices, with the devices
// the campaign reads through it.
type family struct {
	name    string
	profile string // the emulator's built-in profile
	devices []dev
}

// families are every kind of node Helio reads, each the emulator's
// built-in profile of it (docs/families.md says where its figures come
// from).
var families = []family{
	{name: "Unifying", profile: "default", devices: []dev{
		{1, "4082-1A2B3C4D", "MX Master 3 Wireless Mouse", "4.5", "feature 0x1000", false, false},
		{2, "4002-750C0DE2", "Wireless Solar Keyboard K750", "2.0", "feature 0x4301", true, false},
		{3, "101b-705B0A1D", "M705", "1.0", "register 0x0D", false, false},
	}},
	{name: "Bolt", profile: "bolt", devices: []dev{
		{1, "b378-48548420", "MX Keys S", "4.5", "feature 0x1004", false, false},
		{2, "b034-CD2A6BB7", "MX Master 3S", "4.5", "feature 0x1004", false, false},
		{3, "b365-D1F99582", "Logi POP Keys", "4.5", "feature 0x1004", false, false},
	}},
	{name: "Lightspeed", profile: "lightspeed", devices: []dev{
		{1, "4079-40B217C0", "G Pro Wireless Gaming Mouse", "4.2", "feature 0x1001", false, false},
	}},
	{name: "Nano", profile: "nano", devices: []dev{
		{1, "c534-4075-1", "Wireless Keyboard", "4.5", "feature 0x1000", false, false},
		{2, "c534-4054-2", "Wireless Mouse", "4.5", "", false, true},
	}},
	{name: "Bluetooth", profile: "bluetooth", devices: []dev{
		{1, "4082-198E3EB8", "Wireless Mouse MX Master 3", "4.5", "feature 0x1000", false, false},
		{2, "408a-EC96CD5C", "MX Keys Wireless Keyboard", "4.5", "feature 0x1000", false, false},
	}},
}

// truth is what a device really is, as the emulator holds it.
type truth struct {
	online    bool
	percent   int
	lux       int // solar only
	protocol  string
	name      string
	noBattery bool
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

// check says what in s the emulator never held, or "". sources says where
// each device's battery figure comes from, by identity.
func (g *given) check(s sensors.State, sources map[string]string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var bad []string
	if b := s.Battery; b != nil {
		switch {
		case !b.HasPercent:
			bad = append(bad, fmt.Sprintf("a battery without a percentage: %+v", *b))
		case !g.percent[s.ID][b.Percent]:
			bad = append(bad, fmt.Sprintf("%d %% (given %v)", b.Percent, keys(g.percent[s.ID])))
		}
		if want := sources[s.ID]; b.Source != want {
			bad = append(bad, fmt.Sprintf("a battery read from %s, want %s", b.Source, want))
		}
	}
	if s.Light != nil && !g.lux[s.ID][s.Light.Lux] {
		bad = append(bad, fmt.Sprintf("%d lux (given %v)", s.Light.Lux, keys(g.lux[s.ID])))
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
	g       *given
	sources map[string]string
	mu      sync.Mutex
	n       int
	wrong   []string
}

func (r *recorder) Record(s sensors.State) error {
	bad := r.g.check(s, r.sources)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if bad != "" {
		r.wrong = append(r.wrong, fmt.Sprintf("%s %s: %s", s.ID, s.Name, bad))
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
// has seen a change. With FAULTS_DEBUG set in the environment it also
// prints every record (each HID++ report sent and received) to stderr:
// what a failing fault needs to be understood.
type plugLog struct {
	mu      sync.Mutex
	in, out int
	lost    []string
}

func (h *plugLog) Enabled(context.Context, slog.Level) bool { return true }

func (h *plugLog) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if os.Getenv("FAULTS_DEBUG") != "" {
		var b strings.Builder
		r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
		fmt.Fprintf(os.Stderr, "%s %s %s%s\n", r.Time.Format("15:04:05.000"), r.Level, r.Message, b.String())
	}
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

// world is a Monitor running on an emulated receiver of a family.
type world struct {
	t       *testing.T
	fam     family
	b       *emulator.Backend
	emu     *emulator.Receiver
	m       *sensors.Monitor
	g       *given
	rec     *recorder
	log     *plugLog
	truth   map[byte]truth
	sources map[string]string // battery source by device name
	cancel  context.CancelFunc
	done    chan error
	stop    sync.Once
}

// profile is the family's receiver with a solar keyboard in constant
// light and no drain or gain, so that its charge and lux are only what
// the test sets.
func profile(t *testing.T, f family) *emulator.Profile {
	t.Helper()
	p, err := emulator.BuiltinProfile(f.profile)
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

// start runs a Monitor on a fresh emulated receiver of family f and waits
// for its first readings: the figures of the profile.
func start(t *testing.T, f family) *world {
	t.Helper()
	g := &given{percent: map[string]map[int]bool{}, lux: map[string]map[int]bool{}}
	w := &world{t: t, fam: f, g: g, log: &plugLog{}, done: make(chan error, 1), truth: map[byte]truth{}, sources: map[string]string{}}
	w.rec = &recorder{g: g, sources: w.sources}
	p := profile(t, f)
	w.b = emulator.NewBackend(p, f.profile, &emulator.Opts{Second: 10 * time.Millisecond})
	w.emu = w.b.Receiver
	// Every device starts at a figure the test gives it, whatever its
	// profile says; a solar keyboard in the profile's constant 12 lux.
	for j, d := range f.devices {
		w.sources[d.id] = d.source
		tr := truth{online: true, protocol: d.protocol, name: d.name, noBattery: d.noBattery}
		if !d.noBattery {
			tr.percent = 60 + 5*j
			g.addPercent(d.id, tr.percent)
			must(t, w.emu.SetBattery(d.slot, tr.percent, hidpp.StatusDischarging))
		}
		if d.solar {
			tr.lux = 12
			g.addLux(d.id, tr.lux)
		}
		w.truth[d.slot] = tr
	}
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
// holds them: the j-th device of the family base + 25j %, a solar
// keyboard's light lux, brought in with a button press.
func (w *world) set(base, lux int) {
	w.t.Helper()
	for _, d := range w.fam.devices {
		must(w.t, w.emu.SetOnline(d.slot, true))
	}
	for j, d := range w.fam.devices {
		tr := w.truth[d.slot]
		tr.online = true
		if !d.noBattery {
			tr.percent = min(base+25*j, 100)
			w.g.addPercent(d.id, tr.percent)
			if d.solar {
				tr.lux = lux
				w.g.addLux(d.id, lux)
				must(w.t, w.emu.SetLux(d.slot, lux))
			}
			must(w.t, w.emu.SetBattery(d.slot, tr.percent, hidpp.StatusDischarging))
			if d.solar {
				must(w.t, w.emu.PressLightButton(d.slot))
			}
		}
		w.truth[d.slot] = tr
	}
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
	switch b := s.Battery; {
	case tr.noBattery:
		if b != nil || !s.NoBattery {
			d = append(d, fmt.Sprintf("battery %+v, no battery %v; want none", b, s.NoBattery))
		}
	case b == nil || !b.HasPercent || b.Percent != tr.percent:
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
			seen[s.ID] = true
			for _, dv := range w.fam.devices {
				if dv.id == s.ID {
					if d := mismatch(s, w.truth[dv.slot]); d != "" {
						diff = append(diff, s.ID+" "+s.Name+": "+d)
					}
				}
			}
		}
		for _, dv := range w.fam.devices {
			if !seen[dv.id] {
				diff = append(diff, dv.id+" "+dv.name+": not seen")
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
			var shown []string
			for _, s := range w.m.States() {
				shown = append(shown, fmt.Sprintf("%s %q online %v on %s", s.ID, s.Name, s.Online, s.Receiver.Path))
			}
			w.t.Fatalf("%s: the monitor does not show the true state after 5 s:\n\t%s\nreceivers lost: %q\nshown:\n\t%s",
				when, strings.Join(diff, "\n\t"), lost, strings.Join(shown, "\n\t"))
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
		if bad := w.g.check(s, w.sources); bad != "" {
			wrong = append(wrong, "shown "+s.ID+" "+s.Name+": "+bad)
		}
	}
	if len(wrong) > 0 {
		w.t.Fatalf("%s: figures the emulator never held:\n\t%s", when, strings.Join(wrong, "\n\t"))
	}
}

// stir makes the monitor talk while a fault is on: each device leaves and
// comes back (the monitor reads it again: ping, name, battery), and a
// solar keyboard's light button asks for a light report.
func (w *world) stir() {
	w.t.Helper()
	for _, d := range w.fam.devices {
		must(w.t, w.emu.SetOnline(d.slot, false))
		must(w.t, w.emu.SetOnline(d.slot, true))
		if d.solar {
			must(w.t, w.emu.PressLightButton(d.slot))
		}
	}
}

// replug pulls the receiver out and puts it back, waiting after each
// step until the monitor has been told.
func (w *world) replug() {
	w.t.Helper()
	// A receiver is one node; each Bluetooth device is a node of its
	// own, and the monitor is told of each: waiting for one would let
	// the next pull-out come while the others are still being told.
	nodes := 1
	if w.emu.Bluetooth() {
		nodes = len(w.fam.devices)
	}
	in, out := w.log.counts()
	w.emu.Unplug()
	w.awaitPlugLog(in, out+nodes)
	w.emu.Replug()
	w.awaitPlugLog(in+nodes, out+nodes)
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
// since the last ResetRequests, so a fault has traffic to act on. A
// family with one or two devices gives less traffic for one stir than the
// Unifying receiver's three (and a warm monitor asks a device back online
// once, nothing more), so the devices are stirred again while the count
// is short.
func (w *world) awaitRequests(n int) {
	w.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	next := time.Now().Add(300 * time.Millisecond)
	for w.emu.TotalRequests() < n {
		if time.Now().After(deadline) {
			w.t.Fatalf("the monitor made %d requests in 5 s, want %d", w.emu.TotalRequests(), n)
		}
		if time.Now().After(next) {
			w.stir()
			next = time.Now().Add(300 * time.Millisecond)
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
			for _, d := range w.fam.devices {
				must(w.t, w.emu.DisconnectMidRequest(d.slot))
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
			// on a Unifying receiver 0xB5 0x03, 0xF1 x3, 0x00, 0x02, then
			// 0xB5 0x20, 0x30, 0x40 for slot 1 and 0xB5 0x21 for slot 2,
			// the 10th; on the other families another request of the
			// listing, and on Bluetooth a device's. Every reply
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
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			for i, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					base := runtime.NumGoroutine()
					w := start(t, f)
					w.emu.ResetRequests()
					clear := tt.fault(w)
					if tt.during != nil {
						tt.during(w)
					}
					w.running()
					if clear != nil {
						clear()
					}
					w.set(10+i, 300+10*i)
					w.awaitTruth("after the fault")
					// Once more, to be sure the monitor follows events again.
					w.set(20+i, 500+10*i)
					w.awaitTruth("after the fault, second change")
					n, _ := w.rec.result()
					w.close()
					after := goroutines(t, base)
					t.Logf("%d requests, %d states recorded; goroutines %d before, %d after", w.emu.TotalRequests(), n, base, after)
				})
			}
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
	for _, f := range families {
		for _, tc := range []struct {
			name  string
			paced bool
		}{
			{"paced", true},
			{"back to back", false},
		} {
			t.Run(f.name+"/"+tc.name, func(t *testing.T) {
				base := runtime.NumGoroutine()
				w := start(t, f)
				w.set(15, 250)
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
				w.set(16, 260)
				w.awaitTruth("after 100 replugs, new figures")
				w.set(17, 270)
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
}
