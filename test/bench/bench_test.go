// Package bench measures Helio against Debian's Solaar and the kernel's own
// drivers on the rig's VM (rig/vm.sh), for "make bench" (bench/run.sh): the
// emulated receiver is plugged in through /dev/uhid, the kernel's
// hid-logitech-dj and hid-logitech-hidpp bind to it, and Helio and Solaar
// read it over the real hidraw nodes.
//
// Every figure is printed as a line "METRIC NAME VALUE" on standard output;
// bench/run.sh collects them into bench/results.md.
//
// Traffic is counted where the emulated receiver meets the kernel, from the
// emulator's debug log (emulator.UHIDOpts.Logger): "uhid output" is a report
// a program wrote on the receiver's hidraw node, "uhid set_report" one the
// kernel's drivers sent (SET_REPORT), "uhid input" one the receiver sent.
//
// Outside the VM (HELIO_VM unset) nothing runs: the benchmarks create real
// devices, which must not happen on a developer's desktop.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
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
	"github.com/helio-linux/helio/internal/syncbuf"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/hidraw"
)

// runs is how many times each timing is repeated; the median is reported.
const runs = 5

func TestMain(m *testing.M) {
	if path := os.Getenv("HELIO_BENCH_READER"); path != "" {
		os.Exit(reader(path))
	}
	if os.Getenv("HELIO_VM") != "1" {
		fmt.Println("bench: skipped, not inside the test VM (HELIO_VM != 1); these benchmarks run with \"make bench\"")
		os.Exit(m.Run())
	}
	os.Exit(m.Run())
}

func needVM(t *testing.T) {
	t.Helper()
	if os.Getenv("HELIO_VM") != "1" {
		t.Skip("not inside the test VM (HELIO_VM != 1): these benchmarks plug devices into the kernel; run \"make bench\"")
	}
}

// helio is the binary "make bench" builds before the VM starts.
var helio = func() string {
	p, _ := filepath.Abs("../../bin/helio")
	return p
}()

// metric prints one figure for bench/run.sh.
func metric(name string, v any) {
	fmt.Printf("METRIC %s %v\n", name, v)
}

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

// rig is a set of emulated receivers in front of the kernel.
type rig struct {
	emus  []*emulator.Receiver
	uhids []*emulator.UHID
	count *counter
	plug  time.Time
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("waited %v for %s", d, what)
		}
	}
}

func receivers() []transport.Info {
	infos, _ := hidraw.Backend{}.Receivers()
	return infos
}

func powerSupplies() int {
	dirs, _ := filepath.Glob("/sys/class/power_supply/hidpp_battery_*")
	return len(dirs)
}

// plugAll plugs one uhid receiver per profile, each on its own USB port,
// and waits until the kernel has bound them: every hidraw node and a power
// supply per device exist, and the kernel's probe traffic has stopped.
func plugAll(t *testing.T, profiles ...*emulator.Profile) *rig {
	t.Helper()
	waitFor(t, 10*time.Second, "no receiver before plugging", func() bool { return len(receivers()) == 0 })
	rg := &rig{count: &counter{}}
	log := slog.New(rg.count)
	devices := 0
	rg.plug = time.Now()
	for i, p := range profiles {
		emu := emulator.New(p, nil)
		phys := "usb-0000:00:14.0-2"
		if len(profiles) > 1 {
			phys = fmt.Sprintf("usb-0000:00:14.0-%d", i+1)
		}
		u := emulator.NewUHID(emu, emulator.UHIDOpts{Phys: phys, Logger: log})
		if err := u.Plug(); err != nil {
			t.Fatal(err)
		}
		rg.emus = append(rg.emus, emu)
		rg.uhids = append(rg.uhids, u)
		devices += len(p.Devices)
	}
	t.Cleanup(func() {
		for i, u := range rg.uhids {
			u.Unplug()
			rg.emus[i].Close()
		}
		waitFor(t, 10*time.Second, "the receivers' nodes to go", func() bool { return len(receivers()) == 0 })
	})
	waitFor(t, 20*time.Second, "the receivers' hidraw nodes", func() bool { return len(receivers()) == len(profiles) })
	waitFor(t, 30*time.Second, fmt.Sprintf("%d power supplies", devices), func() bool { return powerSupplies() >= devices })
	if !rg.count.waitQuiet(1500*time.Millisecond, 30*time.Second) {
		t.Fatal("the kernel's probe traffic did not stop within 30 s")
	}
	return rg
}

func (rg *rig) requests() int {
	n := 0
	for _, e := range rg.emus {
		n += e.TotalRequests()
	}
	return n
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
func (rg *rig) runProc(t *testing.T, cmd *exec.Cmd) run {
	t.Helper()
	rg.count.waitQuiet(300*time.Millisecond, 10*time.Second)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	before, reqs := rg.count.snapshot(), rg.requests()
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %v\n%s%s", cmd.Args, err, stdout.Bytes(), stderr.Bytes())
	}
	wall := time.Since(t0)
	// Replies and events still in flight (the K750's light report period)
	// belong to this run.
	rg.count.waitQuiet(300*time.Millisecond, 5*time.Second)
	r := run{wall: wall, traffic: rg.count.snapshot().sub(before), emuReqs: rg.requests() - reqs, out: stdout.Bytes()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss
	}
	return r
}

func helioCmd(cache string, args ...string) *exec.Cmd {
	cmd := exec.Command(helio, args...)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache, "XDG_STATE_HOME="+cache, "XDG_CONFIG_HOME="+cache)
	return cmd
}

func solaarCmd(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	solaar, err := exec.LookPath("solaar")
	if err != nil {
		t.Fatal("solaar is not installed; make bench installs it")
	}
	shim, _ := filepath.Abs("../rig/solaar")
	cmd := exec.Command(solaar, args...)
	home := t.TempDir()
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "DISPLAY=") && !strings.HasPrefix(e, "WAYLAND_DISPLAY=") {
			env = append(env, e)
		}
	}
	cmd.Env = append(env, "PYTHONPATH="+shim, "PYTHONDONTWRITEBYTECODE=1", "HOME="+home, "XDG_CONFIG_HOME="+home)
	return cmd
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
	metric(prefix+"_s", wall.format(2, "s"))
	metric(prefix+"_requests", reqs.format(0, ""))
	metric(prefix+"_bytes", bytes.format(0, "B"))
	metric(prefix+"_output", node.format(0, ""))
	metric(prefix+"_set_report", kernel.format(0, ""))
	metric(prefix+"_maxrss", rss.format(1, "MB"))
	return map[string]float64{"s": wall.median(), "requests": reqs.median(), "bytes": bytes.median(), "rss": rss.median()}
}

// queryJSON is the part of "helio query --json" the benchmarks check.
type queryJSON struct {
	Receivers []struct {
		Serial  string
		Devices []struct {
			WPID    string
			Online  bool
			Battery *struct{ Status string }
		}
	}
}

// checkQuery fails unless out lists the receivers and devices expected,
// each with a battery.
func checkQuery(t *testing.T, out []byte, receivers, devices int) {
	t.Helper()
	var q queryJSON
	if err := json.Unmarshal(out, &q); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
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
func queryRuns(t *testing.T, rg *rig, receivers, devices int) (cold, warm []run) {
	t.Helper()
	var cache string
	for range runs {
		cache = t.TempDir()
		r := rg.runProc(t, helioCmd(cache, "query", "--json"))
		checkQuery(t, r.out, receivers, devices)
		cold = append(cold, r)
	}
	for range runs {
		r := rg.runProc(t, helioCmd(cache, "query", "--json"))
		checkQuery(t, r.out, receivers, devices)
		warm = append(warm, r)
	}
	return cold, warm
}

func defaultProfile(t *testing.T) *emulator.Profile {
	t.Helper()
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// baseline holds the default receiver's Helio figures for the scale case.
var baseline struct {
	cold, warm map[string]float64
}

// TestQuery: the default receiver (MX Master 3, HID++ 4.5; K750; M705): the
// kernel's probe traffic, then "helio query" cold and warm and "solaar
// show", each timed from process start to exit.
func TestQuery(t *testing.T) {
	needVM(t)
	rg := plugAll(t, defaultProfile(t))
	probe := rg.count.snapshot()
	metric("kernel_probe_requests", probe.Kernel)
	metric("kernel_probe_dj", probe.KernelDJ)
	metric("kernel_probe_bytes", fmt.Sprintf("%d B", probe.KernelBytes))
	metric("kernel_probe_inputs", probe.Input)
	metric("kernel_probe_other", probe.Output+probe.OutputDJ) // must be 0: nothing else runs
	metric("kernel_probe_power_supplies", powerSupplies())

	cold, warm := queryRuns(t, rg, 1, 3)
	hc := summary("helio_cold", cold)
	hw := summary("helio_warm", warm)
	baseline.cold, baseline.warm = hc, hw

	var sol []run
	re := regexp.MustCompile(`WPID\s*:\s*([0-9A-F]{4})`)
	for range runs {
		r := rg.runProc(t, solaarCmd(t, "show"))
		if n := len(re.FindAll(r.out, -1)); n != 3 {
			t.Fatalf("solaar show lists %d devices, want 3:\n%s", n, r.out)
		}
		sol = append(sol, r)
	}
	so := summary("solaar", sol)
	if bytes.Contains(sol[0].out, []byte("Battery status unavailable")) {
		metric("solaar_k750", "Battery status unavailable")
	}
	ratio := func(name string, a, b float64) { metric(name, fmt.Sprintf("%.1f×", a/b)) }
	ratio("ratio_requests_cold", so["requests"], hc["requests"])
	ratio("ratio_requests_warm", so["requests"], hw["requests"])
	ratio("ratio_bytes_cold", so["bytes"], hc["bytes"])
	ratio("ratio_bytes_warm", so["bytes"], hw["bytes"])
	ratio("ratio_time_cold", so["s"], hc["s"])
	ratio("ratio_time_warm", so["s"], hw["s"])
	ratio("ratio_rss", so["rss"], hc["rss"])
	ratio("ratio_requests_kernel_probe", float64(probe.Kernel), hc["requests"])
}

// TestScale: a receiver with 6 devices, and 3 receivers (9 devices) at
// once: query time and peak resident memory, and their growth per device
// over the default receiver's 3.
func TestScale(t *testing.T) {
	needVM(t)
	perDevice := func(prefix string, devices int, cold, warm map[string]float64) {
		if baseline.cold == nil {
			metric(prefix+"_per_device", "n/a (run TestQuery first)")
			return
		}
		extra := float64(devices - 3)
		metric(prefix+"_cold_ms_per_device", fmt.Sprintf("%+.0f ms", (cold["s"]-baseline.cold["s"])*1000/extra))
		metric(prefix+"_warm_ms_per_device", fmt.Sprintf("%+.0f ms", (warm["s"]-baseline.warm["s"])*1000/extra))
		metric(prefix+"_rss_per_device", fmt.Sprintf("%+.2f MB", (cold["rss"]-baseline.cold["rss"])/extra))
		metric(prefix+"_requests_per_device", fmt.Sprintf("%.1f", cold["requests"]/float64(devices)))
	}
	t.Run("six", func(t *testing.T) {
		p, err := emulator.LoadProfile("testdata/six-devices.json")
		if err != nil {
			t.Fatal(err)
		}
		rg := plugAll(t, p)
		metric("six_kernel_probe_requests", rg.count.snapshot().Kernel)
		cold, warm := queryRuns(t, rg, 1, 6)
		c, w := summary("six_cold", cold), summary("six_warm", warm)
		perDevice("six", 6, c, w)
	})
	t.Run("three_receivers", func(t *testing.T) {
		var ps []*emulator.Profile
		for i := range 3 {
			p := defaultProfile(t)
			p.Receiver.Serial = fmt.Sprintf("E066219%d", i+2)
			for j := range p.Devices {
				p.Devices[j].Serial = fmt.Sprintf("%s%d", p.Devices[j].Serial[:7], i)
			}
			ps = append(ps, p)
		}
		rg := plugAll(t, ps...)
		metric("three_kernel_probe_requests", rg.count.snapshot().Kernel)
		cold, warm := queryRuns(t, rg, 3, 9)
		c, w := summary("three_cold", cold), summary("three_warm", warm)
		perDevice("three", 9, c, w)
	})
}

// cpuTicks is a process's user and system time, in clock ticks (1/100 s).
func cpuTicks(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces: fields start after the last ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return u + s, nil
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

// flood measures the CPU of a running process: floodIdle at rest, then
// floodSeconds while the emulator sends 1000 keyboard and mouse reports a
// second (10 every 10 ms). It reports under prefix.
func flood(t *testing.T, emu *emulator.Receiver, prefix string, pid int, alive func() bool) {
	t.Helper()
	time.Sleep(floodSettle)
	if !alive() {
		t.Fatalf("%s exited before the measurement", prefix)
	}
	c0, err := cpuTicks(pid)
	if err != nil {
		t.Fatalf("%s: %v", prefix, err)
	}
	time.Sleep(floodIdle)
	c1, err := cpuTicks(pid)
	if err != nil {
		t.Fatalf("%s: %v", prefix, err)
	}
	sent := 0
	t0 := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	for end := t0.Add(floodSeconds * time.Second); time.Now().Before(end); <-tick.C {
		emu.FloodInput(10)
		sent += 10
	}
	tick.Stop()
	elapsed := time.Since(t0)
	c2, err := cpuTicks(pid)
	if err != nil || !alive() {
		t.Fatalf("%s exited during the flood: %v", prefix, err)
	}
	idleMS := float64(c1-c0) * 10
	floodMS := float64(c2-c1) * 10
	metric(prefix+"_flood_sent", sent)
	metric(prefix+"_flood_rate", fmt.Sprintf("%.0f/s", float64(sent)/elapsed.Seconds()))
	metric(prefix+"_idle_cpu", fmt.Sprintf("%.0f ms in %.0f s", idleMS, floodIdle.Seconds()))
	metric(prefix+"_flood_cpu", fmt.Sprintf("%.0f ms in %.0f s", floodMS, elapsed.Seconds()))
	metric(prefix+"_flood_cpu_pct", fmt.Sprintf("%.1f %%", floodMS/elapsed.Seconds()/10))
	metric(prefix+"_flood_us_per_report", fmt.Sprintf("%.0f µs", (floodMS-idleMS*elapsed.Seconds()/floodIdle.Seconds())*1000/float64(sent)))
	metric(prefix+"_rss", fmt.Sprintf("%.1f MB", rssMB(pid)))
}

// startProc starts cmd and returns a liveness check.
func startProc(t *testing.T, cmd *exec.Cmd) (alive func() bool, output func() string) {
	t.Helper()
	var out syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	alive = func() bool {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	return alive, out.String
}

// TestFlood: the CPU of resident readers while the emulator floods 1000
// input reports a second for 30 s: a bare Helio connection (as in
// vmtest's TestInputFlood), "helio export" (the resident monitor on a
// private D-Bus), and Solaar's resident mode if it runs without a display.
func TestFlood(t *testing.T) {
	needVM(t)
	rg := plugAll(t, defaultProfile(t))
	emu := rg.emus[0]
	path := receivers()[0].Path

	t.Run("reader", func(t *testing.T) {
		cmd := exec.Command(os.Args[0])
		total := floodSettle + floodIdle + floodSeconds*time.Second + 3*time.Second
		cmd.Env = append(os.Environ(), "HELIO_BENCH_READER="+path, "HELIO_BENCH_SECONDS="+strconv.Itoa(int(total.Seconds())))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		alive := func() bool { return len(done) == 0 }
		flood(t, emu, "reader", cmd.Process.Pid, alive)
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("reader: %v\n%s", err, out.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatal("the reader did not finish")
		}
		var ignored int
		if _, err := fmt.Sscanf(out.String(), "ignored %d", &ignored); err != nil {
			t.Fatalf("reader said %q", out.String())
		}
		metric("reader_flood_dropped", ignored)
	})

	t.Run("export", func(t *testing.T) {
		dir := t.TempDir()
		bus := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--address=unix:path="+filepath.Join(dir, "bus"), "--print-address=1")
		stdout, err := bus.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := bus.Start(); err != nil {
			t.Fatalf("dbus-daemon: %v", err)
		}
		t.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
		addrc := make(chan string, 1)
		go func() {
			line, _ := bufio.NewReader(stdout).ReadString('\n')
			addrc <- strings.TrimSpace(line)
			io.Copy(io.Discard, stdout)
		}()
		var addr string
		select {
		case addr = <-addrc:
		case <-time.After(10 * time.Second):
			t.Fatal("dbus-daemon printed no address")
		}
		if addr == "" {
			t.Fatal("dbus-daemon printed no address")
		}
		cmd := helioCmd(dir, "export", "--bus-address", addr)
		alive, output := startProc(t, cmd)
		flood(t, emu, "export", cmd.Process.Pid, alive)
		if !alive() {
			t.Fatalf("helio export exited: %s", output())
		}
	})

	t.Run("solaar", func(t *testing.T) {
		cmd := solaarCmd(t, "--window=hide")
		alive, output := startProc(t, cmd)
		for end := time.Now().Add(20 * time.Second); time.Now().Before(end) && alive(); {
			time.Sleep(100 * time.Millisecond)
		}
		if !alive() {
			msg := strings.TrimSpace(output())
			if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
				msg = strings.TrimSpace(msg[i+1:])
			}
			if len(msg) > 160 {
				msg = msg[:160] + "…"
			}
			metric("solaar_resident", fmt.Sprintf("not applicable: \"solaar --window=hide\" exits without a display (%s)", msg))
			return
		}
		metric("solaar_resident", "runs")
		flood(t, emu, "solaar", cmd.Process.Pid, alive)
	})
}

// reader is the child process of TestFlood's reader: it holds a Helio
// connection open on the receiver for HELIO_BENCH_SECONDS and prints how
// many input reports it read and dropped.
func reader(path string) int {
	seconds, _ := strconv.Atoi(os.Getenv("HELIO_BENCH_SECONDS"))
	var info transport.Info
	for _, i := range receivers() {
		if i.Path == path {
			info = i
		}
	}
	tc, err := hidraw.Backend{}.Open(info)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	c := hidpp.NewConn(tc, nil)
	events, cancel := c.Subscribe()
	deadline := time.After(time.Duration(seconds) * time.Second)
loop:
	for {
		select {
		case <-events:
		case <-deadline:
			break loop
		}
	}
	cancel()
	st := c.Stats()
	c.Close()
	fmt.Printf("ignored %d\n", st.Ignored)
	return 0
}
