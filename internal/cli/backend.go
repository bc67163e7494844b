package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/helio-linux/helio/hidpp"
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

// openedReceiver is a receiver opened for a command, with its devices.
type openedReceiver struct {
	info     transport.Info
	conn     *hidpp.Conn
	receiver *unifying.Receiver
	devices  []*unifying.Device
	err      error // why the devices could not all be listed
}

// session opens every receiver of the chosen backend and lists their
// devices. Close releases them and saves the device cache.
type session struct {
	a         *app
	backend   transport.Backend
	receivers []*openedReceiver
	cache     *unifying.FileCache
}

func (a *app) open(ctx context.Context) (*session, error) {
	b, err := newBackend(a.g.backend)
	if err != nil {
		return nil, err
	}
	s := &session{a: a, backend: b}
	if !a.g.noCache {
		if path, err := unifying.DefaultCachePath(); err == nil {
			s.cache = unifying.OpenFileCache(path)
			if w := s.cache.Warning(); w != nil {
				a.log.Warn(w.Error())
			}
		}
	}
	infos, err := b.Receivers()
	if err != nil {
		return nil, fmt.Errorf("find receivers: %w", err)
	}
	if len(infos) == 0 {
		hint := ""
		if b.Name() == "hidraw" {
			hint = " in /sys/class/hidraw; plug one in, or try the emulated one: helio --backend sim " + "query"
		}
		return nil, exitf(ExitNoReceiver, "no Logitech receiver found%s", hint)
	}
	var cache unifying.Cache
	if s.cache != nil {
		cache = s.cache
	}
	if b.Name() == "libusb" {
		fmt.Fprintln(a.env.Stderr, "helio: warning:", libusb.Warning)
	}
	for _, info := range infos {
		t, err := b.Open(info)
		if err != nil {
			s.Close()
			var pe *transport.PermissionError
			if errors.As(err, &pe) || errors.Is(err, os.ErrPermission) {
				return nil, &exitError{code: ExitPermission, err: err}
			}
			return nil, fmt.Errorf("open %s: %w", info, err)
		}
		c := hidpp.NewConn(t, &hidpp.Opts{DeviceTimeout: a.g.deviceTimeout, Logger: a.log})
		or := &openedReceiver{info: info, conn: c}
		s.receivers = append(s.receivers, or)
		if or.receiver, err = unifying.Open(ctx, c); err != nil {
			s.Close()
			return nil, err
		}
		or.devices, or.err = or.receiver.Devices(ctx, cache)
	}
	return s, nil
}

// read takes a reading of every device of every receiver, all at once: a
// solar keyboard's one-second light report on one receiver does not hold up
// the others.
func (s *session) read(ctx context.Context) [][]sensors.State {
	out := make([][]sensors.State, len(s.receivers))
	var wg sync.WaitGroup
	for i, r := range s.receivers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, rd := range sensors.ReadAll(ctx, r.devices, nil) {
				out[i] = append(out[i], sensors.StateOf(rd))
			}
		}()
	}
	wg.Wait()
	return out
}

// Close closes the receivers and writes the device cache.
func (s *session) Close() {
	var sent uint64
	for _, r := range s.receivers {
		sent += r.conn.Stats().Requests
		r.conn.Close()
	}
	s.a.log.Debug("done", "hidpp_requests", sent)
	if s.cache != nil {
		if err := s.cache.Flush(); err != nil {
			s.a.log.Warn("device cache not saved", "err", err)
		}
	}
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
