package unifying_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/unifying"
)

func open(t *testing.T, p *emulator.Profile) (*emulator.Receiver, *unifying.Receiver) {
	t.Helper()
	b, c := emulatortest.Open(t, p)
	r, err := unifying.Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return b.Receiver, r
}

func TestOpen(t *testing.T) {
	_, r := open(t, nil)
	if r.Serial != "E0662192" || r.Firmware != "24.11.B0036" || r.Bootloader != "02.09" || r.MaxDevices != 6 || r.Family != transport.FamilyUnifying {
		t.Errorf("Open = %+v", r)
	}
}

func TestDevices(t *testing.T) {
	emu, r := open(t, nil)
	emu.SetOnline(1, false)
	devs, err := r.Devices(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	type dev struct {
		ix       byte
		wpid     uint16
		kind     hidpp.Kind
		codename string
		name     string
		serial   string
		proto    string
		online   bool
	}
	want := []dev{
		{1, 0x4082, hidpp.KindMouse, "MX Master 3", "MX Master 3", "1A2B3C4D", "unknown", false},
		{2, 0x4002, hidpp.KindKeyboard, "K750", "Wireless Solar Keyboard K750", "750C0DE2", "2.0", true},
		{3, 0x101B, hidpp.KindMouse, "M705", "M705", "705B0A1D", "1.0", true},
	}
	if len(devs) != len(want) {
		t.Fatalf("Devices = %d devices, want %d", len(devs), len(want))
	}
	for i, d := range devs {
		got := dev{d.Index(), d.WPID, d.Kind, d.Codename, d.Name(), d.Serial, d.Protocol().String(), d.Online()}
		if got != want[i] {
			t.Errorf("device %d = %+v, want %+v", i, got, want[i])
		}
	}
	if id := devs[1].ID(); id != "4002-750C0DE2" {
		t.Errorf("ID() = %q", id)
	}
}

// TestDevices_Gaps puts devices in slots 2 and 5: the scan must skip the
// empty slots and stop once the count is reached.
func TestDevices_Gaps(t *testing.T) {
	p, err := emulator.ParseProfile([]byte(`{"receiver":{"serial":"0000ABCD"},"devices":[
		{"index":2,"wpid":"2010","kind":"keyboard","codename":"K800","protocol":"1.0","serial":"00000001","battery":{"percent":50,"register":"07"}},
		{"index":5,"wpid":"406D","kind":"mouse","codename":"M705","protocol":"4.5","serial":"00000002","battery":{"percent":50}}]}`), "gaps")
	if err != nil {
		t.Fatal(err)
	}
	emu, r := open(t, p)
	devs, err := r.Devices(context.Background(), nil)
	if err != nil || len(devs) != 2 || devs[0].Index() != 2 || devs[1].Index() != 5 {
		t.Fatalf("Devices = %v, %v; want slots 2 and 5", devs, err)
	}
	// Open (B5 03, F1 x3), the count, 0x2n for slots 1..5, then 0x3n and 0x4n of the two devices.
	if n := emu.Requests()[0xFF]; n != 4+1+5+2*2 {
		t.Errorf("receiver requests = %d, want 14", n)
	}
}

func TestEnableNotifications(t *testing.T) {
	_, r := open(t, nil)
	if err := r.EnableNotifications(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := r.Notifications(context.Background())
	if err != nil || got != 0x100900 {
		t.Errorf("Notifications() = %06X, %v; want 100900", got, err)
	}
}

// TestFileCache_Warm checks that a second run sends fewer requests, and that
// the cache file survives a reopen.
func TestFileCache_Warm(t *testing.T) {
	path := filepath.Join(t.TempDir(), "helio", "devices.json")
	run := func() int {
		emu, r := open(t, nil)
		c := unifying.OpenFileCache(path)
		if w := c.Warning(); w != nil {
			t.Fatal(w)
		}
		if _, err := r.Devices(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		return emu.TotalRequests()
	}
	cold, warm := run(), run()
	if warm >= cold {
		t.Errorf("warm run sent %d requests, cold %d; want fewer", warm, cold)
	}
	// Pings and pairing info are always read; codenames and names come from the cache.
	if warm != 4+1+3*2+3 {
		t.Errorf("warm run sent %d requests, want 14", warm)
	}
}

func TestFileCache_Corrupt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "devices.json")
	for _, content := range []string{"{not json", `{"version":99,"devices":{}}`, "", "null"} {
		os.WriteFile(path, []byte(content), 0o644)
		c := unifying.OpenFileCache(path)
		if content != "" && c.Warning() == nil {
			t.Errorf("content %q: no warning", content)
		}
		if _, ok := c.Load("x"); ok {
			t.Errorf("content %q: Load found an entry", content)
		}
		c.Store("x", unifying.Known{Codename: "K750"})
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		c2 := unifying.OpenFileCache(path)
		if k, ok := c2.Load("x"); !ok || k.Codename != "K750" || c2.Warning() != nil {
			t.Errorf("content %q: after rewrite Load = %+v, %v, warning %v", content, k, ok, c2.Warning())
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".devices-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestFileCache_Unwritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write anywhere")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	c := unifying.OpenFileCache(filepath.Join(dir, "sub", "devices.json"))
	c.Store("x", unifying.Known{})
	if err := c.Flush(); err == nil {
		t.Error("Flush into a read-only directory did not fail")
	}
}

// TestTrack follows a device out of range and back through the receiver's
// 0x41 notifications, after enabling them as Helio does.
func TestTrack(t *testing.T) {
	emu, r := open(t, nil)
	ctx := context.Background()
	devs, err := r.Devices(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.EnableNotifications(ctx); err != nil {
		t.Fatal(err)
	}
	events, cancel := r.Conn().Subscribe()
	defer cancel()
	next := func() unifying.Change {
		t.Helper()
		for {
			select {
			case rep := <-events:
				if c, ok := r.Track(&rep); ok {
					return c
				}
			case <-time.After(time.Second):
				t.Fatal("no connection notification")
			}
		}
	}
	emu.SetOnline(2, false)
	if c := next(); c.Kind != unifying.Disconnected || c.Device != devs[1] || devs[1].Online() {
		t.Errorf("out of range: %+v, online %v", c, devs[1].Online())
	}
	emu.SetOnline(2, true)
	if c := next(); c.Kind != unifying.Connected || !devs[1].Online() {
		t.Errorf("back: %+v, online %v", c, devs[1].Online())
	}
	// A 0x41 for a slot that was empty: a new device.
	rep, _ := hidpp.ParseHex("10 04 41 04 22 6d 40")
	if c, ok := r.Track(&rep); !ok || c.Kind != unifying.NewDevice || c.Device != nil {
		t.Errorf("new slot: %+v %v", c, ok)
	}
	rep, _ = hidpp.ParseHex("10 ff 81 02 00 03 00")
	if _, ok := r.Track(&rep); ok {
		t.Error("a register reply was taken for a connection change")
	}
}

// TestBolt reads a Bolt receiver, whose unique id and pairing registers
// differ from Unifying's.
func TestBolt(t *testing.T) {
	p, err := emulator.ParseProfile([]byte(`{"receiver":{"pid":"c548","serial":"38423638"},"devices":[
		{"index":1,"wpid":"B023","kind":"mouse","codename":"MX Master 3S","protocol":"4.5","serial":"DEADBEEF","battery":{"percent":65}},
		{"index":3,"wpid":"B35B","kind":"keyboard","codename":"MX Keys","protocol":"4.5","serial":"0BADF00D","battery":{"percent":40}}]}`), "bolt")
	if err != nil {
		t.Fatal(err)
	}
	_, r := open(t, p)
	if r.Family != transport.FamilyBolt || r.Serial != "3338343233363338"+"3338343233363338" {
		t.Errorf("Bolt receiver = %s serial %s", r.Family, r.Serial)
	}
	devs, err := r.Devices(context.Background(), nil)
	if err != nil || len(devs) != 2 {
		t.Fatalf("Devices = %v, %v", devs, err)
	}
	for i, w := range []struct {
		ix             byte
		wpid           uint16
		kind           hidpp.Kind
		serial, cdname string
	}{{1, 0xB023, hidpp.KindMouse, "DEADBEEF", "MX Master 3S"}, {3, 0xB35B, hidpp.KindKeyboard, "0BADF00D", "MX Keys"}} {
		d := devs[i]
		if d.Index() != w.ix || d.WPID != w.wpid || d.Kind != w.kind || d.Serial != w.serial || d.Codename != w.cdname {
			t.Errorf("device %d = slot %d wpid %04x %s %s %q", i, d.Index(), d.WPID, d.Kind, d.Serial, d.Codename)
		}
	}
}

// TestFileCache_NotAFile: whatever stands at the cache's path instead of a
// cache file is read without waiting and never written over; a link to a
// file that must not change leaves it unchanged.
func TestFileCache_NotAFile(t *testing.T) {
	dir := t.TempDir()
	precious := filepath.Join(dir, "precious")
	os.WriteFile(precious, []byte("do not touch\n"), 0o644)
	link := filepath.Join(dir, "link.json")
	os.Symlink(precious, link)
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, "/dev/zero", dir, link} {
		done := make(chan *unifying.FileCache)
		go func() { done <- unifying.OpenFileCache(path) }()
		var c *unifying.FileCache
		select {
		case c = <-done:
		case <-time.After(time.Second):
			t.Fatalf("OpenFileCache(%s) still waits after a second", path)
		}
		if c.Warning() == nil {
			t.Errorf("OpenFileCache(%s): no warning", path)
		}
		c.Store("x", unifying.Known{Codename: "K750"})
		c.Flush()
	}
	if b, _ := os.ReadFile(precious); string(b) != "do not touch\n" {
		t.Errorf("the link's target now holds %q", b)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v", err)
	}
}
