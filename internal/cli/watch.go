package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/notify"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/unifying"
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

type listOpts struct{ json bool }

var listCmd = &command{
	name: "list", args: "",
	summary: "list receivers and their paired devices, without reading batteries",
	help: `Each device is pinged once, to learn its protocol and whether it is in
range; nothing else is asked.

Examples:
  helio list
  helio list --json`,
	flags: func(fs *flag.FlagSet, a *app) {
		o := &listOpts{}
		a.opts = o
		fs.BoolVar(&o.json, "json", false, "print JSON")
	},
	run: func(ctx context.Context, a *app, _ *flag.FlagSet, args []string) error {
		o := a.opts.(*listOpts)
		if len(args) > 0 {
			return exitf(ExitUsage, "list takes no arguments")
		}
		s, err := a.open(ctx)
		if err != nil {
			return err
		}
		defer s.Close()
		if o.json {
			return listJSON(a.env.Stdout, s)
		}
		tw := tabwriter.NewWriter(a.env.Stdout, 0, 0, 2, ' ', 0)
		for i, r := range s.receivers {
			if i > 0 {
				fmt.Fprintln(tw)
			}
			rc := r.receiver
			fmt.Fprintf(tw, "%s receiver %04x, serial %s, firmware %s, bootloader %s, %d slots (%s)\n",
				rc.Family, rc.PID, rc.Serial, rc.Firmware, rc.Bootloader, rc.MaxDevices, r.info.Path)
			for _, d := range r.devices {
				state := "online"
				if !d.Online() {
					state = "offline"
				}
				fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\twpid %04x\tserial %s\tHID++ %s\t%s\n",
					d.Index, d.Name(), d.Codename, d.Kind, d.WPID, d.Serial, d.Protocol(), state)
			}
		}
		return tw.Flush()
	},
}

func listJSON(w io.Writer, s *session) error {
	type dev struct {
		jsonDevice
		Serial string `json:"serial"`
		ID     string `json:"id"`
	}
	type rcv struct {
		PID        string `json:"pid"`
		Serial     string `json:"serial"`
		Family     string `json:"family"`
		Firmware   string `json:"firmware"`
		Bootloader string `json:"bootloader"`
		Path       string `json:"path"`
		MaxDevices int    `json:"max_devices"`
		Devices    []dev  `json:"devices"`
	}
	out := struct {
		Receivers []rcv `json:"receivers"`
	}{Receivers: []rcv{}}
	for _, r := range s.receivers {
		rc := r.receiver
		jr := rcv{PID: fmt.Sprintf("%04x", rc.PID), Serial: rc.Serial, Family: string(rc.Family), Firmware: rc.Firmware,
			Bootloader: rc.Bootloader, Path: r.info.Path, MaxDevices: rc.MaxDevices, Devices: []dev{}}
		for _, d := range r.devices {
			st := sensors.StateOf(sensors.Reading{Device: d, Online: d.Online()})
			jd := deviceJSON(st)
			jd.Battery = nil
			jr.Devices = append(jr.Devices, dev{jsonDevice: jd, Serial: d.Serial, ID: d.ID()})
		}
		out.Receivers = append(out.Receivers, jr)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

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
	flags: func(fs *flag.FlagSet, a *app) {
		o := &watchOpts{}
		a.opts = o
		fs.BoolVar(&o.json, "json", false, "print one JSON object per change")
		fs.BoolVar(&o.noHistory, "no-history", false, "do not record the changes in the history database")
		fs.BoolVar(&o.notify, "notify", false, "also show battery and light alerts as desktop notifications")
	},
	run: runWatch,
}

// watchLine is what watch --json prints for a change.
type watchLine struct {
	Time string `json:"time"`
	ID   string `json:"id"`
	jsonDevice
	Trend     string   `json:"trend"`
	Remaining *float64 `json:"remaining_hours"`
}

func runWatch(ctx context.Context, a *app, _ *flag.FlagSet, args []string) error {
	o := a.opts.(*watchOpts)
	if len(args) > 0 {
		return exitf(ExitUsage, "watch takes no arguments")
	}
	var sender *notify.Sender
	var alerts config.Alerts
	if o.notify {
		cfg, err := a.config()
		if err != nil {
			return err
		}
		alerts = cfg.Alerts // checked by config.Load
		conn, err := a.sessionBus()
		if err != nil {
			return err
		}
		defer conn.Close()
		sender = notify.NewSender(conn, a.log)
	}
	resident()
	m, closeMonitor, err := a.monitor(!o.noHistory)
	if err != nil {
		return err
	}
	defer closeMonitor()
	if sender != nil {
		// Subscribed before the monitor runs, so the watcher sees each
		// device's first state: that one only sets its baseline.
		states, stop := m.Subscribe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			notify.Run(ctx, states, notify.NewWatcher(alerts), sender)
		}()
		defer func() { stop(); <-done }()
	}
	changes, cancel := m.Subscribe()
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	enc := json.NewEncoder(a.env.Stdout)
	for {
		select {
		case err := <-done:
			return err
		case st := <-changes:
			if o.json {
				line := watchLine{Time: st.SeenTime.Format(time.RFC3339), ID: st.ID, jsonDevice: deviceJSON(st), Trend: st.Trend.String()}
				if st.SeenTime.IsZero() {
					line.Time = time.Now().Format(time.RFC3339)
				}
				if st.Remaining > 0 {
					h := st.Remaining.Hours()
					line.Remaining = &h
				}
				if err := enc.Encode(line); err != nil {
					return err
				}
				continue
			}
			text := stateText(st)
			if st.Trend == sensors.TrendFalling && st.Remaining > 0 {
				text += fmt.Sprintf("; falling, about %s left at this light", roundDuration(st.Remaining))
			} else if st.Trend == sensors.TrendRising {
				text += "; rising"
			}
			if _, err := fmt.Fprintf(a.env.Stdout, "%s  %s  %s\n", time.Now().Format("2006-01-02 15:04:05"), st.Name, text); err != nil {
				return err
			}
		}
	}
}

// sessionBus opens a connection of the command's own to the session bus:
// the one DBUS_SESSION_BUS_ADDRESS names, or else the one a systemd user
// session keeps at $XDG_RUNTIME_DIR/bus.
func (a *app) sessionBus() (*dbus.Conn, error) {
	addr := a.env.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		if dir := a.env.Getenv("XDG_RUNTIME_DIR"); dir != "" {
			if fi, err := os.Stat(filepath.Join(dir, "bus")); err == nil && fi.Mode()&os.ModeSocket != 0 {
				addr = "unix:path=" + filepath.Join(dir, "bus")
			}
		}
	}
	if addr == "" {
		return nil, exitf(ExitFailure, "--notify: no session bus (DBUS_SESSION_BUS_ADDRESS is unset and there is no $XDG_RUNTIME_DIR/bus): run it in a desktop session")
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, fmt.Errorf("--notify: cannot connect to the session bus at %s: %w", addr, err)
	}
	return conn, nil
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
	flags: func(fs *flag.FlagSet, a *app) {
		o := &lightOpts{}
		a.opts = o
		fs.IntVar(&o.seconds, "seconds", 10, "how long to check, 1..255")
	},
	run: runLight,
}

func runLight(ctx context.Context, a *app, _ *flag.FlagSet, args []string) error {
	o := a.opts.(*lightOpts)
	if len(args) > 1 {
		return exitf(ExitUsage, "light takes at most one DEVICE")
	}
	if o.seconds < 1 || o.seconds > 255 {
		return exitf(ExitUsage, "--seconds %d is not in 1..255", o.seconds)
	}
	s, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	var d *unifying.Device
	if len(args) == 1 {
		if d, err = s.match(args[0]); err != nil {
			return err
		}
	}
	if d == nil {
		for _, r := range s.receivers {
			for _, dev := range r.devices {
				if ix, err := dev.FeatureIndex(ctx, hidpp.FeatureSolarDashboard); d == nil && err == nil && ix != 0 {
					d = dev
				}
			}
		}
		if d == nil {
			return fmt.Errorf("no solar keyboard found (or it is asleep: press a key on it and try again)")
		}
	}
	if !d.Online() {
		return exitf(ExitOffline, "%s is asleep or out of range: press a key on it and try again", d.Name())
	}
	ix, err := d.FeatureIndex(ctx, hidpp.FeatureSolarDashboard)
	if err != nil {
		return err
	}
	if ix == 0 {
		return fmt.Errorf("%s has no solar cells", d.Name())
	}
	events, cancel := d.Receiver.Conn().Subscribe()
	defer cancel()
	if err := d.SetLightMeasure(ctx, byte(o.seconds), 1); err != nil {
		return err
	}
	progress := isTerminal(a.env.Stderr)
	deadline := time.After(time.Duration(o.seconds+3) * time.Second)
	got := 0
	for got < o.seconds {
		if progress {
			fmt.Fprintf(a.env.Stderr, "\rchecking the light of %s: %d of %d reports ", d.Name(), got, o.seconds)
		}
		select {
		case rep, ok := <-events:
			if !ok {
				return fmt.Errorf("the receiver went away")
			}
			if rep.Device() != d.Index || rep.SubID() != ix || rep.ID() == hidpp.ShortID || rep.SoftwareID() != 0 {
				continue
			}
			ev, err := hidpp.DecodeSolarEvent(&rep)
			if err != nil || !ev.HasLux {
				continue
			}
			got++
			if progress {
				fmt.Fprint(a.env.Stderr, "\r\033[K")
			}
			verdict := "too dark to charge"
			if ev.Lux > hidpp.SolarChargingLux {
				verdict = "charging"
			}
			fmt.Fprintf(a.env.Stdout, "%s  %s  %d %%  %d lux  %s\n", time.Now().Format("15:04:05"), d.Name(), ev.Charge, ev.Lux, verdict)
		case <-deadline:
			if progress {
				fmt.Fprint(a.env.Stderr, "\r\033[K")
			}
			return fmt.Errorf("%s sent %d of %d light reports", d.Name(), got, o.seconds)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
