package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/escape"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/unifying"
	"golang.org/x/sys/unix"
)

// isTerminal reports whether w is a terminal, where progress may be shown.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

type lightOpts struct{ seconds int }

var lightCmd = &command{
	name: "light", args: "[DEVICE]",
	summary: "check the light on a solar keyboard, as the Solar App did",
	help: `Asks the solar keyboard for a light report every second for --seconds
seconds and prints each: its charge, the lux on its cells, and whether that
is enough to charge (above 200 lux). Move the keyboard, or the lamp, and
watch the figure. DEVICE picks one solar keyboard when there are several.

Examples:
  helio light
  helio light K750 --seconds 30`,
	bind: func(fs *flag.FlagSet) runFunc {
		o := &lightOpts{}
		fs.IntVar(&o.seconds, "seconds", 10, "how long to check, 1..255")
		return func(ctx context.Context, a *app, args []string) error { return runLight(ctx, a, o, args) }
	},
}

func runLight(ctx context.Context, a *app, o *lightOpts, args []string) error {
	if len(args) > 1 {
		return exitf(ExitUsage, "light takes at most one DEVICE")
	}
	if o.seconds < 1 || o.seconds > 255 {
		return exitf(ExitUsage, "--seconds %d is not in 1..255", o.seconds)
	}
	s, done, err := a.open(ctx, false)
	if err != nil {
		return err
	}
	defer done()
	var d *unifying.Device
	if len(args) == 1 {
		if d, err = match(s, args[0]); err != nil {
			return err
		}
	} else {
		for _, dev := range s.Devices() {
			if ix, err := dev.FeatureIndex(ctx, hidpp.FeatureSolarDashboard); d == nil && err == nil && ix != 0 {
				d = dev
			}
		}
		if d == nil {
			return fmt.Errorf("no solar keyboard found (or it is asleep: press a key on it and try again)")
		}
	}
	if !d.Online() {
		return exitf(ExitOffline, "%s is asleep or out of range: press a key on it and try again", escape.Text(d.Name()))
	}
	progress := isTerminal(a.env.Stderr)
	got := 0
	show := func(ev hidpp.SolarEvent) {
		if !ev.HasLux {
			return
		}
		got++
		if progress {
			fmt.Fprint(a.env.Stderr, "\r\033[K")
		}
		b := ev.Battery()
		st := sensors.State{Online: true, Solar: true, Battery: &b, Light: &sensors.Light{Lux: ev.Lux}}
		fmt.Fprintf(a.env.Stdout, "%s  %s  %s\n", time.Now().Format("15:04:05"), escape.Text(d.Name()), st.Figures())
		if progress && got < o.seconds {
			fmt.Fprintf(a.env.Stderr, "\rchecking the light of %s: %d of %d reports ", escape.Text(d.Name()), got, o.seconds)
		}
	}
	if progress {
		fmt.Fprintf(a.env.Stderr, "\rchecking the light of %s: 0 of %d reports ", escape.Text(d.Name()), o.seconds)
	}
	err = sensors.MeasureLight(ctx, d, o.seconds, 3*time.Second, show)
	if progress {
		fmt.Fprint(a.env.Stderr, "\r\033[K")
	}
	switch {
	case errors.Is(err, sensors.ErrNotSolar):
		return fmt.Errorf("%s has no solar cells", escape.Text(d.Name()))
	case err != nil:
		return err
	}
	return nil
}
