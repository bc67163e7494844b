package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/helio-linux/helio/internal/bus"
	"github.com/helio-linux/helio/internal/escape"
	"github.com/helio-linux/helio/sensors"
)

type watchOpts struct {
	json      bool
	noHistory bool
	notify    bool
}

var watchCmd = &command{
	name: "watch", args: "",
	summary: "print one line per change of any device, until interrupted",
	help: `Helio keeps every device's state current from the devices' own events
(battery changes, connections, solar light reports), asks solar keyboards
for light on the schedule of the config file's [light] section, and reads
only devices that cannot report by themselves. Each change prints one line;
with --json one JSON object per line, for scripts. Receivers plugged in
later are picked up. Changes are also recorded in the history database
(see "helio history") unless --no-history is given.

With --notify, Helio also warns on the desktop, through the notification
daemon on the session bus: once when a battery falls to the config file's
low threshold, once more at its critical one, and once when a solar
keyboard has been in the dark too long while losing charge (the
[thresholds] and [notifications] sections). A figure wobbling around a
threshold, a device already low at start-up and one coming back from sleep
alert nothing. Without a notification daemon the changes are still printed,
with one warning.

Examples:
  helio watch
  helio watch --json | jq -c 'select(.name | test("K750"))'
  helio watch --notify > /dev/null`,
	bind: func(fs *flag.FlagSet) runFunc {
		o := &watchOpts{}
		fs.BoolVar(&o.json, "json", false, "print one JSON object per change")
		fs.BoolVar(&o.noHistory, "no-history", false, "do not record the changes in the history database")
		fs.BoolVar(&o.notify, "notify", false, "also show battery and light alerts as desktop notifications")
		return func(ctx context.Context, a *app, args []string) error { return runWatch(ctx, a, o, args) }
	},
}

// watchLine is what watch --json prints for a change.
type watchLine struct {
	Time string `json:"time"`
	ID   string `json:"id"`
	jsonDevice
	Trend     string   `json:"trend"`
	Remaining *float64 `json:"remaining_hours"`
}

func runWatch(ctx context.Context, a *app, o *watchOpts, args []string) error {
	if len(args) > 0 {
		return exitf(ExitUsage, "watch takes no arguments")
	}
	ro, err := a.residentOpts(!o.noHistory)
	if err != nil {
		return err
	}
	// On the session bus, a Helio already reading the receivers (the
	// tray) is followed rather than doubled; the bus is needed for
	// --notify.
	conn, _, err := bus.Session(a.env.Getenv)
	switch {
	case o.notify && errors.Is(err, bus.ErrNoSessionBus):
		return exitf(ExitFailure, "--notify: %v: run it in a desktop session", err)
	case o.notify && err != nil:
		return fmt.Errorf("--notify: %w", err)
	case err == nil:
		defer conn.Close()
		ro.Bus, ro.Notify = conn, o.notify
	}
	enc := json.NewEncoder(a.env.Stdout)
	ro.Changes = func(st sensors.State) error { return printChange(a.env.Stdout, enc, st, o.json) }
	return a.runResident(ctx, ro)
}

// printChange prints one change as watch does: a line of text, or with
// asJSON one JSON object.
func printChange(w io.Writer, enc *json.Encoder, st sensors.State, asJSON bool) error {
	if asJSON {
		line := watchLine{Time: st.SeenTime.Format(time.RFC3339), ID: st.ID, jsonDevice: deviceJSON(st), Trend: st.Trend.String()}
		if st.SeenTime.IsZero() {
			line.Time = time.Now().Format(time.RFC3339)
		}
		if st.Remaining > 0 {
			h := st.Remaining.Hours()
			line.Remaining = &h
		}
		return enc.Encode(line)
	}
	text := stateText(st)
	if st.Trend == sensors.TrendFalling && st.Remaining > 0 {
		text += fmt.Sprintf("; falling, about %s left at this light", roundDuration(st.Remaining))
	} else if st.Trend == sensors.TrendRising {
		text += "; rising"
	}
	_, err := fmt.Fprintf(w, "%s  %s  %s\n", time.Now().Format("2006-01-02 15:04:05"), escape.Text(st.Name), text)
	return err
}

// roundDuration prints a long duration the way people say it.
func roundDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24+0.5))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()+0.5))
	}
	return fmt.Sprintf("%d minutes", int(d.Minutes()+0.5))
}
