// Command helio-window is "Open Helio": the window with every device's
// battery and light, the charts of their history and the settings. The
// tray starts it on demand as a process of its own, so fyne's GL driver
// (and its memory and 60 Hz event loop) lives only while the window is
// open; it reads the devices from the tray over D-Bus and never talks to
// the receivers while the tray runs. See package window.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/godbus/dbus/v5"
	"github.com/helio-linux/helio/internal/bus"
	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/internal/escape"
	"github.com/helio-linux/helio/internal/window"
	"github.com/helio-linux/helio/transport/backends"
	"github.com/helio-linux/helio/upower"
)

// version is set at link time (-ldflags "-X main.version=1.2.0"); else the
// module version the binary was built from, or "dev".
var version = ""

// appID is fyne's application ID: where it keeps its preferences, and the
// name desktops match the window to Helio's .desktop file by.
const appID = "io.github.helio"

// Exit statuses, as the helio command's.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const usage = `Usage: helio-window [options]

Opens Helio's window: every Logitech wireless device with its battery (as
precisely as the device gives it), its status, the light on a K750 solar
keyboard's cells and when each figure was confirmed; charts of charge and
light over the last 24 hours and 7 days; and the settings (alert
thresholds, notifications, the solar keyboard's light schedule), saved to
the config file.

The tray ("helio tray") starts this window from its menu; you need not start
it yourself. The figures come from the tray over D-Bus (the UPower-style
service it owns as io.github.helio on the session bus), so the tray stays
the only program talking to the receivers. When the tray is not running,
the window says so and reads the receivers once, directly, through
--backend; those figures do not change until the tray runs.

Options:
  --config PATH        the config file the settings are read from and saved
                       to (default $XDG_CONFIG_HOME/helio/config.toml)
  --history PATH       the history database the charts read (default: the
                       config's history.path, else
                       $XDG_STATE_HOME/helio/history.db)
  --bus-address ADDR   the D-Bus address of the bus the tray is on (default:
                       the session bus, $DBUS_SESSION_BUS_ADDRESS)
  --name NAME          the tray's bus name (default io.github.helio)
  --backend B          how to reach the receivers when the tray is not
                       running: hidraw, hidapi, libusb, sim, sim:NAME or
                       sim:FILE.json (default $HELIO_BACKEND, else hidraw)
  --tab TAB            the tab to open: devices, charts, charts-7d or
                       settings (default devices)
  --debug              log what the window does on stderr
  --version            print the version and exit
  --help               print this help and exit

Examples:
  helio-window
  helio-window --tab settings
  helio-window --backend sim             # no tray, no receiver: the emulated one
  helio export --bus-address "$ADDR" --backend sim &
  helio-window --bus-address "$ADDR"     # a tray's service on a private bus

Exit status: 0 when the window was closed, 1 when it could not open, 2 for
a bad command line.
`

// options are the parsed command line.
type options struct {
	config, history, busAddress, name, backend, tab string
	debug, version                                  bool
}

// tabs maps --tab to the tab and chart range to open.
var tabs = map[string][2]int{
	"devices":   {window.TabDevices, 0},
	"charts":    {window.TabCharts, 0},
	"charts-7d": {window.TabCharts, 1},
	"settings":  {window.TabSettings, 0},
}

func parse(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	o := options{name: upower.DefaultOpts.Name, backend: getenv("HELIO_BACKEND"), tab: "devices"}
	if o.backend == "" {
		o.backend = "hidraw"
	}
	fs := flag.NewFlagSet("helio-window", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.config, "config", "", "")
	fs.StringVar(&o.history, "history", "", "")
	fs.StringVar(&o.busAddress, "bus-address", "", "")
	fs.StringVar(&o.name, "name", o.name, "")
	fs.StringVar(&o.backend, "backend", o.backend, "")
	fs.StringVar(&o.tab, "tab", o.tab, "")
	fs.BoolVar(&o.debug, "debug", false, "")
	fs.BoolVar(&o.version, "version", false, "")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("helio-window takes no arguments, got %s", escape.Quote(strings.Join(fs.Args(), " ")))
	}
	if err := upower.CheckName(o.name); err != nil {
		return o, fmt.Errorf("--name: %w", err)
	}
	if _, ok := tabs[o.tab]; !ok {
		return o, fmt.Errorf("--tab %s: want devices, charts, charts-7d or settings", escape.Quote(o.tab))
	}
	// A sim profile is loaded, and a receiver opened, only when the tray
	// is not running.
	if err := backends.Check(o.backend); err != nil {
		return o, fmt.Errorf("--backend: %w", err)
	}
	if o.config == "" {
		p, err := config.DefaultPath()
		if err != nil {
			return o, fmt.Errorf("no config file path (set --config, or HOME): %w", err)
		}
		o.config = p
	}
	return o, nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, err := parse(args, getenv, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "helio-window: %v\nRun helio-window --help for the options.\n", err)
		return exitUsage
	case o.version:
		fmt.Fprintln(stdout, "helio-window", versionString())
		return exitOK
	}
	level := slog.LevelWarn
	if o.debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	a := app.NewWithID(appID)
	w := a.NewWindow("Helio")
	win := window.New(w, window.Opts{ConfigPath: o.config, HistoryPath: o.history, Logger: log})
	t := tabs[o.tab]
	win.Select(t[0])
	win.SelectRange(t[1])

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	show := func(s window.Snapshot) { fyne.Do(func() { win.Show(s) }) }
	read := directRead(o.backend, log)
	var conn *dbus.Conn
	if o.busAddress != "" {
		conn, _, err = bus.Address(o.busAddress)
	} else {
		conn, _, err = bus.Session(getenv)
	}
	if err != nil {
		// No bus, no tray: the direct read is all there is.
		log.Warn("no D-Bus; reading the receivers directly", "err", err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			states, err := read(ctx)
			show(window.Snapshot{States: states, Source: window.SourceDirect, Read: time.Now(), Err: err})
		}()
	} else {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := window.Follow(ctx, conn, window.FollowOpts{Name: o.name, Read: read}, show); err != nil {
				log.Error("following the tray", "err", err)
			}
		}()
	}
	w.ShowAndRun()
	cancel()
	wg.Wait()
	if conn != nil {
		conn.Close()
	}
	return exitOK
}

// versionString is the version set at link time, else the module's.
func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
