package window

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/chart"
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

// series is one device's history over the longest range, with the last
// sample before it (see history.Store.Span).
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
	var longest time.Duration
	for _, r := range chartRanges {
		longest = max(longest, r.span)
	}
	all, err := readHistory(c.path(), until.Add(-longest), until)
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

// readHistory reads every device's samples from since to until from the
// history database at path, with the last one before since, which says
// what held at since (a device changes rarely, and the history keeps a row
// per change). The window only reads it ([history.OpenReader]): a database
// that does not exist yet, or is empty, has no samples (the tray creates
// and keeps it).
func readHistory(path string, since, until time.Time) ([]series, error) {
	if path == "" {
		return nil, nil
	}
	st, err := history.OpenReader(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, history.ErrEmpty) {
		return nil, nil
	}
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
		s, err := st.Span(context.Background(), d.ID, since, until)
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
	maxLux := -1
	for i, s := range all {
		col := chart.Color(i)
		ser := history.SeriesOf(s.samples, since, until)
		if len(ser.Charge) > 0 {
			charge = append(charge, line{name: s.dev.Name, color: col, segs: ser.Charge})
			chargeLegend = append(chargeLegend, legendEntry(s.dev.Name, col, false))
		} else if ser.LevelsOnly {
			levelsOnly = append(levelsOnly, s.dev.Name)
		}
		if len(ser.Lux) > 0 {
			lux = append(lux, line{name: s.dev.Name, color: col, segs: ser.Lux})
			luxLegend = append(luxLegend, legendEntry(s.dev.Name, col, false))
			maxLux = max(maxLux, ser.MaxLux)
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
		top, ticks := chart.PercentAxis()
		box.Add(newLineChart(since, until, c.o.Location, top, ticks, "%", charge, 0))
		box.Add(container.NewHBox(chargeLegend...))
	}
	if len(levelsOnly) > 0 {
		note := widget.NewLabel("Not charted: " + strings.Join(levelsOnly, ", ") + " (reports only levels such as \"good\" or \"low\").")
		note.Importance = widget.LowImportance
		note.Wrapping = fyne.TextWrapWord
		box.Add(note)
	}
	if len(lux) > 0 {
		top, ticks := chart.LuxAxis(float64(maxLux), hidpp.SolarChargingLux)
		box.Add(heading("Light on the solar cells"))
		box.Add(newLineChart(since, until, c.o.Location, top, ticks, "", lux, hidpp.SolarChargingLux))
		luxLegend = append(luxLegend, legendEntry(fmt.Sprintf("charges above %d lux", hidpp.SolarChargingLux),
			theme.Color(theme.ColorNamePlaceHolder), true))
		box.Add(container.NewHBox(luxLegend...))
	}
	return container.NewVScroll(box)
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
