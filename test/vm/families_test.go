package vm

// Every family through the real kernel: the Bolt, Lightspeed and Nano
// receivers of the emulator's built-in profiles plugged in through uhid
// with their USB layouts, and Bluetooth devices as bluetoothd creates them;
// what Debian 12's 6.1 kernel binds to each, the devices and power
// supplies it makes, and what Debian's Solaar shows of them. docs/families.md
// records what these tests observed.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/proctest"
	"github.com/helio-linux/helio/test/rig"
)

// kernelFamily is what the 6.1 kernel does with a family (docs/devices.md
// §1): the driver of each receiver interface or Bluetooth device, and
// whether hid-logitech-dj makes the paired devices.
type kernelFamily struct {
	profile string
	drivers []string // by interface, or by Bluetooth device
	dj      bool     // logitech-djreceiver makes a child a device, bound to logitech-hidpp-device
}

var kernelFamilies = []kernelFamily{
	{"bolt", []string{"hid-generic", "hid-generic", "hid-generic"}, false},
	{"lightspeed", []string{"logitech-djreceiver", "logitech-djreceiver", "logitech-djreceiver"}, true},
	{"nano", []string{"logitech-djreceiver", "logitech-djreceiver"}, true},
	{"bluetooth", []string{"logitech-hidpp-device", "hid-generic"}, false},
}

// TestFamilies_Kernel plugs each family in through uhid and checks the
// kernel's side: the drivers (hid-generic on all of a Bolt receiver,
// logitech-djreceiver on Lightspeed and Nano, logitech-hidpp-device on the
// Bluetooth MX Master 3 B023, hid-generic on the MX Keys B35B it does not
// list), the devices the receiver's driver makes (named by the kernel, or
// from 0xB5 0x4n where the receiver answers it), and a power supply for
// each device with a battery the kernel reads, with the profile's
// figures; then "solaar show" lists every device with its battery.
func TestFamilies_Kernel(t *testing.T) {
	for _, kf := range kernelFamilies {
		t.Run(kf.profile, func(t *testing.T) {
			p, err := emulator.BuiltinProfile(kf.profile)
			if err != nil {
				t.Fatal(err)
			}
			logged := len(rig.Dmesg(t))
			pl := rig.PlugFamily(t, nil, p)
			emu := pl.Emus[0]
			top := rig.WaitBound(t, len(kf.drivers))
			checkTop(t, p, emu, top, kf)

			// The devices the kernel drives: a child each behind a DJ
			// receiver, bound to hid-logitech-hidpp; a Bluetooth device
			// the kernel lists; their power supplies.
			var want []emulator.DeviceProfile
			for _, d := range p.Devices {
				if kf.dj || (p.Bluetooth != nil && kernelBinds(d)) {
					want = append(want, d)
				}
			}
			supplies := 0
			for _, d := range want {
				if d.Battery != nil {
					supplies++
				}
			}
			t0 := time.Now()
			rig.WaitFor(t, 30*time.Second, fmt.Sprintf("%d devices bound and %d power supplies", len(want), supplies), func() bool {
				return len(boundChildren()) == len(want)*btoi(kf.dj) && len(rig.PowerSupplies()) == supplies
			})
			rig.Metric(kf.profile+"_devices_after_bound_ms", time.Since(t0).Milliseconds())
			if kf.dj {
				checkChildren(t, emu, p)
			}
			for _, d := range want {
				checkSupply(t, p, d)
			}
			if p.Bluetooth == nil && !kf.dj && len(rig.PowerSupplies()) != 0 {
				t.Errorf("power supplies %+v for a receiver the kernel does not drive", rig.PowerSupplies())
			}
			for _, l := range rig.Dmesg(t)[logged:] {
				t.Logf("dmesg: %s", l)
			}

			// Helio, Solaar and the kernel read the same devices:
			// each as the profile has it.
			ws, r := wants(p), readings{}
			helioFamily(t, kf.profile, pl, []*emulator.Profile{p}, kf.dj, r)
			r.addSolaar(checkSolaar(t, emu, p), ws)
			r.addKernel(ws)
			r.judge(t, ws)
			watchFamily(t, pl, p, ws)
		})
	}
}

// kernelBinds says whether the 6.1 kernel's hid-logitech-hidpp lists
// Bluetooth device d (its table of Bluetooth product ids: docs/devices.md
// §5) and d declares HID++ reports for it.
func kernelBinds(d emulator.DeviceProfile) bool {
	return slices.Contains([]string{"B008", "B00C", "B012", "B015", "B01D", "B01E", "B023", "B034", "B305", "B309", "B30B", "B35F"},
		strings.ToUpper(d.PID)) && d.Reports != "none"
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// boundChildren lists the devices a receiver's driver made that
// hid-logitech-hidpp drives.
func boundChildren() []rig.HIDDevice {
	var out []rig.HIDDevice
	for _, c := range rig.Children() {
		if c.Driver == "logitech-hidpp-device" {
			out = append(out, c)
		}
	}
	return out
}

// checkTop checks the receiver's interfaces, or the Bluetooth devices, as
// the kernel shows them.
func checkTop(t *testing.T, p *emulator.Profile, emu *emulator.Receiver, top []rig.HIDDevice, kf kernelFamily) {
	t.Helper()
	if emu.Bluetooth() {
		for i, l := range emu.BluetoothLayouts() {
			j := slices.IndexFunc(top, func(d rig.HIDDevice) bool { return d.Uniq == l.Uniq })
			if j < 0 {
				t.Errorf("no HID device with HID_UNIQ=%s", l.Uniq)
				continue
			}
			d := top[j]
			name := l.Name
			if kf.drivers[i] == "logitech-hidpp-device" {
				name = "Logitech " + p.Devices[i].Name // hid-logitech-hidpp names it from 0x0005
			}
			if d.Bus != 0x05 || d.Product != l.Product || d.Phys != l.Phys || d.Driver != kf.drivers[i] || d.HIDName != name ||
				len(d.Hidraw) != 1 {
				t.Errorf("Bluetooth device %s: %+v; want bus 5, %04x, phys %s, driver %s, name %q, a hidraw node",
					l.Uniq, d, l.Product, l.Phys, kf.drivers[i], name)
			}
		}
		return
	}
	l := emu.Layout()
	for i := range l.Interfaces {
		phys := fmt.Sprintf("usb-0000:00:14.0-2/input%d", i)
		j := slices.IndexFunc(top, func(d rig.HIDDevice) bool { return d.Phys == phys })
		if j < 0 {
			t.Errorf("no HID device on %s", phys)
			continue
		}
		if d := top[j]; d.Bus != 0x03 || d.Product != l.Product || d.Driver != kf.drivers[i] || d.HIDName != l.Name() {
			t.Errorf("interface %d: %+v; want %04x bound to %s", i, d, l.Product, kf.drivers[i])
		}
	}
}

// checkChildren: a DJ receiver's driver makes a HID device for each paired
// device, under the receiver's HID++ interface, with the device's wpid and
// the phys of its slot; hid-logitech-hidpp names it "Logitech " and the
// codename where the receiver answers 0xB5 0x4n (and sets its serial from
// 0x3n), and it keeps the DJ driver's name otherwise.
func checkChildren(t *testing.T, emu *emulator.Receiver, p *emulator.Profile) {
	t.Helper()
	children := boundChildren()
	kinds := map[string]string{"keyboard": "Keyboard", "mouse": "Mouse", "numpad": "Numpad", "trackball": "Trackball", "touchpad": "Touchpad"}
	for _, d := range p.Devices {
		wpid, _ := strconv.ParseUint(d.WPID, 16, 16)
		j := slices.IndexFunc(children, func(c rig.HIDDevice) bool { return c.Product == uint16(wpid) })
		if j < 0 {
			t.Errorf("no device for %s (%s) under the receiver", d.Name, d.WPID)
			continue
		}
		c := children[j]
		name := fmt.Sprintf("Logitech Wireless %s PID:%04x", kinds[d.Kind], wpid)
		if emu.Answers("B5 4n") {
			name = "Logitech " + d.Codename
		}
		uniq := ""
		if emu.Answers("B5 3n") {
			uniq = strings.ToLower(d.Serial[0:2] + "-" + d.Serial[2:4] + "-" + d.Serial[4:6] + "-" + d.Serial[6:8])
		}
		if c.HIDName != name || c.Uniq != uniq || !strings.HasSuffix(c.Phys, fmt.Sprintf("/input%d:%d", emu.Layout().HIDPP, d.Index)) {
			t.Errorf("%s: %+v; want name %q, uniq %q, phys ending :%d", d.WPID, c, name, uniq, d.Index)
		}
	}
}

// checkSupply: the power supply of d says what its battery feature says
// in the profile: its capacity (0x1004, and 0x1000 with mileage), its
// level (0x1000 without), its voltage (0x1001).
func checkSupply(t *testing.T, p *emulator.Profile, d emulator.DeviceProfile) {
	t.Helper()
	id := d.WPID
	if p.Bluetooth != nil {
		id = d.PID
	}
	wpid, _ := strconv.ParseUint(id, 16, 16)
	s, ok := rig.PowerSupply(uint16(wpid))
	if d.Battery == nil {
		if ok {
			t.Errorf("%s has no battery feature, the kernel has %+v", d.Name, s)
		}
		return
	}
	if !ok {
		t.Errorf("%s: no power supply", d.Name)
		return
	}
	b := d.Battery
	switch {
	case b.VoltageMV != 0:
		if s.VoltageMV != b.VoltageMV || s.Capacity != b.Percent {
			t.Errorf("%s: %+v; want %d mV, %d %%", d.Name, s, b.VoltageMV, b.Percent)
		}
	case b.Levels > 0 && b.Levels < 10: // 0x1000 without mileage
		if s.HasCapacity || s.Level != "Full" || b.Percent != 100 {
			t.Errorf("%s: %+v; want no capacity and the level Full for %d %%", d.Name, s, b.Percent)
		}
	default:
		if !s.HasCapacity || s.Capacity != b.Percent {
			t.Errorf("%s: %+v; want %d %%", d.Name, s, b.Percent)
		}
	}
	if p.Bluetooth != nil && s.Serial != d.MAC {
		t.Errorf("%s: power supply serial %q, want its address %s", d.Name, s.Serial, d.MAC)
	}
	if s.Status != "Discharging" || !s.Online {
		t.Errorf("%s: %+v, want online and discharging", d.Name, s)
	}
}

// solaarDevice is a device as "solaar show" prints it.
type solaarDevice struct {
	number  int
	id      string // WPID, or the product id of a device of its own
	battery string // "75%", "70% 3926mV"; "" for "Battery status unavailable."
	// name, kind, serial and unit id as it prints them ("" for none).
	name, kind, serial, unitID string
}

var (
	solaarNumber  = regexp.MustCompile(`^  (\d+): (.*)$`)
	solaarField   = regexp.MustCompile(`^ {5}(Kind|Serial number|Unit ID)\s*:\s*(\S*)`)
	solaarID      = regexp.MustCompile(`^\s+(?:WPID\s+:|USB id\s+: 046d:)\s*([0-9A-Fa-f]{4})$`)
	solaarBattery = regexp.MustCompile(`^     Battery: (\d+%(?: \d+mV)?)`)
)

// parseShow reads the devices and the receiver's serial from "solaar
// show".
func parseShow(out string) (devs []solaarDevice, serial string) {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		if v, ok := strings.CutPrefix(l, "  Serial       : "); ok {
			serial = v
		}
		if m := solaarNumber.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			devs = append(devs, solaarDevice{number: n, name: m[2]})
			continue
		}
		if len(devs) == 0 {
			continue
		}
		d := &devs[len(devs)-1]
		if m := solaarField.FindStringSubmatch(l); m != nil {
			f := map[string]*string{"Kind": &d.kind, "Serial number": &d.serial, "Unit ID": &d.unitID}[m[1]]
			if *f == "" {
				*f = m[2]
			}
		}
		if m := solaarID.FindStringSubmatch(l); m != nil && d.id == "" {
			d.id = strings.ToUpper(m[1])
		}
		if m := solaarBattery.FindStringSubmatch(l); m != nil {
			d.battery = m[1]
		}
	}
	return devs, serial
}

// checkSolaar runs "solaar show": it must list every device of the
// profile, and the receiver's serial as the receiver answers it (Bolt's
// unique id in hex, none for the C534); the HID++ requests it takes are
// measured. It returns the devices it lists, whose figures the caller
// judges (readings.addSolaar).
func checkSolaar(t *testing.T, emu *emulator.Receiver, p *emulator.Profile) []solaarDevice {
	t.Helper()
	name := strings.ToLower(string(emu.Family()))
	if emu.Bluetooth() {
		name = "bluetooth"
	}
	emu.ResetRequests()
	t0 := time.Now()
	out, err := rig.SolaarCmd(t, "show").CombinedOutput()
	if err != nil {
		t.Fatalf("solaar show: %v\n%s", err, out)
	}
	rig.Metric("solaar_show_ms_"+name, time.Since(t0).Milliseconds())
	rig.Metric("solaar_show_requests_"+name, emu.TotalRequests())
	t.Logf("solaar show:\n%s", out)
	devs, serial := parseShow(string(out))
	if !emu.Bluetooth() {
		want := receiverSerial(emu)
		if want == "" {
			want = "None"
		}
		if serial != want {
			t.Errorf("solaar shows the receiver's serial %q, want %q", serial, want)
		}
	}
	if len(devs) != len(p.Devices) {
		t.Errorf("solaar lists %d devices, the profile has %d:\n%s", len(devs), len(p.Devices), out)
	}
	for _, d := range p.Devices {
		id := d.WPID
		if p.Bluetooth != nil {
			id = d.PID
		}
		if !slices.ContainsFunc(devs, func(s solaarDevice) bool { return s.id == strings.ToUpper(id) }) {
			t.Errorf("solaar does not list %s (%s)", d.Name, id)
		}
	}
	return devs
}

// TestFamilies_BluetoothLinks: a Bluetooth device disconnecting takes its
// HID device, hidraw node and power supply away, and connecting brings
// them back, bound again; one that drops off in the middle of a request
// written on its hidraw node answers nothing and goes; one whose report
// map has no HID++ report is bound by the kernel as a plain HID device
// (no power supply), and Solaar does not list it.
func TestFamilies_BluetoothLinks(t *testing.T) {
	p := withoutHIDPP(t)
	dumb := &p.Devices[2]
	pl := rig.PlugFamily(t, nil, p)
	emu := pl.Emus[0]
	mouse := func() (rig.HIDDevice, bool) {
		for _, d := range rig.HIDDevices() {
			if d.Uniq == p.Devices[0].MAC {
				return d, true
			}
		}
		return rig.HIDDevice{}, false
	}
	rig.WaitFor(t, 10*time.Second, "the MX Master 3's power supply", func() bool { return len(rig.PowerSupplies()) == 1 })
	if d, _ := mouse(); d.Driver != "logitech-hidpp-device" {
		t.Fatalf("the MX Master 3: %+v", d)
	}
	for _, d := range rig.HIDDevices() {
		if d.Uniq == dumb.MAC && d.Driver != "logitech-hidpp-device" {
			t.Errorf("the MX Master 3 without HID++ reports: %+v, want hid-logitech-hidpp bound all the same", d)
		}
	}

	t0 := time.Now()
	emu.SetOnline(1, false)
	rig.WaitFor(t, 10*time.Second, "the MX Master 3's HID device and power supply to go", func() bool {
		_, ok := mouse()
		return !ok && len(rig.PowerSupplies()) == 0
	})
	rig.Metric("bluetooth_gone_after_disconnect_ms", time.Since(t0).Milliseconds())
	t0 = time.Now()
	emu.SetOnline(1, true)
	rig.WaitFor(t, 10*time.Second, "the MX Master 3 back, bound, with its power supply", func() bool {
		d, ok := mouse()
		return ok && d.Driver == "logitech-hidpp-device" && len(d.Hidraw) == 1 && len(rig.PowerSupplies()) == 1
	})
	rig.Metric("bluetooth_back_after_connect_ms", time.Since(t0).Milliseconds())

	// Dropping off mid-request, as a program on its hidraw node sees it.
	d, _ := mouse()
	f, err := os.OpenFile("/dev/"+d.Hidraw[0], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := emu.DisconnectMidRequest(1); err != nil {
		t.Fatal(err)
	}
	ping := hidpp.Long(hidpp.ReceiverIndex, 0x00, 0x1A, 0, 0, 0x5A)
	if _, err := f.Write(ping.Bytes()); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		buf := make([]byte, 64)
		n, err := f.Read(buf)
		if err != nil {
			got <- nil
			return
		}
		got <- buf[:n]
	}()
	select {
	case b := <-got:
		if b != nil {
			t.Errorf("an answer % x from a device that dropped off", b)
		}
	case <-time.After(5 * time.Second):
		t.Error("a read on the node of a device that dropped off still waits after 5 s")
	}
	rig.WaitFor(t, 10*time.Second, "the node of the device that dropped off to go", func() bool {
		_, ok := mouse()
		return !ok
	})

	out, err := rig.SolaarCmd(t, "show").CombinedOutput()
	if err != nil {
		t.Fatalf("solaar show: %v\n%s", err, out)
	}
	devs, _ := parseShow(string(out))
	if len(devs) != 1 || devs[0].id != "B35B" {
		t.Errorf("with the MX Master 3 gone and one without HID++ reports, solaar lists %+v, want the MX Keys alone:\n%s", devs, out)
	}
}

// withoutHIDPP is the bluetooth profile with a third device: the MX Master
// 3 again, at another address, its report map declaring no HID++ report.
func withoutHIDPP(t *testing.T) *emulator.Profile {
	t.Helper()
	p, err := emulator.BuiltinProfile("bluetooth")
	if err != nil {
		t.Fatal(err)
	}
	p.Devices = append(p.Devices, p.Devices[0])
	dumb := &p.Devices[2]
	dumb.Index, dumb.MAC, dumb.Reports, dumb.Codename = 3, "d4:4e:7a:35:2b:99", "none", "MX Master 3 (no HID++)"
	js, _ := json.Marshal(p)
	if p, err = emulator.ParseProfile(js, "bluetooth and one without HID++"); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFamilies_USB: "helio sim --usb --profile bolt" and "--profile
// lightspeed" on the VM's USB bus: usbcore enumerates each with its
// layout, usbhid binds every interface, and the HID drivers are those the
// kernel binds on uhid (hid-generic on Bolt; logitech-djreceiver, the
// mouse and its power supply on Lightspeed). Helio reads each over hidraw
// and over libusb, which gives the interface back (helioUSB). Ctrl-C
// takes it off the bus.
func TestFamilies_USB(t *testing.T) {
	for _, kf := range kernelFamilies[:2] {
		t.Run(kf.profile, func(t *testing.T) {
			p, err := emulator.BuiltinProfile(kf.profile)
			if err != nil {
				t.Fatal(err)
			}
			emu := emulator.New(p, nil) // for the profile's layout and figures; the sim serves it
			l := emu.Layout()
			emu.Close()
			rig.WaitFor(t, 10*time.Second, "no Logitech HID device before plugging", rig.NoLogitech)
			t0 := time.Now()
			sim := proctest.Start(t, rig.HelioCmd(t.TempDir(), "sim", "--usb", "--profile", kf.profile))
			sim.WaitLine(20*time.Second, "the receiver plugged in", func(s string) bool { return strings.Contains(s, "plugged in as USB gadget") })
			top := rig.WaitBound(t, len(l.Interfaces))
			rig.Metric("usb_"+kf.profile+"_bound_after_start_ms", time.Since(t0).Milliseconds())
			dev := usbReceiver(t, l)
			for attr, want := range map[string]string{
				"bcdDevice": fmt.Sprintf("%04x", l.BCDDevice), "configuration": l.Configuration, "product": l.ProductName,
				"bNumInterfaces": strconv.Itoa(len(l.Interfaces)), "serial": "",
			} {
				if got := dev.Attr(attr); got != want {
					t.Errorf("%s %s = %q, want %q", dev.Name, attr, got, want)
				}
			}
			if got, want := drivers(dev, l), kernelDrivers(l, "usbhid"); !slices.Equal(got, want) {
				t.Errorf("interfaces' drivers %q, want %q", got, want)
			}
			for _, d := range top {
				if i := slices.Index([]string{"input0", "input1", "input2"}, d.Phys[strings.LastIndexByte(d.Phys, '/')+1:]); i < 0 || d.Driver != kf.drivers[i] || d.Product != l.Product {
					t.Errorf("HID device %+v, want %04x bound to %s", d, l.Product, kf.drivers[max(i, 0)])
				}
			}
			if kf.dj {
				d := p.Devices[0]
				rig.WaitFor(t, 20*time.Second, "the mouse bound and its power supply", func() bool {
					return len(boundChildren()) == 1 && len(rig.PowerSupplies()) == 1
				})
				checkSupply(t, p, d)
			} else if n := len(rig.PowerSupplies()); n != 0 {
				t.Errorf("%d power supplies on a Bolt receiver", n)
			}
			helioUSB(t, p, emu, dev, kf.dj)
			sim.Signal(syscall.SIGINT)
			if code := sim.ExitCode(10 * time.Second); code != 130 {
				t.Errorf("helio sim --usb after Ctrl-C: exit %d\n%s", code, sim.Output())
			}
			rig.WaitFor(t, 10*time.Second, "the receiver to leave the bus", func() bool {
				_, ok := rig.FindUSB(l.Vendor, l.Product)
				return !ok && rig.NoLogitech()
			})
		})
	}
}
