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
			{Label: "charge (%)", YMin: 0, YMax: 100, Lines: []Line{{Name: "mouse", Color: blue,
				Segments: [][]Point{{{0, 50}, {5000, 60}, {10000, 60}}, {{30000, 20}}, {{40000, 100}, {80000, 0}, {86400, 0}}}}}},
			{Label: "light (lux)", YMin: 0, YMax: 400, Rules: []Rule{{Y: 200, Label: "threshold", Color: grey}},
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

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   []float64
		labels string
	}{
		{0, 100, []float64{0, 20, 40, 60, 80, 100}, "0 20 40 60 80 100"},
		{0, 400, []float64{0, 100, 200, 300, 400}, "0 100 200 300 400"},
		{0, 838.2, []float64{0, 200, 400, 600, 800}, "0 200 400 600 800"},
		{0, 3, []float64{0, 1, 2, 3}, "0 1 2 3"},
		{0, 2, []float64{0, 0.5, 1, 1.5, 2}, "0.0 0.5 1.0 1.5 2.0"},
		{15, 62, []float64{20, 30, 40, 50, 60}, "20 30 40 50 60"},
	}
	for _, tt := range tests {
		got, step := niceTicks(tt.lo, tt.hi)
		var labels []string
		for _, v := range got {
			labels = append(labels, formatTick(v, step))
		}
		if !slices.Equal(got, tt.want) || strings.Join(labels, " ") != tt.labels {
			t.Errorf("niceTicks(%g, %g) = %v %q, want %v %q", tt.lo, tt.hi, got, labels, tt.want, tt.labels)
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
