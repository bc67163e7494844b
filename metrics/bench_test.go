package metrics

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
)

// BenchmarkScrape is one scrape of /metrics with three devices, as the
// emulated receiver has, without the network: of figures unchanged since
// the last scrape (a flood), and of figures confirmed since (every scrape
// renders).
func BenchmarkScrape(b *testing.B) {
	b.Run("unchanged", func(b *testing.B) { benchmarkScrape(b, false) })
	b.Run("confirmed", func(b *testing.B) { benchmarkScrape(b, true) })
}

func benchmarkScrape(b *testing.B, confirm bool) {
	now := time.Now()
	three := []sensors.State{
		{ID: "a", Name: "Wireless Solar Keyboard K750", Kind: hidpp.KindKeyboard, WPID: 0x4002, Serial: "750C0DE2", Receiver: sensors.ReceiverInfo{Serial: "E0662192", Family: "Unifying"},
			Online: true, Solar: true, Battery: &hidpp.Battery{Percent: 57, HasPercent: true},
			Light: &sensors.Light{Lux: 12}, BatteryTime: now, LightTime: now},
		{ID: "b", Name: "MX Master 3 Wireless Mouse", Kind: hidpp.KindMouse, WPID: 0x4082, Serial: "1A2B3C4D", Receiver: sensors.ReceiverInfo{Serial: "E0662192", Family: "Unifying"},
			Online: true, Battery: &hidpp.Battery{Percent: 80, HasPercent: true}, BatteryTime: now},
		{ID: "c", Name: "M705", Kind: hidpp.KindMouse, WPID: 0x101b, Serial: "705B0A1D", Receiver: sensors.ReceiverInfo{Serial: "E0662192", Family: "Unifying"},
			Online: true, Battery: &hidpp.Battery{Percent: 100, HasPercent: true}, BatteryTime: now},
	}
	h := newHandler(func() []sensors.State {
		if confirm {
			three[0].BatteryTime = three[0].BatteryTime.Add(time.Second)
		}
		return slices.Clone(three)
	}, slog.New(slog.DiscardHandler))
	req := httptest.NewRequest(http.MethodGet, Path, nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
