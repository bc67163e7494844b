package unifying_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/unifying"
)

// memCache is a unifying.Cache in memory, whose entries a test may drop.
type memCache struct {
	mu        sync.Mutex
	devices   map[string]unifying.Known
	receivers map[string]unifying.KnownReceiver
}

func newMemCache() *memCache {
	return &memCache{devices: map[string]unifying.Known{}, receivers: map[string]unifying.KnownReceiver{}}
}

func (c *memCache) Load(id string) (unifying.Known, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.devices[id]
	return k, ok
}

func (c *memCache) Store(id string, k unifying.Known) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.devices[id] = k
}

func (c *memCache) LoadReceiver(key string) (unifying.KnownReceiver, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.receivers[key]
	return k, ok
}

func (c *memCache) StoreReceiver(key string, k unifying.KnownReceiver) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.receivers[key] = k
}

// clone copies the cache, so that each case starts from the same state.
func (c *memCache) clone() *memCache {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := newMemCache()
	for k, v := range c.devices {
		out.devices[k] = v
	}
	for k, v := range c.receivers {
		out.receivers[k] = v
	}
	return out
}

// system is what the system's drivers say of an emulated receiver.
type system struct {
	plugging string
	devices  []transport.Paired
	err      error
}

func (s system) pairing() (transport.Pairing, error) {
	return transport.Pairing{Plugging: s.plugging, Devices: s.devices}, s.err
}

// profile is the built-in receiver, changed by edit.
func profile(t *testing.T, edit func(p *emulator.Profile)) *emulator.Profile {
	t.Helper()
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(p)
	}
	return p
}

// plug opens receiver p, as found in the emulator's one port, with the
// system saying sys of it.
func plug(t *testing.T, p *emulator.Profile, cache unifying.Cache, sys system) (*emulator.Receiver, *unifying.Receiver) {
	t.Helper()
	b, c := emulatortest.Open(t, p)
	r, err := unifying.OpenWith(context.Background(), c, unifying.Opts{Cache: cache, Pairing: sys.pairing})
	if err != nil {
		t.Fatal(err)
	}
	return b.Receiver, r
}

// TestOpenWith_Plugging: a receiver's identity is read once a plugging-in,
// and never taken for another receiver's.
func TestOpenWith_Plugging(t *testing.T) {
	other := profile(t, func(p *emulator.Profile) {
		p.Receiver.Serial, p.Receiver.Firmware, p.Receiver.Bootloader = "0000ABCD", "12.01.B0019", "01.02"
	})
	cache := newMemCache()
	steps := []struct {
		name     string
		p        *emulator.Profile
		sys      system
		requests int // to the receiver
		serial   string
		firmware string
	}{
		{"first plugged in", nil, system{plugging: "boot1/0003:046D:C52B.0003"}, 4, "E0662192", "24.11.B0036"},
		{"the same plugging-in", nil, system{plugging: "boot1/0003:046D:C52B.0003"}, 0, "E0662192", "24.11.B0036"},
		{"another receiver in the same port", other, system{plugging: "boot1/0003:046D:C52B.0009"}, 4, "0000ABCD", "12.01.B0019"},
		{"the first one plugged in again", nil, system{plugging: "boot1/0003:046D:C52B.000C"}, 4, "E0662192", "24.11.B0036"},
		{"after a reboot", nil, system{plugging: "boot2/0003:046D:C52B.000C"}, 4, "E0662192", "24.11.B0036"},
		{"the system names no plugging-in", other, system{err: transport.ErrNotListed}, 4, "0000ABCD", "12.01.B0019"},
		{"and the last plugging-in named is still the first receiver's", nil, system{plugging: "boot2/0003:046D:C52B.000C"}, 0, "E0662192", "24.11.B0036"},
	}
	for _, st := range steps {
		emu, r := plug(t, st.p, cache, st.sys)
		if n := emu.Requests()[0xFF]; n != st.requests || r.Serial != st.serial || r.Firmware != st.firmware || r.MaxDevices != 6 {
			t.Errorf("%s: %d requests, serial %s, firmware %s, %d slots; want %d, %s, %s, 6",
				st.name, n, r.Serial, r.Firmware, r.MaxDevices, st.requests, st.serial, st.firmware)
		}
	}
}

// TestPaired_System: a warm listing takes the devices from the cache when
// the system lists what the pairing registers listed, and reads the
// registers whenever it does not.
func TestPaired_System(t *testing.T) {
	ctx := context.Background()
	def := profile(t, nil)
	const plugging = "boot1/0003:046D:C52B.0003"
	warm := newMemCache()
	{
		emu, r := plug(t, def, warm, system{plugging: plugging, devices: emulatortest.Listed(def)})
		if _, err := r.Devices(ctx, warm); err != nil {
			t.Fatal(err)
		}
		// Open, the count, 0x2n and 0x3n of each device and its codename.
		if n := emu.Requests()[0xFF]; n != 4+1+3*3 {
			t.Fatalf("cold listing: %d receiver requests, want 14", n)
		}
	}
	unpaired := profile(t, func(p *emulator.Profile) { p.Devices = p.Devices[:2] })
	replaced := profile(t, func(p *emulator.Profile) {
		p.Devices[2] = emulator.DeviceProfile{Index: 3, WPID: "406D", Kind: "mouse", Codename: "M705 new", Protocol: "4.5",
			Serial: "0BADCAFE", Battery: &emulator.BatteryProfile{Percent: 50}}
	})
	noSerial := emulatortest.Listed(def)
	noSerial[1].Serial = ""
	tests := []struct {
		name     string
		p        *emulator.Profile
		sys      system
		forget   string // a device entry the cache has lost
		requests int    // to the receiver
		want     string // the devices listed: "index wpid serial codename" each
	}{
		{name: "the system lists what the registers listed", p: def, sys: system{plugging: plugging, devices: emulatortest.Listed(def)},
			want: "1 4082 1A2B3C4D MX Master 3, 2 4002 750C0DE2 K750, 3 101b 705B0A1D M705"},
		{name: "a device unpaired", p: unpaired, sys: system{plugging: plugging, devices: emulatortest.Listed(unpaired)},
			requests: 1 + 2*2, want: "1 4082 1A2B3C4D MX Master 3, 2 4002 750C0DE2 K750"},
		{name: "another device paired in a slot", p: replaced, sys: system{plugging: plugging, devices: emulatortest.Listed(replaced)},
			requests: 1 + 3*2 + 1, want: "1 4082 1A2B3C4D MX Master 3, 2 4002 750C0DE2 K750, 3 406d 0BADCAFE M705 new"},
		{name: "a device the kernel has not probed yet", p: def, sys: system{plugging: plugging, devices: noSerial},
			requests: 1 + 3*2, want: "1 4082 1A2B3C4D MX Master 3, 2 4002 750C0DE2 K750, 3 101b 705B0A1D M705"},
		{name: "a device the cache has lost", p: def, sys: system{plugging: plugging, devices: emulatortest.Listed(def)},
			forget: "4002-750C0DE2", requests: 1 + 3*2 + 1, want: "1 4082 1A2B3C4D MX Master 3, 2 4002 750C0DE2 K750, 3 101b 705B0A1D M705"},
		{name: "the system's list unreadable", p: def, sys: system{plugging: plugging, err: transport.ErrNotListed},
			requests: 4 + 1 + 3*2, want: "1 4082 1A2B3C4D MX Master 3, 2 4002 750C0DE2 K750, 3 101b 705B0A1D M705"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := warm.clone()
			if tt.forget != "" {
				delete(cache.devices, tt.forget)
			}
			emu, r := plug(t, tt.p, cache, tt.sys)
			devs, err := r.Paired(ctx, cache)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range devs {
				got = append(got, fmt.Sprintf("%d %04x %s %s", d.Index(), d.WPID, d.Serial, d.Codename))
				if d.Reached() {
					t.Errorf("%s was reached by a listing", d)
				}
			}
			if s := strings.Join(got, ", "); s != tt.want {
				t.Errorf("Paired = %s\nwant     %s", s, tt.want)
			}
			if n := emu.TotalRequests(); n != tt.requests {
				t.Errorf("%d requests, want %d (to the receiver only)", n, tt.requests)
			}
			// What the registers listed (and a reading saves of each
			// device) is what the next listing trusts, while the system
			// lists it too.
			for _, d := range devs {
				d.Save()
			}
			emu.ResetRequests()
			if _, err := r.Paired(ctx, cache); err != nil {
				t.Fatal(err)
			}
			trusted := tt.sys.err == nil
			for _, p := range tt.sys.devices {
				trusted = trusted && p.Serial != ""
			}
			if n := emu.TotalRequests(); trusted && n != 0 {
				t.Errorf("listing again: %d requests, want none", n)
			}
		})
	}
}

// TestPaired_Details: devices listed from the cache carry what their
// pairing registers said (kind, report interval, power switch) and their
// name, as when the registers were read.
func TestPaired_Details(t *testing.T) {
	ctx := context.Background()
	def := profile(t, nil)
	sys := system{plugging: "boot1/0003:046D:C52B.0003", devices: emulatortest.Listed(def)}
	cache := newMemCache()
	describe := func(devs []*unifying.Device) string {
		var out []string
		for _, d := range devs {
			out = append(out, fmt.Sprintf("%d %04x %s %s %dms switch %d %q %s", d.Index(), d.WPID, d.Kind, d.Serial,
				d.ReportInterval, d.PowerSwitch, d.Name(), d.Protocol()))
		}
		return strings.Join(out, "\n")
	}
	_, r := plug(t, def, cache, sys)
	cold, err := r.Devices(ctx, cache)
	if err != nil {
		t.Fatal(err)
	}
	emu, r := plug(t, def, cache, sys)
	warm, err := r.Paired(ctx, cache)
	if err != nil {
		t.Fatal(err)
	}
	if c, w := describe(cold), describe(warm); c != w {
		t.Errorf("from the registers:\n%s\nfrom the cache:\n%s", c, w)
	}
	if n := emu.TotalRequests(); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}
