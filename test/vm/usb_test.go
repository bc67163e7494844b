package vm

// The emulated receiver on a USB gadget (emulator.USB on dummy_hcd's
// virtual controller): the VM's kernel enumerates it as it does hardware,
// which gives this rig its one real USB stack: usbcore, usbhid and the
// Logitech drivers on the receiver's three interfaces, hidraw nodes, and a
// node under /dev/bus/usb for the libusb transport, whose path (detach
// interface 2's driver, claim, SET_REPORT, interrupt IN, give it back) is
// tested nowhere else against a kernel.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/internal/proctest"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/test/rig"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/libusb"
	"github.com/helio-linux/helio/transport/transporttest"
	"github.com/helio-linux/helio/unifying"
)

// usbReceiver is the gadget receiver as usbcore shows it; the test fails
// if the bus has no such device.
func usbReceiver(t *testing.T, l emulator.Layout) rig.USBDevice {
	t.Helper()
	dev, ok := rig.FindUSB(l.Vendor, l.Product)
	if !ok {
		t.Fatalf("no %04x:%04x device on the USB bus", l.Vendor, l.Product)
	}
	return dev
}

// TestUSB_Kernel: "helio sim --usb" plugs the emulated receiver in as a
// USB gadget; the kernel enumerates it with the receiver's USB layout,
// binds usbhid to its three interfaces and the Logitech drivers to the
// HID++ one; Helio reads it over hidraw and hidapi, and the kernel's power
// supplies and Solaar agree. A killed "helio sim --usb" leaves a gadget the
// kernel has unplugged, which the next one removes; Ctrl-C removes its
// own.
func TestUSB_Kernel(t *testing.T) {
	show := rig.SolaarCmd(t, "show")
	p := rig.DefaultProfile(t)
	l := emulator.New(p, nil).Layout()
	rig.WaitFor(t, 10*time.Second, "no receiver before plugging", func() bool { return len(rig.Receivers()) == 0 })
	plug := func() *proctest.Process {
		t.Helper()
		sim := proctest.Start(t, rig.HelioCmd(t.TempDir(), "sim", "--usb"))
		sim.WaitLine(20*time.Second, "the receiver plugged in", func(l string) bool { return strings.Contains(l, "plugged in as USB gadget") })
		rig.WaitFor(t, 30*time.Second, "the receiver's hidraw node and power supplies", func() bool {
			return len(rig.Receivers()) == 1 && len(rig.PowerSupplies()) == len(p.Devices)
		})
		return sim
	}
	sim := plug()
	k750Read(t)
	dev := usbReceiver(t, l)
	for attr, want := range map[string]string{
		"bcdDevice": fmt.Sprintf("%04x", l.BCDDevice), "manufacturer": l.Manufacturer, "product": l.ProductName,
		"configuration": l.Configuration, "bNumInterfaces": strconv.Itoa(len(l.Interfaces)),
		"bmAttributes": fmt.Sprintf("%x", l.Attributes), "bMaxPower": fmt.Sprintf("%dmA", l.MaxPowerMA),
		"speed": "12", // full speed, as the receivers are
	} {
		if got := dev.Attr(attr); got != want {
			t.Errorf("%s %s = %q, want %q", dev.Name, attr, got, want)
		}
	}
	for i, intf := range l.Interfaces {
		dir := filepath.Join("/sys/bus/usb/devices", dev.Interface(i))
		d := rig.USBDevice{Name: dev.Interface(i), Dir: dir}
		got := []string{d.Attr("bInterfaceClass"), d.Attr("bInterfaceSubClass"), d.Attr("bInterfaceProtocol"), dev.Driver(i)}
		want := []string{"03", fmt.Sprintf("%02x", intf.Subclass), fmt.Sprintf("%02x", intf.Protocol), "usbhid"}
		if !slices.Equal(got, want) {
			t.Errorf("interface %d: class, subclass, protocol, driver = %q, want %q", i, got, want)
		}
		eps, _ := filepath.Glob(filepath.Join(dir, "ep_8*"))
		if len(eps) != 1 {
			t.Errorf("interface %d: IN endpoints %q, want one", i, eps)
			continue
		}
		ep := rig.USBDevice{Dir: eps[0]}
		if got, want := []string{ep.Attr("type"), ep.Attr("wMaxPacketSize")}, []string{"Interrupt", fmt.Sprintf("%04x", intf.PacketSize)}; !slices.Equal(got, want) {
			t.Errorf("interface %d endpoint %s: %q, want %q", i, filepath.Base(eps[0]), got, want)
		}
		if i == l.HIDPP { // served by Helio: its interval is the receiver's (the kernel's usb_f_hid has its own)
			if got := ep.Attr("bInterval"); got != fmt.Sprintf("%02x", intf.Interval) {
				t.Errorf("interface %d endpoint: bInterval %s, want %d", i, got, intf.Interval)
			}
		}
	}
	// The one hidraw node of the receiver is its HID++ interface's, with
	// the layout's report descriptor (interfaces 0 and 1 get none on 6.1).
	info := rig.Receivers()[0]
	if want := fmt.Sprintf("usb-dummy_hcd.0-1/input%d", l.HIDPP); info.Phys != want || info.ProductID != l.Product {
		t.Errorf("hidraw node %+v, want %04x on %s", info, l.Product, want)
	}
	desc, err := os.ReadFile(filepath.Join("/sys/class/hidraw", filepath.Base(info.Path), "device", "report_descriptor"))
	if err != nil || !bytes.Equal(desc, l.Interfaces[l.HIDPP].Descriptor) {
		t.Errorf("the HID++ interface's report descriptor: % x, %v; want the layout's", desc, err)
	}

	var hidraw map[string]rig.QueryDevice
	for _, backend := range []string{"hidraw", "hidapi"} {
		devs, ms := usbQuery(t, backend, info.Path)
		rig.Metric("usb_"+backend+"_query_ms", ms)
		agreeWithKernel(t, backend, devs, rig.PowerSupplies())
		if hidraw == nil {
			hidraw = devs
		} else {
			sameReadings(t, backend, devs, "hidraw", hidraw)
		}
	}

	shown, err := show.CombinedOutput()
	if err != nil {
		t.Fatalf("solaar show: %v\n%s", err, shown)
	}
	solaar := parseSolaar(string(shown))
	if len(solaar) != len(hidraw) {
		t.Errorf("solaar lists %d devices, Helio %d:\n%s", len(solaar), len(hidraw), shown)
	}
	for wpid, d := range hidraw {
		switch s, ok := solaar[strings.ToUpper(wpid)]; {
		case !ok:
			t.Errorf("solaar does not list %s (%s)", d.Name, wpid)
		case s >= 0 && s != d.Percent():
			t.Errorf("%s: Helio reads %d %%, solaar %d %%", d.Name, d.Percent(), s)
		}
	}

	// Killed, "helio sim --usb" closes FunctionFS's control file, and the
	// kernel unplugs the gadget; its description stays in configfs.
	sim.Signal(syscall.SIGKILL)
	<-sim.Exited()
	t0 := time.Now()
	rig.WaitFor(t, 10*time.Second, "the killed sim's receiver to leave the bus", func() bool {
		_, ok := rig.FindUSB(l.Vendor, l.Product)
		return !ok
	})
	rig.Metric("usb_unplugged_after_sim_killed_ms", time.Since(t0).Milliseconds())
	left, _ := os.ReadDir("/sys/kernel/config/usb_gadget")
	if len(left) != 1 {
		t.Errorf("after a killed sim, configfs holds %d gadgets, want its one", len(left))
	}
	sim = plug()
	if !strings.Contains(sim.Output(), "removed a USB gadget left by a Helio that is gone") {
		t.Errorf("the second sim did not say it removed the first one's gadget:\n%s", sim.Output())
	}
	sim.Signal(syscall.SIGINT)
	if code := sim.ExitCode(10 * time.Second); code != 130 {
		t.Errorf("helio sim --usb after Ctrl-C: exit %d, want 130\n%s", code, sim.Output())
	}
	rig.WaitFor(t, 10*time.Second, "the receiver to leave the bus after Ctrl-C", func() bool {
		_, ok := rig.FindUSB(l.Vendor, l.Product)
		return !ok
	})
	left, _ = os.ReadDir("/sys/kernel/config/usb_gadget")
	mounts, _ := os.ReadFile("/proc/self/mounts")
	if len(left) != 0 || strings.Contains(string(mounts), "functionfs") {
		t.Errorf("after Ctrl-C, configfs holds %d gadgets, mounts:\n%s", len(left), mounts)
	}
}

// usbQuery runs "helio --backend BACKEND query --json" and returns the
// devices of the one receiver it must find, at path, by wpid, and how long
// it took in ms.
func usbQuery(t *testing.T, backend, path string) (map[string]rig.QueryDevice, int64) {
	t.Helper()
	out, d, err := runHelio(t, t.TempDir(), "--backend", backend, "query", "--json")
	if err != nil {
		t.Fatal(err)
	}
	q := rig.ParseQuery(t, out)
	if len(q.Receivers) != 1 || q.Receivers[0].Path != path {
		t.Fatalf("%s: receivers %+v, want one on %s", backend, q.Receivers, path)
	}
	devs := map[string]rig.QueryDevice{}
	for _, d := range q.Receivers[0].Devices {
		devs[d.WPID] = d
	}
	return devs, d.Milliseconds()
}

// agreeWithKernel checks that every device is online with a battery, that
// each percentage is the kernel's power supply's capacity, and that the
// kernel has a power supply for every device.
func agreeWithKernel(t *testing.T, backend string, devs map[string]rig.QueryDevice, supplies []rig.Supply) {
	t.Helper()
	if len(supplies) != len(devs) {
		t.Errorf("%s: %d devices, the kernel %d power supplies", backend, len(devs), len(supplies))
	}
	for wpid, d := range devs {
		w, _ := strconv.ParseUint(wpid, 16, 16)
		i := slices.IndexFunc(supplies, func(s rig.Supply) bool { return s.WPID == uint16(w) })
		switch {
		case !d.Online || d.Percent() < 0:
			t.Errorf("%s: %s (%s) read as %+v", backend, d.Name, wpid, d)
		case i < 0:
			t.Errorf("%s: %s: the kernel has no power supply for it", backend, d.Name)
		case supplies[i].Capacity != d.Percent():
			t.Errorf("%s: %s: Helio reads %d %%, the kernel's %s says %d %%", backend, d.Name, d.Percent(), supplies[i].Name, supplies[i].Capacity)
		}
	}
}

// sameReadings checks that two backends read the same devices alike.
func sameReadings(t *testing.T, backend string, devs map[string]rig.QueryDevice, other string, want map[string]rig.QueryDevice) {
	t.Helper()
	lux := func(d rig.QueryDevice) int {
		if d.Light == nil {
			return -1
		}
		return d.Light.Lux
	}
	for wpid, w := range want {
		d, ok := devs[wpid]
		if !ok || d.Name != w.Name || d.Percent() != w.Percent() || lux(d) != lux(w) || d.Online != w.Online {
			t.Errorf("%s reads %s as %+v; %s as %+v", backend, wpid, d, other, w)
		}
	}
	if len(devs) != len(want) {
		t.Errorf("%s lists %d devices, %s %d", backend, len(devs), other, len(want))
	}
}

// drivers lists the drivers of the receiver's interfaces.
func drivers(dev rig.USBDevice, l emulator.Layout) []string {
	var out []string
	for i := range l.Interfaces {
		out = append(out, dev.Driver(i))
	}
	return out
}

// kernelDrivers is usbhid on every interface but the HID++ one, which has
// hidpp ("usbfs" while a program holds it, "" with none).
func kernelDrivers(l emulator.Layout, hidpp string) []string {
	out := slices.Repeat([]string{"usbhid"}, len(l.Interfaces))
	out[l.HIDPP] = hidpp
	return out
}

// kernelHolds says whether the kernel drives the receiver's HID++
// interface as it should: usbhid bound, the hidraw node and every power
// supply back.
func kernelHolds(dev rig.USBDevice, hidpp, supplies int) bool {
	return dev.Driver(hidpp) == "usbhid" && len(rig.Receivers()) == 1 && len(rig.PowerSupplies()) == supplies
}

// TestUSB_Libusb: "helio --backend libusb" on the gadget receiver. A query
// reads every device; while Helio runs, interface 2 alone is taken from
// the kernel (usbfs holds it; usbhid keeps interfaces 0 and 1) and the
// receiver's hidraw node is gone; when it exits, by itself or on Ctrl-C,
// usbhid has interface 2 again and the node and power supplies are back.
// A SIGKILL leaves interface 2 without a driver: Helio over hidraw says
// so and how to fix it, and both fixes it names work.
func TestUSB_Libusb(t *testing.T) {
	pl := rig.PlugUSB(t, nil)
	k750Read(t)
	l := pl.Emus[0].Layout()
	dev := usbReceiver(t, l)
	supplies := rig.PowerSupplies()
	hidraw, _ := usbQuery(t, "hidraw", pl.Infos[0].Path)

	backAfter := func(what string, since time.Time) {
		t.Helper()
		rig.WaitFor(t, 10*time.Second, "usbhid, the hidraw node and the power supplies back "+what, func() bool {
			return kernelHolds(dev, l.HIDPP, len(supplies))
		})
		rig.Metric("libusb_kernel_back_after_"+what+"_ms", time.Since(since).Milliseconds())
	}

	logged := len(rig.Dmesg(t))
	devs, ms := usbQuery(t, "libusb", dev.Node())
	rig.Metric("libusb_query_ms", ms)
	sameReadings(t, "libusb", devs, "hidraw", hidraw)
	backAfter("query", time.Now())
	// What the kernel logs of interface 2 taken and given back: the
	// closing note and docs/usb.md quote it. Given back, its driver binds
	// it anew and says so, naming the interface (".../input2").
	kernelLog := rig.Dmesg(t)[logged:]
	for _, line := range kernelLog {
		t.Logf("kernel, libusb query: %s", line)
	}
	if !slices.ContainsFunc(kernelLog, func(line string) bool { return strings.Contains(line, fmt.Sprintf("input%d", l.HIDPP)) }) {
		t.Errorf("the kernel logged nothing of interface %d bound again after the libusb query:\n%s", l.HIDPP, strings.Join(kernelLog, "\n"))
	}
	k750Read(t) // the kernel reads the K750 anew as its driver binds again
	agreeWithKernel(t, "libusb", devs, rig.PowerSupplies())

	// watch holds the receiver until a signal stops it.
	watch := func() *proctest.Process {
		t.Helper()
		w := proctest.Start(t, rig.HelioCmd(t.TempDir(), "--backend", "libusb", "watch", "--json", "--no-history"))
		w.WaitLine(20*time.Second, "a reading", func(l string) bool { return strings.Contains(l, `"wpid"`) })
		if got, want := drivers(dev, l), kernelDrivers(l, "usbfs"); !slices.Equal(got, want) {
			t.Errorf("while helio holds the receiver through libusb, the interfaces' drivers are %q, want %q", got, want)
		}
		if r := rig.Receivers(); len(r) != 0 {
			t.Errorf("while helio holds the receiver through libusb, hidraw shows %+v", r)
		}
		return w
	}

	w := watch()
	w.Signal(syscall.SIGINT)
	if code := w.ExitCode(10 * time.Second); code != 130 {
		t.Errorf("watch after Ctrl-C: exit %d, want 130\n%s", code, w.Output())
	}
	backAfter("ctrl_c", time.Now())

	// A SIGKILL: nothing gives interface 2 back.
	kill := func() {
		t.Helper()
		w := watch()
		w.Signal(syscall.SIGKILL)
		<-w.Exited() // the kernel closed its usbfs node on the way
		if got, want := drivers(dev, l), kernelDrivers(l, ""); !slices.Equal(got, want) {
			t.Errorf("after helio was killed, the interfaces' drivers are %q, want %q", got, want)
		}
	}
	kill()
	out, _, err := runHelio(t, t.TempDir(), "query")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(err.Error(), dev.Interface(l.HIDPP)) ||
		!strings.Contains(err.Error(), "helio --backend libusb list") {
		t.Errorf("helio query over hidraw after a killed libusb helio: %v, %s; want exit 3 and the fix", err, out)
	}
	t0 := time.Now()
	if out, _, err := runHelio(t, t.TempDir(), "--backend", "libusb", "list"); err != nil {
		t.Errorf("helio --backend libusb list: %v\n%s", err, out)
	}
	backAfter("list_after_kill", t0)

	kill()
	t0 = time.Now()
	if err := os.WriteFile("/sys/bus/usb/drivers_probe", []byte(dev.Interface(l.HIDPP)), 0); err != nil {
		t.Fatal(err)
	}
	backAfter("drivers_probe_after_kill", t0)
}

// TestUSB_LibusbUnplug pulls the gadget receiver out (its gadget unbound:
// a real USB disconnect) in the middle of a light reading over libusb:
// the reading fails at once and the connection says the receiver is gone.
// Then "helio --backend libusb watch" sees the receiver go and come back.
func TestUSB_LibusbUnplug(t *testing.T) {
	pl := rig.PlugUSB(t, nil)
	g, l := pl.Gadgets[0], pl.Emus[0].Layout()
	s, err := sensors.Open(context.Background(), libusb.Backend{}, sensors.SessionOpts{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := s.Receivers[0]
	i := slices.IndexFunc(r.Devices, func(d *unifying.Device) bool { return d.WPID == 0x4002 })
	if i < 0 {
		t.Fatalf("no K750 among %v", r.Devices)
	}
	done := make(chan sensors.State)
	go func() {
		done <- sensors.Read(context.Background(), r.Devices[i], &sensors.Opts{LightWait: 10 * time.Second})
	}()
	time.Sleep(200 * time.Millisecond) // the SetLightMeasure is out; its report is a second away
	t0 := time.Now()
	g.Unplug()
	select {
	case rd := <-done:
		if rd.Err == nil || rd.Light != nil {
			t.Errorf("reading across an unplug: %+v", rd)
		}
		rig.Metric("libusb_unplug_fails_pending_read_ms", time.Since(t0).Milliseconds())
	case <-time.After(5 * time.Second):
		t.Fatal("a libusb reading hung after the receiver was pulled out")
	}
	select {
	case <-r.Conn().Done():
		if !errors.Is(r.Conn().Err(), transport.ErrGone) {
			t.Errorf("connection error %v, want ErrGone", r.Conn().Err())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the libusb connection did not notice the unplug")
	}
	s.Close()

	if err := g.Plug(); err != nil {
		t.Fatal(err)
	}
	rig.WaitFor(t, 20*time.Second, "the receiver back on the bus", func() bool {
		_, ok := rig.FindUSB(l.Vendor, l.Product)
		return ok && len(rig.PowerSupplies()) == 3
	})
	watch := proctest.Start(t, rig.HelioCmd(t.TempDir(), "--backend", "libusb", "watch", "--json", "--no-history"))
	line := func(what, wpid, want string) {
		t.Helper()
		watch.WaitLine(20*time.Second, what, func(l string) bool {
			return strings.Contains(l, `"wpid":"`+wpid+`"`) && strings.Contains(l, want)
		})
	}
	line("the M705's reading", "101b", `"percent":100`)
	g.Unplug()
	line("the M705 offline with its receiver", "101b", `"online":false`)
	t0 = time.Now()
	if err := g.Plug(); err != nil {
		t.Fatal(err)
	}
	line("the M705 back with its receiver", "101b", `"percent":100`)
	rig.Metric("libusb_watch_back_after_replug_ms", time.Since(t0).Milliseconds())
	watch.Signal(syscall.SIGTERM)
	if code := watch.ExitCode(10 * time.Second); code != 143 {
		t.Errorf("watch after SIGTERM: exit %d, want 143: %s", code, watch.Output())
	}
}

// TestUSB_LibusbConformance runs the transport conformance test on the
// libusb transport over the gadget receiver: what a Conn writes reaches
// the emulator as SET_REPORT control transfers, what the emulator sends
// comes back on the interrupt IN endpoint, and unplugging the gadget is a
// USB disconnect.
func TestUSB_LibusbConformance(t *testing.T) {
	pl := rig.PlugUSB(t, nil)
	emu, g := pl.Emus[0], pl.Gadgets[0]
	b := libusb.Backend{}
	l, supplies := emu.Layout(), len(rig.PowerSupplies())
	transporttest.TestConn(t, func(t *testing.T) (transport.Conn, transporttest.Device) {
		if !emu.Plugged() {
			if err := g.Plug(); err != nil {
				t.Fatal(err)
			}
		}
		// The last Conn gave interface 2 back, and the kernel's drivers
		// probe the receiver's devices anew: taking it from them
		// meanwhile would hold their requests up for their 5 s timeout.
		rig.WaitFor(t, 20*time.Second, "the kernel's drivers to settle on the receiver", func() bool {
			dev, ok := rig.FindUSB(l.Vendor, l.Product)
			return ok && kernelHolds(dev, l.HIDPP, supplies)
		})
		return openOnly(t, b), pullable{emulatortest.Device(t, emu), g.Unplug}
	})
}
