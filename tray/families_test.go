package tray

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/sensors"
)

// TestSummarize_Families: the tray's menu holds, together, the devices of
// a Unifying receiver, a Bolt receiver and two Bluetooth devices (the
// emulator's default, bolt and bluetooth profiles), as the monitor reads
// them, each under its name and figures; the icon shows the lowest of
// them all.
func TestSummarize_Families(t *testing.T) {
	b := emulatortest.Emulate(t, "default", "bolt", "bluetooth")
	m := sensors.NewMonitor(sensors.MonitorOpts{Backend: b, DeviceTimeout: 300 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	want := []string{
		"Logi POP Keys: 100 %, discharging",
		"M705: 100 %, discharging",
		"MX Keys S: 75 %, discharging",
		"MX Keys Wireless Keyboard: about 100 %, discharging",
		"MX Master 3 Wireless Mouse: 80 %, discharging",
		"MX Master 3S: 25 %, discharging",
		"Wireless Mouse MX Master 3: about 100 %, discharging",
		"Wireless Solar Keyboard K750: 57 %, 12 lux, discharging",
	}
	var got []string
	var s Summary
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		s = Summarize(m.States(), Opts{ShowPercent: true})
		got = got[:0]
		for _, it := range s.Items {
			got = append(got, it.Label)
		}
		sort.Strings(got)
		if strings.Join(got, "\n") == strings.Join(want, "\n") {
			break
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("menu:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s.Text != "25 %" {
		t.Errorf("the icon shows %q, want the MX Master 3S's 25 %%", s.Text)
	}
}
