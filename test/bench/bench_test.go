// Package bench measures Helio against Debian's Solaar and the kernel's own
// drivers on the rig's VM (test/rig/vm.sh; the harness is package rig), for
// "make bench" (test/bench/run.sh): the emulated receiver is plugged in
// through /dev/uhid, the kernel's hid-logitech-dj and hid-logitech-hidpp
// bind to it, and Helio and Solaar read it over the real hidraw nodes.
//
// Every figure is printed as a line "METRIC NAME VALUE" on standard output
// (rig.Metric); test/bench/run.sh collects them into test/bench/results.md.
//
// Traffic is counted where the emulated receiver meets the kernel, from the
// emulator's debug log (emulator.UHIDOpts.Logger): "uhid output" is a report
// a program wrote on the receiver's hidraw node, "uhid set_report" one the
// kernel's drivers sent (SET_REPORT), "uhid input" one the receiver sent.
//
// Outside the VM nothing runs: the benchmarks create real devices, which
// must not happen on a developer's desktop.
package bench

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/bus"
	"github.com/helio-linux/helio/internal/dbustest"
	"github.com/helio-linux/helio/internal/proctest"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/test/rig"
	"github.com/helio-linux/helio/upower"
)

// runs is how many times each timing is repeated; the median is reported.
const runs = 5

func TestMain(m *testing.M) { rig.Main(m) }

// traffic counts reports crossing the uhid boundary, by direction.
type traffic struct {
	Output, OutputBytes, OutputDJ int // written by programs on the hidraw node
	Kernel, KernelBytes, KernelDJ int // SET_REPORT from the kernel's drivers
	Input, InputBytes             int // sent by the receiver
}

func (a traffic) sub(b traffic) traffic {
	return traffic{a.Output - b.Output, a.OutputBytes - b.OutputBytes, a.OutputDJ - b.OutputDJ,
		a.Kernel - b.Kernel, a.KernelBytes - b.KernelBytes, a.KernelDJ - b.KernelDJ,
		a.Input - b.Input, a.InputBytes - b.InputBytes}
}

func (a traffic) total() int { return a.Output + a.OutputDJ + a.Kernel + a.KernelDJ + a.Input }

// counter is a slog.Handler that counts the emulator's uhid debug lines.
type counter struct {
	mu sync.Mutex
	t  traffic
}

func (c *counter) Enabled(context.Context, slog.Level) bool { return true }
func (c *counter) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *counter) WithGroup(string) slog.Handler            { return c }

func (c *counter) Handle(_ context.Context, r slog.Record) error {
	var report []byte
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "report" {
			report, _ = hex.DecodeString(strings.ReplaceAll(a.Value.String(), " ", ""))
		}
		return true
	})
	if len(report) == 0 {
		return nil
	}
	hidppReport := report[0] == hidpp.ShortID || report[0] == hidpp.LongID
	c.mu.Lock()
	defer c.mu.Unlock()
	switch r.Message {
	case "uhid output":
		if hidppReport {
			c.t.Output++
		} else {
			c.t.OutputDJ++
		}
		c.t.OutputBytes += len(report)
	case "uhid set_report":
		if hidppReport {
			c.t.Kernel++
		} else {
			c.t.KernelDJ++
		}
		c.t.KernelBytes += len(report)
	case "uhid input":
		c.t.Input++
		c.t.InputBytes += len(report)
	}
	return nil
}

func (c *counter) snapshot() traffic {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// waitQuiet waits until no report has crossed for quiet, at most max; it
// returns false on the deadline.
func (c *counter) waitQuiet(quiet, max time.Duration) bool {
	last, since := c.snapshot().total(), time.Now()
	for end := time.Now().Add(max); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if n := c.snapshot().total(); n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= quiet {
			return true
		}
	}
	return false
}

// bench is a set of emulated receivers in front of the kernel, with the
// traffic that crosses to them counted.
type bench struct {
	*rig.Plugged
	count *counter
}

// plugAll plugs one receiver per profile (rig.Plug) and waits until the
// kernel's probe traffic has stopped.
func plugAll(t *testing.T, profiles ...*emulator.Profile) *bench {
	t.Helper()
	b := &bench{count: &counter{}}
	b.Plugged = rig.Plug(t, &rig.PlugOpts{Logger: slog.New(b.count)}, profiles...)
	if !b.count.waitQuiet(1500*time.Millisecond, 30*time.Second) {
		t.Fatal("the kernel's probe traffic did not stop within 30 s")
	}
	return b
}

// run is one process run: its wall time from start to exit (all its output
// written), peak resident memory, and the traffic while it ran.
type run struct {
	wall    time.Duration
	maxRSS  int64 // KiB
	traffic traffic
	emuReqs int // HID++ requests the emulators counted (programs and kernel)
	out     []byte
}

// runProc runs cmd to completion on a quiet rig and measures it.
func (rg *bench) runProc(t *testing.T, cmd *exec.Cmd) run {
	t.Helper()
	rg.count.waitQuiet(300*time.Millisecond, 10*time.Second)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	before, reqs := rg.count.snapshot(), rg.Requests()
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %v\n%s%s", cmd.Args, err, stdout.Bytes(), stderr.Bytes())
	}
	wall := time.Since(t0)
	// Replies and events still in flight (the K750's light report period)
	// belong to this run.
	rg.count.waitQuiet(300*time.Millisecond, 5*time.Second)
	r := run{wall: wall, traffic: rg.count.snapshot().sub(before), emuReqs: rg.Requests() - reqs, out: stdout.Bytes()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss
	}
	return r
}

// series is one figure over several runs.
type series []float64

func (s series) median() float64 {
	v := slices.Clone(s)
	slices.Sort(v)
	if len(v) == 0 {
		return math.NaN()
	}
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// format prints the median and, when the runs differ, (min–max), with unit
// and the given precision.
func (s series) format(prec int, unit string) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', prec, 64) }
	out := f(s.median())
	if lo, hi := slices.Min(s), slices.Max(s); f(lo) != f(hi) {
		out += " (" + f(lo) + "–" + f(hi) + ")"
	}
	if unit != "" {
		out += " " + unit
	}
	return out
}

// summary reports a set of runs under prefix. Requests are the HID++
// reports the emulator received while the process ran, whichever way they
// came: written on the receiver's hidraw node (uhid OUTPUT; Helio), or on a
// paired device's hidraw node, which the kernel forwards as SET_REPORT
// (Solaar 1.1.8 opens each device's node: logitech_receiver/device.py,
// find_paired_node). The kernel's own traffic during a run is included;
// the "_set_report" figure shows how much came that way.
func summary(prefix string, rs []run) map[string]float64 {
	var wall, rss, reqs, bytes, node, kernel series
	for _, r := range rs {
		wall = append(wall, r.wall.Seconds())
		rss = append(rss, float64(r.maxRSS)/1024)
		reqs = append(reqs, float64(r.emuReqs))
		bytes = append(bytes, float64(r.traffic.OutputBytes+r.traffic.KernelBytes))
		node = append(node, float64(r.traffic.Output+r.traffic.OutputDJ))
		kernel = append(kernel, float64(r.traffic.Kernel+r.traffic.KernelDJ))
	}
	rig.Metric(prefix+"_s", wall.format(2, "s"))
	rig.Metric(prefix+"_requests", reqs.format(0, ""))
	rig.Metric(prefix+"_bytes", bytes.format(0, "B"))
	rig.Metric(prefix+"_output", node.format(0, ""))
	rig.Metric(prefix+"_set_report", kernel.format(0, ""))
	rig.Metric(prefix+"_maxrss", rss.format(1, "MB"))
	return map[string]float64{"s": wall.median(), "requests": reqs.median(), "bytes": bytes.median(), "rss": rss.median()}
}

// checkQuery fails unless out lists the receivers and devices expected,
// each with a battery.
func checkQuery(t *testing.T, out []byte, receivers, devices int) {
	t.Helper()
	q := rig.ParseQuery(t, out)
	n := 0
	for _, r := range q.Receivers {
		for _, d := range r.Devices {
			if d.Online && d.Battery != nil {
				n++
			}
		}
	}
	if len(q.Receivers) != receivers || n != devices {
		t.Fatalf("helio query lists %d receivers and %d devices with a battery, want %d and %d:\n%s", len(q.Receivers), n, receivers, devices, out)
	}
}

// queryRuns runs "helio query --json" runs times with a fresh cache each
// (cold), then runs times with the last one's cache (warm).
func queryRuns(t *testing.T, rg *bench, receivers, devices int) (cold, warm []run) {
	t.Helper()
	var cache string
	for range runs {
		cache = t.TempDir()
		r := rg.runProc(t, rig.HelioCmd(cache, "query", "--json"))
		checkQuery(t, r.out, receivers, devices)
		cold = append(cold, r)
	}
	for range runs {
		r := rg.runProc(t, rig.HelioCmd(cache, "query", "--json"))
		checkQuery(t, r.out, receivers, devices)
		warm = append(warm, r)
	}
	return cold, warm
}

// residentRuns runs "helio query --json" runs times while "helio export"
// runs on a private session bus: query answers from it.
func residentRuns(t *testing.T, rg *bench) map[string]float64 {
	t.Helper()
	addr := dbustest.Start(t)
	exp := proctest.Start(t, rig.HelioCmd(t.TempDir(), "export", "--bus-address", addr))
	defer exp.Stop()
	query := func() *exec.Cmd {
		cmd := rig.HelioCmd(t.TempDir(), "query", "--json")
		cmd.Env = append(cmd.Env, "DBUS_SESSION_BUS_ADDRESS="+addr)
		return cmd
	}
	fromResident := func(out []byte) bool { return bytes.Contains(out, []byte(`"from": "resident"`)) }
	rig.WaitFor(t, 30*time.Second, "helio export's first readings", func() bool {
		out, err := query().Output()
		return err == nil && fromResident(out) && bytes.Contains(out, []byte(`"lux"`))
	})
	var rs []run
	var ms series
	for range runs {
		r := rg.runProc(t, query())
		if !fromResident(r.out) {
			t.Fatalf("helio query beside helio export did not answer from it:\n%s", r.out)
		}
		checkQuery(t, r.out, 1, 3)
		rs = append(rs, r)
		ms = append(ms, float64(r.wall.Microseconds())/1000)
	}
	rig.Metric("helio_resident_ms", ms.format(0, "ms"))
	// The floor under it: starting the binary and printing its help.
	var start series
	for range runs {
		t0 := time.Now()
		if out, err := rig.HelioCmd(t.TempDir(), "help").CombinedOutput(); err != nil {
			t.Fatalf("helio help: %v\n%s", err, out)
		}
		start = append(start, float64(time.Since(t0).Microseconds())/1000)
	}
	rig.Metric("helio_start_ms", start.format(0, "ms"))
	return summary("helio_resident", rs)
}

// baseline holds the default receiver's Helio figures for the scale case.
var baseline struct {
	cold, warm map[string]float64
}

// TestQuery: the default receiver (MX Master 3, HID++ 4.5; K750; M705): the
// kernel's probe traffic, then "helio query" cold and warm and "solaar
// show", each timed from process start to exit.
func TestQuery(t *testing.T) {
	rg := plugAll(t, rig.DefaultProfile(t))
	probe := rg.count.snapshot()
	rig.Metric("kernel_probe_requests", probe.Kernel)
	rig.Metric("kernel_probe_dj", probe.KernelDJ)
	rig.Metric("kernel_probe_bytes", fmt.Sprintf("%d B", probe.KernelBytes))
	rig.Metric("kernel_probe_inputs", probe.Input)
	rig.Metric("kernel_probe_other", probe.Output+probe.OutputDJ) // must be 0: nothing else runs
	rig.Metric("kernel_probe_power_supplies", len(rig.PowerSupplies()))

	cold, warm := queryRuns(t, rg, 1, 3)
	hc := summary("helio_cold", cold)
	hw := summary("helio_warm", warm)
	baseline.cold, baseline.warm = hc, hw
	hr := residentRuns(t, rg)

	var sol []run
	re := regexp.MustCompile(`WPID\s*:\s*([0-9A-F]{4})`)
	for range runs {
		r := rg.runProc(t, rig.SolaarCmd(t, "show"))
		if n := len(re.FindAll(r.out, -1)); n != 3 {
			t.Fatalf("solaar show lists %d devices, want 3:\n%s", n, r.out)
		}
		sol = append(sol, r)
	}
	so := summary("solaar", sol)
	if bytes.Contains(sol[0].out, []byte("Battery status unavailable")) {
		rig.Metric("solaar_k750", "Battery status unavailable")
	}
	ratio := func(name string, a, b float64) { rig.Metric(name, fmt.Sprintf("%.1f×", a/b)) }
	ratio("ratio_requests_cold", so["requests"], hc["requests"])
	ratio("ratio_requests_warm", so["requests"], hw["requests"])
	ratio("ratio_bytes_cold", so["bytes"], hc["bytes"])
	ratio("ratio_bytes_warm", so["bytes"], hw["bytes"])
	ratio("ratio_time_cold", so["s"], hc["s"])
	ratio("ratio_time_warm", so["s"], hw["s"])
	ratio("ratio_time_resident", so["s"], hr["s"])
	ratio("ratio_rss", so["rss"], hc["rss"])
	ratio("ratio_requests_kernel_probe", float64(probe.Kernel), hc["requests"])
}

// TestScale: a receiver with 6 devices, and 3 receivers (9 devices) at
// once: query time and peak resident memory, and their growth per device
// over the default receiver's 3.
func TestScale(t *testing.T) {
	perDevice := func(prefix string, devices int, cold, warm map[string]float64) {
		if baseline.cold == nil {
			rig.Metric(prefix+"_per_device", "n/a (run TestQuery first)")
			return
		}
		extra := float64(devices - 3)
		rig.Metric(prefix+"_cold_ms_per_device", fmt.Sprintf("%+.0f ms", (cold["s"]-baseline.cold["s"])*1000/extra))
		rig.Metric(prefix+"_warm_ms_per_device", fmt.Sprintf("%+.0f ms", (warm["s"]-baseline.warm["s"])*1000/extra))
		rig.Metric(prefix+"_rss_per_device", fmt.Sprintf("%+.2f MB", (cold["rss"]-baseline.cold["rss"])/extra))
		rig.Metric(prefix+"_requests_per_device", fmt.Sprintf("%.1f", cold["requests"]/float64(devices)))
	}
	t.Run("six", func(t *testing.T) {
		p, err := emulator.LoadProfile("testdata/six-devices.json")
		if err != nil {
			t.Fatal(err)
		}
		rg := plugAll(t, p)
		rig.Metric("six_kernel_probe_requests", rg.count.snapshot().Kernel)
		cold, warm := queryRuns(t, rg, 1, 6)
		c, w := summary("six_cold", cold), summary("six_warm", warm)
		perDevice("six", 6, c, w)
	})
	t.Run("three_receivers", func(t *testing.T) {
		var ps []*emulator.Profile
		for i := range 3 {
			p := rig.DefaultProfile(t)
			p.Receiver.Serial = fmt.Sprintf("E066219%d", i+2)
			for j := range p.Devices {
				p.Devices[j].Serial = fmt.Sprintf("%s%d", p.Devices[j].Serial[:7], i)
			}
			ps = append(ps, p)
		}
		rg := plugAll(t, ps...)
		rig.Metric("three_kernel_probe_requests", rg.count.snapshot().Kernel)
		cold, warm := queryRuns(t, rg, 3, 9)
		c, w := summary("three_cold", cold), summary("three_warm", warm)
		perDevice("three", 9, c, w)
	})
}

func rssMB(pid int) float64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return float64(kb) / 1024
		}
	}
	return 0
}

const (
	floodIdle    = 10 * time.Second
	floodSeconds = 30
	floodSettle  = 5 * time.Second
)

// vmBusy is the whole VM's CPU time not idle so far, from /proc/stat
// (clock ticks of 1/100 s): the kernel's and every process's.
func vmBusy(t *testing.T) time.Duration {
	t.Helper()
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var busy int64
	for i, f := range strings.Fields(line)[1:] {
		n, _ := strconv.ParseInt(f, 10, 64)
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return time.Duration(busy) * 10 * time.Millisecond
}

// flooded is what a flood cost.
type flooded struct {
	sent    int
	elapsed time.Duration
	proc    rig.Usage     // the process measured, if any
	vm      time.Duration // the whole VM's busy CPU time
	events  []int         // the MX Master's charges sent, one a second
}

// flood sends 1000 keyboard and mouse reports a second (10 every 10 ms)
// for floodSeconds, with, when events is set, a battery event of the MX
// Master every second, and measures process pid (0: none) and the VM.
func flood(t *testing.T, emu *emulator.Receiver, pid int, events bool) flooded {
	t.Helper()
	var f flooded
	var before rig.Usage
	if pid != 0 {
		var err error
		if before, err = rig.UsageOf(pid); err != nil {
			t.Fatal(err)
		}
	}
	vm0, t0 := vmBusy(t), time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	for i := 0; i < floodSeconds*100; i++ {
		<-tick.C
		emu.FloodInput(10)
		f.sent += 10
		if events && i%100 == 50 {
			p := 79 - len(f.events)
			if err := emu.SetBattery(1, p, hidpp.StatusDischarging); err != nil {
				t.Fatal(err)
			}
			f.events = append(f.events, p)
		}
	}
	tick.Stop()
	f.elapsed, f.vm = time.Since(t0), vmBusy(t)-vm0
	if pid != 0 {
		after, err := rig.UsageOf(pid)
		if err != nil {
			t.Fatalf("the process measured exited during the flood: %v", err)
		}
		f.proc = after.Sub(before)
	}
	return f
}

// pct is d as a share of the one emulated CPU over elapsed.
func pct(d, elapsed time.Duration) string {
	return fmt.Sprintf("%.2f %%", 100*d.Seconds()/elapsed.Seconds())
}

// report prints a flood's figures under prefix.
func (f flooded) report(prefix string) {
	rig.Metric(prefix+"_flood_rate", fmt.Sprintf("%.0f/s", float64(f.sent)/f.elapsed.Seconds()))
	rig.Metric(prefix+"_flood_cpu", fmt.Sprintf("%d ms in %.0f s", f.proc.CPU.Milliseconds(), f.elapsed.Seconds()))
	rig.Metric(prefix+"_flood_cpu_pct", pct(f.proc.CPU, f.elapsed))
	rig.Metric(prefix+"_flood_wakeups", f.proc.Wakeups)
	rig.Metric(prefix+"_flood_vm_pct", pct(f.vm, f.elapsed))
}

// charges follows the MX Master's charge as a Helio service on the bus at
// addr exports it; seen returns the charges it has shown.
func charges(t *testing.T, addr string) (seen func() map[int]bool) {
	t.Helper()
	conn, _, err := bus.Address(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	got := map[int]bool{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		upower.Follow(ctx, conn, upower.DefaultOpts.Name, func(states []sensors.State, _ bool) {
			mu.Lock()
			defer mu.Unlock()
			for _, s := range states {
				if s.WPID == 0x4082 && s.Online && s.Battery != nil && s.Battery.HasPercent {
					got[s.Battery.Percent] = true
				}
			}
		})
	}()
	t.Cleanup(func() { cancel(); <-done; conn.Close() })
	return func() map[int]bool {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(got)
	}
}

// resident runs "helio export" on a private bus with config (TOML, may be
// empty), waits until its first readings are exported and it has settled,
// measures it floodIdle at rest, during a flood of input alone, then
// during a flood with a battery event a second, and checks that every
// event was exported.
func resident(t *testing.T, emu *emulator.Receiver, path, prefix, config string) {
	dir := t.TempDir()
	if config != "" {
		if err := os.MkdirAll(dir+"/helio", 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/helio/config.toml", []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	addr := dbustest.Start(t)
	seen := charges(t, addr)
	p := proctest.Start(t, rig.HelioCmd(dir, "export", "--bus-address", addr))
	pid := p.Cmd.Process.Pid
	rig.WaitFor(t, 30*time.Second, "the export's first readings", func() bool { return len(seen()) > 0 })
	time.Sleep(floodSettle)
	rig.Metric(prefix+"_holds_node", rig.Holds(pid, path))
	u0, err := rig.UsageOf(pid)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(floodIdle)
	u1, err := rig.UsageOf(pid)
	if err != nil {
		t.Fatal(err)
	}
	idle := u1.Sub(u0)
	rig.Metric(prefix+"_idle", fmt.Sprintf("%d ms of CPU and %d wakeups in %.0f s", idle.CPU.Milliseconds(), idle.Wakeups, floodIdle.Seconds()))
	flood(t, emu, pid, false).report(prefix + "_input")
	f := flood(t, emu, pid, true)
	f.report(prefix)
	rig.Metric(prefix+"_per_event", fmt.Sprintf("%.0f ms of CPU, %.0f wakeups", float64(f.proc.CPU.Milliseconds())/float64(len(f.events)), float64(f.proc.Wakeups)/float64(len(f.events))))
	last := f.events[len(f.events)-1]
	for end := time.Now().Add(10 * time.Second); !seen()[last] && time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
	}
	missed := 0
	got := seen()
	for _, c := range f.events {
		if !got[c] {
			missed++
		}
	}
	rig.Metric(prefix+"_flood_events", fmt.Sprintf("%d of %d", len(f.events)-missed, len(f.events)))
	rig.Metric(prefix+"_rss", fmt.Sprintf("%.1f MB", rssMB(pid)))
	if !p.Running() {
		t.Fatalf("helio export exited: %s", p.Output())
	}
}

// TestFlood: what 1000 input reports a second for 30 s cost, with a
// battery event a second among them: the VM with no Helio running, "helio
// export" (the resident monitor, on a private D-Bus) as it runs by default
// (the receiver opened only to ask, on the kernel's cue) and told to hold
// the receiver open (monitor.hold_open, Helio's way before), a bare Helio
// reader holding the node (as vmtest's TestInputFlood), and Solaar's
// resident mode if it runs without a display.
func TestFlood(t *testing.T) {
	rg := plugAll(t, rig.DefaultProfile(t))
	emu := rg.Emus[0]
	path := rg.Infos[0].Path

	t.Run("nohelio", func(t *testing.T) {
		f := flood(t, emu, 0, false)
		rig.Metric("nohelio_flood_rate", fmt.Sprintf("%.0f/s", float64(f.sent)/f.elapsed.Seconds()))
		rig.Metric("nohelio_flood_vm_pct", pct(f.vm, f.elapsed))
	})
	t.Run("export", func(t *testing.T) { resident(t, emu, path, "export", "") })
	t.Run("held", func(t *testing.T) { resident(t, emu, path, "held", "[monitor]\nhold_open = true\n") })

	t.Run("reader", func(t *testing.T) {
		total := floodSettle + floodSeconds*time.Second + 3*time.Second
		r := rig.StartReader(t, path, total)
		time.Sleep(floodSettle)
		f := flood(t, emu, r.Cmd.Process.Pid, false)
		f.report("reader")
		rig.Metric("reader_flood_sent", f.sent)
		rig.Metric("reader_flood_dropped", r.Figures(t, 30*time.Second).Ignored)
	})

	t.Run("solaar", func(t *testing.T) {
		p := proctest.Start(t, rig.SolaarCmd(t, "--window=hide"))
		for end := time.Now().Add(20 * time.Second); time.Now().Before(end) && p.Running(); {
			time.Sleep(100 * time.Millisecond)
		}
		if !p.Running() {
			msg := strings.TrimSpace(p.Output())
			if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
				msg = strings.TrimSpace(msg[i+1:])
			}
			if len(msg) > 160 {
				msg = msg[:160] + "…"
			}
			rig.Metric("solaar_resident", fmt.Sprintf("not applicable: \"solaar --window=hide\" exits without a display (%s)", msg))
			return
		}
		rig.Metric("solaar_resident", "runs")
		time.Sleep(floodSettle)
		flood(t, emu, p.Cmd.Process.Pid, false).report("solaar")
	})
}
