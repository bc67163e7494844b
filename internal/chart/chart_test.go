package chart

import (
	"bytes"
	"go/build"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	blue = Color(0)
	grey = color.RGBA{0x80, 0x80, 0x80, 0xff}
)

// testChart is a day in seconds, a charge panel with a gap from 10000 to
// 20000 and a lone point at 30000, and a light panel with a threshold.
func testChart() *Chart {
	return &Chart{Width: 1000, Height: 600, Title: "Test", XMin: 0, XMax: 86400, XLabel: "time",
		XTicks: []Tick{{0, "00:00\nJan 1"}, {43200, "12:00"}},
		Panels: []Panel{
			{Label: "charge (%)", YMin: 0, YMax: 100, YTicks: []float64{0, 25, 50, 75, 100}, Lines: []Line{{Name: "mouse", Color: blue,
				Segments: [][]Point{{{0, 50}, {5000, 60}, {10000, 60}}, {{30000, 20}}, {{40000, 100}, {80000, 0}, {86400, 0}}}}}},
			{Label: "light (lux)", YMin: 0, YMax: 400, YTicks: []float64{0, 100, 200, 300, 400}, Rules: []Rule{{Y: 200, Label: "threshold", Color: grey}},
				Lines: []Line{{Color: Color(1), Segments: [][]Point{{{0, 300}, {86400, 300}}}}}},
		}}
}

func drawChart(t testing.TB, c *Chart) (*image.RGBA, []image.Rectangle) {
	t.Helper()
	img, err := c.Draw()
	if err != nil {
		t.Fatal(err)
	}
	areas, err := c.PlotAreas()
	if err != nil {
		t.Fatal(err)
	}
	return img, areas
}

func TestChart_Draw(t *testing.T) {
	c := testChart()
	img, areas := drawChart(t, c)
	if b := img.Bounds(); b.Dx() != 1000 || b.Dy() != 600 {
		t.Fatalf("Draw() is %dx%d, want 1000x600", b.Dx(), b.Dy())
	}
	if len(areas) != 2 || areas[0].Max.Y >= areas[1].Min.Y || areas[0].Min.X != areas[1].Min.X {
		t.Fatalf("PlotAreas() = %v, want two aligned panels, one over the other", areas)
	}
	tests := []struct {
		name  string
		panel int
		x, y  float64 // in data coordinates
		ink   color.RGBA
		want  bool
	}{
		{"first value", 0, 2500, 50, blue, true},
		{"second value", 0, 7500, 60, blue, true},
		{"not above", 0, 2500, 60, blue, false},
		{"a gap stays empty", 0, 15000, 60, blue, false},
		{"lone point", 0, 30000, 20, blue, true},
		{"no line after a lone point", 0, 35000, 20, blue, false},
		{"100 % shows whole", 0, 60000, 100, blue, true},
		{"0 % shows whole", 0, 83000, 0, blue, true},
		{"second panel", 1, 43200, 300, Color(1), true},
		{"threshold", 1, 100, 200, grey, true},
		{"not the charge colour in the light panel", 1, 2500, 50 * 4, blue, false},
	}
	for _, tt := range tests {
		a := areas[tt.panel]
		x, y := c.XPixel(a, tt.x), c.YPixel(tt.panel, a, tt.y)
		if tt.x == c.XMin {
			x++
		}
		// A line covers the rows y-1 and y, in full.
		got := img.RGBAAt(x, y-1) == tt.ink && img.RGBAAt(x, y) == tt.ink
		if got != tt.want {
			t.Errorf("%s: pixels (%d, %d..%d) are %v, %v; want %v: %v", tt.name, x, y-1, y,
				img.RGBAAt(x, y-1), img.RGBAAt(x, y), tt.ink, tt.want)
		}
	}
	// Nothing of the line in the gap's columns.
	a := areas[0]
	for x := c.XPixel(a, 10000) + lineWidth; x < c.XPixel(a, 30000)-dotRadius-1; x++ {
		for y := a.Min.Y; y < a.Max.Y; y++ {
			if r := img.RGBAAt(x, y); int(r.B) > int(r.R)+0x20 {
				t.Fatalf("pixel (%d, %d) in the gap is %v, want no line", x, y, r)
			}
		}
	}
	// The threshold is dashed.
	y := c.YPixel(1, areas[1], 200)
	dashes := 0
	for x := areas[1].Min.X; x < areas[1].Max.X; x++ {
		if img.RGBAAt(x, y) == grey && img.RGBAAt(x-1, y) != grey {
			dashes++
		}
	}
	if want := areas[1].Dx() / 10; dashes < want-1 {
		t.Errorf("threshold row %d has %d dashes, want %d", y, dashes, want)
	}
}

func TestChart_Steps(t *testing.T) {
	// A step holds its value to the next point, then goes straight down.
	c := testChart()
	img, areas := drawChart(t, c)
	a := areas[0]
	x := c.XPixel(a, 5000)
	for v := 51.0; v < 60; v++ {
		if y := c.YPixel(0, a, v); img.RGBAAt(x, y) != blue {
			t.Errorf("the step at x=5000 misses %g %% (pixel (%d, %d) is %v)", v, x, y, img.RGBAAt(x, y))
		}
	}
}

func TestChart_Legend(t *testing.T) {
	count := func(c *Chart) int {
		img, areas := drawChart(t, c)
		n := 0
		for y := 0; y < areas[0].Min.Y-lineWidth; y++ { // above a line at 100 %
			for x := 0; x < c.Width; x++ {
				if img.RGBAAt(x, y) == blue {
					n++
				}
			}
		}
		return n
	}
	c := testChart()
	if n := count(c); n < 18*4 {
		t.Errorf("the legend has %d pixels of the line's colour, want a swatch", n)
	}
	c.Panels[0].Lines[0].Name = ""
	if n := count(c); n != 0 {
		t.Errorf("an unnamed line has %d pixels in the legend, want none", n)
	}
}

func TestChart_Encode(t *testing.T) {
	var buf bytes.Buffer
	if err := testChart().Encode(&buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1000 || b.Dy() != 600 {
		t.Errorf("Encode() wrote %dx%d, want 1000x600", b.Dx(), b.Dy())
	}
}

func TestChart_Errors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Chart)
	}{
		{"too small", func(c *Chart) { c.Width = 10 }},
		{"no panel", func(c *Chart) { c.Panels = nil }},
		{"empty X", func(c *Chart) { c.XMax = c.XMin }},
		{"NaN X", func(c *Chart) { c.XMax = math.NaN() }},
		{"empty Y", func(c *Chart) { c.Panels[1].YMax = 0 }},
	}
	for _, tt := range tests {
		c := testChart()
		tt.edit(c)
		if _, err := c.Draw(); err == nil || !strings.HasPrefix(err.Error(), "chart: ") {
			t.Errorf("%s: Draw() = %v, want a chart error", tt.name, err)
		}
	}
}

func TestPercentAxis(t *testing.T) {
	top, ticks := PercentAxis()
	if top != 100 || !slices.Equal(ticks, []float64{0, 25, 50, 75, 100}) {
		t.Errorf("PercentAxis() = %v, %v; want 100 in quarters", top, ticks)
	}
}

func TestNiceAxis(t *testing.T) {
	tests := []struct {
		v      float64
		top    float64
		labels string
	}{
		{420, 500, "0 100 200 300 400 500"},
		{525, 600, "0 100 200 300 400 500 600"},
		{1000, 1000, "0 200 400 600 800 1000"},
		{12000, 12000, "0 2000 4000 6000 8000 10000 12000"},
		{838.2, 1000, "0 200 400 600 800 1000"},
		{100, 100, "0 20 40 60 80 100"},
		{3, 3, "0.0 0.5 1.0 1.5 2.0 2.5 3.0"},
		{40, 40, "0 10 20 30 40"},
		{14, 15, "0.0 2.5 5.0 7.5 10.0 12.5 15.0"},
		{1.4, 1.5, "0.00 0.25 0.50 0.75 1.00 1.25 1.50"},
		{0, 1, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{-5, 1, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{math.NaN(), 1, "0.0 0.2 0.4 0.6 0.8 1.0"},
	}
	for _, tt := range tests {
		top, ticks := NiceAxis(tt.v)
		labels := strings.Join(formatTicks(ticks), " ")
		if top != tt.top || labels != tt.labels || ticks[0] != 0 || ticks[len(ticks)-1] != top || len(ticks) > 7 {
			t.Errorf("NiceAxis(%v) = %v, %q; want %v, %q", tt.v, top, labels, tt.top, tt.labels)
		}
	}
}

func TestLuxAxis(t *testing.T) {
	tests := []struct {
		maxLux, threshold, top float64
	}{
		{0, 200, 500},   // twice the threshold, and room
		{300, 200, 500}, // under twice the threshold
		{470, 200, 500},
		{480, 200, 600}, // 480 lux at the top would be hidden by the frame
		{2100, 200, 2500},
	}
	for _, tt := range tests {
		if top, _ := LuxAxis(tt.maxLux, tt.threshold); top != tt.top {
			t.Errorf("LuxAxis(%v, %v) top = %v, want %v", tt.maxLux, tt.threshold, top, tt.top)
		}
	}
}

func TestTimeTicks(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	win := time.Date(2026, 11, 20, 14, 5, 9, 0, time.UTC) // the window's test clock
	tests := []struct {
		loc    *time.Location
		lo, hi time.Time
		want   string // labels, with the Date under them after a newline
	}{
		{time.UTC, t0, t0.Add(24 * time.Hour),
			"09:00\nMar 1|12:00|15:00|18:00|21:00|00:00\nMar 2|03:00|06:00"},
		{time.UTC, win.Add(-24 * time.Hour), win,
			"15:00\nNov 19|18:00|21:00|00:00\nNov 20|03:00|06:00|09:00|12:00"},
		{time.UTC, t0, t0.Add(80 * time.Minute), "08:00\nMar 1|08:10|08:20|08:30|08:40|08:50|09:00|09:10|09:20"},
		{time.UTC, t0, t0.Add(30 * time.Hour), "08:00\nMar 1|12:00|16:00|20:00|00:00\nMar 2|04:00|08:00|12:00"},
		{time.UTC, win.Add(-7 * 24 * time.Hour), win, "Sat 14\nNov|Sun 15|Mon 16|Tue 17|Wed 18|Thu 19|Fri 20"},
		{time.UTC, t0.AddDate(0, 0, -7), t0, "Mon 23\nFeb|Tue 24|Wed 25|Thu 26|Fri 27|Sat 28|Sun 1\nMar"},
		{time.UTC, t0.AddDate(0, 0, -14), t0, "Feb 17|Feb 19|Feb 21|Feb 23|Feb 25|Feb 27|Mar 1"},
		{time.UTC, t0.AddDate(0, 0, -30), t0, "Feb 6|Feb 13|Feb 20|Feb 27"},
		// Round local hours on both sides of a change to summer time, and
		// back.
		{berlin, time.Date(2026, 3, 28, 20, 0, 0, 0, berlin), time.Date(2026, 3, 29, 20, 0, 0, 0, berlin),
			"21:00\nMar 28|00:00\nMar 29|03:00|06:00|09:00|12:00|15:00|18:00"},
		{berlin, time.Date(2026, 3, 29, 0, 30, 0, 0, berlin), time.Date(2026, 3, 29, 5, 0, 0, 0, berlin),
			"00:30\nMar 29|01:00|01:30|03:00|03:30|04:00|04:30|05:00"}, // no 02:00 nor 02:30 that night
		{berlin, time.Date(2026, 10, 24, 20, 0, 0, 0, berlin), time.Date(2026, 10, 25, 20, 0, 0, 0, berlin),
			"21:00\nOct 24|00:00\nOct 25|03:00|06:00|09:00|12:00|15:00|18:00"},
		{berlin, time.Date(2026, 3, 25, 12, 0, 0, 0, berlin), time.Date(2026, 4, 1, 12, 0, 0, 0, berlin),
			"Thu 26\nMar|Fri 27|Sat 28|Sun 29|Mon 30|Tue 31|Wed 1\nApr"},
	}
	for _, tt := range tests {
		var labels []string
		for _, tick := range TimeTicks(tt.lo, tt.hi, tt.loc) {
			if tick.Time.Before(tt.lo) || tick.Time.After(tt.hi) {
				t.Errorf("TimeTicks(%v, %v) has %v, out of the range", tt.lo, tt.hi, tick.Time)
			}
			l := tick.Label
			if tick.Date != "" {
				l += "\n" + tick.Date
			}
			labels = append(labels, l)
		}
		if got := strings.Join(labels, "|"); got != tt.want {
			t.Errorf("TimeTicks(%v, %v) in %v = %q, want %q", tt.lo, tt.hi, tt.loc, got, tt.want)
		}
	}
}

// TestImports keeps the package small: the standard library,
// golang.org/x/image and Helio's assets (its font) only, and no front end.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") && !strings.HasPrefix(imp, "golang.org/x/image/") &&
			imp != "github.com/helio-linux/helio/assets" {
			t.Errorf("chart imports %s; want only the standard library, golang.org/x/image and assets", imp)
		}
	}
}

// benchChart is a month of three devices' figures, a change every 5
// minutes, with an hour offline each day.
func benchChart() *Chart {
	c := &Chart{Width: 1000, Height: 600, Title: "Bench", XMin: 0, XMax: 30 * 86400, XLabel: "time",
		Panels: []Panel{{Label: "charge (%)", YMin: 0, YMax: 100}, {Label: "light (lux)", YMin: 0, YMax: 1000,
			Rules: []Rule{{Y: 200, Label: "threshold", Color: grey}}}}}
	for d := range 30 {
		c.XTicks = append(c.XTicks, Tick{X: float64(d * 86400), Label: "Jan 1"})
	}
	for dev := range 3 {
		ln, lux := Line{Name: "device", Color: Color(dev)}, Line{Color: Color(dev)}
		for day := range 30 {
			var seg, lseg []Point
			for i := range 23 * 12 {
				x := float64(day*86400 + i*300)
				seg = append(seg, Point{x, float64(100 - (day*3+i/100)%100)})
				lseg = append(lseg, Point{x, float64((i * 37) % 900)})
			}
			ln.Segments, lux.Segments = append(ln.Segments, seg), append(lux.Segments, lseg)
		}
		c.Panels[0].Lines = append(c.Panels[0].Lines, ln)
		c.Panels[1].Lines = append(c.Panels[1].Lines, lux)
	}
	return c
}

func BenchmarkChart_Draw(b *testing.B) {
	c := benchChart()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Draw(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChart_Encode(b *testing.B) {
	c := benchChart()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := c.Encode(&buf); err != nil {
			b.Fatal(err)
		}
	}
}
