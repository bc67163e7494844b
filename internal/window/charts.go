package window

import (
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors/history"
)

// NoReadings is what the charts say when the history holds nothing.
const NoReadings = "No readings yet"

// chartRange is one of the chart tabs.
type chartRange struct {
	title string
	span  time.Duration
}

var chartRanges = []chartRange{{"Last 24 hours", 24 * time.Hour}, {"Last 7 days", 7 * 24 * time.Hour}}

// palette colours the devices' lines, in the order of the history's
// device list; chosen to stay apart on light and dark backgrounds.
var palette = []color.Color{
	color.NRGBA{0x35, 0x84, 0xe4, 0xff}, // blue
	color.NRGBA{0xe6, 0x61, 0x00, 0xff}, // orange
	color.NRGBA{0x26, 0xa2, 0x69, 0xff}, // green
	color.NRGBA{0x91, 0x41, 0xac, 0xff}, // purple
	color.NRGBA{0xc0, 0x1c, 0x28, 0xff}, // red
	color.NRGBA{0x98, 0x6a, 0x44, 0xff}, // brown
}

// series is one device's history over a range.
type series struct {
	dev     history.Device
	samples []history.Sample
}

// charts is the Charts tab: one inner tab per range. Its methods run on
// fyne's goroutine.
type charts struct {
	o     *Opts
	path  func() string
	tabs  *container.AppTabs
	pages []*fyne.Container
}

func newCharts(o *Opts, path func() string) *charts {
	c := &charts{o: o, path: path}
	items := make([]*container.TabItem, len(chartRanges))
	for i, r := range chartRanges {
		page := container.NewStack()
		c.pages = append(c.pages, page)
		items[i] = container.NewTabItem(r.title, page)
	}
	c.tabs = container.NewAppTabs(items...)
	return c
}

// reload reads the history again and redraws every range.
func (c *charts) reload() {
	until := c.o.Now()
	all, err := readHistory(c.path(), c.o.Retention, until, c.o.Now)
	for i, r := range chartRanges {
		page := c.pages[i]
		var content fyne.CanvasObject
		switch {
		case err != nil:
			content = message("Cannot read the history", err.Error())
		case len(all) == 0:
			content = message(NoReadings, "Helio records each device's battery and light while the tray runs. "+
				"The charts fill in as readings arrive.")
		default:
			content = c.page(all, until.Add(-r.span), until, r)
		}
		page.Objects = []fyne.CanvasObject{content}
		page.Refresh()
	}
}

// readHistory reads every device's samples up to until from the history
// database at path: all of them, as the figure a range starts with may
// have been stored long before (a device changes rarely, and the history
// keeps a row per change). A database that does not exist yet has no
// samples: the window never creates one (the tray does).
func readHistory(path string, ret history.Retention, until time.Time, now func() time.Time) ([]series, error) {
	if path == "" {
		return nil, nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	st, err := history.Open(path, history.Opts{Retention: ret, Now: now})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	devs, err := st.Devices()
	if err != nil {
		return nil, err
	}
	var out []series
	for _, d := range devs {
		if d.Samples == 0 {
			continue
		}
		s, err := st.Query(d.ID, time.Time{}, until)
		if err != nil {
			return nil, err
		}
		out = append(out, series{dev: d, samples: s})
	}
	return out, nil
}

// page is one range: the charge of every device that reports a
// percentage, and the light of every solar device.
func (c *charts) page(all []series, since, until time.Time, r chartRange) fyne.CanvasObject {
	var charge, lux []line
	var levelsOnly []string
	var chargeLegend, luxLegend []fyne.CanvasObject
	maxLux := 0
	for i, s := range all {
		col := palette[i%len(palette)]
		pSegs, pEnds := segments(s.samples, since, until, func(x history.Sample) (float64, bool) {
			return float64(x.Percent), x.Online && x.Percent >= 0
		})
		lSegs, lEnds := segments(s.samples, since, until, func(x history.Sample) (float64, bool) {
			return float64(x.Lux), x.Online && x.Lux >= 0
		})
		if len(pSegs) > 0 {
			charge = append(charge, line{name: s.dev.Name, color: col, segs: pSegs, ends: pEnds})
			chargeLegend = append(chargeLegend, legendEntry(s.dev.Name, col, false))
		} else if hasLevels(s.samples, since) {
			levelsOnly = append(levelsOnly, s.dev.Name)
		}
		if len(lSegs) > 0 {
			lux = append(lux, line{name: s.dev.Name, color: col, segs: lSegs, ends: lEnds})
			luxLegend = append(luxLegend, legendEntry(s.dev.Name, col, false))
			for _, seg := range lSegs {
				for _, p := range seg {
					maxLux = max(maxLux, int(p.v))
				}
			}
		}
	}
	if len(charge) == 0 && len(lux) == 0 {
		first, last := all[0].dev.First, all[0].dev.Last
		for _, s := range all[1:] {
			first, last = minTime(first, s.dev.First), maxTime(last, s.dev.Last)
		}
		return message("No readings in the "+strings.ToLower(r.title),
			fmt.Sprintf("The history goes from %s to %s.", first.In(c.o.Location).Format("Jan 2 15:04"),
				last.In(c.o.Location).Format("Jan 2 15:04")))
	}

	box := container.NewVBox()
	if len(charge) > 0 {
		box.Add(heading("Charge"))
		box.Add(newChart(since, until, c.o.Location, 100, []float64{0, 25, 50, 75, 100}, "%", charge, 0))
		box.Add(container.NewHBox(chargeLegend...))
	}
	if len(levelsOnly) > 0 {
		note := widget.NewLabel("Not charted: " + strings.Join(levelsOnly, ", ") + " (reports only levels such as \"good\" or \"low\").")
		note.Importance = widget.LowImportance
		note.Wrapping = fyne.TextWrapWord
		box.Add(note)
	}
	if len(lux) > 0 {
		m, ticks := niceMax(float64(max(maxLux, 2*hidpp.SolarChargingLux)) * 1.05)
		box.Add(heading("Light on the solar cells"))
		box.Add(newChart(since, until, c.o.Location, m, ticks, "", lux, hidpp.SolarChargingLux))
		luxLegend = append(luxLegend, legendEntry(fmt.Sprintf("charges above %d lux", hidpp.SolarChargingLux),
			theme.Color(theme.ColorNamePlaceHolder), true))
		box.Add(container.NewHBox(luxLegend...))
	}
	return container.NewVScroll(box)
}

// segments turns samples into step segments of the figure value gives,
// over since..until. A figure known before since starts the first segment
// at since; an unknown figure (offline, not reported) ends a segment.
func segments(samples []history.Sample, since, until time.Time, value func(history.Sample) (float64, bool)) ([][]point, []time.Time) {
	var segs [][]point
	var ends []time.Time
	var cur []point
	var carry *point
	for _, s := range samples {
		v, ok := value(s)
		if s.Time.Before(since) {
			carry = nil
			if ok {
				carry = &point{since, v}
			}
			continue
		}
		if s.Time.After(until) {
			break
		}
		if carry != nil {
			if s.Time.After(since) {
				cur = append(cur, *carry)
			}
			carry = nil
		}
		switch {
		case ok:
			cur = append(cur, point{s.Time, v})
		case len(cur) > 0:
			segs, ends, cur = append(segs, cur), append(ends, s.Time), nil
		}
	}
	if carry != nil {
		cur = append(cur, *carry)
	}
	if len(cur) > 0 {
		segs, ends = append(segs, cur), append(ends, until)
	}
	return segs, ends
}

// hasLevels reports whether the samples from since on give level words.
func hasLevels(samples []history.Sample, since time.Time) bool {
	for _, s := range samples {
		if !s.Time.Before(since) && s.Level != hidpp.LevelUnknown {
			return true
		}
	}
	return false
}

// legendEntry is a short line of col, then name; dashed for a threshold.
func legendEntry(name string, col color.Color, dashed bool) fyne.CanvasObject {
	var mark fyne.CanvasObject
	if dashed {
		a, b := canvas.NewRectangle(col), canvas.NewRectangle(col)
		a.SetMinSize(fyne.NewSize(6, 2))
		b.SetMinSize(fyne.NewSize(6, 2))
		mark = container.NewHBox(a, b)
	} else {
		r := canvas.NewRectangle(col)
		r.SetMinSize(fyne.NewSize(16, 3))
		r.CornerRadius = 1.5
		mark = r
	}
	l := widget.NewLabel(name)
	l.SizeName = theme.SizeNameCaptionText
	return container.NewHBox(container.NewCenter(mark), l)
}

// heading is a section title.
func heading(s string) fyne.CanvasObject {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// message is a centred title and explanation in place of a chart.
func message(title, detail string) fyne.CanvasObject {
	t := widget.NewLabelWithStyle(title, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	t.SizeName = theme.SizeNameSubHeadingText
	d := widget.NewLabel(detail)
	d.Alignment = fyne.TextAlignCenter
	d.Wrapping = fyne.TextWrapWord
	return container.NewVBox(layout.NewSpacer(), t, d, layout.NewSpacer())
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
