// Package vm checks Helio against the real Linux kernel. Its tests run
// inside the rig's VM (test/rig/vm.sh, started by "make vmtest"; the
// harness is package rig): the emulated receiver is plugged in through
// /dev/uhid, the kernel's hid-logitech-dj and hid-logitech-hidpp bind to it,
// and Helio reads it over real hidraw nodes. The kernel's power supplies and
// Debian's Solaar are the oracles: they were written by other people, so a
// mismatch is a bug in the emulator or Helio. It is also the one place
// where a real hidraw node and a real USB stack exist, so the transport
// conformance test runs here on the hidraw and hidapi backends, and, with
// the emulated receiver on a USB gadget (usb_test.go), on libusb.
//
// Outside the VM the tests do not run: they create real devices, which
// must not happen on a developer's desktop.
package vm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/proctest"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/test/rig"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/hidapi"
	"github.com/helio-linux/helio/transport/hidraw"
	"github.com/helio-linux/helio/transport/transporttest"
	"github.com/helio-linux/helio/unifying"
)

func TestMain(m *testing.M) { rig.Main(m) }

// runHelio runs the helio binary with a private cache directory.
func runHelio(t *testing.T, cache string, args ...string) ([]byte, time.Duration, error) {
	t.Helper()
	cmd := rig.HelioCmd(cache, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	out, err := cmd.Output()
	d := time.Since(t0)
	if err != nil {
		err = fmt.Errorf("helio %v: %w: %s", args, err, stderr.String())
	}
	return out, d, err
}

// k750Read waits for the kernel's first reading of the K750: it asked for
// one light report at probe, and its power supply holds 0 until that
// report arrives a second later.
func k750Read(t *testing.T) {
	t.Helper()
	rig.WaitFor(t, 5*time.Second, "the kernel's K750 reading", func() bool {
		s, _ := rig.PowerSupply(0x4002)
		return s.Capacity == 57
	})
}

// TestQuery_Hidraw is the main path: helio query over the real hidraw
// nodes, checked against the kernel's own power supplies.
func TestQuery_Hidraw(t *testing.T) {
	pl := rig.Plug(t, nil)
	k750Read(t)
	checkQuery(t, pl, "hidraw")
}

// TestQuery_HIDAPI is the same through the hidapi backend (go-hid, cgo).
func TestQuery_HIDAPI(t *testing.T) {
	pl := rig.Plug(t, nil)
	k750Read(t)
	checkQuery(t, pl, "hidapi")
}

func checkQuery(t *testing.T, pl *rig.Plugged, backend string) {
	cache := t.TempDir()
	emu := pl.Emus[0]
	emu.ResetRequests()
	out, cold, err := runHelio(t, cache, "--backend", backend, "query", "--json")
	if err != nil {
		t.Fatal(err)
	}
	coldRequests := emu.TotalRequests()
	q := rig.ParseQuery(t, out)
	if len(q.Receivers) != 1 || q.Receivers[0].PID != "c52b" || q.Receivers[0].Path != pl.Infos[0].Path {
		t.Fatalf("receivers = %+v, want the c52b on %s", q.Receivers, pl.Infos[0].Path)
	}
	want := map[string]struct {
		percent int
		proto   string
		lux     int
	}{
		"4082": {80, "4.5", -1}, "4002": {57, "2.0", 12}, "101b": {100, "1.0", -1},
	}
	for _, d := range q.Receivers[0].Devices {
		w, ok := want[d.WPID]
		if !ok || !d.Online || d.Battery == nil || d.Protocol == nil {
			t.Errorf("device %+v", d)
			continue
		}
		got := d.Percent()
		if got != w.percent || *d.Protocol != w.proto {
			t.Errorf("%s (%s): %d %%, HID++ %s; want %d %%, %s", d.Name, d.WPID, got, *d.Protocol, w.percent, w.proto)
		}
		lux := -1
		if d.Light != nil {
			lux = d.Light.Lux
		}
		if lux != w.lux {
			t.Errorf("%s: %d lux, want %d", d.Name, lux, w.lux)
		}
		wpid, _ := strconv.ParseUint(d.WPID, 16, 16)
		ps, ok := rig.PowerSupply(uint16(wpid))
		switch {
		case !ok:
			t.Errorf("%s: the kernel has no power supply for it", d.Name)
		case ps.Capacity != got:
			t.Errorf("%s: Helio reads %d %%, the kernel's %s says %d %%", d.Name, got, ps.Name, ps.Capacity)
		}
	}
	emu.ResetRequests()
	_, warm, err := runHelio(t, cache, "--backend", backend, "query", "--json")
	if err != nil {
		t.Fatal(err)
	}
	rig.Metric(backend+"_query_cold_ms", cold.Milliseconds())
	rig.Metric(backend+"_query_warm_ms", warm.Milliseconds())
	rig.Metric(backend+"_requests_cold", coldRequests)
	rig.Metric(backend+"_requests_warm", emu.TotalRequests())
	// The K750's reading alone: from process start to its figures on stdout.
	_, k750, err := runHelio(t, cache, "--backend", backend, "query", "K750")
	if err != nil {
		t.Fatal(err)
	}
	rig.Metric(backend+"_k750_first_reading_ms", k750.Milliseconds())
}

// TestSolaar runs Debian's "solaar show" against the same receiver: it must
// list the same devices with the same batteries (where it can read one: it
// cannot read the K750's, whose charge comes only in solar events).
func TestSolaar(t *testing.T) {
	show := rig.SolaarCmd(t, "show")
	pl := rig.Plug(t, nil)
	k750Read(t)
	out, _, err := runHelio(t, t.TempDir(), "query", "--json")
	if err != nil {
		t.Fatal(err)
	}
	q := rig.ParseQuery(t, out)
	pl.Emus[0].ResetRequests()
	t0 := time.Now()
	shown, err := show.CombinedOutput()
	if err != nil {
		t.Fatalf("solaar show: %v\n%s", err, shown)
	}
	rig.Metric("solaar_show_ms", time.Since(t0).Milliseconds())
	rig.Metric("solaar_requests", pl.Emus[0].TotalRequests())
	devices := parseSolaar(string(shown))
	if len(devices) != 3 {
		t.Fatalf("solaar lists %d devices, want 3:\n%s", len(devices), shown)
	}
	for _, d := range q.Receivers[0].Devices {
		s, ok := devices[strings.ToUpper(d.WPID)]
		if !ok {
			t.Errorf("solaar does not list %s (%s)", d.Name, d.WPID)
			continue
		}
		if s < 0 {
			t.Logf("solaar cannot read the battery of %s; Helio reads %d %%", d.Name, d.Percent())
			continue
		}
		if got := d.Percent(); got != s {
			t.Errorf("%s: Helio reads %d %%, solaar %d %%", d.Name, got, s)
		}
	}
}

// parseSolaar maps WPID to the battery percentage "solaar show" prints, -1
// for "Battery status unavailable".
func parseSolaar(show string) map[string]int {
	out := map[string]int{}
	var wpid string
	sc := bufio.NewScanner(strings.NewReader(show))
	reW := regexp.MustCompile(`WPID\s*:\s*([0-9A-F]{4})`)
	reB := regexp.MustCompile(`Battery: (\d+)%`)
	for sc.Scan() {
		line := sc.Text()
		if m := reW.FindStringSubmatch(line); m != nil {
			wpid = m[1]
			out[wpid] = -1
		}
		if m := reB.FindStringSubmatch(line); m != nil && wpid != "" {
			out[wpid], _ = strconv.Atoi(m[1])
		}
	}
	return out
}

// open opens the receiver as Helio does, over hidraw, in this process.
func open(t *testing.T, info transport.Info) (*hidpp.Conn, *unifying.Receiver, []*unifying.Device) {
	t.Helper()
	tc, err := hidraw.Backend{}.Open(info)
	if err != nil {
		t.Fatal(err)
	}
	c := hidpp.NewConn(tc, nil)
	t.Cleanup(func() { c.Close() })
	r, err := unifying.Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	devs, err := r.Devices(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, r, devs
}

// TestOutOfRange takes the K750 out of range and brings it back: Helio sees
// both through the receiver's 0x41 notifications, and so does the kernel.
func TestOutOfRange(t *testing.T) {
	pl := rig.Plug(t, nil)
	emu := pl.Emus[0]
	c, r, devs := open(t, pl.Infos[0])
	if err := r.EnableNotifications(context.Background()); err != nil {
		t.Fatal(err)
	}
	events, cancel := c.Subscribe()
	defer cancel()
	next := func() unifying.Change {
		t.Helper()
		timeout := time.After(5 * time.Second)
		for {
			select {
			case rep := <-events:
				if ch, ok := r.Track(&rep); ok {
					return ch
				}
			case <-timeout:
				t.Fatal("no connection notification")
			}
		}
	}
	k750 := devs[1]
	emu.SetOnline(2, false)
	if ch := next(); ch.Kind != unifying.Disconnected || ch.Device != k750 || k750.Online() {
		t.Errorf("out of range: %+v", ch)
	}
	rig.WaitFor(t, 5*time.Second, "the kernel to mark the K750 offline", func() bool {
		s, _ := rig.PowerSupply(0x4002)
		return !s.Online
	})
	rd := sensors.Read(context.Background(), k750, nil)
	if rd.Online || rd.Battery != nil {
		t.Errorf("reading while out of range: %+v", rd)
	}
	if _, err := k750.Ping(context.Background()); !errors.Is(err, hidpp.ErrOffline) {
		t.Errorf("ping while out of range: %v, want ErrOffline", err)
	}
	emu.SetOnline(2, true)
	if ch := next(); ch.Kind != unifying.Connected || !k750.Online() {
		t.Errorf("back in range: %+v", ch)
	}
	if rd := sensors.Read(context.Background(), k750, nil); rd.Battery == nil || rd.Light == nil || rd.Light.Lux != 12 {
		t.Errorf("reading after coming back: %+v", rd)
	}
}

// TestUnplug pulls the receiver out in the middle of a light reading, then
// plugs it back: the reading fails at once, the connection reports the
// device gone, the hot-plug watch sees both changes, and the receiver works
// again after it returns.
func TestUnplug(t *testing.T) {
	pl := rig.Plug(t, nil)
	info, u := pl.Infos[0], pl.UHIDs[0]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes, err := hidraw.Backend{}.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, _, devs := open(t, info)
	done := make(chan sensors.State)
	go func() {
		done <- sensors.Read(context.Background(), devs[1], &sensors.Opts{LightWait: 10 * time.Second})
	}()
	time.Sleep(200 * time.Millisecond) // the SetLightMeasure is out; its report is a second away
	t0 := time.Now()
	u.Unplug()
	select {
	case rd := <-done:
		if rd.Err == nil || rd.Light != nil {
			t.Errorf("reading across an unplug: %+v", rd)
		}
		rig.Metric("unplug_fails_pending_read_ms", time.Since(t0).Milliseconds())
	case <-time.After(5 * time.Second):
		t.Fatal("a reading hung after the receiver was pulled out")
	}
	select {
	case <-c.Done():
		if !errors.Is(c.Err(), transport.ErrGone) {
			t.Errorf("connection error %v, want ErrGone", c.Err())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the connection did not notice the unplug")
	}
	expect := func(added bool) transport.Info {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case ch := <-changes:
				if ch.Added == added && (!added || ch.Info.ProductID == 0xc52b) && (added || ch.Info.Path == info.Path) {
					return ch.Info
				}
			case <-timeout:
				t.Fatalf("hot-plug watch: no change with added=%v", added)
			}
		}
	}
	expect(false)
	if err := u.Plug(); err != nil {
		t.Fatal(err)
	}
	_, _, devs = open(t, expect(true))
	if rd := sensors.Read(context.Background(), devs[2], nil); rd.Battery == nil || rd.Battery.Percent != 100 {
		t.Errorf("M705 after replug: %+v", rd)
	}
}

// TestInputFlood measures the CPU a Helio reader spends while the receiver's
// devices send 1000 keyboard and mouse reports a second: it must drop them
// unread. The reader runs in its own process so the emulator's work is not
// counted.
func TestInputFlood(t *testing.T) {
	pl := rig.Plug(t, nil)
	emu := pl.Emus[0]
	const seconds = 8
	// read runs a reader for the given seconds while flood is called
	// every 10 ms, and returns what it said.
	read := func(flood func()) rig.ReaderFigures {
		t.Helper()
		r := rig.StartReader(t, pl.Infos[0].Path, seconds*time.Second)
		time.Sleep(500 * time.Millisecond) // let the reader open the node
		tick := time.NewTicker(10 * time.Millisecond)
		for end := time.Now().Add((seconds - 1) * time.Second); time.Now().Before(end); <-tick.C {
			flood()
		}
		tick.Stop()
		return r.Figures(t, 10*time.Second)
	}
	idle := read(func() {}).CPU.Milliseconds()
	sent := 0
	f := read(func() { emu.FloodInput(10); sent += 10 })
	cpu := f.CPU.Milliseconds()
	rig.Metric("flood_reports_sent", sent)
	rig.Metric("flood_reports_read_and_dropped", f.Ignored)
	rig.Metric("idle_reader_cpu_ms", idle)
	rig.Metric("flood_reader_cpu_ms", cpu)
	rig.Metric("flood_reader_user_ms", f.User.Milliseconds())
	rig.Metric("flood_reader_cpu_percent_above_idle", fmt.Sprintf("%.2f", float64(cpu-idle)/float64(seconds*10)))
	if f.Ignored > 0 {
		rig.Metric("flood_reader_us_per_report", (cpu-idle)*1000/int64(f.Ignored))
	}
	// hidraw keeps 64 reports per reader and drops the rest when the reader
	// falls behind, which happens on the VM's one emulated CPU; most must
	// still arrive, and every one that arrives must be dropped unread.
	if f.Ignored < sent/2 {
		t.Errorf("the reader saw %d of %d input reports", f.Ignored, sent)
	}
	// The only HID++ traffic in the window is the kernel's K750 light
	// report and the like: a handful, never the flood.
	if f.Events > 10 {
		t.Errorf("%d reports reached subscribers during the flood", f.Events)
	}
}

// TestWatch_Hidraw runs "helio watch --json" on the real hidraw node: it
// sees a battery event, the K750 leaving and returning, and the receiver
// pulled out and plugged back (through the kernel's uevents); then "helio
// history" reads what it recorded.
func TestWatch_Hidraw(t *testing.T) {
	pl := rig.Plug(t, nil)
	emu, u := pl.Emus[0], pl.UHIDs[0]
	state := t.TempDir()
	watch := proctest.Start(t, rig.HelioCmd(state, "--debug", "watch", "--json"))
	expect := func(what, wpid string, ok func(map[string]any) bool) {
		t.Helper()
		watch.WaitLine(10*time.Second, what, func(l string) bool {
			var v map[string]any
			return json.Unmarshal([]byte(l), &v) == nil && v["wpid"] == wpid && ok(v)
		})
	}
	percentIs := func(p float64) func(map[string]any) bool {
		return func(v map[string]any) bool {
			b, _ := v["battery"].(map[string]any)
			return v["online"] == true && b != nil && b["percent"] == p
		}
	}
	online := func(on bool) func(map[string]any) bool {
		return func(v map[string]any) bool { return v["online"] == on }
	}
	t0 := time.Now()
	expect("the K750's first reading", "4002", percentIs(57))
	rig.Metric("watch_k750_first_reading_ms", time.Since(t0).Milliseconds())
	emu.SetBattery(1, 30, hidpp.StatusDischarging)
	expect("the MX's battery event", "4082", percentIs(30))
	emu.SetOnline(2, false)
	expect("the K750 out of range", "4002", online(false))
	emu.SetOnline(2, true)
	expect("the K750 back", "4002", percentIs(57))
	u.Unplug()
	expect("the M705 offline with its receiver", "101b", online(false))
	if err := u.Plug(); err != nil {
		t.Fatal(err)
	}
	expect("the M705 back with its receiver", "101b", percentIs(100))
	watch.Signal(syscall.SIGTERM)
	if code := watch.ExitCode(10 * time.Second); code != 143 {
		t.Errorf("watch after SIGTERM: exit %d, want 143: %s", code, watch.Output())
	}
	out, err := rig.HelioCmd(state, "history", "--csv", "MX Master").CombinedOutput()
	if err != nil || !strings.Contains(string(out), ",80,") || !strings.Contains(string(out), ",30,") {
		t.Errorf("history after watch: %v\n%s", err, out)
	}
}

// TestQuiet: a resident Helio ("helio watch") on a receiver the kernel
// drives lets go of its hidraw node once its first readings are taken, so
// a flood of 1000 keyboard and mouse reports a second does not wake it;
// battery events sent during the flood all reach it, on the kernel's cue.
func TestQuiet(t *testing.T) {
	pl := rig.Plug(t, nil)
	emu, path := pl.Emus[0], pl.Infos[0].Path
	// The kernel's own K750 reading first: its power supply's change is a
	// cue, on which watch asks the K750 for light and holds the node for
	// the report, which must not fall in the flood.
	k750Read(t)
	watch := proctest.Start(t, rig.HelioCmd(t.TempDir(), "watch", "--json", "--no-history"))
	pid := watch.Cmd.Process.Pid
	watch.WaitLine(20*time.Second, "the K750's first light reading", func(l string) bool {
		return strings.Contains(l, `"4002"`) && strings.Contains(l, `"lux"`)
	})
	// The first readings end with the kernel's cues for what they changed
	// (the K750's report, answered with a ping): settled is two seconds
	// without the node.
	free := time.Now()
	rig.WaitFor(t, 15*time.Second, "watch to let the receiver's node go for good", func() bool {
		if rig.Holds(pid, path) {
			free = time.Now()
		}
		return time.Since(free) >= 2*time.Second
	})

	const seconds = 10
	flood := func(each func(tick int)) (rig.Usage, int) {
		t.Helper()
		before, err := rig.UsageOf(pid)
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		tick := time.NewTicker(10 * time.Millisecond)
		for i := 0; i < seconds*100; i++ {
			<-tick.C
			emu.FloodInput(10)
			sent += 10
			each(i)
		}
		tick.Stop()
		after, err := rig.UsageOf(pid)
		if err != nil {
			t.Fatalf("watch during the flood: %v: %s", err, watch.Output())
		}
		return after.Sub(before), sent
	}

	idle, sent := flood(func(int) {})
	rig.Metric("quiet_flood_reports_sent", sent)
	rig.Metric("quiet_idle_flood_wakeups", idle.Wakeups)
	rig.Metric("quiet_idle_flood_cpu_ms", idle.CPU.Milliseconds())
	// A process reading the node wakes for each report, thousands of times;
	// one that does not wakes a handful of times for its own timers.
	if holds := rig.Holds(pid, path); idle.Wakeups > 5*seconds || holds {
		t.Errorf("watch woke %d times and used %v of CPU during %d s of input flood (holds the node: %v): it reads input reports while idle",
			idle.Wakeups, idle.CPU, seconds, holds)
	}

	// A battery event every half second, within the flood.
	requests := emu.TotalRequests()
	var want []int
	busy, _ := flood(func(i int) {
		if i%50 == 25 {
			p := 79 - len(want)
			if err := emu.SetBattery(1, p, hidpp.StatusDischarging); err != nil {
				t.Fatal(err)
			}
			want = append(want, p)
		}
	})
	seen := map[int]bool{}
	rig.WaitFor(t, 10*time.Second, "the last battery event", func() bool {
		for _, l := range strings.Split(watch.Output(), "\n") {
			var v struct {
				WPID    string
				Online  bool
				Battery *struct{ Percent *int }
			}
			if json.Unmarshal([]byte(l), &v) == nil && v.WPID == "4082" && v.Online && v.Battery != nil && v.Battery.Percent != nil {
				seen[*v.Battery.Percent] = true
			}
		}
		return seen[want[len(want)-1]]
	})
	missed := 0
	for _, p := range want {
		if !seen[p] {
			missed++
			t.Errorf("the MX Master's battery event at %d %% during the flood never reached watch", p)
		}
	}
	rig.Metric("quiet_flood_battery_events_sent", len(want))
	rig.Metric("quiet_flood_battery_events_seen", len(want)-missed)
	rig.Metric("quiet_flood_requests_per_event", fmt.Sprintf("%.1f", float64(emu.TotalRequests()-requests)/float64(len(want))))
	rig.Metric("quiet_events_flood_wakeups", busy.Wakeups)
	rig.Metric("quiet_events_flood_cpu_ms", busy.CPU.Milliseconds())
}

// TestConn_Conformance runs the transport conformance test on the real
// hidraw node of the emulated receiver, through the hidraw backend and the
// hidapi one. The device end is the emulator behind /dev/uhid: what a Conn
// writes reaches it as uhid OUTPUT, what it sends comes back through the
// kernel as input, and unplugging it destroys the uhid devices, so the
// kernel removes the node (the next Conn is opened on it plugged back).
func TestConn_Conformance(t *testing.T) {
	pl := rig.Plug(t, nil)
	emu, u := pl.Emus[0], pl.UHIDs[0]
	for _, b := range []transport.Backend{hidraw.Backend{}, hidapi.Backend{}} {
		t.Run(b.Name(), func(t *testing.T) {
			transporttest.TestConn(t, func(t *testing.T) (transport.Conn, transporttest.Device) {
				if !emu.Plugged() {
					if err := u.Plug(); err != nil {
						t.Fatal(err)
					}
				}
				return openOnly(t, b), pullable{emulatortest.Device(t, emu), u.Unplug}
			})
		})
	}
}

// openOnly waits until b lists the one receiver plugged in, and opens it.
func openOnly(t *testing.T, b transport.Backend) transport.Conn {
	t.Helper()
	var infos []transport.Info
	rig.WaitFor(t, 10*time.Second, b.Name()+" to find the receiver", func() bool {
		infos, _ = b.Receivers()
		return len(infos) == 1
	})
	c, err := b.Open(infos[0])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pullable is the emulated receiver, on uhid or on its gadget, as a
// device that can be pulled out.
type pullable struct {
	transporttest.Device
	unplug func()
}

func (d pullable) Unplug() { d.unplug() }
