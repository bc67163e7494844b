package cli

import (
	"context"
	"errors"
	"flag"

	"github.com/helio-linux/helio/internal/bus"
	"github.com/helio-linux/helio/internal/escape"
	"github.com/helio-linux/helio/internal/resident"
	"github.com/helio-linux/helio/tray"
	"github.com/helio-linux/helio/upower"
)

// trayOpts are the options of helio tray.
type trayOpts struct {
	ink      string
	percent  bool
	noExport bool
	window   string
}

var trayCmd = &command{
	name: "tray", args: "",
	summary: "show the devices in the system tray, with notifications and the D-Bus export",
	help: `The resident desktop process, what "helio" with no command starts in a
desktop session. It shows an icon in the system tray (a
StatusNotifierItem, as Xfce, KDE, GNOME with the AppIndicator extension
and most bars show): the lowest battery's level, with a sun or a dark
badge when a solar keyboard sees enough light to charge, or too little.
Its tooltip and menu list every device with its figures
("K750: 57 %, 12 lux, discharging"), a "Check light" entry under each
solar keyboard, "Open Helio" (the window with charts and settings) and
"Quit".

The same process keeps the history, shows desktop notifications when a
battery runs low and exports the devices on the session bus as "helio
export" does (unless --no-export, or another Helio already exports). When
the config file's [metrics] section asks, it also serves the devices'
figures for Prometheus and keeps node_exporter's textfile current (see
"helio help metrics"); off by default.
It draws nothing and sets no timer between changes.

With no tray host running it says so once and goes on; the icon appears
when a host starts, and comes back when the host restarts. When the
settings window saves the config (or on SIGHUP), the tray restarts itself
to apply it.

Examples:
  helio tray
  helio --backend sim tray          the emulated receiver
  helio tray --ink light            crisper on a dark panel
  helio tray --percent              the lowest percentage written over the icon`,
	bind: func(fs *flag.FlagSet) runFunc {
		o := &trayOpts{}
		fs.StringVar(&o.ink, "ink", "grey", "the icon's outline colour: grey (shows on any panel), light (for dark panels) or dark (for light ones)")
		fs.BoolVar(&o.percent, "percent", false, "write the lowest battery's percentage over the icon, for panels that show no label beside it")
		fs.BoolVar(&o.noExport, "no-export", false, "do not export the devices on the session bus")
		fs.StringVar(&o.window, "window", "", "the window `PROGRAM` \"Open Helio\" starts (default "+resident.WindowProgram+" beside helio, or on $PATH)")
		return func(ctx context.Context, a *app, args []string) error { return runTray(ctx, a, o, args) }
	},
}

func runTray(ctx context.Context, a *app, o *trayOpts, args []string) error {
	if len(args) > 0 {
		return exitf(ExitUsage, "tray takes no arguments")
	}
	icon := tray.IconOpts{Theme: tray.LoadTheme(a.env.Getenv), Percent: o.percent}
	switch o.ink {
	case "grey", "gray":
		icon.Ink = tray.InkGrey
	case "light":
		icon.Ink = tray.InkLight
	case "dark":
		icon.Ink = tray.InkDark
	default:
		return exitf(ExitUsage, "--ink %s: want grey, light or dark", escape.Quote(o.ink))
	}
	if a.env.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return exitf(ExitFailure, "no session bus: DBUS_SESSION_BUS_ADDRESS is unset (the tray runs in a desktop session)")
	}
	ro, err := a.residentOpts(true)
	if err != nil {
		return err
	}
	// One connection of the tray's own for the export and notifications;
	// the item itself is on the process's shared one, which systray owns.
	conn, _, err := bus.Session(a.env.Getenv)
	if err != nil {
		return err
	}
	defer conn.Close()
	ro.Bus, ro.Notify = conn, true
	if !o.noExport {
		ro.Export = &upower.Opts{DaemonVersion: "helio " + Version, Backend: a.g.backend, Logger: a.log}
	}
	windowArgs := []string{"--backend", a.g.backend}
	if ro.ConfigPath != "" {
		windowArgs = append(windowArgs, "--config", ro.ConfigPath)
	}
	ro.Tray = &resident.TrayOpts{Icon: icon, Window: o.window, WindowArgs: windowArgs}
	// Another Helio serving the address, or a textfile directory gone,
	// costs the desktop nothing: said in the log, and the tray goes on.
	ro.Metrics = &resident.MetricsOpts{Listen: ro.Config.Metrics.Listen, Textfile: ro.Config.Metrics.Textfile}
	err = a.runResident(ctx, ro)
	if !errors.Is(err, resident.ErrRestart) {
		return err
	}
	conn.Close()
	a.log.Warn("config changed: restarting the tray to apply it")
	return resident.Restart()
}
