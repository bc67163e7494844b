// Package chart draws the PNG line charts of "helio history --png" with the
// standard library and golang.org/x/image, without a plotting library.
//
// It exists to keep the helio binary small: the same binary is the resident
// "helio tray", and a plotting library brings fonts and vector back ends
// (several megabytes, some of it parsed at start-up) that the tray would
// carry without ever using them. This package draws only what the history
// needs: stacked panels sharing a time axis, step lines with gaps, dashed
// threshold rules, a legend, with one font ([assets.GoRegular], which the
// tray's icon shares), parsed on first use.
//
// A chart is a value: fill a [Chart] and call [Chart.Draw] or
// [Chart.Encode]. It is safe to draw different charts concurrently.
//
// # One look for both renderers
//
// The window (package window) draws the same charts with fyne. Both take
// their time ticks ([TimeTicks]), value axes ([PercentAxis], [LuxAxis],
// [NiceAxis]) and device colours ([Colors]) from here, and their step
// segments from package sensors/history (history.SeriesOf), so the two pictures
// agree. The window imports this package for that alone: it never reaches
// the drawing code or the font, and the linker leaves them out of it.
package chart

import (
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strings"
)

// Point is a point in data coordinates.
type Point struct{ X, Y float64 }

// Line is one series of a panel, drawn as step lines: a value holds from
// its point until the next point of the segment, where the line steps to
// the next value. Nothing is drawn between segments, so a gap shows where
// the value is unknown; a segment of one point is drawn as a dot.
type Line struct {
	Name     string // legend entry; "" for none
	Color    color.RGBA
	Segments [][]Point
}

// Rule is a dashed horizontal line across a panel, with its label at the
// right end.
type Rule struct {
	Y     float64
	Label string
	Color color.RGBA
}

// Panel is one plot area of a chart: its own Y axis, under the others'.
type Panel struct {
	Label      string // above the plot area: what Y is, with its unit
	YMin, YMax float64
	// YTicks are the values labelled on the Y axis, with a grid line;
	// [PercentAxis], [NiceAxis] and [LuxAxis] choose them.
	YTicks []float64
	Lines  []Line
	Rules  []Rule
}

// Tick is a labelled mark on the X axis. A label may have several lines,
// separated by "\n".
type Tick struct {
	X     float64
	Label string
}

// Chart is a picture of panels stacked over a shared X axis.
type Chart struct {
	Width, Height int    // in pixels
	Title         string // over the legend
	XMin, XMax    float64
	XTicks        []Tick // labelled under the bottom panel, grid lines on all
	XLabel        string // under the tick labels
	Panels        []Panel
}

// Colors are the devices' line colours, in both renderers (the PNG here,
// and the window's charts): distinct from each other on white and on
// fyne's light and dark themes. [Color] cycles through them.
var Colors = []color.RGBA{
	{0x35, 0x84, 0xe4, 0xff}, // blue
	{0xe6, 0x61, 0x00, 0xff}, // orange
	{0x26, 0xa2, 0x69, 0xff}, // green
	{0x91, 0x41, 0xac, 0xff}, // purple
	{0xc0, 0x1c, 0x28, 0xff}, // red
	{0x98, 0x6a, 0x44, 0xff}, // brown
}

// Color returns the colour of the i-th device.
func Color(i int) color.RGBA { return Colors[i%len(Colors)] }

// Ink of the frame and the text.
var (
	background = color.RGBA{0xff, 0xff, 0xff, 0xff}
	titleInk   = color.RGBA{0x20, 0x20, 0x20, 0xff}
	labelInk   = color.RGBA{0x50, 0x50, 0x50, 0xff}
	axisInk    = color.RGBA{0x90, 0x90, 0x90, 0xff}
	gridInk    = color.RGBA{0xe8, 0xe8, 0xe8, 0xff}
)

// Sizes, in pixels.
const (
	margin    = 12 // around everything
	lineWidth = 2  // of the data lines
	dotRadius = 3  // of a lone point
	panelGap  = 14 // between a panel and the next one's label
	tickLen   = 4
)

func (c *Chart) check() error {
	switch {
	case c.Width < 200 || c.Height < 150:
		return errors.New("chart: smaller than 200x150 pixels")
	case len(c.Panels) == 0:
		return errors.New("chart: no panel")
	case !(c.XMin < c.XMax):
		return errors.New("chart: XMin is not below XMax")
	}
	for _, p := range c.Panels {
		if !(p.YMin < p.YMax) {
			return errors.New("chart: a panel's YMin is not below its YMax")
		}
	}
	return nil
}

// layout is where each part of a chart goes.
type layout struct {
	titleBase int // baseline of the title
	legend    []legendItem
	areas     []image.Rectangle // plot area of each panel
	yLabels   [][]string        // of each panel's YTicks
	tickBase  int               // baseline of the first line of the X tick labels
	xLabBase  int               // baseline of the X label
}

type legendItem struct {
	name  string
	color color.RGBA
	at    image.Point // left end of the swatch, on the text baseline
}

// layout measures the labels to place the parts: the plot areas all start
// right of the widest Y tick label and share the height left.
func (c *Chart) layout(f *faces) layout {
	var l layout
	lh := f.small.height
	y := margin
	if c.Title != "" {
		l.titleBase = y + f.title.ascent
		y += f.title.height + 4
	}

	left := 0
	for _, p := range c.Panels {
		labels := formatTicks(p.YTicks)
		l.yLabels = append(l.yLabels, labels)
		for _, s := range labels {
			left = max(left, f.small.width(s))
		}
	}
	left += margin + tickLen + 4
	right := c.Width - margin
	for _, t := range c.XTicks { // the last tick label may stick out
		if x := c.xPixel(t.X, left, right); x > float64(right-40) {
			right = min(right, c.Width-margin-widest(f, t.Label)/2)
		}
	}

	// The legend flows in rows under the title.
	const swatch, swatchGap, itemGap = 18, 6, 20
	x, rows := margin, 0
	for _, it := range c.legendItems() {
		w := swatch + swatchGap + f.small.width(it.name)
		if x > margin && x+w > right {
			x, rows = margin, rows+1
		}
		if rows == 0 {
			rows = 1
		}
		it.at = image.Pt(x, y+(rows-1)*(lh+2)+f.small.ascent)
		l.legend = append(l.legend, it)
		x += w + itemGap
	}
	y += rows*(lh+2) + 2

	tickLines := 0
	for _, t := range c.XTicks {
		tickLines = max(tickLines, strings.Count(t.Label, "\n")+1)
	}
	bottom := c.Height - margin
	if c.XLabel != "" {
		l.xLabBase = bottom - f.small.descent
		bottom -= lh + 2
	}
	bottom -= tickLines*lh + tickLen + 2
	l.tickBase = bottom + tickLen + 2 + f.small.ascent

	n := len(c.Panels)
	h := (bottom - y - n*(lh+11) - (n-1)*panelGap) / n
	for range c.Panels {
		top := y + lh + 11
		l.areas = append(l.areas, image.Rect(left, top, right, top+h))
		y = top + h + panelGap
	}
	return l
}

func widest(f *faces, label string) int {
	w := 0
	for s := range strings.SplitSeq(label, "\n") {
		w = max(w, f.small.width(s))
	}
	return w
}

// legendItems lists the named lines, each name and colour once.
func (c *Chart) legendItems() []legendItem {
	var items []legendItem
	seen := map[legendItem]bool{}
	for _, p := range c.Panels {
		for _, ln := range p.Lines {
			it := legendItem{name: ln.Name, color: ln.Color}
			if ln.Name == "" || seen[it] || !hasPoints(ln) {
				continue
			}
			seen[it] = true
			items = append(items, it)
		}
	}
	return items
}

func hasPoints(ln Line) bool {
	for _, s := range ln.Segments {
		if len(s) > 0 {
			return true
		}
	}
	return false
}

// PlotAreas returns the pixel rectangle of each panel's plot area, in the
// order of Panels: a value Y of panel i is drawn at row [Chart.YPixel].
func (c *Chart) PlotAreas() ([]image.Rectangle, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	f, err := newFaces()
	if err != nil {
		return nil, err
	}
	return c.layout(f).areas, nil
}

// XPixel returns the column of x in a plot area a, rounded as the lines
// are drawn.
func (c *Chart) XPixel(a image.Rectangle, x float64) int {
	return int(math.Round(c.xPixel(x, a.Min.X, a.Max.X)))
}

func (c *Chart) xPixel(x float64, left, right int) float64 {
	return float64(left) + (x-c.XMin)/(c.XMax-c.XMin)*float64(right-left)
}

// YPixel returns the boundary between the two pixel rows a line at y of
// panel i covers, in its plot area a: the rows YPixel-1 and YPixel.
func (c *Chart) YPixel(i int, a image.Rectangle, y float64) int {
	p := c.Panels[i]
	return int(math.Round(float64(a.Max.Y) - (y-p.YMin)/(p.YMax-p.YMin)*float64(a.Dy())))
}

// Draw draws the chart into a new image.
func (c *Chart) Draw() (*image.RGBA, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	f, err := newFaces()
	if err != nil {
		return nil, err
	}
	l := c.layout(f)
	cv := newCanvas(c.Width, c.Height)
	cv.fill(cv.img.Bounds(), background)

	if c.Title != "" {
		cv.text(f.title, margin, l.titleBase, c.Title, titleInk)
	}
	for _, it := range l.legend {
		mid := it.at.Y - f.small.xHeight/2
		cv.fill(image.Rect(it.at.X, mid-2, it.at.X+18, mid+2), it.color)
		cv.text(f.small, it.at.X+18+6, it.at.Y, it.name, labelInk)
	}

	last := len(c.Panels) - 1
	for i, p := range c.Panels {
		a := l.areas[i]
		cv.text(f.small, margin, a.Min.Y-11-f.small.descent, p.Label, labelInk)
		// Grid and Y ticks.
		for j, v := range p.YTicks {
			if v < p.YMin || v > p.YMax {
				continue
			}
			y := c.YPixel(i, a, v)
			if y > a.Min.Y && y < a.Max.Y {
				cv.fill(image.Rect(a.Min.X, y, a.Max.X, y+1), gridInk)
			}
			y = min(y, a.Max.Y-1)
			cv.fill(image.Rect(a.Min.X-tickLen, y, a.Min.X, y+1), axisInk)
			s := l.yLabels[i][j]
			cv.text(f.small, a.Min.X-tickLen-4-f.small.width(s), y+f.small.xHeight/2, s, labelInk)
		}
		for _, t := range c.XTicks {
			x := c.XPixel(a, t.X)
			if x < a.Min.X || x > a.Max.X {
				continue
			}
			if x > a.Min.X && x < a.Max.X {
				cv.fill(image.Rect(x, a.Min.Y, x+1, a.Max.Y), gridInk)
			}
			x = min(x, a.Max.X-1)
			cv.fill(image.Rect(x, a.Max.Y, x+1, a.Max.Y+tickLen), axisInk)
			if i != last {
				continue
			}
			for j, s := range strings.Split(t.Label, "\n") {
				w := f.small.width(s)
				lx := min(max(x-w/2, 0), c.Width-w)
				cv.text(f.small, lx, l.tickBase+j*f.small.height, s, labelInk)
			}
		}
		// Axes: left and bottom.
		cv.fill(image.Rect(a.Min.X-1, a.Min.Y, a.Min.X, a.Max.Y+1), axisInk)
		cv.fill(image.Rect(a.Min.X-1, a.Max.Y, a.Max.X, a.Max.Y+1), axisInk)

		for _, r := range p.Rules {
			y := c.YPixel(i, a, r.Y)
			if y <= a.Min.Y || y > a.Max.Y {
				continue
			}
			for x := a.Min.X; x < a.Max.X; x += 10 {
				cv.fill(image.Rect(x, y-1, min(x+6, a.Max.X), y+1), r.Color)
			}
			if r.Label != "" {
				cv.text(f.small, a.Max.X-4-f.small.width(r.Label), y-4-f.small.descent, r.Label, r.Color)
			}
		}
		for _, ln := range p.Lines {
			c.drawLine(cv, i, a, ln)
		}
	}
	if c.XLabel != "" {
		a := l.areas[last]
		w := f.small.width(c.XLabel)
		cv.text(f.small, a.Min.X+(a.Dx()-w)/2, l.xLabBase, c.XLabel, labelInk)
	}
	return cv.img, nil
}

// drawLine draws the segments of ln as step lines clipped to the plot area
// a, with the corners on pixel boundaries so that the lines are crisp.
func (c *Chart) drawLine(cv *canvas, panel int, a image.Rectangle, ln Line) {
	clip := a.Inset(-lineWidth) // a line at 0 or 100 % shows whole
	clip.Max.Y = a.Max.Y + lineWidth/2
	var path []fpoint
	for _, seg := range ln.Segments {
		if len(seg) == 0 {
			continue
		}
		if len(seg) == 1 {
			p := seg[0]
			cv.dot(clip, float32(c.XPixel(a, p.X)), float32(c.YPixel(panel, a, p.Y)), dotRadius, ln.Color)
			continue
		}
		path = path[:0]
		for j, p := range seg {
			x, y := float32(c.XPixel(a, p.X)), float32(c.YPixel(panel, a, p.Y))
			if j > 0 {
				path = append(path, fpoint{x, path[len(path)-1].y})
			}
			path = append(path, fpoint{x, y})
		}
		cv.stroke(clip, path, lineWidth, ln.Color)
	}
}

// Encode draws the chart and writes it to w as a PNG.
func (c *Chart) Encode(w io.Writer) error {
	img, err := c.Draw()
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, img)
}
