// Package rig is the Go half of the test rig: the harness the tests that run
// in the rig's VM share (test/vm, checking Helio against the real kernel,
// and test/bench, measuring it against Solaar). The other half, beside it,
// is the scripts that fetch Debian's kernel and boot it under qemu
// (vm.sh, and vmexec.sh for "go test -exec").
//
// In the VM, a test plugs emulated receivers into the kernel through
// /dev/uhid ([Plug]), or onto its virtual USB bus as USB gadgets
// ([PlugUSB], [FindUSB]), and waits for the kernel's drivers to bind; it reads
// what the kernel made of them ([Receivers], [PowerSupplies]), runs helio
// and Solaar on them ([HelioCmd], [SolaarCmd]), and runs a Helio reader in
// a process of its own ([StartReader]). Figures are printed as "METRIC NAME
// VALUE" lines ([Metric]), which "make vmtest" and test/bench/run.sh
// collect.
//
// A package of tests that runs in the VM calls [Main] from its TestMain.
// Outside the VM its tests do not run: they create real devices, which must
// not happen on a developer's desktop.
//
// Nothing outside test/ imports this package (TestImports).
package rig

import (
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/hidraw"
)

// vmEnv is set to 1 by vm.sh for the command it runs in the VM. A build tag
// cannot say it: the test binary is built here and run there, and the same
// binary run here must not plug devices into this machine's kernel.
const vmEnv = "HELIO_VM"

// InVM reports whether the process runs inside the rig's VM.
func InVM() bool { return os.Getenv(vmEnv) == "1" }

// Main runs the tests of m inside the VM, and none outside it (it says so
// and exits 0). It also runs the reader child of [StartReader]. Call it
// from TestMain.
func Main(m *testing.M) {
	flag.Parse()
	if *readerPath != "" {
		os.Exit(reader(*readerPath, *readerTime))
	}
	if !InVM() {
		fmt.Printf("%s: not inside the test VM (%s unset): these tests plug devices into the kernel; \"make vmtest\" and \"make bench\" run them there\n",
			filepath.Base(os.Args[0]), vmEnv)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Root is the repository's root directory: the nearest directory above
// the working directory (go test's is the package's) that holds go.mod.
func Root() string {
	dir, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			panic("rig: no go.mod above " + dir)
		}
	}
}

// Helio is the helio binary that "make vmtest" and "make bench" build
// before the VM starts.
func Helio() string { return filepath.Join(Root(), "bin", "helio") }

// HelioCmd is a command that runs helio with args, its cache, state and
// config directories dir.
func HelioCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(Helio(), args...)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+dir, "XDG_STATE_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	return cmd
}

// SolaarCmd is a command that runs Debian's solaar with args, as the
// rig's Solaar: its HID parser shim (solaar/hid_parser.py beside this
// file) on PYTHONPATH, a home of its own, and no display. The test fails
// where solaar is not installed.
func SolaarCmd(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	solaar, err := exec.LookPath("solaar")
	if err != nil {
		t.Fatal("solaar is not installed; make vmtest and make bench install it")
	}
	cmd := exec.Command(solaar, args...)
	home := t.TempDir()
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "DISPLAY=") && !strings.HasPrefix(e, "WAYLAND_DISPLAY=") {
			env = append(env, e)
		}
	}
	cmd.Env = append(env, "PYTHONPATH="+filepath.Join(Root(), "test", "rig", "solaar"), "PYTHONDONTWRITEBYTECODE=1",
		"HOME="+home, "XDG_CONFIG_HOME="+home)
	return cmd
}

// WaitFor polls ok until it holds, and fails the test after d, saying it
// waited for what.
func WaitFor(t testing.TB, d time.Duration, what string, ok func() bool) {
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

// Metric prints one figure as a line "METRIC NAME VALUE" on standard
// output, where "make vmtest" and test/bench/run.sh collect them.
func Metric(name string, v any) {
	fmt.Printf("METRIC %s %v\n", name, v)
}

// Receivers lists the receivers' hidraw nodes, as Helio finds them.
func Receivers() []transport.Info {
	infos, _ := hidraw.Backend{}.Receivers()
	return infos
}

// Supply is one of the kernel's hidpp_battery_N power supplies.
type Supply struct {
	Name     string // hidpp_battery_N
	WPID     uint16 // of the HID device it belongs to
	Capacity int    // percent
	Status   string // Discharging, ...
	Online   bool
	// HasCapacity says whether the kernel gives a capacity at all: not for
	// a 0x1000 battery without mileage, which has only a Level.
	HasCapacity bool
	Level       string // capacity level: Full, High, Normal, Low, Critical
	VoltageMV   int    // 0x1001 batteries: the voltage, in mV
	Serial      string // the device's serial: a Bluetooth device's address
}

var hidID = regexp.MustCompile(`HID_ID=\w+:0000046D:0000(\w{4})`)

// PowerSupplies reads /sys/class/power_supply/hidpp_battery_*.
func PowerSupplies() []Supply {
	var out []Supply
	dirs, _ := filepath.Glob("/sys/class/power_supply/hidpp_battery_*")
	for _, dir := range dirs {
		ue, err := hidraw.ReadSysfs(filepath.Join(dir, "device", "uevent"))
		if err != nil {
			continue
		}
		m := hidID.FindSubmatch(ue)
		if m == nil {
			continue
		}
		wpid, _ := strconv.ParseUint(string(m[1]), 16, 16)
		s := Supply{Name: filepath.Base(dir), WPID: uint16(wpid)}
		ps, err := hidraw.ReadSysfs(filepath.Join(dir, "uevent"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(ps), "\n") {
			k, v, _ := strings.Cut(line, "=")
			switch k {
			case "POWER_SUPPLY_CAPACITY":
				s.Capacity, _ = strconv.Atoi(v)
				s.HasCapacity = true
			case "POWER_SUPPLY_CAPACITY_LEVEL":
				s.Level = v
			case "POWER_SUPPLY_VOLTAGE_NOW":
				uv, _ := strconv.Atoi(v)
				s.VoltageMV = uv / 1000
			case "POWER_SUPPLY_SERIAL_NUMBER":
				s.Serial = v
			case "POWER_SUPPLY_STATUS":
				s.Status = v
			case "POWER_SUPPLY_ONLINE":
				s.Online = v == "1"
			}
		}
		out = append(out, s)
	}
	return out
}

// PowerSupply is the power supply of the device with wpid (the first, if
// several receivers hold such a device).
func PowerSupply(wpid uint16) (Supply, bool) {
	for _, s := range PowerSupplies() {
		if s.WPID == wpid {
			return s, true
		}
	}
	return Supply{}, false
}

// DefaultProfile is the emulator's built-in receiver: an MX Master 3
// (HID++ 4.5), a K750 (HID++ 2.0, solar) and an M705 (HID++ 1.0).
func DefaultProfile(t testing.TB) *emulator.Profile {
	t.Helper()
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Plugged is a set of emulated receivers in front of the kernel.
type Plugged struct {
	Emus  []*emulator.Receiver // one per profile, in order
	UHIDs []*emulator.UHID     // their presence on /dev/uhid
	Infos []transport.Info     // the receivers' hidraw nodes, by path
	At    time.Time            // when they were plugged
}

// PlugOpts configures [Plug].
type PlugOpts struct {
	// Logger receives what the kernel and programs send the receivers
	// (emulator.UHIDOpts.Logger).
	Logger *slog.Logger
}

// Plug plugs one receiver per profile (nil: the [DefaultProfile]) into the
// kernel through /dev/uhid, each on a USB port of its own, and waits until
// the kernel has bound them: every receiver's hidraw node and a power
// supply per device exist. The receivers are unplugged when the test ends,
// and the test waits for their nodes to go.
func Plug(t testing.TB, opts *PlugOpts, profiles ...*emulator.Profile) *Plugged {
	t.Helper()
	if opts == nil {
		opts = &PlugOpts{}
	}
	if len(profiles) == 0 {
		profiles = []*emulator.Profile{DefaultProfile(t)}
	}
	WaitFor(t, 10*time.Second, "no receiver before plugging", func() bool { return len(Receivers()) == 0 })
	pl := &Plugged{At: time.Now()}
	t.Cleanup(func() {
		for i, u := range pl.UHIDs {
			u.Unplug()
			pl.Emus[i].Close()
		}
		WaitFor(t, 10*time.Second, "the receivers' nodes to go", func() bool { return len(Receivers()) == 0 })
	})
	devices := 0
	for i, p := range profiles {
		emu := emulator.New(p, nil)
		phys := "usb-0000:00:14.0-2"
		if len(profiles) > 1 {
			phys = fmt.Sprintf("usb-0000:00:14.0-%d", i+1)
		}
		u := emulator.NewUHID(emu, emulator.UHIDOpts{Phys: phys, Logger: opts.Logger})
		if err := u.Plug(); err != nil {
			t.Fatal(err)
		}
		pl.Emus = append(pl.Emus, emu)
		pl.UHIDs = append(pl.UHIDs, u)
		devices += len(p.Devices)
	}
	pl.awaitBound(t, "", len(profiles), devices)
	return pl
}

// awaitBound waits until the kernel has bound the receivers just plugged:
// their hidraw nodes (kept in Infos), and a power supply for each of their
// devices. How long each took is a metric, its name led by prefix.
func (pl *Plugged) awaitBound(t testing.TB, prefix string, receivers, devices int) {
	t.Helper()
	waitKernel(t, 20*time.Second, "the receivers' hidraw nodes", func() bool {
		pl.Infos = Receivers()
		return len(pl.Infos) == receivers
	})
	Metric(prefix+"hidraw_node_after_plug_ms", time.Since(pl.At).Milliseconds())
	waitKernel(t, 30*time.Second, fmt.Sprintf("%d power supplies", devices), func() bool { return len(PowerSupplies()) >= devices })
	Metric(prefix+"power_supplies_after_plug_ms", time.Since(pl.At).Milliseconds())
}

// Requests is how many HID++ requests the receivers have counted, from
// programs and the kernel.
func (pl *Plugged) Requests() int {
	n := 0
	for _, e := range pl.Emus {
		n += e.TotalRequests()
	}
	return n
}

// Query is the part of "helio query --json" the tests check.
type Query struct {
	Receivers []QueryReceiver
	// Devices are the devices reached without a receiver (Bluetooth).
	Devices []QueryDirect
}

// QueryReceiver is one receiver of a [Query], with its devices.
type QueryReceiver struct {
	PID, Serial, Path, Family string
	Devices                   []QueryDevice
}

// QueryDevice is one device of a [Query].
type QueryDevice struct {
	Index    int
	WPID     string
	Kind     string
	Name     string
	Codename string
	Serial   string // "" for null
	UnitID   string `json:"unit_id"`
	Bus      string
	Protocol *string
	Online   bool
	Battery  *struct {
		Percent     *int
		Level       *string
		Status      string
		VoltageMV   *int `json:"voltage_mv"`
		Approximate bool
	}
	Light *struct{ Lux int }
	Error string
}

// QueryDirect is a device of a [Query] reached without a receiver: its
// node's product id and path, and the device.
type QueryDirect struct {
	PID, Path string
	QueryDevice
}

// All lists every device of q by the id its profile gives it: a
// receiver's devices by wpid, the others by their node's product id,
// upper case.
func (q Query) All() map[string]QueryDevice {
	out := map[string]QueryDevice{}
	for _, r := range q.Receivers {
		for _, d := range r.Devices {
			out[strings.ToUpper(d.WPID)] = d
		}
	}
	for _, d := range q.Devices {
		out[strings.ToUpper(d.PID)] = d.QueryDevice
	}
	return out
}

// Percent is the device's battery percentage, -1 without one.
func (d QueryDevice) Percent() int {
	if d.Battery == nil || d.Battery.Percent == nil {
		return -1
	}
	return *d.Battery.Percent
}

// ParseQuery decodes the output of "helio query --json"; the test fails if
// it cannot.
func ParseQuery(t testing.TB, out []byte) Query {
	t.Helper()
	var q Query
	if err := json.Unmarshal(out, &q); err != nil {
		t.Fatalf("helio query --json: %v in %s", err, out)
	}
	return q
}
