package hidpp_test

import (
	"testing"

	"github.com/helio-linux/helio/hidpp"
)

// Sinks keep the compiler from optimising the measured calls away.
var (
	sinkReport  hidpp.Report
	sinkSolar   hidpp.SolarEvent
	sinkBattery hidpp.Battery
	sinkString  string
	sinkBool    bool
	sinkErr     error
)

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct{ name, hex string }{
		{"short", m705Reg0D},
		{"long", solarCapture},
	} {
		in := hx(bc.hex)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				sinkReport, sinkErr = hidpp.Parse(in)
			}
		})
	}
}

func BenchmarkDecodeSolarEvent(b *testing.B) {
	r := rep(b, solarCapture)
	b.ReportAllocs()
	for b.Loop() {
		sinkSolar, sinkErr = hidpp.DecodeSolarEvent(&r)
	}
}

func BenchmarkDescribe(b *testing.B) {
	features := map[byte]hidpp.FeatureID{6: hidpp.FeatureBatteryStatus}
	for _, bc := range []struct{ name, hex string }{
		{"register 0x0D", m705Reg0D},
		{"solar", solarCapture},
		{"0xB5 codename", b5Codename},
		{"2.0 error", err20InvalidIndex},
		{"0x1000 event", "11 01 06 00 32 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
	} {
		r := rep(b, bc.hex)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkString = hidpp.Describe(&r, features)
			}
		})
	}
}

func BenchmarkMatches(b *testing.B) {
	for _, bc := range []struct{ name, req, rep string }{
		{"register", "10 01 81 07 00 00 00", "10 01 81 07 07 00 00"},
		{"0xB5", "10 FF 83 B5 40 00 00", b5Codename},
		{"other device", "10 01 81 07 00 00 00", "10 02 81 07 07 00 00"},
		{"error", "10 02 09 16 01 01 00", err20InvalidIndex},
	} {
		req, rep := rep(b, bc.req), rep(b, bc.rep)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkBool = hidpp.Matches(&req, &rep)
			}
		})
	}
}

// TestZeroAllocs: the decoders on the reader's hot path allocate nothing
// when the input is valid.
func TestZeroAllocs(t *testing.T) {
	in := hx(solarCapture)
	r := rep(t, solarCapture)
	status := hx("50 20 00")
	caps := &hidpp.BatteryCapability{Levels: 4}
	req, reply := rep(t, "10 FF 83 B5 40 00 00"), rep(t, b5Codename)
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"Parse", func() { sinkReport, sinkErr = hidpp.Parse(in) }},
		{"DecodeSolarEvent", func() { sinkSolar, sinkErr = hidpp.DecodeSolarEvent(&r) }},
		{"DecodeBatteryStatus", func() { sinkBattery, sinkErr = hidpp.DecodeBatteryStatus(status, caps) }},
		{"DecodeBatteryStatus(nil caps)", func() { sinkBattery, sinkErr = hidpp.DecodeBatteryStatus(status, nil) }},
		{"Matches", func() { sinkBool = hidpp.Matches(&req, &reply) }},
	} {
		if n := testing.AllocsPerRun(200, tt.f); n != 0 {
			t.Errorf("%s allocates %v times per call, want 0", tt.name, n)
		}
	}
	if sinkErr != nil {
		t.Fatal(sinkErr)
	}
}
