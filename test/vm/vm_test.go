// Package vmtest checks Helio against the real Linux kernel. Its tests run
// inside the rig's VM (rig/vm.sh, started by "make vmtest"): the emulated
// receiver is plugged in through /dev/uhid, the kernel's hid-logitech-dj and
// hid-logitech-hidpp bind to it, and Helio reads it over real hidraw nodes.
// The kernel's power supplies and Debian's Solaar are the oracles: they were
// written by other people, so a mismatch is a bug in the emulator or Helio.
//
// Outside the VM (HELIO_VM unset) the tests do not run: they create real
// devices, which must not happen on a developer's desktop.
package vm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/hidraw"
	"github.com/helio-linux/helio/unifying"
)

func TestMain(m *testing.M) {
	if path := os.Getenv("HELIO_VMTEST_READER"); path != "" {
		os.Exit(reader(path))
	}
	if os.Getenv("HELIO_VM") != "1" {
		fmt.Println("vmtest: not inside the test VM; these tests run with \"make vmtest\"")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helio is the binary built by "make vmtest" before the VM starts.
var helio = func() string {
	p, _ := filepath.Abs("../../bin/helio")
	return p
}()

// plugged is an emulated receiver in front of the kernel.
type plugged struct {
	emu  *emulator.Receiver
	uhid *emulator.UHID
	info transport.Info
}

// plug creates the default receiver through uhid and waits until the kernel
// has bound its drivers: the receiver's hidraw node exists and the three
// power supplies are registered.
func plug(t *testing.T) *plugged {
	t.Helper()
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	emu := emulator.New(p, nil)
	u := emulator.NewUHID(emu, emulator.UHIDOpts{})
	t0 := time.Now()
	if err := u.Plug(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		u.Unplug()
		emu.Close()
		waitFor(t, 5*time.Second, "the receiver's nodes to go", func() bool {
			infos, _ := hidraw.Backend{}.Receivers()
			return len(infos) == 0
		})
	})
	pl := &plugged{emu: emu, uhid: u}
	waitFor(t, 10*time.Second, "the receiver's hidraw node", func() bool {
		infos, _ := hidraw.Backend{}.Receivers()
		if len(infos) == 1 {
			pl.info = infos[0]
		}
		return len(infos) == 1
	})
	metric(t, "hidraw_node_after_plug_ms", time.Since(t0).Milliseconds())
	waitFor(t, 10*time.Second, "three power supplies", func() bool { return len(powerSupplies(t)) == 3 })
	metric(t, "power_supplies_after_plug_ms", time.Since(t0).Milliseconds())
	return pl
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(d); ; time.Sleep(10 * time.Millisecond) {
		if ok() {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("waited %v for %s", d, what)
		}
	}
}

// metric prints a figure in a form "make vmtest" collects for the notes.
func metric(t *testing.T, name string, v any) {
	t.Helper()
	t.Logf("METRIC %s %v", name, v)
}

// supply is one of the kernel's hidpp_battery_N power supplies.
type supply struct {
	name     string
	wpid     uint16
	capacity int
	status   string
	online   bool
}

// powerSupplies reads /sys/class/power_supply/hidpp_battery_*, keyed by the
// wpid of the HID device each belongs to.
func powerSupplies(t *testing.T) map[uint16]supply {
	t.Helper()
	out := map[uint16]supply{}
	dirs, _ := filepath.Glob("/sys/class/power_supply/hidpp_battery_*")
	for _, dir := range dirs {
		ue, err := hidraw.ReadSysfs(filepath.Join(dir, "device", "uevent"))
		if err != nil {
			continue
		}
		m := regexp.MustCompile(`HID_ID=\w+:0000046D:0000(\w{4})`).FindSubmatch(ue)
		if m == nil {
			continue
		}
		wpid, _ := strconv.ParseUint(string(m[1]), 16, 16)
		s := supply{name: filepath.Base(dir), wpid: uint16(wpid)}
		ps, err := hidraw.ReadSysfs(filepath.Join(dir, "uevent"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(ps), "\n") {
			k, v, _ := strings.Cut(line, "=")
			switch k {
			case "POWER_SUPPLY_CAPACITY":
				s.capacity, _ = strconv.Atoi(v)
			case "POWER_SUPPLY_STATUS":
				s.status = v
			case "POWER_SUPPLY_ONLINE":
				s.online = v == "1"
			}
		}
		out[s.wpid] = s
	}
	return out
}

// queryJSON is the part of "helio query --json" the tests compare.
type queryJSON struct {
	Receivers []struct {
		PID, Serial, Path string
		Devices           []struct {
			Index    int
			WPID     string
			Name     string
			Codename string
			Protocol *string
			Online   bool
			Battery  *struct {
				Percent *int
				Status  string
			}
			Light *struct{ Lux int }
		}
	}
}

// runHelio runs the helio binary with a private cache directory.
func runHelio(t *testing.T, cache string, args ...string) ([]byte, time.Duration, error) {
	t.Helper()
	cmd := exec.Command(helio, args...)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache)
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

func percentOf(d struct {
	Percent *int
	Status  string
}) int {
	if d.Percent == nil {
		return -1
	}
	return *d.Percent
}

// TestQuery_Hidraw is the main path: helio query over the real hidraw
// nodes, checked against the kernel's own power supplies.
func TestQuery_Hidraw(t *testing.T) {
	pl := plug(t)
	// The kernel asked the K750 for one light report at probe; its power
	// supply holds 0 until that report arrives a second later.
	waitFor(t, 5*time.Second, "the kernel's K750 reading", func() bool { return powerSupplies(t)[0x4002].capacity == 57 })
	checkQuery(t, pl, "hidraw")
}

// TestQuery_HIDAPI is the same through the hidapi backend (go-hid, cgo).
func TestQuery_HIDAPI(t *testing.T) {
	pl := plug(t)
	waitFor(t, 5*time.Second, "the kernel's K750 reading", func() bool { return powerSupplies(t)[0x4002].capacity == 57 })
	checkQuery(t, pl, "hidapi")
}

func checkQuery(t *testing.T, pl *plugged, backend string) {
	cache := t.TempDir()
	pl.emu.ResetRequests()
	out, cold, err := runHelio(t, cache, "--backend", backend, "query", "--json")
	if err != nil {
		t.Fatal(err)
	}
	coldRequests := pl.emu.TotalRequests()
	var q queryJSON
	if err := json.Unmarshal(out, &q); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if len(q.Receivers) != 1 || q.Receivers[0].PID != "c52b" || q.Receivers[0].Path != pl.info.Path {
		t.Fatalf("receivers = %+v, want the c52b on %s", q.Receivers, pl.info.Path)
	}
	want := map[string]struct {
		percent int
		proto   string
		lux     int
	}{
		"4082": {80, "4.5", -1}, "4002": {57, "2.0", 12}, "101b": {100, "1.0", -1},
	}
	supplies := powerSupplies(t)
	for _, d := range q.Receivers[0].Devices {
		w, ok := want[d.WPID]
		if !ok || !d.Online || d.Battery == nil || d.Protocol == nil {
			t.Errorf("device %+v", d)
			continue
		}
		got := percentOf(*d.Battery)
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
		ps, ok := supplies[uint16(wpid)]
		switch {
		case !ok:
			t.Errorf("%s: the kernel has no power supply for it", d.Name)
		case ps.capacity != got:
			t.Errorf("%s: Helio reads %d %%, the kernel's %s says %d %%", d.Name, got, ps.name, ps.capacity)
		}
	}
	pl.emu.ResetRequests()
	_, warm, err := runHelio(t, cache, "--backend", backend, "query", "--json")
	if err != nil {
		t.Fatal(err)
	}
	metric(t, backend+"_query_cold_ms", cold.Milliseconds())
	metric(t, backend+"_query_warm_ms", warm.Milliseconds())
	metric(t, backend+"_requests_cold", coldRequests)
	metric(t, backend+"_requests_warm", pl.emu.TotalRequests())
	// The K750's reading alone: from process start to its figures on stdout.
	_, k750, err := runHelio(t, cache, "--backend", backend, "query", "K750")
	if err != nil {
		t.Fatal(err)
	}
	metric(t, backend+"_k750_first_reading_ms", k750.Milliseconds())
}

// TestSolaar runs Debian's "solaar show" against the same receiver: it must
// list the same devices with the same batteries (where it can read one: it
// cannot read the K750's, whose charge comes only in solar events).
func TestSolaar(t *testing.T) {
	solaar, err := exec.LookPath("solaar")
	if err != nil {
		t.Fatal("solaar is not installed; make vmtest installs it")
	}
	pl := plug(t)
	waitFor(t, 5*time.Second, "the kernel's K750 reading", func() bool { return powerSupplies(t)[0x4002].capacity == 57 })
	out, _, err := runHelio(t, t.TempDir(), "query", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var q queryJSON
	json.Unmarshal(out, &q)
	pl.emu.ResetRequests()
	shim, _ := filepath.Abs("../rig/solaar")
	cmd := exec.Command(solaar, "show")
	cmd.Env = append(os.Environ(), "PYTHONPATH="+shim, "PYTHONDONTWRITEBYTECODE=1", "HOME="+t.TempDir())
	t0 := time.Now()
	show, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("solaar show: %v\n%s", err, show)
	}
	metric(t, "solaar_show_ms", time.Since(t0).Milliseconds())
	metric(t, "solaar_requests", pl.emu.TotalRequests())
	devices := parseSolaar(string(show))
	if len(devices) != 3 {
		t.Fatalf("solaar lists %d devices, want 3:\n%s", len(devices), show)
	}
	for _, d := range q.Receivers[0].Devices {
		s, ok := devices[strings.ToUpper(d.WPID)]
		if !ok {
			t.Errorf("solaar does not list %s (%s)", d.Name, d.WPID)
			continue
		}
		if s < 0 {
			t.Logf("solaar cannot read the battery of %s; Helio reads %d %%", d.Name, percentOf(*d.Battery))
			continue
		}
		if got := percentOf(*d.Battery); got != s {
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
	pl := plug(t)
	c, r, devs := open(t, pl.info)
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
	pl.emu.SetOnline(2, false)
	if ch := next(); ch.Kind != unifying.Disconnected || ch.Device != k750 || k750.Online() {
		t.Errorf("out of range: %+v", ch)
	}
	waitFor(t, 5*time.Second, "the kernel to mark the K750 offline", func() bool { return !powerSupplies(t)[0x4002].online })
	rd := sensors.Read(context.Background(), k750, nil)
	if rd.Online || rd.Battery != nil {
		t.Errorf("reading while out of range: %+v", rd)
	}
	if _, err := k750.Ping(context.Background()); !errors.Is(err, hidpp.ErrOffline) {
		t.Errorf("ping while out of range: %v, want ErrOffline", err)
	}
	pl.emu.SetOnline(2, true)
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
	pl := plug(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes, err := hidraw.Backend{}.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, _, devs := open(t, pl.info)
	done := make(chan sensors.State)
	go func() {
		done <- sensors.Read(context.Background(), devs[1], &sensors.Opts{LightWait: 10 * time.Second})
	}()
	time.Sleep(200 * time.Millisecond) // the SetLightMeasure is out; its report is a second away
	t0 := time.Now()
	pl.uhid.Unplug()
	select {
	case rd := <-done:
		if rd.Err == nil || rd.Light != nil {
			t.Errorf("reading across an unplug: %+v", rd)
		}
		metric(t, "unplug_fails_pending_read_ms", time.Since(t0).Milliseconds())
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
				if ch.Added == added && (!added || ch.Info.ProductID == 0xc52b) && (added || ch.Info.Path == pl.info.Path) {
					return ch.Info
				}
			case <-timeout:
				t.Fatalf("hot-plug watch: no change with added=%v", added)
			}
		}
	}
	expect(false)
	if err := pl.uhid.Plug(); err != nil {
		t.Fatal(err)
	}
	info := expect(true)
	_, _, devs = open(t, info)
	if rd := sensors.Read(context.Background(), devs[2], nil); rd.Battery == nil || rd.Battery.Percent != 100 {
		t.Errorf("M705 after replug: %+v", rd)
	}
}

// TestInputFlood measures the CPU a Helio reader spends while the receiver's
// devices send 1000 keyboard and mouse reports a second: it must drop them
// unread. The reader runs in its own process so the emulator's work is not
// counted.
func TestInputFlood(t *testing.T) {
	pl := plug(t)
	const seconds = 8
	// read runs a reader process for the given seconds while flood is
	// called every 10 ms, and returns what it said.
	read := func(flood func()) (cpuMS, ignored, events, userMS int) {
		t.Helper()
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "HELIO_VMTEST_READER="+pl.info.Path, "HELIO_VMTEST_SECONDS="+strconv.Itoa(seconds))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond) // let the reader open the node
		tick := time.NewTicker(10 * time.Millisecond)
		for end := time.Now().Add((seconds - 1) * time.Second); time.Now().Before(end); <-tick.C {
			flood()
		}
		tick.Stop()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("reader: %v\n%s", err, out.String())
		}
		if _, err := fmt.Sscanf(out.String(), "cpu_ms %d ignored %d events %d user_ms %d", &cpuMS, &ignored, &events, &userMS); err != nil {
			t.Fatalf("reader said %q", out.String())
		}
		return cpuMS, ignored, events, userMS
	}
	idleMS, _, _, _ := read(func() {})
	sent := 0
	cpuMS, ignored, events, userMS := read(func() { pl.emu.FloodInput(10); sent += 10 })
	metric(t, "flood_reports_sent", sent)
	metric(t, "flood_reports_read_and_dropped", ignored)
	metric(t, "idle_reader_cpu_ms", idleMS)
	metric(t, "flood_reader_cpu_ms", cpuMS)
	metric(t, "flood_reader_user_ms", userMS)
	metric(t, "flood_reader_cpu_percent_above_idle", fmt.Sprintf("%.2f", float64(cpuMS-idleMS)/float64(seconds*10)))
	if ignored > 0 {
		metric(t, "flood_reader_us_per_report", (cpuMS-idleMS)*1000/ignored)
	}
	// hidraw keeps 64 reports per reader and drops the rest when the reader
	// falls behind, which happens on the VM's one emulated CPU; most must
	// still arrive, and every one that arrives must be dropped unread.
	if ignored < sent/2 {
		t.Errorf("the reader saw %d of %d input reports", ignored, sent)
	}
	// The only HID++ traffic in the window is the kernel's K750 light
	// report and the like: a handful, never the flood.
	if events > 10 {
		t.Errorf("%d reports reached subscribers during the flood", events)
	}
}

// reader is the child process of TestInputFlood: it holds a Helio
// connection open for HELIO_VMTEST_SECONDS and prints its CPU time.
func reader(path string) int {
	seconds, _ := strconv.Atoi(os.Getenv("HELIO_VMTEST_SECONDS"))
	infos, _ := hidraw.Backend{}.Receivers()
	var info transport.Info
	for _, i := range infos {
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
	n := 0
	deadline := time.After(time.Duration(seconds) * time.Second)
loop:
	for {
		select {
		case <-events:
			n++
		case <-deadline:
			break loop
		}
	}
	cancel()
	st := c.Stats()
	c.Close()
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Printf("cpu_ms %d ignored %d events %d user_ms %d\n", cpu.Milliseconds(), st.Ignored, n, time.Duration(ru.Utime.Nano()).Milliseconds())
	return 0
}

// TestWatch_Hidraw runs "helio watch --json" on the real hidraw node: it
// sees a battery event, the K750 leaving and returning, and the receiver
// pulled out and plugged back (through the kernel's uevents); then "helio
// history" reads what it recorded.
func TestWatch_Hidraw(t *testing.T) {
	pl := plug(t)
	state := t.TempDir()
	cmd := exec.Command(helio, "watch", "--json")
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+state, "XDG_CACHE_HOME="+state)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan map[string]any, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var v map[string]any
			if json.Unmarshal(sc.Bytes(), &v) == nil {
				lines <- v
			}
		}
		close(lines)
	}()
	expect := func(what, wpid string, ok func(map[string]any) bool) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case v, open := <-lines:
				if !open {
					t.Fatalf("watch ended waiting for %s: %s", what, stderr.String())
				}
				if v["wpid"] == wpid && ok(v) {
					return
				}
			case <-timeout:
				t.Fatalf("watch never showed %s", what)
			}
		}
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
	metric(t, "watch_k750_first_reading_ms", time.Since(t0).Milliseconds())
	pl.emu.SetBattery(1, 30, hidpp.StatusDischarging)
	expect("the MX's battery event", "4082", percentIs(30))
	pl.emu.SetOnline(2, false)
	expect("the K750 out of range", "4002", online(false))
	pl.emu.SetOnline(2, true)
	expect("the K750 back", "4002", percentIs(57))
	pl.uhid.Unplug()
	expect("the M705 offline with its receiver", "101b", online(false))
	if err := pl.uhid.Plug(); err != nil {
		t.Fatal(err)
	}
	expect("the M705 back with its receiver", "101b", percentIs(100))
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("watch after SIGTERM: %v: %s", err, stderr.String())
	}
	cmd2 := exec.Command(helio, "history", "--csv", "MX Master")
	cmd2.Env = append(os.Environ(), "XDG_STATE_HOME="+state)
	out, err := cmd2.CombinedOutput()
	if err != nil || !strings.Contains(string(out), ",80,") || !strings.Contains(string(out), ",30,") {
		t.Errorf("history after watch: %v\n%s", err, out)
	}
}
