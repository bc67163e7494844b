package cli

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/dbustest"
	"github.com/helio-linux/helio/internal/proctest"
	"github.com/helio-linux/helio/internal/syncbuf"
	"github.com/helio-linux/helio/upower"
)

// needTools skips the test where a program it runs is not installed.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install dbus upower): helio export is not tested against it", tool)
		}
	}
}

// startExport runs `helio export` in-process with args until the test
// ends, and checks then that it exited 0.
func startExport(t *testing.T, getenv func(string) string, args ...string) (stderr *syncbuf.Buffer) {
	t.Helper()
	stderr, _ = startExportWith(t, getenv, args...)
	return stderr
}

// startExportStoppable is startExport with a stop of the test's own.
func startExportStoppable(t *testing.T, getenv func(string) string, args ...string) (stop func()) {
	t.Helper()
	_, stop = startExportWith(t, getenv, args...)
	return stop
}

func startExportWith(t *testing.T, getenv func(string) string, args ...string) (stderr *syncbuf.Buffer, stop func()) {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	var out syncbuf.Buffer
	stderr = &syncbuf.Buffer{}
	done := make(chan int, 1)
	go func() {
		done <- Main(append([]string{"--backend", "sim", "export"}, args...),
			Env{Stdout: &out, Stderr: stderr, Getenv: getenv, Context: ctx})
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("helio export exited %d: %s", code, stderr.String())
				}
			case <-time.After(5 * time.Second):
				t.Error("helio export did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return stderr, stop
}

// awaitDevices waits until name on the bus at addr has the emulator's
// three devices, the K750's light read.
func awaitDevices(t *testing.T, addr, name string, stderr *syncbuf.Buffer) {
	t.Helper()
	c, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	k750 := dbus.ObjectPath(upower.ObjectPath(upower.TypeKeyboard, "hidpp_battery_750c0de2"))
	var last string
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var paths []dbus.ObjectPath
		err := c.Object(name, upower.Path).Call(upower.Interface+".EnumerateDevices", 0).Store(&paths)
		if err == nil && len(paths) == 3 {
			v, err := c.Object(name, k750).GetProperty(upower.DeviceInterface + ".Luminosity")
			if err == nil && v.Value() == 12.0 {
				return
			}
			last = v.String()
		} else {
			last = fmt.Sprint(paths, err)
		}
		if time.Now().After(end) {
			t.Fatalf("helio export never showed 3 devices and the K750's light as %s: %s; stderr: %s", name, last, stderr.String())
		}
	}
}

// TestExport_RealUpower: the real upower CLI, pointed at a private bus
// where helio export owns org.freedesktop.UPower, lists and prints Helio's
// devices, the K750's luminosity included, and follows a battery change,
// without a GLib warning.
func TestExport_RealUpower(t *testing.T) {
	needTools(t, "dbus-daemon", "upower")
	b := useEmulator(t)
	addr := dbustest.Start(t)
	stderr := startExport(t, func(string) string { return "" }, "--bus-address", addr, "--name", upower.Name)
	awaitDevices(t, addr, upower.Name, stderr)

	env := upowerEnv(t, addr)
	run := upowerCLI(t, env)

	const (
		mx   = "/org/freedesktop/UPower/devices/mouse_hidpp_battery_1a2b3c4d"
		k750 = "/org/freedesktop/UPower/devices/keyboard_hidpp_battery_750c0de2"
		m705 = "/org/freedesktop/UPower/devices/mouse_hidpp_battery_705b0a1d"
	)
	if got, want := run("-e"), mx+"\n"+k750+"\n"+m705+"\n"+upower.DisplayDevicePath+"\n"; got != want {
		t.Errorf("upower -e =\n%swant\n%s", got, want)
	}
	info := run("-i", k750)
	for _, want := range []string{
		"  native-path:          hidpp_battery_750c0de2\n",
		"  vendor:               Logitech\n",
		"  model:                Wireless Solar Keyboard K750\n",
		"  serial:               750C0DE2\n",
		"  keyboard\n",
		"    present:             yes\n",
		"    state:               discharging\n",
		"    luminosity:          12 lx\n",
		"    percentage:          57%\n",
		"    icon-name:          'battery-good-symbolic'\n",
	} {
		if !strings.Contains(info, want) {
			t.Errorf("upower -i %s has no line %q:\n%s", k750, want, info)
		}
	}
	if info := run("-i", mx); !strings.Contains(info, "  mouse\n") || !strings.Contains(info, "    percentage:          80%\n") ||
		strings.Contains(info, "luminosity") {
		t.Errorf("upower -i %s:\n%s", mx, info)
	}
	if dump := run("-d"); !strings.Contains(dump, "daemon-version:  helio ") || !strings.Contains(dump, "Device: "+upower.DisplayDevicePath) {
		t.Errorf("upower -d:\n%s", dump)
	}

	// upower --monitor-detail follows a change of the MX Master 3's battery.
	cmd := exec.Command("upower", "--monitor-detail")
	cmd.Env = env
	mon := proctest.Start(t, cmd)
	// upower prints that it monitors before it has asked for the devices'
	// changes, so the battery changes every 200 ms, 42 %, 41 %, ..., until
	// upower shows one of the changes.
	set := map[string]bool{}
	percent := 42
	change := func() {
		t.Helper()
		if err := b.Receiver.SetBattery(1, percent, hidpp.StatusDischarging); err != nil {
			t.Fatal(err)
		}
		set[fmt.Sprintf("    percentage:          %d%%", percent)] = true
		percent--
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(10 * time.Second)
	changed := false // the last "device changed" line was the MX Master 3's
	for done := false; !done; {
		select {
		case l, ok := <-mon.Lines():
			if !ok {
				t.Fatalf("upower --monitor-detail ended (%v):\n%s", mon.Err(), mon.Output())
			}
			switch {
			case strings.HasPrefix(l, "Monitoring activity"):
				change()
			case strings.Contains(l, "device changed:"):
				changed = strings.HasSuffix(l, mx)
			case changed && set[l]:
				done = true
			}
		case <-tick.C:
			if len(set) > 0 {
				change()
			}
		case <-timeout:
			t.Fatalf("upower --monitor-detail never printed the MX Master 3's new percentage:\n%s", mon.Output())
		}
	}
	mon.Stop()
	if e := mon.Stderr(); e != "" {
		t.Errorf("upower --monitor-detail wrote to stderr:\n%s", e)
	}
}

// TestExport_SessionBus: by default export owns io.github.helio on the
// session bus named by DBUS_SESSION_BUS_ADDRESS.
func TestExport_SessionBus(t *testing.T) {
	needTools(t, "dbus-daemon")
	useEmulator(t)
	addr := dbustest.Start(t)
	getenv := sessionBusEnv(addr)
	stderr := startExport(t, getenv)
	awaitDevices(t, addr, "io.github.helio", stderr)

	// A second export on the same bus finds the name taken.
	_, errs, code := runEnv(t, getenv, "--backend", "sim", "export")
	if code != ExitFailure || !strings.Contains(errs, "io.github.helio is already owned on the session bus") ||
		!strings.Contains(errs, "--name, such as io.github.helio2, which is free") {
		t.Errorf("second export: exit %d, %q", code, errs)
	}
}

// runEnv runs the CLI in-process with getenv and a context already done,
// so a long-running command returns as soon as it has started.
func runEnv(t *testing.T, getenv func(string) string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code = Main(args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: getenv, Context: ctx})
	return out.String(), errb.String(), code
}

// TestExport_Errors: what is wrong is said in one line, with the exit
// status of its kind.
func TestExport_Errors(t *testing.T) {
	useEmulator(t)
	none := func(string) string { return "" }
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export"}, ExitFailure, "DBUS_SESSION_BUS_ADDRESS is unset"},
		{[]string{"export", "--bus-address", "nonsense"}, ExitUsage, `"nonsense" is not of the form unix:path=`},
		{[]string{"export", "--bus-address", "unix:path"}, ExitUsage, "is not key=value"},
		{[]string{"export", "--bus-address", "unix:path=" + t.TempDir() + "/none"}, ExitFailure, "cannot connect to the bus at unix:path="},
		{[]string{"export", "--system", "--bus-address", "unix:path=/x"}, ExitUsage, "give one"},
		{[]string{"export", "--name", "helio"}, ExitUsage, "--name: upower: not a valid D-Bus bus name"},
		{[]string{"export", "extra"}, ExitUsage, "no arguments"},
	} {
		_, errs, code := runEnv(t, none, append([]string{"--backend", "sim"}, tt.args...)...)
		if code != tt.code || !strings.Contains(errs, tt.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("helio %s: exit %d, %q; want exit %d and one line with %q", strings.Join(tt.args, " "), code, errs, tt.code, tt.want)
		}
	}
}

func TestExport_Help(t *testing.T) {
	out, _, code := run(t, "", "export", "--help")
	for _, want := range []string{"org.freedesktop.UPower.Device", "Luminosity", "--bus-address", "--name", "--system",
		"DBUS_SYSTEM_BUS_ADDRESS=$ADDR upower -i", "--monitor-detail", "io.github.helio"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("helio export --help: exit %d, no %q:\n%s", code, want, out)
		}
	}
	if out, _, _ := run(t, "", "--help"); !strings.Contains(out, "export") {
		t.Errorf("helio --help does not list export:\n%s", out)
	}
}
