package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/sensors/history"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/backends"
	"github.com/helio-linux/helio/transport/libusb"
	"github.com/helio-linux/helio/unifying"
)

// newBackend is replaced in tests to hand the CLI an emulator they drive.
var newBackend = func(spec string) (transport.Backend, error) {
	b, err := backends.Open(spec)
	if err != nil {
		// A wrong name or a wrong profile file is the user's input.
		return nil, &exitError{code: ExitUsage, err: err}
	}
	return b, nil
}

// open opens every receiver of the chosen backend and lists their devices,
// with the device cache unless --no-cache. The returned func closes the
// receivers and saves the cache.
func (a *app) open(ctx context.Context) (*sensors.Session, func(), error) {
	b, err := newBackend(a.g.backend)
	if err != nil {
		return nil, nil, err
	}
	var fc *unifying.FileCache
	opts := sensors.SessionOpts{DeviceTimeout: a.g.deviceTimeout, Logger: a.log}
	if !a.g.noCache {
		if path, err := unifying.DefaultCachePath(); err == nil {
			fc = unifying.OpenFileCache(path)
			if w := fc.Warning(); w != nil {
				a.log.Warn(w.Error())
			}
			opts.Cache = fc
		}
	}
	if b.Name() == "libusb" {
		fmt.Fprintln(a.env.Stderr, "helio: warning:", libusb.Warning)
	}
	s, err := sensors.Open(ctx, b, opts)
	var pe *transport.PermissionError
	switch {
	case errors.Is(err, sensors.ErrNoReceiver):
		hint := ""
		if b.Name() == "hidraw" {
			hint = " in /sys/class/hidraw; plug one in, or try the emulated one: helio --backend sim query"
		}
		return nil, nil, exitf(ExitNoReceiver, "no Logitech receiver found%s", hint)
	case errors.As(err, &pe), errors.Is(err, os.ErrPermission):
		return nil, nil, &exitError{code: ExitPermission, err: err}
	case err != nil:
		return nil, nil, err
	}
	for _, err := range s.Errs {
		a.log.Warn("receiver not read", "err", err)
	}
	for _, r := range s.Receivers {
		if r.Err != nil {
			a.log.Warn("some devices could not be read", "receiver", r.Info.Path, "err", r.Err)
		}
	}
	return s, func() {
		s.Close()
		a.log.Debug("done", "hidpp_requests", s.Requests())
		if fc != nil {
			if err := fc.Flush(); err != nil {
				a.log.Warn("device cache not saved", "err", err)
			}
		}
	}, nil
}

// monitor builds a Monitor on the chosen backend, configured by the config
// file, with the device cache and, when record is set and the config does
// not turn it off, the history database as its recorder. The returned func
// closes the history and saves the cache.
func (a *app) monitor(record bool) (*sensors.Monitor, func(), error) {
	cfg, err := a.config()
	if err != nil {
		return nil, nil, err
	}
	b, err := newBackend(a.g.backend)
	if err != nil {
		return nil, nil, err
	}
	opts := sensors.MonitorOpts{Backend: b, DeviceTimeout: a.g.deviceTimeout, Logger: a.log,
		LightInterval: cfg.Light.Interval.Duration, LightReports: cfg.Light.Reports, NoLightOnButton: !cfg.Light.OnButton,
		Poll: cfg.Monitor.Poll.Duration, PollMax: cfg.Monitor.PollMax.Duration}
	var fc *unifying.FileCache
	if !a.g.noCache {
		if path, err := unifying.DefaultCachePath(); err == nil {
			fc = unifying.OpenFileCache(path)
			opts.Cache = fc
		}
	}
	infos, err := b.Receivers()
	if err != nil {
		return nil, nil, fmt.Errorf("find receivers: %w", err)
	}
	if _, watches := b.(transport.Watcher); len(infos) == 0 && !watches {
		return nil, nil, exitf(ExitNoReceiver, "no Logitech receiver found")
	}
	var store *history.Store
	if record && cfg.History.Enabled {
		if store, err = a.history(cfg); err != nil {
			return nil, nil, err
		}
		opts.Recorder = store
	}
	if len(infos) == 0 {
		fmt.Fprintln(a.env.Stderr, "helio: no Logitech receiver yet; waiting for one to be plugged in")
	}
	m := sensors.NewMonitor(opts)
	return m, func() {
		if store != nil {
			if err := store.Close(); err != nil {
				a.log.Warn("history not closed cleanly", "err", err)
			}
		}
		if fc != nil {
			if err := fc.Flush(); err != nil {
				a.log.Warn("device cache not saved", "err", err)
			}
		}
	}, nil
}

// history opens the history database named by the config, with its
// retention. A database that had to be set aside is said on stderr.
func (a *app) history(cfg config.Config) (*history.Store, error) {
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
		return nil, fmt.Errorf("history: %w", err)
	}
	if w := st.Warning(); w != "" {
		fmt.Fprintln(a.env.Stderr, "helio: warning:", w)
	}
	return st, nil
}
