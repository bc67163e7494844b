package history

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
)

// segmentsString writes segments as "[m:v m:v |end]", with times in
// minutes from t0.
func segmentsString(segs []Segment) string {
	minutes := func(t time.Time) int { return int(t.Sub(t0) / time.Minute) }
	var b strings.Builder
	for i, seg := range segs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('[')
		for _, st := range seg.Steps {
			fmt.Fprintf(&b, "%d:%d ", minutes(st.Time), st.Value)
		}
		fmt.Fprintf(&b, "|%d]", minutes(seg.End))
	}
	return b.String()
}

func TestSeriesOf(t *testing.T) {
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	on := func(m, percent, lux int) Sample { return Sample{Time: at(m), Online: true, Percent: percent, Lux: lux} }
	off := func(m int) Sample { return Sample{Time: at(m), Percent: 50, Lux: 100} }
	level := func(m int, l hidpp.Level) Sample {
		return Sample{Time: at(m), Online: true, Percent: -1, Level: l, Lux: -1}
	}
	since, until := at(100), at(200)
	tests := []struct {
		name       string
		samples    []Sample
		charge     string
		lux        string
		maxLux     int
		levelsOnly bool
	}{
		{"nothing", nil, "", "", -1, false},
		{"in the range", []Sample{on(120, 50, 10), on(150, 49, 20)}, "[120:50 150:49 |200]", "[120:10 150:20 |200]", 20, false},
		{"carried in", []Sample{on(10, 60, 5), on(70, 55, 30), on(150, 49, 20)},
			"[100:55 150:49 |200]", "[100:30 150:20 |200]", 30, false},
		{"carried across the range", []Sample{on(70, 55, 30)}, "[100:55 |200]", "[100:30 |200]", 30, false},
		{"a sample at since says what held", []Sample{on(70, 55, 30), on(100, 54, 40)}, "[100:54 |200]", "[100:40 |200]", 40, false},
		{"offline before since carries nothing", []Sample{on(10, 60, 5), off(70), on(150, 49, 20)},
			"[150:49 |200]", "[150:20 |200]", 20, false},
		{"offline ends a segment", []Sample{on(70, 55, 30), off(120), on(150, 49, 20), off(180)},
			"[100:55 |120] [150:49 |180]", "[100:30 |120] [150:20 |180]", 30, false},
		{"offline at since", []Sample{on(70, 55, 30), off(100), on(150, 49, 20)}, "[150:49 |200]", "[150:20 |200]", 20, false},
		{"not reported", []Sample{on(110, 55, -1), on(120, -1, 10)}, "[110:55 |120]", "[120:10 |200]", 10, false},
		{"after until", []Sample{on(150, 49, 20), on(250, 10, 900)}, "[150:49 |200]", "[150:20 |200]", 20, false},
		{"only after until", []Sample{on(250, 10, 900)}, "", "", -1, false},
		{"levels only", []Sample{level(120, hidpp.LevelGood)}, "", "", -1, true},
		{"a level carried in", []Sample{level(10, hidpp.LevelLow)}, "", "", -1, true},
		{"a level that no longer held", []Sample{level(10, hidpp.LevelLow), {Time: at(20), Percent: -1, Lux: -1}}, "", "", -1, false},
		{"a level after until", []Sample{level(250, hidpp.LevelLow)}, "", "", -1, false},
		{"a level beside a percentage", []Sample{{Time: at(120), Online: true, Percent: 50, Level: hidpp.LevelGood, Lux: -1}},
			"[120:50 |200]", "", -1, false},
	}
	for _, tt := range tests {
		s := SeriesOf(tt.samples, since, until)
		if got := segmentsString(s.Charge); got != tt.charge {
			t.Errorf("%s: SeriesOf().Charge = %q, want %q", tt.name, got, tt.charge)
		}
		if got := segmentsString(s.Lux); got != tt.lux {
			t.Errorf("%s: SeriesOf().Lux = %q, want %q", tt.name, got, tt.lux)
		}
		if s.MaxLux != tt.maxLux || s.LevelsOnly != tt.levelsOnly {
			t.Errorf("%s: SeriesOf() MaxLux %d, LevelsOnly %v; want %d, %v", tt.name, s.MaxLux, s.LevelsOnly, tt.maxLux, tt.levelsOnly)
		}
	}
}
