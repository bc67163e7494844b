package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/notify"
	"github.com/helio-linux/helio/sensors"
)

func ExampleWatcher_Observe() {
	w := notify.NewWatcher(config.Default().Alerts)
	start := time.Date(2025, 11, 21, 9, 0, 0, 0, time.UTC)
	// A mouse seen at start-up at 23 %, then running down.
	for i, p := range []int{23, 21, 20, 19, 21, 19, 4, 3} {
		s := sensors.State{ID: "1A2B3C4D-101b-0000B705", Name: "M705", Online: true,
			Battery: &hidpp.Battery{Percent: p, HasPercent: true, Status: hidpp.StatusDischarging}}
		for _, a := range w.Observe(s, start.Add(time.Duration(i)*time.Hour)) {
			fmt.Printf("%d %%: [%s] %s: %s\n", p, a.Urgency, a.Summary, a.Body)
		}
	}
	// Output:
	// 20 %: [normal] M705 battery low: 20 % left. Charge it or replace its batteries soon.
	// 4 %: [critical] M705 battery critical: 4 % left. Charge it or replace its batteries now.
}

// A front end shows the alerts of every device a monitor follows, on its
// own connection to the session bus, until ctx ends.
func ExampleRun() {
	ctx := context.Background()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		fmt.Println("no session bus:", err)
		return
	}
	defer conn.Close()
	b, err := emulator.OpenBackend("sim", nil) // or the hidraw backend, for real receivers
	if err != nil {
		fmt.Println(err)
		return
	}
	m := sensors.NewMonitor(sensors.MonitorOpts{Backend: b})
	states, cancel := m.Subscribe()
	defer cancel()
	go m.Run(ctx)
	notify.Run(ctx, states, notify.NewWatcher(config.Default().Alerts), notify.NewSender(conn, slog.Default()))
}
