package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/helio-linux/helio/internal/escape"
	"github.com/helio-linux/helio/internal/resident"
	"github.com/helio-linux/helio/sensors"
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
// with the device cache unless --no-cache. reading says the devices are
// read at once (sensors.SessionOpts.ForReading). The returned func closes
// the receivers and saves the cache.
func (a *app) open(ctx context.Context, reading bool) (*sensors.Session, func(), error) {
	b, err := newBackend(a.g.backend)
	if err != nil {
		return nil, nil, err
	}
	var fc *unifying.FileCache
	opts := sensors.SessionOpts{DeviceTimeout: a.g.deviceTimeout, Logger: a.log, ForReading: reading}
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
	detached := a.detached(b)
	s, err := sensors.Open(ctx, b, opts)
	var pe *transport.PermissionError
	switch {
	case errors.Is(err, sensors.ErrNoReceiver) && detached != "":
		return nil, nil, exitf(ExitNoReceiver, "no Logitech receiver found: %s", detached)
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
	if detached != "" {
		a.log.Warn(detached)
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

// detached says how to give back each receiver on USB whose HID++
// interface a killed Helio left without its kernel driver: hidraw and
// hidapi, which go through that driver, cannot see such a receiver, and
// its devices' input is lost. For other backends it says nothing.
func (a *app) detached(b transport.Backend) string {
	if b.Name() != "hidraw" && b.Name() != "hidapi" {
		return ""
	}
	ds, err := libusb.DetachedReceivers()
	if err != nil {
		a.log.Debug("USB receivers not checked", "err", err)
	}
	var fixes []string
	for _, d := range ds {
		fixes = append(fixes, d.Fix())
	}
	return strings.Join(fixes, "; ")
}

// residentOpts are the options of the resident process common to watch,
// export and tray: the chosen backend, the config file, the device cache
// unless --no-cache, and, when record is set, the history.
func (a *app) residentOpts(record bool) (resident.Opts, error) {
	cfg, err := a.config()
	if err != nil {
		return resident.Opts{}, err
	}
	b, err := newBackend(a.g.backend)
	if err != nil {
		return resident.Opts{}, err
	}
	o := resident.Opts{Backend: b, BackendSpec: a.g.backend, Config: cfg, ConfigPath: a.configPath(),
		DeviceTimeout: a.g.deviceTimeout, Logger: a.log, Record: record}
	if !a.g.noCache {
		if path, err := unifying.DefaultCachePath(); err == nil {
			o.Cache = unifying.OpenFileCache(path)
		}
	}
	return o, nil
}

// runResident runs the resident process o describes, and puts its errors
// in the CLI's exit statuses.
func (a *app) runResident(ctx context.Context, o resident.Opts) error {
	err := resident.Run(ctx, o)
	var pe *transport.PermissionError
	switch {
	case errors.Is(err, sensors.ErrNoReceiver):
		if d := a.detached(o.Backend); d != "" {
			return exitf(ExitNoReceiver, "no Logitech receiver found: %s", d)
		}
		return exitf(ExitNoReceiver, "no Logitech receiver found")
	case errors.As(err, &pe):
		return &exitError{code: ExitPermission, err: err}
	}
	return err
}

// match finds the device a user named. An unknown or ambiguous name lists the
// candidates.
func match(s *sensors.Session, q string) (*unifying.Device, error) {
	return pick(q, s.Devices(), "",
		func(d *unifying.Device) []string {
			return []string{strconv.Itoa(int(d.Index())), fmt.Sprintf("%04x", d.WPID), d.Serial, d.UnitID, d.Codename, d.Name(), d.ID()}
		},
		func(d *unifying.Device) string {
			return fmt.Sprintf("%d  %s  (%s, wpid %04x, serial %s)", d.Index(), escape.Text(d.Name()), escape.Text(d.Codename), d.WPID, escape.Text(d.Serial))
		})
}

// pick chooses the item q names: the one of which a key equals q, or else
// the one of which a key starts with q, case-insensitively. Anything else is
// a usage error that lists the candidates (where says where they were
// looked for).
func pick[T any](q string, items []T, where string, keys func(T) []string, line func(T) string) (T, error) {
	var exact, prefix []T
	lq := strings.ToLower(q)
	for _, it := range items {
		hit, pre := false, false
		for _, k := range keys(it) {
			k = strings.ToLower(k)
			hit = hit || k == lq
			pre = pre || (k != "" && strings.HasPrefix(k, lq))
		}
		if hit {
			exact = append(exact, it)
		} else if pre {
			prefix = append(prefix, it)
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0], nil
	case len(exact) == 0 && len(prefix) == 1:
		return prefix[0], nil
	}
	cands, what := exact, "matches several devices"
	if len(exact) == 0 {
		cands = prefix
	}
	if len(cands) == 0 {
		cands, what = items, "matches no device"
	}
	var sb strings.Builder
	for _, it := range cands {
		sb.WriteString("\n  " + line(it))
	}
	var zero T
	return zero, exitf(ExitUsage, "%s %s%s; the devices are:%s", escape.Quote(q), what, where, sb.String())
}
