package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/notify"
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

// WindowProgram is the program "Open Helio" starts: Helio's window, a
// program of its own so the tray never loads a GL driver.
const WindowProgram = "helio-window"

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
export" does (unless --no-export, or another Helio already exports).
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
	flags: func(fs *flag.FlagSet, a *app) {
		o := &trayOpts{}
		a.opts = o
		fs.StringVar(&o.ink, "ink", "grey", "the icon's outline colour: grey (shows on any panel), light (for dark panels) or dark (for light ones)")
		fs.BoolVar(&o.percent, "percent", false, "write the lowest battery's percentage over the icon, for panels that show no label beside it")
		fs.BoolVar(&o.noExport, "no-export", false, "do not export the devices on the session bus")
		fs.StringVar(&o.window, "window", "", "the window `PROGRAM` \"Open Helio\" starts (default "+WindowProgram+" beside helio, or on $PATH)")
	},
	run: runTray,
}

// errRestart ends a tray run so that its deferred cleanup (history, cache)
// happens before the process replaces itself.
var errRestart = errors.New("restart to apply the new config")

func runTray(ctx context.Context, a *app, _ *flag.FlagSet, args []string) error {
	o := a.opts.(*trayOpts)
	if len(args) > 0 {
		return exitf(ExitUsage, "tray takes no arguments")
	}
	var ink color.NRGBA
	switch o.ink {
	case "grey", "gray":
		ink = tray.InkGrey
	case "light":
		ink = tray.InkLight
	case "dark":
		ink = tray.InkDark
	default:
		return exitf(ExitUsage, "--ink %q: want grey, light or dark", o.ink)
	}
	if a.env.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return exitf(ExitFailure, "no session bus: DBUS_SESSION_BUS_ADDRESS is unset (the tray runs in a desktop session)")
	}
	err := trayOnce(ctx, a, o, ink)
	if !errors.Is(err, errRestart) {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	a.log.Warn("config changed: restarting the tray to apply it")
	return syscall.Exec(self, os.Args, os.Environ())
}

// resident settles the runtime for a process that runs for hours and
// mostly waits. Setting GOMAXPROCS explicitly stops the runtime from
// re-reading the CPU count and cgroup limit every minute, which would wake
// an idle process for nothing; two threads are more than a monitor of a
// few radios ever needs.
func resident() {
	runtime.GOMAXPROCS(min(runtime.GOMAXPROCS(0), 2))
}

// trayMemoryLimit is the Go runtime memory (heap, stacks, metadata) at
// which the tray collects garbage. It otherwise collects after each change
// it draws (tray.Run), not every two minutes as Go does by default, which
// would wake an idle tray for nothing; a live heap of about 1 MiB leaves
// the limit as a safety net for D-Bus clients calling the export.
const trayMemoryLimit = 8 << 20

func trayOnce(ctx context.Context, a *app, o *trayOpts, ink color.NRGBA) error {
	resident()
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(trayMemoryLimit)
	cfgPath, cfgBefore := a.configSnapshot()
	cfg, err := a.config()
	if err != nil {
		return err
	}
	thresholds := cfg.Alerts
	if err := thresholds.Validate(); err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	// One connection of the tray's own for the export and notifications;
	// the item itself is on the process's shared one, which systray owns.
	bus, err := dbus.Connect(a.env.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	if err != nil {
		return fmt.Errorf("connect to the session bus: %w", err)
	}
	defer bus.Close()
	m, closeMonitor, err := a.monitor(true)
	if err != nil {
		return err
	}
	defer closeMonitor()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	// A config changed on disk (by the window, or by hand followed by
	// SIGHUP) is applied by starting afresh, as every part reads it once;
	// a broken one is said, and the tray goes on with what it has.
	reload := func(always bool) {
		_, now := a.configSnapshot()
		if !always && bytes.Equal(now, cfgBefore) {
			return
		}
		if _, err := a.config(); err != nil {
			a.log.Error("config not applied; the tray goes on with the one it started with", "err", err)
			return
		}
		cancel(errRestart)
	}
	go func() {
		for {
			select {
			case <-hup:
				reload(true)
			case <-ctx.Done():
				return
			}
		}
	}()

	// Subscribed before the monitor runs, so the alerts' watcher sees each
	// device's first state, which only sets its baseline.
	alerts, stopAlerts := m.Subscribe()
	notifyDone := make(chan struct{})
	go func() {
		defer close(notifyDone)
		notify.Run(ctx, alerts, notify.NewWatcher(thresholds), notify.NewSender(bus, a.log))
	}()
	var svc *upower.Service
	if !o.noExport {
		svc, err = upower.New(bus, m, upower.Opts{DaemonVersion: "helio " + Version, Logger: a.log})
		switch {
		case errors.Is(err, upower.ErrNameTaken):
			a.log.Warn("devices not exported on D-Bus: another helio export or tray owns the name; this tray shows them without exporting", "err", err)
		case err != nil:
			a.log.Warn("devices not exported on D-Bus", "err", err)
		}
	}
	monitorDone := make(chan error, 1)
	go func() {
		err := m.Run(ctx)
		cancel(nil)
		monitorDone <- err
	}()
	exportDone := make(chan struct{})
	go func() {
		defer close(exportDone)
		if svc != nil {
			if err := svc.Run(ctx); err != nil {
				a.log.Warn("D-Bus export stopped", "err", err)
			}
		}
	}()

	w := &windowLauncher{a: a, program: o.window, config: cfgPath, exited: func() { reload(false) }}
	trayErr := tray.Run(ctx, m, tray.RunOpts{
		Opts: tray.DefaultOpts,
		Icon: tray.IconOpts{Ink: ink, Theme: tray.LoadTheme(a.env.Getenv), Percent: o.percent},
		Actions: tray.Actions{
			CheckLight: func(id string) {
				go func() {
					if err := m.CheckLight(ctx, id, cfg.Light.Reports); err != nil {
						a.log.Warn("light not checked", "err", err)
					}
				}()
			},
			Open: w.open,
			Quit: func() { cancel(nil) },
		},
		Logger: a.log,
	})
	cancel(nil)
	merr := <-monitorDone
	<-exportDone
	// The subscriptions end only once the monitor no longer sends.
	stopAlerts()
	<-notifyDone
	if svc != nil {
		if err := svc.Close(); err != nil {
			a.log.Warn("D-Bus export not closed cleanly", "err", err)
		}
	}
	switch {
	case trayErr != nil:
		return trayErr
	case merr != nil:
		return merr
	case errors.Is(context.Cause(ctx), errRestart):
		return errRestart
	}
	return nil
}

// configSnapshot returns the config file's path and contents (nil when it
// does not exist), to tell later whether it changed.
func (a *app) configSnapshot() (string, []byte) {
	path := a.g.config
	if path == "" {
		p, err := config.DefaultPath()
		if err != nil {
			return "", nil
		}
		path = p
	}
	b, _ := os.ReadFile(path)
	return path, b
}

// windowLauncher starts Helio's window, one at a time.
type windowLauncher struct {
	a       *app
	program string
	config  string
	exited  func() // called when the window closes

	mu      sync.Mutex
	running bool
}

func (w *windowLauncher) open() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running {
		w.a.log.Info("Helio's window is already open")
		return
	}
	prog, err := w.find()
	if err != nil {
		w.a.log.Error("cannot open Helio's window", "err", err)
		return
	}
	args := []string{"--backend", w.a.g.backend}
	if w.config != "" {
		args = append(args, "--config", w.config)
	}
	cmd := exec.Command(prog, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		w.a.log.Error("cannot open Helio's window", "program", prog, "err", err)
		return
	}
	w.running = true
	go func() {
		if err := cmd.Wait(); err != nil {
			w.a.log.Warn("Helio's window ended with an error", "err", err)
		}
		w.mu.Lock()
		w.running = false
		w.mu.Unlock()
		w.exited()
	}()
}

// find looks for the window program: the one given, else beside this
// executable (as "make install" puts them), else on $PATH.
func (w *windowLauncher) find() (string, error) {
	if w.program != "" {
		return w.program, nil
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), WindowProgram)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath(WindowProgram)
	if err != nil {
		return "", fmt.Errorf("%s is not installed beside helio or on $PATH (\"make install\" installs it)", WindowProgram)
	}
	return p, nil
}
