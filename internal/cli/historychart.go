package cli

import (
	"context"
	"fmt"
	"image/color"
	"io"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/chart"
	"github.com/helio-linux/helio/internal/safefile"
	"github.com/helio-linux/helio/sensors/history"
)

// Chart size: 1000x600 pixels, readable pasted in a bug report.
const (
	historyChartW, historyChartH = 1000, 600
	historyLuxThreshold          = hidpp.SolarChargingLux
)

// historyThresholdInk is the colour of the charging threshold rule.
var historyThresholdInk = color.RGBA{0x80, 0x80, 0x80, 0xff}

// writeHistoryPNG draws the charge and light of devs from o.since to
// o.until into the PNG file o.png, replacing it whole or not at all
// ([safefile.Write]). When ctx is done it stops, with an error that wraps
// ctx.Err(): a long history is millions of rows, seconds of reading. Only
// the drawing runs to its end first (half a second for 2 million rows).
func writeHistoryPNG(ctx context.Context, stderr io.Writer, st *history.Store, devs []history.Device, o historyOpts) error {
	// Refused before the work, not after.
	if err := safefile.Check(o.png, safefile.Opts{}); err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	series := make([]deviceHistory, 0, len(devs))
	total := 0
	for _, d := range devs {
		rows, err := st.Span(ctx, d.ID, o.since, o.until)
		if err != nil {
			return err
		}
		series = append(series, deviceHistory{Device: d, rows: rows})
		total += len(rows)
	}
	prog := newHistoryProgress(stderr, total)
	defer prog.finish()
	c, err := historyChart(ctx, series, o.since, o.until, historyNow(), prog)
	if err != nil {
		return err
	}
	prog.say(fmt.Sprintf("drawing %d rows", prog.total))
	// Encode draws, then writes: the first write fails if ctx ended
	// while it drew.
	return safefile.Write(ctx, o.png, safefile.Opts{Perm: 0o666}, c.Encode)
}

// historyChart lays out the chart of series (each with the row before
// since, as history.Store.Span gives them): the charge (%) of each device
// and, when any reported it, the light (lux) under it with the charging
// threshold. Each device keeps its colour, that of its place in series, in
// both panels; the legend names them when there are several. A device with
// neither figure is left out, and so is one that reports only levels.
// Figures are drawn up to now at most: the history knows nothing later.
func historyChart(ctx context.Context, series []deviceHistory, since, until, now time.Time, prog *historyProgress) (*chart.Chart, error) {
	end := until
	if now.Before(end) {
		end = now
	}
	type charted struct {
		color color.RGBA
		name  string
		history.Series
	}
	var shown []charted
	maxLux := -1
	for i, d := range series {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("chart the history: %w", err)
		}
		prog.add(len(d.rows))
		if !end.After(since) {
			continue
		}
		s := history.SeriesOf(d.rows, since, end)
		if len(s.Charge) > 0 || len(s.Lux) > 0 {
			shown = append(shown, charted{chart.Color(i), d.Name, s})
			maxLux = max(maxLux, s.MaxLux)
		}
	}
	if len(shown) == 0 {
		return nil, exitf(ExitFailure, "nothing to draw: no percentage or light was known from %s to %s",
			since.In(historyLoc).Format(time.RFC3339), until.In(historyLoc).Format(time.RFC3339))
	}

	title := "Helio history"
	if len(shown) == 1 {
		title = shown[0].name
	}
	title += ", " + since.In(historyLoc).Format("2006-01-02 15:04") + " to " + until.In(historyLoc).Format("2006-01-02 15:04")
	charge := chart.Panel{Label: "charge (%)"}
	charge.YMax, charge.YTicks = chart.PercentAxis()
	lux := chart.Panel{Label: "light (lux)", Rules: []chart.Rule{{Y: historyLuxThreshold, Color: historyThresholdInk,
		Label: fmt.Sprintf("charges above %d lux", historyLuxThreshold)}}}
	lux.YMax, lux.YTicks = chart.LuxAxis(float64(maxLux), historyLuxThreshold)
	for _, d := range shown {
		name := ""
		if len(shown) > 1 {
			name = d.name
		}
		if len(d.Charge) > 0 {
			charge.Lines = append(charge.Lines, historyLine(name, d.color, d.Charge))
		}
		if len(d.Lux) > 0 {
			lux.Lines = append(lux.Lines, historyLine(name, d.color, d.Lux))
		}
	}

	c := &chart.Chart{Width: historyChartW, Height: historyChartH, Title: title,
		XMin: historyX(since), XMax: historyX(until),
		XLabel: "time (" + until.In(historyLoc).Format("MST") + ")"}
	for _, t := range chart.TimeTicks(since, until, historyLoc) {
		label := t.Label
		if t.Date != "" { // the chart has room for a second line
			label += "\n" + t.Date
		}
		c.XTicks = append(c.XTicks, chart.Tick{X: historyX(t.Time), Label: label})
	}
	for _, p := range []chart.Panel{charge, lux} {
		if len(p.Lines) > 0 {
			c.Panels = append(c.Panels, p)
		}
	}
	return c, nil
}

// historyX is the chart's X of t: Unix seconds.
func historyX(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// historyLine is the step line of segs. A segment's last figure holds to
// its end; one known for an instant only is a dot.
func historyLine(name string, col color.RGBA, segs []history.Segment) chart.Line {
	ln := chart.Line{Name: name, Color: col}
	for _, seg := range segs {
		pts := make([]chart.Point, 0, len(seg.Steps)+1)
		for _, st := range seg.Steps {
			pts = append(pts, chart.Point{X: historyX(st.Time), Y: float64(st.Value)})
		}
		if last := seg.Steps[len(seg.Steps)-1]; seg.End.After(last.Time) {
			pts = append(pts, chart.Point{X: historyX(seg.End), Y: float64(last.Value)})
		}
		ln.Segments = append(ln.Segments, pts)
	}
	return ln
}
