package vm

// Helio on every family through the real kernel: the checks the Unifying
// tests make (vm_test.go, usb_test.go) made on the Bolt, Lightspeed and
// Nano receivers and the Bluetooth devices of the emulator's built-in
// profiles. The profile is the truth; Helio, Solaar and the kernel are
// each a reader of it, and a figure one of them reads differently is that
// reader's mistake, which the test names.

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/emulator/uhid"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/proctest"
	"github.com/helio-linux/helio/test/rig"
	"github.com/helio-linux/helio/transport"
)

// want is what a profile says of one of its devices: what every reader
// should read of it.
type want struct {
	id        string // wpid, or a Bluetooth device's product id, upper case
	index     byte   // its number in the emulator's controls
	bluetooth bool   // reached without a receiver
	// The figures, as the readers' readings are written (reading).
	name, kind, serial, unitID, battery string
}

// wants lists the devices of p.
func wants(p *emulator.Profile) []want {
	var out []want
	for _, d := range p.Devices {
		w := want{id: strings.ToUpper(d.WPID), index: byte(d.Index), name: d.Name, kind: d.Kind, serial: d.Serial,
			unitID: d.Serial, battery: profileBattery(d)}
		if w.name == "" {
			w.name = d.Codename
		}
		if p.Bluetooth != nil {
			// Its serial is its address, as the kernel gives its node
			// (HID_UNIQ); its unit id says who it is.
			w.id, w.bluetooth, w.serial = strings.ToUpper(d.PID), true, d.MAC
		}
		out = append(out, w)
	}
	return out
}

// profileBattery writes a device's battery as the readings are written:
// "75%", "70% 3926mV" where the device reports a voltage, "none" without a
// battery. A HID++ 1.0 device's is in its register 0x0D (the percentage
// first), a solar keyboard's is its charge.
func profileBattery(d emulator.DeviceProfile) string {
	b := d.Battery
	switch {
	case b != nil:
	case d.Solar != nil:
		return fmt.Sprintf("%d%%", d.Solar.Charge)
	case len(d.Registers["0d"]) >= 2:
		p, _ := strconv.ParseUint(d.Registers["0d"][:2], 16, 8)
		return fmt.Sprintf("%d%%", p)
	default:
		return "none"
	}
	s := fmt.Sprintf("%d%%", b.Percent)
	if b.VoltageMV != 0 {
		s += fmt.Sprintf(" %dmV", b.VoltageMV)
	}
	return s
}

// helioBattery writes Helio's reading of a battery the same way.
func helioBattery(d rig.QueryDevice) string {
	b := d.Battery
	switch {
	case b == nil:
		return "none"
	case b.Percent == nil && b.Level != nil:
		return "level " + *b.Level
	case b.Percent == nil:
		return "no figure"
	}
	s := fmt.Sprintf("%d%%", *b.Percent)
	if b.VoltageMV != nil {
		s += fmt.Sprintf(" %dmV", *b.VoltageMV)
	}
	return s
}

// reading is one reader's reading of a figure.
type reading struct{ who, value string }

// readings collects the readings of every device's figures: by device id,
// by figure (name, kind, serial, unit id, battery, online).
type readings map[string]map[string][]reading

func (r readings) add(id, fig, who, value string) {
	if r[id] == nil {
		r[id] = map[string][]reading{}
	}
	r[id][fig] = append(r[id][fig], reading{who, value})
}

// judge holds every reading against the profile's figure: a reader that
// reads a figure otherwise is wrong, and the error says which figure of
// which device, whose reading it is, and who read it as the profile has
// it.
func (r readings) judge(t *testing.T, ws []want) {
	t.Helper()
	for _, w := range ws {
		truth := map[string]string{"name": w.name, "kind": w.kind, "serial": w.serial, "unit id": w.unitID,
			"battery": w.battery, "online": "true"}
		for _, fig := range []string{"name", "kind", "serial", "unit id", "battery", "online"} {
			var right, wrong []reading
			for _, rd := range r[w.id][fig] {
				if rd.value == truth[fig] {
					right = append(right, rd)
				} else {
					wrong = append(wrong, rd)
				}
			}
			for _, rd := range wrong {
				agree := "no other reader does"
				if len(right) > 0 {
					var who []string
					for _, a := range right {
						who = append(who, a.who)
					}
					agree = strings.Join(who, ", ") + " read it so"
				}
				t.Errorf("%s of %s (%s): %s reads %q, the profile has %q: %s is wrong (%s)",
					fig, w.name, w.id, rd.who, rd.value, truth[fig], rd.who, agree)
			}
		}
	}
}

// addHelio adds what one helio query read; a device the profile does not
// have, or one it lists and Helio does not, is an error.
func (r readings) addHelio(t *testing.T, who string, q rig.Query, ws []want) {
	t.Helper()
	all := q.All()
	for id, d := range all {
		if !slices.ContainsFunc(ws, func(w want) bool { return w.id == id }) {
			t.Errorf("%s lists %s (%s), which no profile has: %+v", who, d.Name, id, d)
		}
	}
	for _, w := range ws {
		d, ok := all[w.id]
		if !ok {
			t.Errorf("%s does not list %s (%s)", who, w.name, w.id)
			continue
		}
		r.add(w.id, "name", who, d.Name)
		r.add(w.id, "kind", who, d.Kind)
		r.add(w.id, "serial", who, d.Serial)
		r.add(w.id, "battery", who, helioBattery(d))
		r.add(w.id, "online", who, strconv.FormatBool(d.Online))
		// Helio gives a unit id where something gives it as such, and
		// a Bluetooth device's always (feature 0x0003).
		if d.UnitID != "" || w.bluetooth {
			r.add(w.id, "unit id", who, d.UnitID)
		}
		if d.Error != "" {
			t.Errorf("%s: %s (%s): %s", who, w.name, w.id, d.Error)
		}
	}
}

// addSolaar adds what "solaar show" printed of the devices it lists
// (checkSolaar says which it does not).
func (r readings) addSolaar(devs []solaarDevice, ws []want) {
	for _, w := range ws {
		i := slices.IndexFunc(devs, func(s solaarDevice) bool { return s.id == w.id })
		if i < 0 {
			continue
		}
		s := devs[i]
		battery := s.battery
		if battery == "" {
			battery = "none"
		}
		r.add(w.id, "battery", "Solaar", battery)
		r.add(w.id, "kind", "Solaar", s.kind)
		r.add(w.id, "unit id", "Solaar", s.unitID)
		// Solaar names a device it knows from its own table (the M185
		// is "Wireless Mouse M185 new" whatever it says), and a
		// Bluetooth device from its codename and kind; it reads no
		// Bluetooth device's serial.
		if !w.bluetooth {
			r.add(w.id, "serial", "Solaar", s.serial)
		}
	}
}

// addKernel adds the capacity of each device's power supply where the
// kernel gives one (checkSupply checks the rest of it: its level, its
// voltage, that there is one).
func (r readings) addKernel(ws []want) {
	for _, w := range ws {
		id, _ := strconv.ParseUint(w.id, 16, 16)
		s, ok := rig.PowerSupply(uint16(id))
		if !ok || !s.HasCapacity {
			continue
		}
		v := fmt.Sprintf("%d%%", s.Capacity)
		if s.VoltageMV != 0 {
			v += fmt.Sprintf(" %dmV", s.VoltageMV)
		}
		r.add(w.id, "battery", "the kernel's "+s.Name, v)
	}
}

// queried is what one helio query printed, and the HID++ requests the
// emulators received meanwhile (from anyone: the kernel's drivers are
// quiet on their own): in all, and by device index (0xFF the receiver).
type queried struct {
	q        rig.Query
	stderr   string
	requests int
	byIndex  map[byte]int
}

// helioQuery runs "helio --backend BACKEND query --json" with cache as its
// cache directory on the devices of emus.
func helioQuery(t *testing.T, backend, cache string, emus ...*emulator.Receiver) queried {
	t.Helper()
	for _, e := range emus {
		e.ResetRequests()
	}
	cmd := rig.HelioCmd(cache, "--backend", backend, "query", "--json")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	res := queried{stderr: errb.String(), byIndex: map[byte]int{}}
	for _, e := range emus {
		res.requests += e.TotalRequests()
		for ix, n := range e.Requests() {
			res.byIndex[ix] += n
		}
	}
	if err != nil {
		t.Fatalf("helio --backend %s query --json: %v\n%s%s", backend, err, out, errb.Bytes())
	}
	res.q = rig.ParseQuery(t, out)
	return res
}

// receiverSerial is the serial a receiver answers as Helio and Solaar
// print it: a Bolt's unique id in hex, none for the C534.
func receiverSerial(emu *emulator.Receiver) string {
	switch emu.Family() {
	case transport.FamilyBolt:
		return strings.ToUpper(hex.EncodeToString([]byte(emu.Serial())))
	case transport.FamilyNano:
		return ""
	}
	return emu.Serial()
}

// hidppNode is the hidraw node the kernel made for emu's HID++ interface,
// or for its Bluetooth device with address mac.
func hidppNode(emu *emulator.Receiver, mac string) string {
	for _, d := range rig.HIDDevices() {
		ok := d.Parent == "" && d.Vendor == 0x046D && len(d.Hidraw) == 1
		if emu.Bluetooth() {
			ok = ok && d.Uniq == mac
		} else {
			ok = ok && d.Product == emu.PID() && strings.HasSuffix(d.Phys, fmt.Sprintf("/input%d", emu.Layout().HIDPP))
		}
		if ok {
			return "/dev/" + d.Hidraw[0]
		}
	}
	return ""
}

// checkReceivers checks the receivers (and Bluetooth nodes) of a query:
// one per receiver profile, with its product id, family and serial, on the
// kernel's hidraw node for its HID++ interface; a node per Bluetooth
// device. Paths are checked where they are the kernel's (hidraw).
func checkReceivers(t *testing.T, who string, q rig.Query, emus []*emulator.Receiver, profiles []*emulator.Profile, paths bool) {
	t.Helper()
	receivers := 0
	for i, emu := range emus {
		if emu.Bluetooth() {
			for _, d := range profiles[i].Devices {
				j := slices.IndexFunc(q.Devices, func(x rig.QueryDirect) bool { return strings.EqualFold(x.PID, d.PID) })
				if j < 0 {
					continue // addHelio says it is missing
				}
				if node := hidppNode(emu, d.MAC); paths && q.Devices[j].Path != node {
					t.Errorf("%s reads %s on %s; the kernel's node for it is %s", who, d.Name, q.Devices[j].Path, node)
				}
				if q.Devices[j].Bus != "bluetooth" {
					t.Errorf("%s says %s is on bus %q, want bluetooth", who, d.Name, q.Devices[j].Bus)
				}
			}
			continue
		}
		receivers++
		pid := fmt.Sprintf("%04x", emu.PID())
		j := slices.IndexFunc(q.Receivers, func(r rig.QueryReceiver) bool {
			return r.PID == pid
		})
		if j < 0 {
			t.Errorf("%s does not list the %s receiver %s", who, emu.Family(), pid)
			continue
		}
		r := q.Receivers[j]
		if r.Family != string(emu.Family()) || r.Serial != receiverSerial(emu) {
			t.Errorf("%s reads the receiver %s as %s, serial %q; the profile has %s, serial %q: Helio is wrong",
				who, pid, r.Family, r.Serial, emu.Family(), receiverSerial(emu))
		}
		if node := hidppNode(emu, ""); paths && r.Path != node {
			t.Errorf("%s reads the receiver %s on %s; the kernel's node for its HID++ interface is %s", who, pid, r.Path, node)
		}
	}
	if len(q.Receivers) != receivers {
		t.Errorf("%s lists %d receivers, want %d: %+v", who, len(q.Receivers), receivers, q.Receivers)
	}
}

// helioFamily reads the devices of the profiles plugged in (pl) with
// helio query over hidraw, cold (a fresh cache) and warm (the same cache
// again), and over hidapi; it checks what each lists, adds their readings
// to r, and prints the HID++ requests of the cold and the warm query as
// METRIC lines named after name. kernelLists says the kernel lists the
// receivers' devices (hid-logitech-dj), which a warm query then takes
// from it.
func helioFamily(t *testing.T, name string, pl *rig.Plugged, profiles []*emulator.Profile, kernelLists bool, r readings) {
	t.Helper()
	var ws []want
	for _, p := range profiles {
		ws = append(ws, wants(p)...)
	}
	cache := t.TempDir()
	t0 := time.Now()
	cold := helioQuery(t, "hidraw", cache, pl.Emus...)
	rig.Metric("helio_query_ms_cold_"+name, time.Since(t0).Milliseconds())
	t0 = time.Now()
	warm := helioQuery(t, "hidraw", cache, pl.Emus...)
	rig.Metric("helio_query_ms_warm_"+name, time.Since(t0).Milliseconds())
	hidapi := helioQuery(t, "hidapi", t.TempDir(), pl.Emus...)
	rig.Metric("helio_query_requests_cold_"+name, cold.requests)
	rig.Metric("helio_query_requests_warm_"+name, warm.requests)
	rig.Metric("helio_hidapi_query_requests_cold_"+name, hidapi.requests)
	t.Logf("HID++ requests by device index: cold %v, warm %v", cold.byIndex, warm.byIndex)
	for _, c := range []struct {
		who   string
		q     queried
		paths bool
	}{{"Helio (hidraw)", cold, true}, {"Helio (hidraw, warm)", warm, true}, {"Helio (hidapi)", hidapi, false}} {
		if c.q.stderr != "" {
			t.Errorf("%s says:\n%s", c.who, c.q.stderr)
		}
		checkReceivers(t, c.who, c.q.q, pl.Emus, profiles, c.paths)
		r.addHelio(t, c.who, c.q.q, ws)
	}
	// Issue 13's goal, on every family: a warm query asks each device
	// once at most, and asks nothing of a receiver whose devices the
	// kernel lists.
	for ix, n := range warm.byIndex {
		if ix != hidpp.ReceiverIndex && n > warmTarget {
			t.Errorf("a warm query sent %d HID++ requests to device %d, want at most %d", n, ix, warmTarget)
		}
	}
	if n := warm.byIndex[hidpp.ReceiverIndex]; kernelLists && n != 0 {
		t.Errorf("a warm query sent %d HID++ requests to a receiver whose devices the kernel lists, want none", n)
	}
	if t.Failed() { // what Helio says it did, for the one who reads this
		out, _ := rig.HelioCmd(cache, "--debug", "query").CombinedOutput()
		t.Logf("helio --debug query, warm:\n%s", out)
	}
}

// watchLine is a line of "helio watch --json", the part the tests read.
type watchLine struct {
	WPID, Serial string
	Online       bool
	Battery      *struct{ Percent *int }
	Error        string
}

// key is what names a device in watch's lines: its wpid behind a
// receiver; a Bluetooth device's serial, its address (its wpid there is
// the one its feature 0x0003 gives, the same on every path).
func (w want) key() string {
	if w.bluetooth {
		return w.serial
	}
	return strings.ToLower(w.id)
}

// expectWatch reads watch's lines until every device of ws has printed one
// that ok accepts; the test fails after 20 s.
func expectWatch(t *testing.T, w *proctest.Process, what string, ws []want, ok func(want, watchLine) bool) {
	t.Helper()
	left := map[string]want{}
	for _, x := range ws {
		left[x.key()] = x
	}
	deadline := time.After(20 * time.Second)
	for len(left) > 0 {
		select {
		case l, open := <-w.Lines():
			if !open {
				t.Fatalf("helio watch exited (%v) before %s:\n%s", w.Err(), what, w.Output())
			}
			var v watchLine
			if json.Unmarshal([]byte(l), &v) != nil {
				continue
			}
			for _, k := range []string{v.WPID, v.Serial} {
				if x, in := left[k]; in && ok(x, v) {
					delete(left, k)
				}
			}
		case <-deadline:
			var ids []string
			for id := range left {
				ids = append(ids, id)
			}
			t.Fatalf("helio watch did not print %s for %v within 20 s:\n%s", what, ids, w.Output())
		}
	}
}

// readAsProfile accepts a watch line saying the device is online with its
// profile's battery.
func readAsProfile(x want, v watchLine) bool {
	if !v.Online || v.Error != "" {
		return false
	}
	if x.battery == "none" {
		return v.Battery == nil
	}
	return v.Battery != nil && v.Battery.Percent != nil && strings.HasPrefix(x.battery, fmt.Sprintf("%d%%", *v.Battery.Percent))
}

func offline(_ want, v watchLine) bool { return !v.Online }

// watchFamily runs "helio watch --json" on the profile plugged in (pl)
// and takes it through hot-plug: every device read as the profile has it;
// one device out of range (a Bluetooth device disconnected: its node gone)
// and back; the receiver pulled out (every Bluetooth device gone) and
// plugged back. Watch must say each change of each device, and read them
// again once back.
func watchFamily(t *testing.T, pl *rig.Plugged, p *emulator.Profile, ws []want) {
	t.Helper()
	emu, u := pl.Emus[0], pl.UHIDs[0]
	w := proctest.Start(t, rig.HelioCmd(t.TempDir(), "watch", "--json", "--no-history"))
	t0 := time.Now()
	expectWatch(t, w, "the first readings", ws, readAsProfile)
	rig.Metric(familyName(emu)+"_watch_first_readings_ms", time.Since(t0).Milliseconds())

	// The device with a battery the kernel does not drive if there is
	// one (the watch has no cue from the kernel for it), else the first.
	away := ws[0]
	for _, x := range ws {
		id, _ := strconv.ParseUint(x.id, 16, 16)
		if _, driven := rig.PowerSupply(uint16(id)); !driven && x.battery != "none" {
			away = x
			break
		}
	}
	if err := emu.SetOnline(away.index, false); err != nil {
		t.Fatal(err)
	}
	expectWatch(t, w, "the device out of range", []want{away}, offline)
	t0 = time.Now()
	if err := emu.SetOnline(away.index, true); err != nil {
		t.Fatal(err)
	}
	expectWatch(t, w, "the device back in range", []want{away}, readAsProfile)
	rig.Metric(familyName(emu)+"_watch_back_in_range_ms", time.Since(t0).Milliseconds())

	u.Unplug()
	expectWatch(t, w, "every device offline with the receiver gone", ws, offline)
	rig.WaitFor(t, 10*time.Second, "the HID devices to go", rig.NoLogitech)
	t0 = time.Now()
	if err := u.Plug(); err != nil {
		t.Fatal(err)
	}
	rig.WaitBound(t, rig.TopDevices(emu))
	expectWatch(t, w, "every device back with the receiver", ws, readAsProfile)
	rig.Metric(familyName(emu)+"_watch_back_after_replug_ms", time.Since(t0).Milliseconds())
	w.Signal(syscall.SIGTERM)
	if code := w.ExitCode(10 * time.Second); code != 143 {
		t.Errorf("watch after SIGTERM: exit %d, want 143: %s", code, w.Output())
	}
}

// familyName names what emu emulates in metrics: its family in lower
// case, or "bluetooth".
func familyName(emu *emulator.Receiver) string {
	if emu.Bluetooth() {
		return "bluetooth"
	}
	return strings.ToLower(string(emu.Family()))
}

// TestFamilies_Together plugs a Unifying receiver, a Bolt receiver and the
// Bluetooth devices in at once: one helio query lists them all, each as
// its profile has it, and the kernel's power supplies agree. Then the Bolt
// receiver fails its pairing registers: Helio says each of its slots, makes
// up none of its devices, and reads the others as before.
func TestFamilies_Together(t *testing.T) {
	var profiles []*emulator.Profile
	for _, name := range []string{"default", "bolt", "bluetooth"} {
		p, err := emulator.BuiltinProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		profiles = append(profiles, p)
	}
	pl := rig.PlugFamilies(t, nil, profiles...)
	// The Unifying receiver's three devices and the MX Master 3 on
	// Bluetooth get power supplies; the K750's holds 0 until its first
	// light report.
	rig.WaitFor(t, 30*time.Second, "4 power supplies", func() bool { return len(rig.PowerSupplies()) == 4 })
	k750Read(t)
	var ws []want
	for _, p := range profiles {
		ws = append(ws, wants(p)...)
	}
	res := helioQuery(t, "hidraw", t.TempDir(), pl.Emus...)
	rig.Metric("helio_query_requests_cold_together", res.requests)
	if res.stderr != "" {
		t.Errorf("helio query on three families says:\n%s", res.stderr)
	}
	q := res.q
	checkReceivers(t, "Helio (hidraw)", q, pl.Emus, profiles, true)
	r := readings{}
	r.addHelio(t, "Helio (hidraw)", q, ws)
	r.addKernel(ws)
	r.judge(t, ws)

	// The Bolt receiver answering an error to every read of its pairing
	// registers: each of its slots is said on Helio's warning, none of
	// its devices is made up, and the other families read as before.
	bolt, boltWants := pl.Emus[1], wants(profiles[1])
	bolt.FailPairing(hidpp.Err10ResourceError)
	res = helioQuery(t, "hidraw", t.TempDir(), pl.Emus...)
	bolt.FailPairing(0)
	t.Logf("with the Bolt's pairing registers failing, helio query said:\n%s", res.stderr)
	var others []want
	for _, w := range ws {
		if !slices.ContainsFunc(boltWants, func(b want) bool { return b.id == w.id }) {
			others = append(others, w)
		}
	}
	all := res.q.All()
	r = readings{}
	for _, b := range boltWants {
		if d, listed := all[b.id]; listed {
			// Listed anyway: only as what the kernel or its own
			// answers say, never with the receiver's word.
			r.addHelio(t, "Helio (hidraw, Bolt pairing failing)", rig.Query{Receivers: []rig.QueryReceiver{{Devices: []rig.QueryDevice{d}}}}, []want{b})
		}
		if !strings.Contains(res.stderr, fmt.Sprintf("slot %d", b.index)) {
			t.Errorf("with the Bolt's pairing registers failing, helio query says nothing of slot %d (%s):\n%s", b.index, b.name, res.stderr)
		}
	}
	q = res.q
	q.Receivers = slices.DeleteFunc(q.Receivers, func(x rig.QueryReceiver) bool {
		return x.PID == fmt.Sprintf("%04x", bolt.PID())
	})
	r.addHelio(t, "Helio (hidraw, Bolt pairing failing)", q, others)
	r.judge(t, ws)
}

// TestFamilies_BadNodes: the Bluetooth devices, one of them dropping off
// in the middle of Helio's request, one whose report map declares no
// HID++ report, and two hidraw nodes of another vendor with a HID++
// report descriptor and a Logitech product id (one on USB, one on
// Bluetooth). helio query reads the MX Master 3, says on a line of its own
// what became of the MX Keys and why it cannot read the one without HID++,
// lists nothing else, and writes nothing to the other vendor's nodes.
func TestFamilies_BadNodes(t *testing.T) {
	p := withoutHIDPP(t)
	dumb := &p.Devices[2]
	pl := rig.PlugFamily(t, nil, p)
	emu := pl.Emus[0]
	rig.WaitFor(t, 10*time.Second, "the MX Master 3's power supply", func() bool { return len(rig.PowerSupplies()) == 1 })

	// Another vendor's nodes, which Helio must leave alone: whatever is
	// written to them is counted.
	written := make(chan int, 2)
	var foreign []*uhid.Device
	for _, c := range []uhid.Config{
		{Name: "Other USB Receiver", Phys: "usb-0000:00:14.0-5/input2", Bus: uhid.BusUSB, Vendor: 0x17EF, Product: 0xC52B},
		{Name: "Other Bluetooth Mouse", Phys: "00:1a:7d:da:71:13", Uniq: "aa:bb:cc:dd:ee:ff", Bus: uhid.BusBluetooth, Vendor: 0x17EF, Product: 0xB023},
	} {
		c.Descriptor = emulator.DescriptorHIDPP
		d, err := uhid.Create("", c)
		if err != nil {
			t.Fatal(err)
		}
		foreign = append(foreign, d)
		t.Cleanup(func() { d.Destroy() })
		go func() {
			n := 0
			for {
				ev, err := d.Read()
				if err != nil {
					written <- n
					return
				}
				switch ev.Type {
				case uhid.EvOutput:
					n++
				case uhid.EvSetReport:
					n++
					d.SetReportReply(ev.ID, 0)
				case uhid.EvGetReport:
					d.GetReportReply(ev.ID, 5, nil) // EIO
				}
			}
		}()
	}
	rig.WaitFor(t, 10*time.Second, "the other vendor's two nodes", func() bool {
		n := 0
		for _, d := range rig.HIDDevices() {
			if d.Vendor == 0x17EF && len(d.Hidraw) == 1 {
				n++
			}
		}
		return n == 2
	})

	ws := wants(p)
	mx, keys, dumbNode := ws[0], ws[1], hidrawOf(dumb.MAC)
	if err := emu.DisconnectMidRequest(keys.index); err != nil {
		t.Fatal(err)
	}
	res := helioQuery(t, "hidraw", t.TempDir(), emu)
	q, stderr := res.q, res.stderr
	t.Logf("helio query said:\n%s", stderr)
	for _, d := range foreign {
		d.Destroy()
	}
	if n := <-written + <-written; n != 0 {
		t.Errorf("helio query wrote %d reports to another vendor's nodes", n)
	}

	// The MX Master 3 read as its profile has it; the MX Keys, gone in
	// the middle of a request, listed with no figure if at all; nothing
	// else.
	all := q.All()
	r := readings{}
	r.addHelio(t, "Helio (hidraw)", rig.Query{Devices: slices.DeleteFunc(slices.Clone(q.Devices), func(d rig.QueryDirect) bool {
		return !strings.EqualFold(d.PID, mx.id)
	})}, []want{mx})
	r.judge(t, []want{mx})
	if k, ok := all[keys.id]; ok && (k.Online || k.Battery != nil) {
		t.Errorf("the MX Keys, gone in the middle of the request, read as %+v", k)
	}
	for _, d := range q.Devices {
		if !strings.EqualFold(d.PID, mx.id) && !strings.EqualFold(d.PID, keys.id) || d.Path == dumbNode {
			t.Errorf("helio query lists %+v", d)
		}
	}
	if len(q.Receivers) != 0 {
		t.Errorf("helio query lists receivers %+v", q.Receivers)
	}
	// A line of its own for each device it cannot read, none for the
	// other vendor's nodes.
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	said := func(what string, ok func(string) bool) {
		t.Helper()
		if n := len(slices.DeleteFunc(slices.Clone(lines), func(l string) bool { return !ok(l) })); n != 1 {
			t.Errorf("helio query says %s on %d lines, want one:\n%s", what, n, stderr)
		}
	}
	if _, listed := all[keys.id]; !listed {
		said("what became of the MX Keys", func(l string) bool {
			return strings.Contains(strings.ToLower(l), "b35b") || strings.Contains(l, keys.serial) || strings.Contains(l, keys.name)
		})
	}
	said("that it cannot read the MX Master 3 without HID++", func(l string) bool {
		return strings.Contains(l, dumbNode) && strings.Contains(l, "HID++")
	})
	for _, l := range lines {
		if strings.Contains(strings.ToLower(l), "17ef") || strings.Contains(l, "Other ") {
			t.Errorf("helio query speaks of another vendor's node: %s", l)
		}
	}
}

// hidrawOf is the hidraw node of the Bluetooth device with address mac,
// "" for none.
func hidrawOf(mac string) string {
	for _, d := range rig.HIDDevices() {
		if d.Uniq == mac && len(d.Hidraw) == 1 {
			return "/dev/" + d.Hidraw[0]
		}
	}
	return ""
}

// helioUSB reads the receiver of profile p on the USB gadget (dev; emu is
// an emulator of the same profile, for its figures) over hidraw and over
// libusb, each as the profile has it, and checks that libusb gives the
// HID++ interface back to usbhid: the hidraw node, and the power supplies
// of a receiver the kernel drives, come back.
func helioUSB(t *testing.T, p *emulator.Profile, emu *emulator.Receiver, dev rig.USBDevice, kernelLists bool) {
	t.Helper()
	l := emu.Layout()
	ws := wants(p)
	supplies := len(rig.PowerSupplies())
	r := readings{}
	hidraw := helioQuery(t, "hidraw", t.TempDir())
	checkReceivers(t, "Helio (hidraw on USB)", hidraw.q, []*emulator.Receiver{emu}, []*emulator.Profile{p}, true)
	r.addHelio(t, "Helio (hidraw on USB)", hidraw.q, ws)
	t0 := time.Now()
	lu := helioQuery(t, "libusb", t.TempDir())
	rig.Metric("usb_libusb_query_ms_"+familyName(emu), time.Since(t0).Milliseconds())
	checkReceivers(t, "Helio (libusb)", lu.q, []*emulator.Receiver{emu}, []*emulator.Profile{p}, false)
	if len(lu.q.Receivers) == 1 && lu.q.Receivers[0].Path != dev.Node() {
		t.Errorf("Helio (libusb) reads the receiver on %s, want its USB node %s", lu.q.Receivers[0].Path, dev.Node())
	}
	r.addHelio(t, "Helio (libusb)", lu.q, ws)
	t0 = time.Now()
	rig.WaitFor(t, 10*time.Second, "usbhid on the HID++ interface, its hidraw node and the power supplies back after libusb", func() bool {
		return dev.Driver(l.HIDPP) == "usbhid" && hidppNode(emu, "") != "" && len(rig.PowerSupplies()) == supplies
	})
	rig.Metric("usb_libusb_given_back_ms_"+familyName(emu), time.Since(t0).Milliseconds())
	if kernelLists {
		r.addKernel(ws)
	}
	r.judge(t, ws)
}
