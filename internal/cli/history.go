package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/internal/escape"
	"github.com/helio-linux/helio/sensors/history"
)

var historyCmd = &command{
	name: "history", args: "[DEVICE]",
	summary: "print or export the recorded battery and light of each device",
	help: `Helio records a row each time a device's figures change (charge, level,
status, voltage, light, online) while "helio watch" runs, in
$XDG_STATE_HOME/helio/history.db (~/.local/state/helio/history.db). This
command reads that history; it needs no receiver.

DEVICE picks one device by name, codename, wpid, serial or id
(case-insensitive; a unique prefix is enough). Without it, every device with
changes in the range is shown.

--since and --until take a duration back from now (90m, 24h, 7d, 30d, 1d12h)
or a date (2026-11-20, or RFC 3339: 2026-11-20T10:00:00+01:00).

--csv prints device,name,time,online,percent,level,status,voltage_mv,lux with
RFC 3339 times; unknown figures are empty. --png draws the charge (%) and, for
solar keyboards, the light (lux) over the range, 1000x600 pixels, as the
window's charts do: a figure holds from its row to the next, so the chart
starts with the figures stored before --since. Devices that report only
levels (good, low) are left out of the chart.

Examples:
  helio history
  helio history K750 --since 7d
  helio history --since 2026-11-01 --until 2026-11-08 --csv > batteries.csv
  helio history k750 --since 30d --png k750.png`,
	bind: func(fs *flag.FlagSet) runFunc {
		f := &historyFlags{}
		fs.StringVar(&f.since, "since", "24h", "start of the range: a duration back from now (24h, 7d) or a date")
		fs.StringVar(&f.until, "until", "", "end of the range, like --since (default now)")
		fs.BoolVar(&f.csv, "csv", false, "print CSV: device,name,time,online,percent,level,status,voltage_mv,lux")
		fs.StringVar(&f.png, "png", "", "draw charge and light into this PNG `FILE`")
		fs.StringVar(&f.db, "db", "", "read this history database `PATH` (default $XDG_STATE_HOME/helio/history.db)")
		return func(ctx context.Context, a *app, args []string) error { return runHistory(ctx, a, f, args) }
	},
}

// historyFlags are history's options as given.
type historyFlags struct {
	since, until string
	csv          bool
	png, db      string
}

// historyNow and historyLoc are the clock and the time zone of the output;
// tests fix them.
var (
	historyNow = time.Now
	historyLoc = time.Local
)

// historyOpts are history's options, checked, with times resolved.
type historyOpts struct {
	since, until time.Time
	csv          bool
	png, db      string
}

func (f *historyFlags) resolve() (historyOpts, error) {
	o := historyOpts{csv: f.csv, png: f.png, db: f.db}
	now := historyNow()
	var err error
	if o.since, err = parseHistoryTime("--since", f.since, now); err != nil {
		return o, err
	}
	o.until = now
	if f.until != "" {
		if o.until, err = parseHistoryTime("--until", f.until, now); err != nil {
			return o, err
		}
	}
	if !o.since.Before(o.until) {
		return o, exitf(ExitUsage, "--since %s is not before --until %s", o.since.In(historyLoc).Format(time.RFC3339),
			o.until.In(historyLoc).Format(time.RFC3339))
	}
	if o.csv && o.png != "" {
		return o, exitf(ExitUsage, "choose one of --csv and --png")
	}
	return o, nil
}

// parseHistoryTime reads a time for --since or --until: a duration back
// from now, with "d" for days (7d, 1d12h), or a date, RFC 3339 or
// YYYY-MM-DD (local midnight).
func parseHistoryTime(flagName, s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, historyLoc); err == nil {
		return t, nil
	}
	d, err := config.ParseDuration(s)
	if err != nil || d < 0 || d > 100*366*24*time.Hour {
		return time.Time{}, exitf(ExitUsage, "%s %s: want a duration back from now (24h, 7d, 30d) or a date (2026-11-20, 2026-11-20T10:00:00Z)", flagName, escape.Quote(s))
	}
	return now.Add(-d), nil
}

func runHistory(ctx context.Context, a *app, flags *historyFlags, args []string) error {
	if len(args) > 1 {
		return exitf(ExitUsage, "history takes at most one DEVICE, got %d arguments", len(args))
	}
	o, err := flags.resolve()
	if err != nil {
		return err
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	path := o.db
	if path == "" {
		path = cfg.History.Path
	}
	if path == "" {
		if path, err = history.DefaultPath(); err != nil {
			return err
		}
	}
	// Reading changes nothing: not the retention, not a file that is not
	// a history (a mistyped --db), whatever stands at the path.
	st, err := history.OpenReader(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return exitf(ExitFailure, "no history has been recorded yet (no %s); \"helio watch\" records it", path)
	case errors.Is(err, history.ErrEmpty):
		return exitf(ExitFailure, "no history has been recorded yet (%s is empty); \"helio watch\" records it", path)
	case errors.Is(err, history.ErrNotHistory):
		return &exitError{code: ExitUsage, err: err}
	case err != nil:
		return err
	}
	defer st.Close()
	all, err := st.Devices()
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return exitf(ExitFailure, "no history has been recorded yet (%s is empty); \"helio watch\" records it", path)
	}
	devs := all
	if len(args) == 1 {
		d, err := matchHistory(all, args[0])
		if err != nil {
			return err
		}
		devs = []history.Device{d}
	}

	if o.png != "" {
		return writeHistoryPNG(ctx, a.env.Stderr, st, devs, o)
	}
	series := make([]deviceHistory, 0, len(devs))
	total := 0
	for _, d := range devs {
		rows, err := st.QueryContext(ctx, d.ID, o.since, o.until)
		if err != nil {
			return err
		}
		if len(rows) > 0 || len(devs) == 1 {
			series = append(series, deviceHistory{Device: d, rows: rows})
			total += len(rows)
		}
	}
	if o.csv {
		prog := newHistoryProgress(a.env.Stderr, total)
		defer prog.finish()
		return writeHistoryCSV(ctx, a.env.Stdout, series, prog)
	}
	return writeHistoryText(a.env.Stdout, all, series, o.since, o.until)
}

// deviceHistory is one device's rows in the range (for the chart, with the
// last one before it first: see history.Store.Span).
type deviceHistory struct {
	history.Device
	rows []history.Sample
}

// matchHistory finds the device a user named among those of the history,
// as query does among those plugged in: an exact name, codename, wpid,
// serial or id first, then a unique prefix. An unknown or ambiguous name
// lists the candidates.
func matchHistory(all []history.Device, q string) (history.Device, error) {
	return pick(q, all, " in the history",
		func(d history.Device) []string {
			return []string{d.ID, d.Name, d.Codename, fmt.Sprintf("%04x", d.WPID), d.Serial}
		},
		func(d history.Device) string {
			return fmt.Sprintf("%s  (%s, wpid %04x, serial %s, id %s)", escape.Text(d.Name), escape.Text(d.Codename), d.WPID,
				escape.Text(d.Serial), escape.Text(d.ID))
		})
}

const historyTimeLayout = "2006-01-02 15:04:05"

func writeHistoryText(w io.Writer, all []history.Device, series []deviceHistory, since, until time.Time) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	writeHistoryTable(tw, all, series, since, until)
	tw.Flush()
	// tabwriter pads a cell before an empty last column: trim that.
	var out strings.Builder
	for line := range strings.Lines(buf.String()) {
		out.WriteString(strings.TrimRight(line, " \n") + "\n")
	}
	_, err := io.WriteString(w, out.String())
	return err
}

func writeHistoryTable(tw io.Writer, all []history.Device, series []deviceHistory, since, until time.Time) {
	span := fmt.Sprintf("%s to %s", since.In(historyLoc).Format(historyTimeLayout), until.In(historyLoc).Format(historyTimeLayout))
	if len(series) == 0 {
		first, last := all[0].First, all[0].Last
		for _, d := range all[1:] {
			if d.First.Before(first) {
				first = d.First
			}
			if d.Last.After(last) {
				last = d.Last
			}
		}
		fmt.Fprintf(tw, "No change recorded from %s.\nThe history of %d devices goes from %s to %s; try a longer --since.\n",
			span, len(all), first.In(historyLoc).Format(historyTimeLayout), last.In(historyLoc).Format(historyTimeLayout))
		return
	}
	for i, d := range series {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		changes := "changes"
		if len(d.rows) == 1 {
			changes = "change"
		}
		fmt.Fprintf(tw, "%s (%s, %s, wpid %04x, serial %s): %d %s from %s\n", escape.Text(d.Name), escape.Text(d.Codename),
			escape.Text(d.Kind), d.WPID, escape.Text(d.Serial),
			len(d.rows), changes, span)
		if len(d.rows) == 0 {
			fmt.Fprintf(tw, "  nothing changed in this range; last change %s\n", d.Last.In(historyLoc).Format(historyTimeLayout))
			continue
		}
		fmt.Fprintln(tw, "  TIME\tSTATUS\tCHARGE\tLIGHT")
		for _, s := range d.rows {
			st := s.State()
			status, charge := "offline", ""
			if st.Online {
				status = st.StatusWord()
			}
			if st.Battery != nil {
				charge = st.Battery.Figure()
			}
			lux := ""
			if st.Light != nil {
				lux = fmt.Sprintf("%d lux", st.Light.Lux)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", s.Time.In(historyLoc).Format(historyTimeLayout), status, charge, lux)
		}
	}
}

func writeHistoryCSV(ctx context.Context, w io.Writer, series []deviceHistory, prog *historyProgress) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"device", "name", "time", "online", "percent", "level", "status", "voltage_mv", "lux"})
	num := func(v, unknown int) string {
		if v == unknown {
			return ""
		}
		return strconv.Itoa(v)
	}
	word := func(known bool, s fmt.Stringer) string {
		if !known {
			return ""
		}
		return s.String()
	}
	for _, d := range series {
		for i, s := range d.rows {
			cw.Write([]string{escape.Text(d.ID), escape.Text(d.Name), s.Time.In(historyLoc).Format(time.RFC3339), strconv.FormatBool(s.Online),
				num(s.Percent, -1), word(s.Level != hidpp.LevelUnknown, s.Level), word(s.Status != hidpp.StatusUnknown, s.Status),
				num(s.VoltageMV, 0), num(s.Lux, -1)})
			if i%1024 == 1023 {
				prog.add(1024)
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("write the history: %w", err)
				}
			}
		}
		prog.add(len(d.rows) % 1024)
	}
	cw.Flush()
	return cw.Error()
}

// An export is long, and shows its progress on a terminal, after
// historyProgressAfter or from historyProgressRows rows; tests lower them.
var (
	historyProgressAfter = 500 * time.Millisecond
	historyProgressRows  = 10000
)

// historyProgress shows how far a long export is, on stderr, only when
// stderr is a terminal.
type historyProgress struct {
	w           io.Writer
	on, shown   bool
	total, done int
	start, last time.Time
}

func newHistoryProgress(w io.Writer, total int) *historyProgress {
	return &historyProgress{w: w, on: isTerminal(w), total: total, start: time.Now()}
}

func (p *historyProgress) add(n int) {
	if !p.on {
		return
	}
	p.done += n
	now := time.Now()
	if (now.Sub(p.start) < historyProgressAfter && p.total < historyProgressRows) || now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last, p.shown = now, true
	fmt.Fprintf(p.w, "\rhelio history: %d of %d rows", min(p.done, p.total), p.total)
}

// say shows what a long export is doing now.
func (p *historyProgress) say(what string) {
	if p.on && (p.total >= historyProgressRows || time.Since(p.start) >= historyProgressAfter) {
		p.shown = true
		fmt.Fprintf(p.w, "\r\033[Khelio history: %s", what)
	}
}

func (p *historyProgress) finish() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
