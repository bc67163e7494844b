package sensors_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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

// listing is receiver p on a system that lists its paired devices, in a
// plugging-in named plugging.
func listing(t *testing.T, p *emulator.Profile, plugging string) *emulatortest.Listing {
	t.Helper()
	if p == nil {
		p = defaultProfile(t)
	}
	b := emulator.NewBackend(p, "test", &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(b.Receiver.Close)
	return &emulatortest.Listing{Backend: b, Plugging: plugging, Devices: emulatortest.Listed(p)}
}

func defaultProfile(t *testing.T) *emulator.Profile {
	t.Helper()
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// query reads b as "helio query" does: every receiver opened for reading,
// every device read, in one go.
func query(t *testing.T, b transport.Backend, cache unifying.Cache) []sensors.State {
	t.Helper()
	ctx := context.Background()
	s, err := sensors.Open(ctx, b, sensors.SessionOpts{Cache: cache, ForReading: true, DeviceTimeout: emulatortest.Timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, r := range s.Receivers {
		if r.Err != nil {
			t.Fatalf("listing %s: %v", r.Info.Path, r.Err)
		}
	}
	var out []sensors.State
	for _, states := range s.Read(ctx, fast) {
		out = append(out, states...)
	}
	return out
}

// figures is what query would print of states, one device a line
// (offline included: State.Figures says it).
func figures(states []sensors.State) string {
	var out []string
	for _, st := range states {
		line := fmt.Sprintf("%s %d %s: %s", st.Receiver.Serial, st.Index, st.Name, st.Figures())
		if st.Err != nil {
			line += "; " + st.Err.Error()
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

const defaultFigures = `E0662192 1 MX Master 3 Wireless Mouse: 80 %, discharging
E0662192 2 Wireless Solar Keyboard K750: 57 %, 12 lux, discharging
E0662192 3 M705: 100 %, discharging`

// TestQuery_Warm: a warm query sends one request a device and none to the
// receiver, while nothing disagrees with the cache; what disagrees costs
// the one check it needs.
func TestQuery_Warm(t *testing.T) {
	b := listing(t, nil, "boot1/0003:046D:C52B.0003")
	emu := b.Receiver
	cache := &memCache{m: map[string]unifying.Known{}}
	if got := figures(query(t, b, cache)); got != defaultFigures {
		t.Fatalf("cold:\n%s\nwant\n%s", got, defaultFigures)
	}
	if n := emu.TotalRequests(); n > 35 {
		t.Errorf("cold: %d requests, more than the 35 of a query before the warm path", n)
	}
	steps := []struct {
		name     string
		change   func()
		figures  string
		requests map[byte]int // by device index; 0xFF the receiver
	}{
		{name: "warm", figures: defaultFigures, requests: map[byte]int{1: 1, 2: 1, 3: 1}},
		{name: "the mouse discharged: its new figure is checked",
			change:  func() { emu.SetBattery(1, 79, hidpp.StatusDischarging) },
			figures: strings.Replace(defaultFigures, "80 %", "79 %", 1), requests: map[byte]int{1: 2, 2: 1, 3: 1}},
		{name: "warm again: the new figure was confirmed",
			figures: strings.Replace(defaultFigures, "80 %", "79 %", 1), requests: map[byte]int{1: 1, 2: 1, 3: 1}},
		{name: "a day later: the tables are checked, the K750's before the write",
			change: func() {
				cache.mu.Lock()
				defer cache.mu.Unlock()
				for id, k := range cache.m {
					k.Device.Verified = k.Device.Verified.Add(-hidpp.TrustFor - time.Hour)
					cache.m[id] = k
				}
			},
			figures: strings.Replace(defaultFigures, "80 %", "79 %", 1), requests: map[byte]int{1: 2, 2: 2, 3: 1}},
		{name: "and trusted again after",
			figures: strings.Replace(defaultFigures, "80 %", "79 %", 1), requests: map[byte]int{1: 1, 2: 1, 3: 1}},
		{name: "out of range: the reading says so",
			change: func() {
				for _, ix := range []byte{1, 2, 3} {
					emu.SetOnline(ix, false)
				}
			},
			figures: `E0662192 1 MX Master 3 Wireless Mouse: offline
E0662192 2 Wireless Solar Keyboard K750: offline
E0662192 3 M705: offline`, requests: map[byte]int{1: 1, 2: 1, 3: 1}},
	}
	for _, st := range steps {
		if st.change != nil {
			st.change()
		}
		emu.ResetRequests()
		got := figures(query(t, b, cache))
		if got != st.figures {
			t.Errorf("%s:\n%s\nwant\n%s", st.name, got, st.figures)
		}
		if n := emu.Requests(); fmt.Sprint(n) != fmt.Sprint(st.requests) {
			t.Errorf("%s: requests %v, want %v", st.name, n, st.requests)
		}
	}
}

// TestQuery_CacheOutdated is TestRead_CacheOutdated on the way a query
// reads, without pinging the devices the cache knows: a firmware update
// that moves the battery feature (its old index now a feature that answers
// zeros), a cache file edited by hand, and a cache edited where no
// checksum guards it. The true figure every time, and the cache rebuilt.
func TestQuery_CacheOutdated(t *testing.T) {
	before, after := outdatedMouse(t)
	const want = "0000ABCD 1 MX Anywhere: 15 %, discharging"
	path := filepath.Join(t.TempDir(), "devices.json")
	read := func(p *emulator.Profile, cache unifying.Cache) string {
		t.Helper()
		b := listing(t, p, "boot1/0003:046D:C52B.0003")
		got := figures(query(t, b, cache))
		if fc, ok := cache.(*unifying.FileCache); ok {
			if err := fc.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		return got
	}
	for _, step := range []struct {
		name string
		p    *emulator.Profile
	}{{"cold", before}, {"warm", before}, {"after a firmware update moved the battery feature", after}, {"warm, after the rebuild", after}} {
		if got := read(step.p, unifying.OpenFileCache(path)); got != want {
			t.Errorf("%s: %s, want %s", step.name, got, want)
		}
	}

	// The file edited by hand: its checksum no longer matches, and the
	// device is learned again.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), `"4096": 4`, `"4096": 30`, 1)
	if edited == string(b) {
		t.Fatalf("the cache does not hold 0x1000 at index 4:\n%s", b)
	}
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := read(after, unifying.OpenFileCache(path)); got != want {
		t.Errorf("with an edited file: %s, want %s", got, want)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), `"4096": 4`) {
		t.Errorf("the cache was not rebuilt:\n%s", b)
	}

	// A cache that no checksum guards, edited: the device's answers alone
	// show it wrong.
	for _, edit := range []struct {
		name string
		edit func(k *hidpp.Known)
	}{
		{"an index past the table", func(k *hidpp.Known) { k.Features[hidpp.FeatureBatteryStatus] = 30 }},
		{"the old index, and the reading it gave, confirmed over a day ago", func(k *hidpp.Known) {
			k.Features[hidpp.FeatureBatteryStatus] = 3
			k.Reading = &hidpp.Reading{Feature: hidpp.FeatureBatteryStatus, Payload: make([]byte, 16)}
			k.Verified = k.Verified.Add(-hidpp.TrustFor)
		}},
		{"another protocol", func(k *hidpp.Known) { k.Protocol = hidpp.Protocol10 }},
	} {
		cache := &memCache{m: map[string]unifying.Known{}}
		read(after, cache)
		const id = "4082-00000001"
		k := cache.m[id]
		edit.edit(&k.Device)
		cache.m[id] = k
		if got := read(after, cache); got != want {
			t.Errorf("with %s in the cache: %s, want %s", edit.name, got, want)
		}
		if ix := cache.m[id].Device.Features[hidpp.FeatureBatteryStatus]; ix != 4 {
			t.Errorf("with %s in the cache: rebuilt with 0x1000 at %d, want 4", edit.name, ix)
		}
	}
}

// TestQuery_Replugged: another receiver in the port, even one paired with
// the very same devices, is never taken for the one remembered; nor is
// another device in a slot taken for the one that was there. The devices
// themselves keep their identity on the other receiver.
func TestQuery_Replugged(t *testing.T) {
	cache := &memCache{m: map[string]unifying.Known{}}
	before := query(t, listing(t, nil, "boot1/0003:046D:C52B.0003"), cache)

	twin := defaultProfile(t)
	twin.Receiver.Serial, twin.Receiver.Firmware = "0000ABCD", "12.01.B0019"
	b := listing(t, twin, "boot1/0003:046D:C52B.0009")
	states := query(t, b, cache)
	if got, want := figures(states), strings.ReplaceAll(defaultFigures, "E0662192", "0000ABCD"); got != want {
		t.Errorf("another receiver in the port:\n%s\nwant\n%s", got, want)
	}
	for i, st := range states {
		if st.Receiver.Serial != "0000ABCD" || st.Receiver.Firmware != "12.01.B0019" {
			t.Errorf("%s: receiver %s, firmware %s: taken for the receiver before", st.Name, st.Receiver.Serial, st.Receiver.Firmware)
		}
		if st.ID != before[i].ID {
			t.Errorf("%s: ID %s on the other receiver, %s before", st.Name, st.ID, before[i].ID)
		}
	}
	if n := b.Receiver.Requests()[0xFF]; n == 0 {
		t.Error("the receiver was not asked who it is")
	}

	// The same plugging-in, a new device in slot 3.
	replaced := defaultProfile(t)
	replaced.Receiver = twin.Receiver
	replaced.Devices[2] = emulator.DeviceProfile{Index: 3, WPID: "406D", Kind: "mouse", Codename: "M705 new", Name: "Marathon Mouse M705",
		Protocol: "4.5", Serial: "0BADCAFE", Battery: &emulator.BatteryProfile{Percent: 50, Levels: 10}}
	b = listing(t, replaced, "boot1/0003:046D:C52B.0009")
	want := strings.ReplaceAll(defaultFigures, "E0662192", "0000ABCD")
	want = strings.Replace(want, "3 M705: 100 %", "3 Marathon Mouse M705: 50 %", 1)
	if got := figures(query(t, b, cache)); got != want {
		t.Errorf("a new device in slot 3:\n%s\nwant\n%s", got, want)
	}
}

// TestQuery_SolarMoved: new firmware moves the K750's solar feature within
// a day of the keyboard confirming it. The light request goes to the old
// index unchecked, and no light report comes from there: the query finds
// where the feature is, and asks there. The true figures, and the cache
// rebuilt.
func TestQuery_SolarMoved(t *testing.T) {
	k750 := func(features ...string) *emulator.Profile {
		p := defaultProfile(t)
		p.Devices = p.Devices[1:2]
		p.Devices[0].Features = features
		return p
	}
	before := k750("0000", "0001", "0003", "0005", "1B00", "1D4B", "1DF3", "40A0", "4100", "4301", "4520")
	after := k750("0000", "0001", "0003", "0005", "1B00", "1D4B", "1DF3", "40A0", "4100", "1B04", "4301", "4520")
	const want = "E0662192 2 Wireless Solar Keyboard K750: 57 %, 12 lux, discharging"
	cache := &memCache{m: map[string]unifying.Known{}}
	if got := figures(query(t, listing(t, before, "boot1/0003:046D:C52B.0003"), cache)); got != want {
		t.Fatalf("before: %s, want %s", got, want)
	}
	b := listing(t, after, "boot1/0003:046D:C52B.0003")
	if got := figures(query(t, b, cache)); got != want {
		t.Errorf("after the update: %s, want %s", got, want)
	}
	// The light request at 9, the check, the ping, the light request at 10.
	if n := b.Receiver.Requests(); fmt.Sprint(n) != fmt.Sprint(map[byte]int{2: 4}) {
		t.Errorf("after the update: requests %v, want 4 to device 2", n)
	}
	if ix := cache.m["4002-750C0DE2"].Device.Features[hidpp.FeatureSolarDashboard]; ix != 10 {
		t.Errorf("the cache has the solar feature at %d, want 10", ix)
	}
	// The next query learns what the rebuild dropped (the name, where the
	// battery features are not); the one after is warm.
	for _, when := range []string{"the query after", "warm"} {
		b.Receiver.ResetRequests()
		if got := figures(query(t, b, cache)); got != want {
			t.Errorf("%s: %s, want %s", when, got, want)
		}
	}
	if n := b.Receiver.Requests(); fmt.Sprint(n) != fmt.Sprint(map[byte]int{2: 1}) {
		t.Errorf("warm after the update: requests %v, want 1 to device 2", n)
	}
}

// TestQuery_NoBattery: a device the cache says has no battery to read is
// pinged, since no reading would say whether it is in range.
func TestQuery_NoBattery(t *testing.T) {
	p, err := emulator.ParseProfile([]byte(`{"receiver":{"serial":"0000ABCD"},"devices":[
		{"index":1,"wpid":"4090","kind":"presenter","codename":"R500","protocol":"4.5","serial":"00000001",
		 "features":["0000","0001","0005"]}]}`), "presenter")
	if err != nil {
		t.Fatal(err)
	}
	b := listing(t, p, "boot1/0003:046D:C52B.0003")
	cache := &memCache{m: map[string]unifying.Known{}}
	for _, when := range []string{"cold", "warm"} {
		b.Receiver.ResetRequests()
		states := query(t, b, cache)
		if len(states) != 1 || !states[0].Online || states[0].Battery != nil {
			t.Fatalf("%s: %s, want online with no battery", when, figures(states))
		}
	}
	if n := b.Receiver.Requests(); fmt.Sprint(n) != fmt.Sprint(map[byte]int{1: 1}) {
		t.Errorf("warm: requests %v, want the one ping", n)
	}
}
