package upower_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/bus"
	"github.com/helio-linux/helio/internal/dbustest"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/upower"
)

// followed is what Follow last handed its caller.
type followed struct {
	mu      sync.Mutex
	calls   int
	owned   bool
	figures []string
}

func (f *followed) update(states []sensors.State, owned bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.owned, f.figures = owned, nil
	for _, st := range states {
		f.figures = append(f.figures, st.Title()+": "+st.Figures())
	}
}

func (f *followed) is(owned bool, figures ...string) func() (bool, string) {
	return func() (bool, string) {
		f.mu.Lock()
		defer f.mu.Unlock()
		got := fmt.Sprintf("owned %v, %q", f.owned, f.figures)
		return f.calls > 0 && f.owned == owned && strings.Join(f.figures, "|") == strings.Join(figures, "|"), got
	}
}

// TestFollow: a client follows the service as it starts, changes and goes,
// and words every device as the service's monitor holds it, where UPower's
// properties alone would say "full" for any battery at 100 %.
func TestFollow(t *testing.T) {
	addr := dbustest.Start(t)
	conn, _, err := bus.Address(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	f := &followed{}
	goRun(t, "Follow", func(ctx context.Context) error { return upower.Follow(ctx, conn, testName, f.update) })
	poll(t, "no service", f.is(false))

	b, m := emulated(t)
	serviceConn := connect(t, addr)
	stopService := goRun(t, "Serve", func(ctx context.Context) error {
		return upower.Serve(ctx, serviceConn, m, upower.Opts{Name: testName})
	})
	poll(t, "the three devices", f.is(true,
		"MX Master 3 Wireless Mouse: 80 %, discharging",
		"Wireless Solar Keyboard K750: 57 %, 12 lux, discharging",
		"M705: 100 %, discharging"))
	if err := b.Receiver.SetBattery(1, 55, hidpp.StatusCharging); err != nil {
		t.Fatal(err)
	}
	poll(t, "the MX Master charging", f.is(true,
		"MX Master 3 Wireless Mouse: 55 %, charging",
		"Wireless Solar Keyboard K750: 57 %, 12 lux, discharging",
		"M705: 100 %, discharging"))
	stopService()
	poll(t, "the service gone", f.is(false))
}
