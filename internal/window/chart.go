package window

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helio-linux/helio/internal/chart"
	"github.com/helio-linux/helio/sensors/history"
)

// line is one device's figure on a chart, as step segments: a gap between
// segments is a time the figure was unknown (offline).
type line struct {
	name  string
	color color.Color
	segs  []history.Segment
}

// lineChart draws lines over a time range with canvas lines and texts: a y
// axis from 0 to max with labelled ticks, x ticks on round hours or days,
// and optionally a dashed threshold.
type lineChart struct {
	widget.BaseWidget

	since, until time.Time
	loc          *time.Location
	max          float64
	yTicks       []float64
	unit         string // after y tick labels: "%", " lx"
	lines        []line
	threshold    float64 // 0: none
}

func newLineChart(since, until time.Time, loc *time.Location, max float64, yTicks []float64, unit string, lines []line,
	threshold float64) *lineChart {
	c := &lineChart{since: since, until: until, loc: loc, max: max, yTicks: yTicks, unit: unit, lines: lines, threshold: threshold}
	c.ExtendBaseWidget(c)
	return c
}

// CreateRenderer implements fyne.Widget.
func (c *lineChart) CreateRenderer() fyne.WidgetRenderer {
	return &chartRenderer{c: c}
}

// chartRenderer rebuilds its objects on each layout: a chart holds a few
// hundred segments at most, and the positions all depend on the size.
type chartRenderer struct {
	c       *lineChart
	objects []fyne.CanvasObject
	size    fyne.Size
}

// Margins around the plot area, for the tick labels.
const (
	chartLeft   = 44
	chartRight  = 12
	chartTop    = 8
	chartBottom = 22
)

func (r *chartRenderer) Layout(size fyne.Size) {
	r.size = size
	r.objects = r.objects[:0]
	c := r.c
	th := c.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	fg := th.Color(theme.ColorNameForeground, v)
	grid := th.Color(theme.ColorNameSeparator, v)
	muted := th.Color(theme.ColorNamePlaceHolder, v)
	textSize := th.Size(theme.SizeNameCaptionText)

	x0, y0 := float32(chartLeft), float32(chartTop)
	w := size.Width - chartLeft - chartRight
	h := size.Height - chartTop - chartBottom
	if w <= 0 || h <= 0 {
		return
	}
	span := c.until.Sub(c.since).Seconds()
	xOf := func(t time.Time) float32 {
		f := t.Sub(c.since).Seconds() / span
		return x0 + float32(math.Max(0, math.Min(1, f)))*w
	}
	yOf := func(val float64) float32 {
		return y0 + h - float32(math.Max(0, math.Min(1, val/c.max)))*h
	}
	add := func(o fyne.CanvasObject) { r.objects = append(r.objects, o) }
	seg := func(col color.Color, width float32, p1, p2 fyne.Position) {
		l := canvas.NewLine(col)
		l.StrokeWidth = width
		l.Position1, l.Position2 = p1, p2
		add(l)
	}
	label := func(s string, col color.Color, align fyne.TextAlign, at fyne.Position) {
		t := canvas.NewText(s, col)
		t.TextSize = textSize
		t.Alignment = align
		ts := fyne.MeasureText(s, textSize, t.TextStyle)
		switch align {
		case fyne.TextAlignTrailing:
			at.X -= ts.Width
		case fyne.TextAlignCenter:
			at.X -= ts.Width / 2
		}
		t.Move(at)
		t.Resize(ts)
		add(t)
	}

	// Horizontal grid with the y ticks.
	for _, tick := range c.yTicks {
		y := yOf(tick)
		seg(grid, 1, fyne.NewPos(x0, y), fyne.NewPos(x0+w, y))
		label(fmt.Sprintf("%g%s", tick, c.unit), muted, fyne.TextAlignTrailing, fyne.NewPos(x0-4, y-textSize*0.7))
	}
	// Vertical grid with the time ticks.
	// One line of labels: no room for the ticks' Date.
	for _, tick := range chart.TimeTicks(c.since, c.until, c.loc) {
		x := xOf(tick.Time)
		seg(grid, 1, fyne.NewPos(x, y0), fyne.NewPos(x, y0+h))
		label(tick.Label, muted, fyne.TextAlignCenter, fyne.NewPos(x, y0+h+3))
	}
	// Axes.
	seg(fg, 1, fyne.NewPos(x0, y0), fyne.NewPos(x0, y0+h))
	seg(fg, 1, fyne.NewPos(x0, y0+h), fyne.NewPos(x0+w, y0+h))

	if c.threshold > 0 && c.threshold <= c.max {
		y := yOf(c.threshold)
		const dash, gap = 6, 4
		for x := x0; x < x0+w; x += dash + gap {
			seg(muted, 1.5, fyne.NewPos(x, y), fyne.NewPos(min(x+dash, x0+w), y))
		}
	}

	for _, ln := range c.lines {
		for _, s := range ln.segs {
			for j, st := range s.Steps {
				x1, y := xOf(st.Time), yOf(float64(st.Value))
				end := s.End
				if j+1 < len(s.Steps) {
					end = s.Steps[j+1].Time
				}
				x2 := xOf(end)
				if x2-x1 < 2 && j+1 == len(s.Steps) {
					x2 = x1 + 2 // a figure known for an instant is still a mark
				}
				seg(ln.color, 2, fyne.NewPos(x1, y), fyne.NewPos(x2, y))
				if j+1 < len(s.Steps) {
					seg(ln.color, 2, fyne.NewPos(x2, y), fyne.NewPos(x2, yOf(float64(s.Steps[j+1].Value))))
				}
			}
		}
	}
}

func (r *chartRenderer) MinSize() fyne.Size { return fyne.NewSize(320, 150) }

func (r *chartRenderer) Refresh() {
	r.Layout(r.size)
	canvas.Refresh(r.c)
}

func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *chartRenderer) Destroy() {}
