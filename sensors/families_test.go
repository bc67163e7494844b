package sensors_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/unifying"
)

// families is a system with a Unifying receiver (the built-in default
// profile), a Bolt receiver (bolt) and two Bluetooth devices (bluetooth):
// an MX Master 3, and a keyboard whose report map declares no HID++
// report, which the backend says it cannot read.
type families struct {
	*emulator.Backend
	unifying, bolt, bt *emulator.Receiver
}

// The Bluetooth mouse's node.
const btMouse = "sim:bluetooth/d4:4e:7a:35:2b:10"

func newFamilies(t *testing.T) *families {
	t.Helper()
	bt := emulatortest.Variant(t, "bluetooth", func(p *emulator.Profile) { p.Devices[1].Reports = "none" })
	b, err := emulator.Join(emulatortest.Emulate(t, "default", "bolt"), emulatortest.EmulateProfile(t, "bluetooth", bt))
	if err != nil {
		t.Fatal(err)
	}
	return &families{Backend: b, unifying: b.Emulated[0], bolt: b.Emulated[1], bt: b.Emulated[2]}
}

// line is a state as one line: the node, the device and its figures.
func line(st sensors.State) string {
	where := fmt.Sprintf("%s receiver %s", st.Receiver.Family, st.Receiver.Serial)
	if st.Direct {
		where = "own node"
	}
	return fmt.Sprintf("%s %s %s: %s %s %s %s %q %q: %s", st.Receiver.Path, st.Bus, where, st.ID, st.Name, st.Kind,
		st.Protocol, st.Serial, st.UnitID, st.Figures())
}

func lines(states []sensors.State) string {
	var out []string
	for _, st := range states {
		out = append(out, line(st))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// TestSession_Families: one query reads a Unifying receiver, a Bolt
// receiver and a Bluetooth mouse together, each device with its identity
// and battery; the Bluetooth one with its bus and no receiver. A warm
// query asks each device once, and a receiver, on this system that lists
// no receiver's devices, who it is and what is paired but no codename it
// knows (TestQuery_FamilyRequests counts a system that lists them); a
// node the backend cannot read is said, and the others still read.
func TestSession_Families(t *testing.T) {
	f := newFamilies(t)
	cache := &memCache{m: map[string]unifying.Known{}}
	read := func() ([]sensors.State, *sensors.Session) {
		t.Helper()
		s, err := sensors.Open(context.Background(), f, sensors.SessionOpts{Cache: cache, DeviceTimeout: 300 * time.Millisecond, ForReading: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var all []sensors.State
		for _, ss := range s.Read(context.Background(), &sensors.Opts{LightWait: time.Second}) {
			all = append(all, ss...)
		}
		return all, s
	}
	states, s := read()
	want := `sim:bluetooth/d4:4e:7a:35:2b:10 bluetooth own node: 4082-198E3EB8 Wireless Mouse MX Master 3 mouse 4.5 "d4:4e:7a:35:2b:10" "198E3EB8": about 100 %, discharging
sim:bolt usb Bolt receiver 31414541443844453342444142383338: b034-CD2A6BB7 MX Master 3S mouse 4.5 "CD2A6BB7" "CD2A6BB7": 25 %, discharging
sim:bolt usb Bolt receiver 31414541443844453342444142383338: b365-D1F99582 Logi POP Keys keyboard 4.5 "D1F99582" "D1F99582": 100 %, discharging
sim:bolt usb Bolt receiver 31414541443844453342444142383338: b378-48548420 MX Keys S keyboard 4.5 "48548420" "48548420": 75 %, discharging
sim:default usb Unifying receiver E0662192: 101b-705B0A1D M705 mouse 1.0 "705B0A1D" "": 100 %, discharging
sim:default usb Unifying receiver E0662192: 4002-750C0DE2 Wireless Solar Keyboard K750 keyboard 2.0 "750C0DE2" "": 57 %, 12 lux, discharging
sim:default usb Unifying receiver E0662192: 4082-1A2B3C4D MX Master 3 Wireless Mouse mouse 4.5 "1A2B3C4D" "": 80 %, discharging`
	if got := lines(states); got != want {
		t.Errorf("states:\n%s\nwant\n%s", got, want)
	}
	if len(s.Errs) != 1 || !errors.Is(s.Errs[0], transport.ErrNotHIDPP) || !strings.Contains(s.Errs[0].Error(), "c8:6f:1d:80:4a:22") {
		t.Errorf("Errs = %v, want the node that cannot be read", s.Errs)
	}
	cold := map[string]int{"unifying": f.unifying.TotalRequests(), "bolt": f.bolt.TotalRequests(), "bluetooth": f.bt.TotalRequests()}
	t.Logf("cold: %v requests", cold)
	for _, r := range f.Emulated {
		r.ResetRequests()
	}

	states, _ = read()
	if got := lines(states); got != want {
		t.Errorf("warm states:\n%s\nwant\n%s", got, want)
	}
	// Without a system that names the pluggings-in, a receiver is asked
	// who it is and what is paired, as before; every device is asked
	// once: its battery (the K750 its light).
	for name, tt := range map[string]struct {
		r        *emulator.Receiver
		receiver int
		devices  []byte
	}{
		"unifying": {f.unifying, 4 + 1 + 3*2, []byte{1, 2, 3}},
		// 0xFB and 0xB5 0x02 (serial, firmware and slots: a Bolt has
		// no 0xF1), the count, 0xB5 0x5n: the codenames are known.
		"bolt": {f.bolt, 2 + 1 + 3, []byte{1, 2, 3}},
		// The mouse is device 1 of its profile; its node has no
		// receiver.
		"bluetooth": {f.bt, 0, []byte{1}},
	} {
		req := tt.r.Requests()
		if req[0xFF] != tt.receiver {
			t.Errorf("%s warm: %d requests to the receiver, want %d", name, req[0xFF], tt.receiver)
		}
		for _, ix := range tt.devices {
			if req[ix] != 1 {
				t.Errorf("%s warm: %d requests to device %d, want 1 (%v)", name, req[ix], ix, req)
			}
		}
	}
}

// TestMonitor_Bluetooth: the monitor serves a Bluetooth device as its
// own node: read when it appears, offline when its node goes (the device
// disconnected), read again when it comes back, under one identity.
func TestMonitor_Bluetooth(t *testing.T) {
	f := newFamilies(t)
	rec := &recorder{}
	m := runMonitor(t, sensors.MonitorOpts{Backend: f, Recorder: rec})
	byID := func(id string, what string, cond func(sensors.State) bool) sensors.State {
		t.Helper()
		deadline := time.Now().Add(3 * time.Second)
		for {
			for _, s := range m.States() {
				if s.ID == id && cond(s) {
					return s
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: waited for %s; states:\n%s", id, what, lines(m.States()))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	const mouse = "4082-198E3EB8"
	st := byID(mouse, "100 %", func(s sensors.State) bool { return s.Online && s.Battery != nil && s.Battery.Percent == 100 })
	if !st.Direct || st.Bus != transport.BusBluetooth || st.Receiver.Serial != "" || st.Receiver.Path != btMouse {
		t.Errorf("the Bluetooth mouse: %s", line(st))
	}
	byID("b034-CD2A6BB7", "25 %", percent(25))
	byID("4082-1A2B3C4D", "80 %", percent(80))

	f.bt.SetOnline(1, false) // disconnected: its node goes
	byID(mouse, "offline", offline)
	f.bt.SetBattery(1, 40, 0)
	f.bt.SetOnline(1, true)
	byID(mouse, "40 % after it came back", func(s sensors.State) bool { return s.Online && s.Battery != nil && s.Battery.Percent == 40 })
	for _, s := range m.States() {
		if s.Direct && s.ID != mouse {
			t.Errorf("a second identity for the mouse: %s", line(s))
		}
	}
}

// TestMonitor_BluetoothSilent: a Bluetooth device whose node appears but
// which has never answered is not shown under a made-up identity; once it
// answers, it is.
func TestMonitor_BluetoothSilent(t *testing.T) {
	b := emulatortest.Emulate(t, "bluetooth")
	b.Receiver.SetOnline(2, false) // the mouse alone
	b.Receiver.DropReplies(1 << 20)
	m := runMonitor(t, sensors.MonitorOpts{Backend: b, DeviceTimeout: 50 * time.Millisecond})
	time.Sleep(300 * time.Millisecond)
	if states := m.States(); len(states) != 0 {
		t.Errorf("a device that never answered is shown:\n%s", lines(states))
	}
	b.Receiver.DropReplies(0)
	deadline := time.Now().Add(5 * time.Second)
	for {
		states := m.States()
		if len(states) == 1 && states[0].ID == "4082-198E3EB8" && states[0].Online {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the device answering again is not shown:\n%s", lines(states))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMonitor_Unheard: a device behind a receiver that comes back
// (0x41) while every reply is lost cannot be pinged; it is shown offline,
// and since its receiver never said it was gone, no 0x41 will say it is
// back: it is asked again on the poll schedule until it answers; then its
// own battery events are heard again (the HID++ 1.0 M705's register 0x0D).
func TestMonitor_Unheard(t *testing.T) {
	tests := []struct {
		profile string
		slot    byte
		id      string
		battery bool // a battery to change afterwards
	}{
		{"nano", 2, "c534-4054-2", false},     // the M185: no battery, only a ping says it is there
		{"default", 3, "101b-705B0A1D", true}, // the M705: HID++ 1.0, register 0x0D events
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			b := emulatortest.Emulate(t, tt.profile)
			m := runMonitor(t, sensors.MonitorOpts{Backend: b, DeviceTimeout: 50 * time.Millisecond,
				Poll: 100 * time.Millisecond, PollMax: 400 * time.Millisecond})
			wait := func(what string, cond func(sensors.State) bool) {
				t.Helper()
				deadline := time.Now().Add(3 * time.Second)
				for {
					for _, s := range m.States() {
						if s.ID == tt.id && cond(s) {
							return
						}
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s: waited for %s; states:\n%s", tt.id, what, lines(m.States()))
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			wait("online", func(s sensors.State) bool { return s.Online })
			b.Receiver.DropReplies(1 << 20)
			must(t, b.Receiver.SetOnline(tt.slot, false))
			wait("offline", offline)
			must(t, b.Receiver.SetOnline(tt.slot, true)) // its ping is lost
			time.Sleep(200 * time.Millisecond)
			b.Receiver.DropReplies(0)
			wait("online again, with no word from the receiver", func(s sensors.State) bool { return s.Online })
			if tt.battery {
				time.Sleep(time.Second) // past any poll: only an event can say it
				must(t, b.Receiver.SetBattery(tt.slot, 30, hidpp.StatusDischarging))
				wait("30 % from its own battery event", percent(30))
			}
		})
	}
}

// TestQuery_FamilyRequests counts the HID++ requests of a cold query (no
// cache) and a warm one (the cache the cold one left) of each family's
// built-in profile, on a system that says what Linux's drivers say of it:
// hid-logitech-dj lists a Unifying, Lightspeed or Nano receiver's devices
// and names its plugging-in; a Bolt receiver, on hid-generic, is listed by
// no driver (transport.ErrNotListed); a Bluetooth device has no receiver.
// A warm query asks each device once; a receiver nothing, except one no
// driver lists, whose identity and pairing must be read again: nothing
// else says they did not change.
func TestQuery_FamilyRequests(t *testing.T) {
	tests := []struct {
		family, profile string
		listed          bool
		devices         int
		warmReceiver    int // requests to the receiver a warm query needs
	}{
		{"unifying", "default", true, 3, 0},
		// 0xFB and 0xB5 0x02 (serial, firmware), register 0x02 (the
		// count), 0xB5 0x5n for each of the 3 slots.
		{"bolt", "bolt", false, 3, 2 + 1 + 3},
		{"lightspeed", "lightspeed", true, 1, 0},
		{"nano", "nano", true, 2, 0},
		{"bluetooth", "bluetooth", false, 2, 0},
	}
	var note []string
	for _, tt := range tests {
		t.Run(tt.family, func(t *testing.T) {
			p, err := emulator.BuiltinProfile(tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			emu := emulatortest.EmulateProfile(t, tt.profile, p)
			var b transport.Backend = emu
			switch {
			case tt.listed:
				b = &emulatortest.Listing{Backend: emu, Plugging: "boot1/0003:046D:" + tt.profile, Devices: emulatortest.Listed(p)}
			case !emu.Receiver.Bluetooth():
				b = &emulatortest.Listing{Backend: emu, Err: transport.ErrNotListed}
			}
			cache := &memCache{m: map[string]unifying.Known{}}
			cold := query(t, b, cache)
			coldN := emu.Receiver.TotalRequests()
			emu.Receiver.ResetRequests()
			warm := query(t, b, cache)
			req := emu.Receiver.Requests()
			warmN := emu.Receiver.TotalRequests()
			if len(cold) != tt.devices || lines(warm) != lines(cold) {
				t.Errorf("cold:\n%s\nwarm:\n%s\nwant %d devices, the same twice", lines(cold), lines(warm), tt.devices)
			}
			for ix, n := range req {
				if ix != hidpp.ReceiverIndex && n > 1 || ix == hidpp.ReceiverIndex && !emu.Receiver.Bluetooth() && n > tt.warmReceiver {
					t.Errorf("warm: %d requests to index %#02x (%v), want at most %d", n, ix, req, map[bool]int{true: tt.warmReceiver, false: 1}[ix == hidpp.ReceiverIndex])
				}
			}
			if max := tt.devices + tt.warmReceiver; warmN > max {
				t.Errorf("warm: %d requests, more than %d", warmN, max)
			}
			note = append(note, fmt.Sprintf("%-10s %d devices: cold %3d, warm %2d (receiver %d)", tt.family, tt.devices, coldN, warmN, req[hidpp.ReceiverIndex]*boolInt(!emu.Receiver.Bluetooth())))
		})
	}
	t.Logf("HID++ requests of a query:\n%s", strings.Join(note, "\n"))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
