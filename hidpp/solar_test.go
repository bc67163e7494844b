package hidpp_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/helio-linux/helio/hidpp"
)

func TestDecodeSolarEvent(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want hidpp.SolarEvent
	}{
		// JD's 2012 USB capture: 11 02 09 | 10 = light report | 39 = 57 % |
		// 00 0c = 12 lux | 06 1d = unknown | "GOOD" | 7 zeros.
		{"2012 capture", hx(solarCapture), hidpp.SolarEvent{Kind: hidpp.SolarLightReport, Charge: 57, Lux: 12, HasLux: true}},
		{"light report 300 lux", long20("11 02 09 10 50 01 2C 06 1D 47 4F 4F 44"), hidpp.SolarEvent{Kind: hidpp.SolarLightReport, Charge: 80, Lux: 300, HasLux: true}},
		{"light report 65535 lux", long20("11 02 09 10 50 FF FF 00 00 47 4F 4F 44"), hidpp.SolarEvent{Kind: hidpp.SolarLightReport, Charge: 80, Lux: 65535, HasLux: true}},
		{"charge 100", long20("11 02 09 10 64 00 0C 06 1D 47 4F 4F 44"), hidpp.SolarEvent{Kind: hidpp.SolarLightReport, Charge: 100, Lux: 12, HasLux: true}},
		{"charge 0", long20("11 02 09 10 00 00 00 00 00 47 4F 4F 44"), hidpp.SolarEvent{Kind: hidpp.SolarLightReport, HasLux: true}},
		// Event 0x00: battery broadcast, lux bytes ignored.
		{"battery broadcast", long20("11 02 09 00 39 01 2C 06 1D 47 4F 4F 44"), hidpp.SolarEvent{Kind: hidpp.SolarBattery, Charge: 57}},
		// Event 0x20: the light-check button.
		{"light button", long20("11 02 09 20 39 01 2C 06 1D 47 4F 4F 44"), hidpp.SolarEvent{Kind: hidpp.SolarLightButton, Charge: 57}},
		// The decoder does not care about the index bytes or the trailing bytes.
		{"other device and index", long20("11 05 0A 10 39 00 0C 06 1D 47 4F 4F 44 FF"), hidpp.SolarEvent{Kind: hidpp.SolarLightReport, Charge: 57, Lux: 12, HasLux: true}},
		{"very long report", append(hx("12 02 09 10 39 00 0C 06 1D 47 4F 4F 44"), make([]byte, 19)...), hidpp.SolarEvent{Kind: hidpp.SolarLightReport, Charge: 57, Lux: 12, HasLux: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := hidpp.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := hidpp.DecodeSolarEvent(&r)
			if err != nil || got != tt.want {
				t.Errorf("DecodeSolarEvent(%v) = %+v, %v; want %+v", r, got, err, tt.want)
			}
		})
	}
}

func TestDecodeSolarEventRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"no GOOD marker", long20("11 02 09 10 39 00 0C 06 1D 00 00 00 00")},
		{"marker BAD!", long20("11 02 09 10 39 00 0C 06 1D 42 41 44 21")},
		{"marker lower case", long20("11 02 09 10 39 00 0C 06 1D 67 6F 6F 64")},
		{"marker one byte early", long20("11 02 09 10 39 00 0C 06 47 4F 4F 44")},
		// A reply to SetLightMeasure with swid 6 is not an event.
		{"software ID 6", long20("11 02 09 16 39 00 0C 06 1D 47 4F 4F 44")},
		{"software ID 1 (kernel)", long20("11 02 09 01 39 00 0C 06 1D 47 4F 4F 44")},
		{"short report", hx("10 02 09 10 39 00 0C")},
		{"event nibble 3", long20("11 02 09 30 39 00 0C 06 1D 47 4F 4F 44")},
		{"event nibble 0xF", long20("11 02 09 F0 39 00 0C 06 1D 47 4F 4F 44")},
		{"charge 101", long20("11 02 09 10 65 00 0C 06 1D 47 4F 4F 44")},
		{"charge 255", long20("11 02 09 00 FF 00 0C 06 1D 47 4F 4F 44")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := hidpp.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := hidpp.DecodeSolarEvent(&r)
			if !errors.Is(err, hidpp.ErrMalformed) {
				t.Errorf("DecodeSolarEvent(%v) = %+v, %v; want an error wrapping ErrMalformed", r, got, err)
			}
			if got != (hidpp.SolarEvent{}) {
				t.Errorf("DecodeSolarEvent(%v) = %+v with an error, want the zero SolarEvent", r, got)
			}
		})
	}
}

func TestSolarEventBattery(t *testing.T) {
	const src = "feature 0x4301"
	tests := []struct {
		in   hidpp.SolarEvent
		want hidpp.Battery
	}{
		// The capture: 12 lux is not enough light to charge.
		{hidpp.SolarEvent{Kind: hidpp.SolarLightReport, Charge: 57, Lux: 12, HasLux: true},
			hidpp.Battery{Percent: 57, HasPercent: true, Status: hidpp.StatusDischarging, Source: src}},
		{hidpp.SolarEvent{Kind: hidpp.SolarLightReport, Charge: 57, Lux: 200, HasLux: true},
			hidpp.Battery{Percent: 57, HasPercent: true, Status: hidpp.StatusDischarging, Source: src}},
		{hidpp.SolarEvent{Kind: hidpp.SolarLightReport, Charge: 57, Lux: 201, HasLux: true},
			hidpp.Battery{Percent: 57, HasPercent: true, Status: hidpp.StatusCharging, Source: src}},
		{hidpp.SolarEvent{Kind: hidpp.SolarLightReport, Charge: 57, Lux: 300, HasLux: true},
			hidpp.Battery{Percent: 57, HasPercent: true, Status: hidpp.StatusCharging, Source: src}},
		{hidpp.SolarEvent{Kind: hidpp.SolarLightReport, Charge: 100, Lux: 12, HasLux: true},
			hidpp.Battery{Percent: 100, HasPercent: true, Status: hidpp.StatusFull, Source: src}},
		{hidpp.SolarEvent{Kind: hidpp.SolarLightReport, Charge: 100, Lux: 5000, HasLux: true},
			hidpp.Battery{Percent: 100, HasPercent: true, Status: hidpp.StatusFull, Source: src}},
		// Without lux only the caller, comparing charges, can tell.
		{hidpp.SolarEvent{Kind: hidpp.SolarBattery, Charge: 57},
			hidpp.Battery{Percent: 57, HasPercent: true, Status: hidpp.StatusUnknown, Source: src}},
		{hidpp.SolarEvent{Kind: hidpp.SolarLightButton, Charge: 57},
			hidpp.Battery{Percent: 57, HasPercent: true, Status: hidpp.StatusUnknown, Source: src}},
		{hidpp.SolarEvent{Kind: hidpp.SolarBattery, Charge: 100},
			hidpp.Battery{Percent: 100, HasPercent: true, Status: hidpp.StatusFull, Source: src}},
	}
	for _, tt := range tests {
		if got := tt.in.Battery(); got != tt.want {
			t.Errorf("%+v.Battery() = %+v, want %+v", tt.in, got, tt.want)
		}
	}

	// The recorded capture end to end.
	r := rep(t, solarCapture)
	ev, err := hidpp.DecodeSolarEvent(&r)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ev.Battery(), (hidpp.Battery{Percent: 57, HasPercent: true, Status: hidpp.StatusDischarging, Source: src}); got != want {
		t.Errorf("DecodeSolarEvent(%v).Battery() = %+v, want %+v", r, got, want)
	}
}

func TestEncodeSolarEvent(t *testing.T) {
	// Encoding the capture's values gives the capture's bytes.
	r := hidpp.EncodeSolarEvent(0x02, 0x09, hidpp.SolarLightReport, 57, 12, 0x061D)
	if want := hx(solarCapture); !bytes.Equal(r.Bytes(), want) {
		t.Errorf("EncodeSolarEvent(2, 9, light report, 57, 12, 0x061D) = % x, want % x", r.Bytes(), want)
	}

	// Round trip: what is encoded decodes to the same event, for every kind.
	for _, kind := range []hidpp.SolarEventKind{hidpp.SolarBattery, hidpp.SolarLightReport, hidpp.SolarLightButton} {
		for _, charge := range []int{0, 1, 57, 99, 100} {
			for _, lux := range []int{0, 12, 200, 201, 300, 65535} {
				r := hidpp.EncodeSolarEvent(0x02, 0x09, kind, charge, lux, 0xBEEF)
				want := hidpp.SolarEvent{Kind: kind, Charge: charge}
				if kind == hidpp.SolarLightReport {
					want.Lux, want.HasLux = lux, true
				}
				got, err := hidpp.DecodeSolarEvent(&r)
				if err != nil || got != want {
					t.Errorf("DecodeSolarEvent(EncodeSolarEvent(2, 9, %v, %d, %d, 0xBEEF)) = %+v, %v; want %+v", kind, charge, lux, got, err, want)
				}
				if p, err := hidpp.Parse(r.Bytes()); err != nil || p != r {
					t.Errorf("Parse(EncodeSolarEvent(...) = %v) = %v, %v; want the same report", r, p, err)
				}
				if r.Len() != hidpp.LongLen || r.Device() != 0x02 || r.SubID() != 0x09 || r.SoftwareID() != 0 {
					t.Errorf("EncodeSolarEvent(2, 9, %v, ...) = %v, want a long report from device 2, index 9, swid 0", kind, r)
				}
			}
		}
	}
}

func TestSolarEventKindString(t *testing.T) {
	for k, want := range map[hidpp.SolarEventKind]string{
		hidpp.SolarBattery: "battery broadcast", hidpp.SolarLightReport: "light report",
		hidpp.SolarLightButton: "light button", 3: "solar event 3",
	} {
		if got := k.String(); got != want {
			t.Errorf("SolarEventKind(%d).String() = %q, want %q", uint8(k), got, want)
		}
	}
}
