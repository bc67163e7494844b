package sensors_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/unifying"
)

// rig is the built-in emulated receiver (or p) opened as Helio opens a real
// one, with its devices listed.
func rig(t testing.TB, p *emulator.Profile) (*emulator.Receiver, *hidpp.Conn, []*unifying.Device) {
	t.Helper()
	b, c := emulatortest.Open(t, p)
	r, err := unifying.Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	devs, err := r.Devices(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.Receiver, c, devs
}

var fast = &sensors.Opts{LightWait: 500 * time.Millisecond}

func TestReadAll_Default(t *testing.T) {
	_, _, devs := rig(t, nil)
	rs := sensors.ReadAll(context.Background(), devs, fast)
	type want struct {
		percent int
		status  hidpp.Status
		lux     int // -1: no light
	}
	wants := []want{{80, hidpp.StatusDischarging, -1}, {57, hidpp.StatusDischarging, 12}, {100, hidpp.StatusDischarging, -1}}
	for i, r := range rs {
		w := wants[i]
		if r.Err != nil || !r.Online || r.Battery == nil {
			t.Fatalf("%s: %+v", r.Name, r)
		}
		if !r.Battery.HasPercent || r.Battery.Percent != w.percent || r.Battery.Status != w.status {
			t.Errorf("%s battery = %+v, want %d %% %s", r.Name, *r.Battery, w.percent, w.status)
		}
		switch {
		case w.lux < 0 && (r.Light != nil || r.Solar):
			t.Errorf("%s has light %+v", r.Name, r.Light)
		case w.lux >= 0 && (r.Light == nil || r.Light.Lux != w.lux || !r.Solar):
			t.Errorf("%s light = %+v, want %d lux", r.Name, r.Light, w.lux)
		}
	}
}

func TestRead_SolarCharging(t *testing.T) {
	emu, _, devs := rig(t, nil)
	emu.SetLux(2, 800)
	r := sensors.Read(context.Background(), devs[1], fast)
	if r.Light == nil || r.Light.Lux != 800 || !r.Light.Charging() || r.Battery.Status != hidpp.StatusCharging {
		t.Errorf("K750 in 800 lux: %+v %+v", r.Light, r.Battery)
	}
}

// TestRead_Offline: a device that goes out of range between the listing and
// the reading is offline, not an error, and shows no figures.
func TestRead_Offline(t *testing.T) {
	emu, _, devs := rig(t, nil)
	for _, ix := range []byte{1, 2, 3} {
		emu.SetOnline(ix, false)
	}
	for _, r := range sensors.ReadAll(context.Background(), devs, fast) {
		if r.Online || r.Battery != nil || r.Light != nil || r.Err != nil {
			t.Errorf("%s out of range: %+v", r.Name, r)
		}
	}
}

// TestRead_NoLightReport: a keyboard that acknowledges SetLightMeasure but
// then sends garbage and truncated reports instead of its light report gives
// no reading, and says why.
func TestRead_NoLightReport(t *testing.T) {
	emu, c, devs := rig(t, nil)
	// Right after the SetLightMeasure echo: two broken light reports, then the
	// keyboard goes out of range, so its real report never comes.
	go func() {
		time.Sleep(2 * time.Millisecond)
		emu.InjectRaw([]byte{0x11, 0x02, 0x09, 0x10, 0x39}) // truncated light report
		emu.InjectRaw([]byte{0x11, 0x02, 0x09, 0x10, 0x39, 0x00, 0x0c, 0x06, 0x1d, 'B', 'A', 'D', '!', 0, 0, 0, 0, 0, 0, 0})
		emu.SetOnline(2, false)
	}()
	r := sensors.Read(context.Background(), devs[1], &sensors.Opts{LightWait: 100 * time.Millisecond})
	if r.Light != nil {
		t.Errorf("a reading came from malformed reports: %+v", r.Light)
	}
	if r.Battery != nil && r.Battery.Percent != 57 {
		t.Errorf("battery = %+v", r.Battery)
	}
	if !errors.Is(r.Err, sensors.ErrNoLightReport) {
		t.Errorf("Err = %v, want ErrNoLightReport", r.Err)
	}
	if c.Stats().Ignored < 1 {
		t.Errorf("the truncated report was not dropped: %+v", c.Stats())
	}
}

// TestRead_ReceiverUnplugged: pulling the receiver in the middle of a light
// wait ends the wait at once with an error.
func TestRead_ReceiverUnplugged(t *testing.T) {
	emu, _, devs := rig(t, nil)
	go func() {
		time.Sleep(5 * time.Millisecond)
		emu.Unplug()
	}()
	done := make(chan sensors.State)
	go func() { done <- sensors.Read(context.Background(), devs[1], &sensors.Opts{LightWait: 5 * time.Second}) }()
	select {
	case r := <-done:
		if r.Err == nil || r.Light != nil {
			t.Errorf("reading after unplug: %+v", r)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Read hung after the receiver was unplugged")
	}
}

func TestRead_OtherBatteries(t *testing.T) {
	p, err := emulator.ParseProfile([]byte(`{"receiver":{"serial":"0000ABCD"},"devices":[
		{"index":1,"wpid":"2010","kind":"keyboard","codename":"K800","protocol":"1.0","serial":"00000001","registers":{"07":"052100"}},
		{"index":2,"wpid":"4090","kind":"mouse","codename":"Volt","protocol":"4.2","serial":"00000002","battery":{"percent":50,"voltage_mv":3815}},
		{"index":3,"wpid":"4091","kind":"mouse","codename":"Unif","protocol":"4.5","serial":"00000003","features":["0000","0001","0005","1004"],"battery":{"percent":0,"status":"charging"}},
		{"index":4,"wpid":"4092","kind":"mouse","codename":"Step","protocol":"4.5","serial":"00000004","battery":{"percent":50,"levels":4}},
		{"index":5,"wpid":"4093","kind":"mouse","codename":"Raw1","protocol":"4.5","serial":"00000005","features":["0000","1000"],"replies":{"1000/0":"502000","1000/1":"0a02"}}]}`), "others")
	if err != nil {
		t.Fatal(err)
	}
	_, _, devs := rig(t, p)
	tests := []struct {
		desc        string
		percent     int // -1: none
		level       hidpp.Level
		status      hidpp.Status
		approximate bool
	}{
		{"register 0x07 level 5, charging", -1, hidpp.LevelGood, hidpp.StatusCharging, false},
		{"0x1001 3815 mV", 50, hidpp.LevelUnknown, hidpp.StatusDischarging, true},
		{"0x1004 charging at 0 %", -1, hidpp.LevelCritical, hidpp.StatusCharging, false},
		{"0x1000 with 4 levels", 50, hidpp.LevelGood, hidpp.StatusDischarging, true},
		{"raw 0x1000 reply 50 20 00", 80, hidpp.LevelUnknown, hidpp.StatusDischarging, false},
	}
	rs := sensors.ReadAll(context.Background(), devs, fast)
	for i, tt := range tests {
		b := rs[i].Battery
		if b == nil {
			t.Errorf("%s: no battery (%v)", tt.desc, rs[i].Err)
			continue
		}
		pct := -1
		if b.HasPercent {
			pct = b.Percent
		}
		if pct != tt.percent || b.Level != tt.level || b.Status != tt.status || b.Approximate != tt.approximate {
			t.Errorf("%s: got %+v", tt.desc, *b)
		}
	}
}

// memCache is a unifying.Cache in memory.
type memCache struct {
	mu sync.Mutex
	m  map[string]unifying.Known
	r  map[string]unifying.KnownReceiver
}

func (c *memCache) Load(id string) (unifying.Known, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[id]
	return k, ok
}

func (c *memCache) Store(id string, k unifying.Known) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[id] = k
}

func (c *memCache) LoadReceiver(key string) (unifying.KnownReceiver, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.r[key]
	return k, ok
}

func (c *memCache) StoreReceiver(key string, k unifying.KnownReceiver) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.r == nil {
		c.r = map[string]unifying.KnownReceiver{}
	}
	c.r[key] = k
}

// BenchmarkQuery is a full query of the default receiver as helio query
// makes it: open it, list the devices (a device the cache knows is not
// pinged: its reading says whether it is in range), read every battery and
// the K750's light (with the emulator's light report period shortened to
// 10 µs). "cold" learns every device anew; "warm" has a device cache, as a
// second helio query does (the sim backend lists no devices by itself: the
// receiver is asked).
func BenchmarkQuery(b *testing.B) {
	for _, name := range []string{"cold", "warm"} {
		b.Run(name, func(b *testing.B) {
			p, _ := emulator.BuiltinProfile("default")
			be := emulator.NewBackend(p, "bench", &emulator.Opts{Second: 10 * time.Microsecond})
			defer be.Receiver.Close()
			infos, _ := be.Receivers()
			tc, _ := be.Open(infos[0])
			c := hidpp.NewConn(tc, nil)
			defer c.Close()
			ctx := context.Background()
			var cache unifying.Cache
			if name == "warm" {
				cache = &memCache{m: map[string]unifying.Known{}}
				r, _ := unifying.Open(ctx, c)
				devs, _ := r.Devices(ctx, cache)
				sensors.ReadAll(ctx, devs, nil)
				be.Receiver.ResetRequests()
			}
			b.ReportAllocs()
			for b.Loop() {
				r, err := unifying.Open(ctx, c)
				if err != nil {
					b.Fatal(err)
				}
				devs, err := r.Paired(ctx, cache)
				if err != nil {
					b.Fatal(err)
				}
				for _, d := range devs {
					if err := d.Prepare(ctx); err != nil {
						b.Fatal(err)
					}
				}
				for _, rd := range sensors.ReadAll(ctx, devs, nil) {
					if rd.Battery == nil {
						b.Fatalf("%s: no battery: %v", rd.Name, rd.Err)
					}
				}
			}
			b.ReportMetric(float64(be.Receiver.TotalRequests())/float64(b.N), "requests/op")
		})
	}
}

// outdatedMouse is a mouse at 15 % before and after a firmware update
// that moves its battery feature 0x1000 to another index, putting at the
// old one a feature (0x1B04) that answers zeros: what a stale cache must
// not read through.
func outdatedMouse(t *testing.T) (before, after *emulator.Profile) {
	t.Helper()
	mouse := func(features, replies string) *emulator.Profile {
		t.Helper()
		p, err := emulator.ParseProfile([]byte(`{"receiver":{"serial":"0000ABCD"},"devices":[
			{"index":1,"wpid":"4082","kind":"mouse","codename":"MX Anywhere","protocol":"4.5","serial":"00000001",
			 "features":[`+features+`],"replies":{`+replies+`},"battery":{"percent":15,"status":"discharging","levels":10}}]}`), "mouse")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	return mouse(`"0000","0001","0005","1000"`, ``),
		mouse(`"0000","0001","0005","1B04","1000"`, `"1B04/0":"000000","1B04/1":"0a02"`)
}

// TestRead_CacheOutdated: a device changes under its cached facts (new
// firmware puts feature 0x1000 at another index, and a feature that answers
// zeros where the battery used to be), and a cache file is edited by hand.
// Helio must read the true battery, never a figure through the stale table
// ("0 %" for a mouse at 15 %), and rebuild the cache.
func TestRead_CacheOutdated(t *testing.T) {
	before, after := outdatedMouse(t)
	path := filepath.Join(t.TempDir(), "devices.json")
	read := func(p *emulator.Profile) sensors.State {
		t.Helper()
		_, c := emulatortest.Open(t, p)
		r, err := unifying.Open(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		cache := unifying.OpenFileCache(path)
		devs, err := r.Devices(context.Background(), cache)
		if err != nil || len(devs) != 1 {
			t.Fatalf("Devices = %v, %v", devs, err)
		}
		st := sensors.Read(context.Background(), devs[0], fast)
		if err := cache.Flush(); err != nil {
			t.Fatal(err)
		}
		return st
	}
	check := func(when string, st sensors.State) {
		t.Helper()
		if st.Err != nil || st.Battery == nil || st.Battery.Percent != 15 {
			t.Errorf("%s: %s (%v), want 15 %%", when, st.Figures(), st.Err)
		}
	}
	check("cold", read(before))
	check("after a firmware update moved the battery feature", read(after))
	check("warm, after the cache was rebuilt", read(after))

	// A hand-edited cache: the battery feature at an index the device does
	// not have, and a feature version of nonsense.
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
	check("with an edited cache", read(after))
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), `"4096": 4`) {
		t.Errorf("the cache was not rebuilt:\n%s", b)
	}
}
