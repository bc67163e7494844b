package window

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/bus"
	"github.com/helio-linux/helio/internal/dbustest"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/upower"
)

const testName = "io.github.helio.WindowTest"

// snapshots collects what Follow hands the window.
type snapshots struct {
	mu  sync.Mutex
	all []Snapshot
}

func (s *snapshots) add(x Snapshot) {
	s.mu.Lock()
	s.all = append(s.all, x)
	s.mu.Unlock()
}

func (s *snapshots) last() (Snapshot, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.all) == 0 {
		return Snapshot{}, 0
	}
	return s.all[len(s.all)-1], len(s.all)
}

// await waits until the latest snapshot satisfies cond.
func (s *snapshots) await(t *testing.T, what string, cond func(Snapshot) bool) Snapshot {
	t.Helper()
	var last Snapshot
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		var n int
		if last, n = s.last(); n > 0 && cond(last) {
			return last
		}
	}
	t.Fatalf("waited for %s; last snapshot: %s", what, describe(last))
	return last
}

// describe is a snapshot in the tray's words.
func describe(s Snapshot) string {
	return fmt.Sprintf("source %v, err %v: %s", s.Source, s.Err, strings.Join(labels(s), "; "))
}

// labels are the devices as the tray's menu words them.
func labels(s Snapshot) []string {
	var out []string
	for _, st := range s.States {
		out = append(out, st.Title()+": "+st.Figures())
	}
	return out
}

// serve runs the real export of an emulated receiver on the bus at addr,
// as the tray does, until the returned stop is called.
func serve(t *testing.T, addr string, b *emulator.Backend) (stop func()) {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	m := sensors.NewMonitor(sensors.MonitorOpts{Backend: b, DeviceTimeout: 300 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- upower.Serve(ctx, conn, m, upower.Opts{Name: testName}) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("upower.Serve: %v", err)
			}
			conn.Close()
		})
	}
	t.Cleanup(stop)
	// Serve owns the name once the devices are exported; wait for it, so
	// the window finds a running tray.
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var owned bool
		err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, testName).Store(&owned)
		if err == nil && owned {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the export did not own %s (last error %v)", testName, err)
		}
	}
	return stop
}

func emulatedBackend(t *testing.T) *emulator.Backend {
	t.Helper()
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	b := emulator.NewBackend(p, "test", &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(b.Receiver.Close)
	return b
}

// follow runs Follow on a connection of its own to addr until the test
// ends.
func follow(t *testing.T, addr string, read ReadFunc) *snapshots {
	t.Helper()
	conn, _, err := bus.Address(addr)
	if err != nil {
		t.Fatal(err)
	}
	got := &snapshots{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Follow(ctx, conn, FollowOpts{Name: testName, Read: read, Now: fixedNow}, got.add) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Follow: %v", err)
		}
		conn.Close()
	})
	return got
}

func TestFollow_Export(t *testing.T) {
	addr := dbustest.Start(t)
	b := emulatedBackend(t)
	stopTray := serve(t, addr, b)
	var reads atomic.Int32
	got := follow(t, addr, func(context.Context) ([]sensors.State, error) {
		reads.Add(1)
		return []sensors.State{{ID: "direct", Name: "Read directly", Online: true,
			Battery: &hidpp.Battery{Percent: 33, HasPercent: true}}}, nil
	})

	want := []string{
		"MX Master 3 Wireless Mouse: 80 %, discharging",
		"Wireless Solar Keyboard K750: 57 %, 12 lux, discharging",
		// UPower calls any battery at 100 % fully charged; Helio's own
		// interface says what the tray says.
		"M705: 100 %, discharging",
	}
	got.await(t, "the tray's three devices", func(s Snapshot) bool {
		return s.Source == SourceTray && strings.Join(labels(s), "|") == strings.Join(want, "|")
	})

	// A change on the device reaches the window through PropertiesChanged.
	if err := b.Receiver.SetBattery(1, 55, hidpp.StatusDischarging); err != nil {
		t.Fatal(err)
	}
	got.await(t, "the MX Master at 55 %", func(s Snapshot) bool {
		l := labels(s)
		return s.Source == SourceTray && len(l) == 3 && l[0] == "MX Master 3 Wireless Mouse: 55 %, discharging"
	})
	if err := b.Receiver.SetOnline(3, false); err != nil {
		t.Fatal(err)
	}
	got.await(t, "the M705 offline", func(s Snapshot) bool {
		l := labels(s)
		return len(l) == 3 && l[2] == "M705: offline"
	})
	if n := reads.Load(); n != 0 {
		t.Errorf("the window read the receivers directly %d times while the tray ran", n)
	}

	// The tray stops: the window says so and reads once, directly.
	stopTray()
	s := got.await(t, "the direct read", func(s Snapshot) bool { return s.Source == SourceDirect })
	if l := labels(s); len(l) != 1 || l[0] != "Read directly: 33 %" || !s.Read.Equal(now) {
		t.Errorf("after the tray stopped: %s read at %v, want the direct read at %v", describe(s), s.Read, now)
	}
	// It comes back: the window follows it again.
	serve(t, addr, b)
	got.await(t, "the tray again", func(s Snapshot) bool { return s.Source == SourceTray && len(s.States) == 3 })
	if n := reads.Load(); n != 1 {
		t.Errorf("direct reads = %d, want 1", n)
	}
}

func TestFollow_NoTray(t *testing.T) {
	addr := dbustest.Start(t)
	failure := errors.New("no Logitech receiver found")
	got := follow(t, addr, func(context.Context) ([]sensors.State, error) { return nil, failure })
	s := got.await(t, "the failed direct read", func(s Snapshot) bool { return s.Source == SourceDirect })
	if !errors.Is(s.Err, failure) || len(s.States) != 0 {
		t.Errorf("without tray or receiver: %s, want the read's error", describe(s))
	}
}
