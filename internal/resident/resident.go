// Package resident runs Helio's long-lived process: one monitor of every
// receiver of a backend and what hangs off it, the history it records, the
// UPower-style export, the Prometheus metrics, desktop notifications and
// the tray icon, each optional. "helio tray" runs all of them; "helio export" the monitor, the
// history and the export; "helio watch" the monitor and the history, with
// notifications under --notify. One process talks to the receivers; the
// rest of the desktop reads it (the window over the export).
//
// It exists so that this wiring, its order of start and stop, and the
// policy of a process that runs for days (memory handed back, no timer
// between changes, a changed config applied by restarting) are written
// once, apart from the commands that choose which parts to run.
package resident

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/metrics"
	"github.com/helio-linux/helio/notify"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/sensors/history"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/tray"
	"github.com/helio-linux/helio/unifying"
	"github.com/helio-linux/helio/upower"
)

// Opts says which parts to run and how.
type Opts struct {
	Backend transport.Backend
	// BackendSpec is the --backend the user gave (hidraw, sim, ...): a
	// Helio already serving the same one on Bus is mirrored rather than
	// doubled.
	BackendSpec string
	// Config is the configuration every part reads once, at the start;
	// ConfigPath is the file it came from ("" for none), which the tray
	// watches for changes.
	Config     config.Config
	ConfigPath string
	// Cache remembers what does not change while a device stays paired;
	// nil for none.
	Cache *unifying.FileCache
	// DeviceTimeout bounds each request to a device.
	DeviceTimeout time.Duration
	Logger        *slog.Logger

	// Record keeps the history, unless the config turns it off.
	Record bool
	// Bus is the connection the export and the notifications use; the
	// caller closes it after Run. Nil: neither runs. When another Helio
	// already serves the same backend's devices on it, this one shows
	// that Helio's figures instead of reading the receivers too (but for
	// an ExportRequired run, which fails), and takes over when it goes.
	Bus *dbus.Conn
	// Export publishes the devices on Bus when not nil. With
	// ExportRequired, a name that cannot be owned ends Run with the
	// error (upower.ErrNameTaken and friends); otherwise it is logged and
	// the rest goes on, as the tray does when another Helio exports.
	Export         *upower.Opts
	ExportRequired bool
	// Notify shows the config's alerts as desktop notifications over Bus.
	Notify bool
	// Tray shows the devices in the system tray when not nil.
	Tray *TrayOpts
	// Changes, when set, is called with every state change, in order,
	// from one goroutine (watch prints them). An error it returns (a
	// closed pipe) ends Run with that error.
	Changes func(sensors.State) error
	// Metrics gives the devices' figures to Prometheus when not nil.
	Metrics *MetricsOpts
}

// MetricsOpts says how the resident process gives the devices' figures to
// Prometheus (package metrics): served on an address, kept in a file for
// node_exporter, or both. Neither sets a timer: a scrape reads the
// monitor's states as they are, and the file is rewritten when a device's
// figures change or are confirmed.
type MetricsOpts struct {
	// Listen is the address /metrics is served on (metrics.Listen: PORT or
	// :PORT for the loopback); "" serves nothing.
	Listen string
	// Textfile is node_exporter's textfile directory, in which helio.prom
	// is kept current; "" keeps no file.
	Textfile string
	// Required ends Run at once with the error when Listen cannot be
	// listened on or Textfile cannot be written in, as "helio export
	// --metrics" does; otherwise the error is logged and the rest goes on,
	// as the tray does when another Helio serves the address.
	Required bool
}

// TrayOpts configures the tray icon.
type TrayOpts struct {
	Icon tray.IconOpts
	// Window is the program "Open Helio" starts, with WindowArgs; empty
	// finds helio-window beside this executable or on $PATH.
	Window     string
	WindowArgs []string
}

// ErrRestart is returned by Run when the config file changed (saved by the
// window, or followed by SIGHUP) and is valid: every part read the old one
// once, so the process restarts to apply it ([Restart]).
var ErrRestart = errors.New("resident: restart to apply the new config")

// memoryLimit is the Go runtime memory (heap, stacks, metadata) a resident
// process keeps. Past it the runtime collects garbage and hands memory
// back to the system at once, rather than keeping it for minutes: a D-Bus
// client that sends the export a message of a hundred megabytes costs that
// much only while it is read. A tray collects only at this limit and after
// each change it draws (tray.Run), not every two minutes as Go does by
// default, which would wake an idle tray for nothing; a live heap of about
// 1 MiB leaves the limit as a safety net.
const memoryLimit = 8 << 20

// settle sets the runtime for a process that runs for hours and mostly
// waits. Setting GOMAXPROCS explicitly stops the runtime from re-reading
// the CPU count and cgroup limit every minute, which would wake an idle
// process for nothing; two threads are more than a monitor of a few radios
// ever needs.
func settle(tray bool) {
	runtime.GOMAXPROCS(min(runtime.GOMAXPROCS(0), 2))
	debug.SetMemoryLimit(memoryLimit)
	if tray {
		debug.SetGCPercent(-1)
	}
}

// Run runs the parts o asks for until ctx ends (nil), the tray's Quit is
// clicked (nil), the config changed ([ErrRestart]), or a part fails. It
// returns [sensors.ErrNoReceiver] at once when the backend has no receiver
// and cannot tell when one is plugged in.
func Run(ctx context.Context, o Opts) error {
	settle(o.Tray != nil)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	infos, err := o.Backend.Receivers()
	if err != nil {
		return fmt.Errorf("find receivers: %w", err)
	}
	if _, watches := o.Backend.(transport.Watcher); len(infos) == 0 {
		if !watches {
			return sensors.ErrNoReceiver
		}
		o.Logger.Warn("no Logitech receiver yet; waiting for one to be plugged in")
	}
	if o.Cache != nil {
		defer func() {
			if err := o.Cache.Flush(); err != nil {
				o.Logger.Warn("device cache not saved", "err", err)
			}
		}()
	}
	// Every part takes the states from one board, fed by this process's
	// own monitor or by another Helio's over the bus, and subscribes
	// before anything feeds it, so each sees every device's first state
	// (which only sets the alerts' baseline).
	r := &run{o: o, board: sensors.NewBoard()}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	var stops []func()
	defer func() {
		// The subscriptions end only once nothing feeds the board.
		for _, stop := range stops {
			stop()
		}
		wg.Wait()
	}()
	if o.Notify && o.Bus != nil {
		states, stop := r.board.Subscribe()
		stops = append(stops, stop)
		sender := notify.NewSender(o.Bus, o.Logger)
		watcher := notify.NewWatcher(o.Config.Alerts)
		wg.Go(func() { notify.Run(ctx, states, watcher, sender) })
	}
	changesErr := make(chan error, 1)
	if o.Changes != nil {
		changes, stop := r.board.Subscribe()
		stops = append(stops, stop)
		wg.Go(func() {
			for st := range changes {
				if err := o.Changes(st); err != nil {
					changesErr <- err
					cancel(err)
					return
				}
			}
		})
	}
	fed := make(chan error, 1)
	go func() {
		err := r.feed(ctx)
		cancel(nil)
		fed <- err
	}()
	var trayErr error
	if o.Tray != nil {
		trayErr = runTray(ctx, cancel, r)
	} else {
		<-ctx.Done()
	}
	cancel(nil)
	ferr := <-fed
	select {
	case err := <-changesErr:
		return err
	default:
	}
	switch {
	case trayErr != nil:
		return trayErr
	case ferr != nil:
		return ferr
	case errors.Is(context.Cause(ctx), ErrRestart):
		return ErrRestart
	}
	return nil
}

// run is one Run's state.
type run struct {
	o     Opts
	board *sensors.Board

	mu      sync.Mutex
	monitor *sensors.Monitor // the one running, nil while mirroring
}

// errMirror ends a monitor run that found another Helio serving the same
// devices: the process mirrors it instead.
var errMirror = errors.New("resident: another Helio serves these devices")

// feed keeps the board fed until ctx ends: by mirroring another Helio that
// serves the same backend's devices on the bus while there is one, else by
// a monitor of this process's own.
func (r *run) feed(ctx context.Context) error {
	for {
		if r.o.Bus != nil && !r.o.ExportRequired {
			err := r.mirror(ctx)
			switch {
			case errors.Is(err, upower.ErrServiceGone):
				r.o.Logger.Warn("the other Helio stopped: reading the receivers")
			case errors.Is(err, upower.ErrNoService):
			case err != nil:
				return err
			default:
				return nil // ctx ended
			}
		}
		// Run at least once: a run whose context is done already still
		// says what stops it (a name that is taken).
		err := r.runMonitor(ctx)
		switch {
		case !errors.Is(err, errMirror):
			return err
		case ctx.Err() != nil:
			return nil
		}
	}
}

// mirror shows the devices of the Helio that serves this backend on the
// bus, until it goes.
func (r *run) mirror(ctx context.Context) error {
	name := upower.DefaultOpts.Name
	if r.o.Export != nil && r.o.Export.Name != "" {
		name = r.o.Export.Name
	}
	served, err := upower.Fetch(ctx, r.o.Bus, name)
	if err != nil || served.Backend != r.o.BackendSpec {
		return upower.ErrNoService
	}
	r.o.Logger.Warn("another Helio reads these receivers (process "+strconv.Itoa(int(served.PID))+"): showing its figures", "name", name)
	return upower.Mirror(ctx, r.o.Bus, name, r.board)
}

// runMonitor reads the receivers with a monitor of this process's own,
// records the history and exports the devices, until ctx ends. It returns
// errMirror when another Helio took the export's name first.
func (r *run) runMonitor(ctx context.Context) error {
	o, cfg := r.o, r.o.Config
	mopts := sensors.MonitorOpts{Backend: o.Backend, Board: r.board, DeviceTimeout: o.DeviceTimeout, Logger: o.Logger,
		LightInterval: cfg.Light.Interval.Duration, LightReports: cfg.Light.Reports, NoLightOnButton: !cfg.Light.OnButton,
		Poll: cfg.Monitor.Poll.Duration, PollMax: cfg.Monitor.PollMax.Duration, HoldOpen: cfg.Monitor.HoldOpen}
	if o.Cache != nil {
		mopts.Cache = o.Cache
	}
	if o.Record && cfg.History.Enabled {
		store, err := openHistory(cfg, o.Logger)
		var locked *history.LockedError
		switch {
		case errors.As(err, &locked):
			// One recorder per database: this process shows the devices
			// and leaves the recording to the other.
			o.Logger.Warn("not recording the history: "+locked.Error(), "path", locked.Path)
		case err != nil:
			return err
		default:
			defer func() {
				if err := store.Close(); err != nil {
					o.Logger.Warn("history not closed cleanly", "err", err)
				}
			}()
			mopts.Recorder = store
		}
	}
	var textfile *metrics.Textfile
	if mo := o.Metrics; mo != nil && mo.Textfile != "" {
		// Otherwise the first write, when the devices are read, says what
		// is wrong; a directory made later is written at the next change.
		if err := metrics.CheckDir(mo.Textfile); err != nil && mo.Required {
			return err
		}
		textfile = metrics.NewTextfile(mo.Textfile, o.Logger)
		mopts.Touched = func(sensors.State) { textfile.Touch() }
	}
	m := sensors.NewMonitor(mopts)
	// The address is bound before anything is exported, so that one in
	// use fails "helio export --metrics" before it owns a bus name.
	var scrapes *metrics.Server
	if mo := o.Metrics; mo != nil && mo.Listen != "" {
		var err error
		scrapes, err = metrics.Listen(mo.Listen, m.States, metrics.Opts{Logger: o.Logger})
		switch {
		case err != nil && mo.Required:
			return err
		case err != nil:
			o.Logger.Warn("Prometheus metrics not served", "err", err)
		default:
			o.Logger.Info("serving Prometheus metrics", "url", scrapes.URL())
			defer scrapes.Close()
		}
	}
	var svc *upower.Service
	if o.Export != nil && o.Bus != nil {
		var err error
		svc, err = upower.New(o.Bus, m, *o.Export)
		switch {
		case err != nil && o.ExportRequired:
			return err
		case errors.Is(err, upower.ErrNameTaken):
			return errMirror
		case err != nil:
			o.Logger.Warn("devices not exported on D-Bus", "err", err)
		}
	}
	r.mu.Lock()
	r.monitor = m
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.monitor = nil
		r.mu.Unlock()
	}()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	defer wg.Wait()
	if scrapes != nil {
		wg.Go(func() {
			if err := scrapes.Serve(ctx); err != nil {
				o.Logger.Warn("Prometheus metrics no longer served", "err", err)
			}
		})
	}
	if textfile != nil {
		wg.Go(func() { textfile.Run(ctx, m.States) })
	}
	exportDone := make(chan error, 1)
	go func() {
		if svc == nil {
			exportDone <- nil
			return
		}
		err := svc.Run(ctx)
		if err != nil {
			cancel(err)
		}
		exportDone <- err
	}()
	merr := m.Run(ctx)
	cancel(nil)
	xerr := <-exportDone
	if svc != nil {
		if err := svc.Close(); err != nil {
			o.Logger.Warn("D-Bus export not closed cleanly", "err", err)
		}
	}
	switch {
	case merr != nil:
		return merr
	case xerr != nil:
		return fmt.Errorf("the D-Bus export stopped: %w", xerr)
	}
	return nil
}

// checkLight asks a solar keyboard for light now, through this process's
// monitor; while another Helio reads the receivers, that one's schedule
// applies.
func (r *run) checkLight(ctx context.Context, id string) {
	r.mu.Lock()
	m := r.monitor
	r.mu.Unlock()
	if m == nil {
		r.o.Logger.Warn("light not checked: another Helio reads the receivers")
		return
	}
	if err := m.CheckLight(ctx, id, r.o.Config.Light.Reports); err != nil {
		r.o.Logger.Warn("light not checked", "err", err)
	}
}

// openHistory opens the history database named by the config, with its
// retention. A database that had to be set aside is logged.
func openHistory(cfg config.Config, log *slog.Logger) (*history.Store, error) {
	path := cfg.History.Path
	if path == "" {
		p, err := history.DefaultPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	st, err := history.Open(path, history.Opts{Retention: history.Retention{
		Full: cfg.History.Full.Duration, Hourly: cfg.History.Keep.Duration}})
	if err != nil {
		return nil, err
	}
	if w := st.Warning(); w != "" {
		log.Warn(w)
	}
	return st, nil
}

// runTray shows the tray icon until ctx ends or Quit is clicked, applying a
// changed config by ending with ErrRestart.
func runTray(ctx context.Context, cancel context.CancelCauseFunc, r *run) error {
	o := r.o
	before := snapshot(o.ConfigPath)
	// A config changed on disk (by the window, or by hand followed by
	// SIGHUP) is applied by starting afresh, as every part read it once;
	// a broken one is said, and the tray goes on with what it has.
	reload := func(always bool) {
		now := snapshot(o.ConfigPath)
		if !always && bytes.Equal(now, before) {
			return
		}
		if o.ConfigPath != "" {
			if _, err := config.Load(o.ConfigPath); err != nil {
				o.Logger.Error("config not applied; the tray goes on with the one it started with", "err", err)
				return
			}
		}
		cancel(ErrRestart)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
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
	w := &launcher{log: o.Logger, program: o.Tray.Window, args: o.Tray.WindowArgs, exited: func() { reload(false) }}
	return tray.Run(ctx, r.board, tray.RunOpts{
		Opts: tray.DefaultOpts,
		Icon: o.Tray.Icon,
		Actions: tray.Actions{
			CheckLight: func(id string) { go r.checkLight(ctx, id) },
			Open:       w.open,
			Quit:       func() { cancel(nil) },
		},
		Logger: o.Logger,
	})
}

// snapshot is the config file's contents, nil when it does not exist, to
// tell later whether it changed.
func snapshot(path string) []byte {
	if path == "" {
		return nil
	}
	b, _ := os.ReadFile(path)
	return b
}

// Restart replaces the process with a fresh run of the same command line,
// after Run returned [ErrRestart] and its deferred cleanup (history, cache)
// is done.
func Restart() error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	return syscall.Exec(self, os.Args, os.Environ())
}

// WindowProgram is the program "Open Helio" starts: Helio's window, a
// program of its own so the tray never loads a GL driver.
const WindowProgram = "helio-window"

// launcher starts Helio's window, one at a time.
type launcher struct {
	log     *slog.Logger
	program string
	args    []string
	exited  func() // called when the window closes

	mu      sync.Mutex
	running bool
}

func (w *launcher) open() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running {
		w.log.Info("Helio's window is already open")
		return
	}
	prog, err := w.find()
	if err != nil {
		w.log.Error("cannot open Helio's window", "err", err)
		return
	}
	cmd := exec.Command(prog, w.args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		w.log.Error("cannot open Helio's window", "program", prog, "err", err)
		return
	}
	w.running = true
	go func() {
		if err := cmd.Wait(); err != nil {
			w.log.Warn("Helio's window ended with an error", "err", err)
		}
		w.mu.Lock()
		w.running = false
		w.mu.Unlock()
		w.exited()
	}()
}

// find looks for the window program: the one given, else beside this
// executable (as "make install" puts them), else on $PATH.
func (w *launcher) find() (string, error) {
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
