package sensors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/unifying"
)

// ErrNoReceiver is returned by [Open] when the backend finds no receiver,
// and no device on a node of its own.
var ErrNoReceiver = errors.New("sensors: no Logitech receiver or Bluetooth device found")

// SessionOpts configures [Open].
type SessionOpts struct {
	// Cache remembers what does not change while a device stays paired;
	// it may be nil.
	Cache unifying.Cache
	// DeviceTimeout bounds each request to a device (default 4 s).
	DeviceTimeout time.Duration
	// Logger may be nil.
	Logger *slog.Logger
	// ForReading opens the session for a reading of the devices that
	// follows at once (Read): a device the cache knows is listed without a
	// ping, since the reading's own request says whether it is in range,
	// for one request a device in all ([unifying.Device.Prepare]). Without
	// it every device is pinged, for commands that show only what a ping
	// finds (list).
	ForReading bool
}

// Session is every receiver of a backend opened at once, with its devices
// listed, for a command that reads them once: "helio query", "list" and
// "light", and the window when no tray runs. [Monitor] is the long-lived
// way to the same devices. A Session is safe for concurrent use; Close
// releases the receivers.
type Session struct {
	// Receivers are the receivers that opened, in the backend's order.
	Receivers []*Receiver
	// Errs says why the other receivers could not be opened, and which
	// Logitech devices the backend found but cannot read
	// ([transport.Skipper]).
	Errs []error
}

// Receiver is one receiver of a [Session] with its paired devices.
type Receiver struct {
	*unifying.Receiver
	Info    transport.Info
	Devices []*unifying.Device
	// Err says why some devices could not be listed; those listed are in
	// Devices.
	Err error
}

// openReceiver opens the receiver info names and identifies it, from cache
// (which may be nil) when the system says it is the receiver read before
// ([unifying.OpenWith]). Monitor and Session both open receivers this way.
// A lazy receiver's node is open only while an exchange holds it
// ([transport.Lazy]).
func openReceiver(ctx context.Context, b transport.Backend, info transport.Info, cache unifying.Cache, lazy bool, timeout time.Duration, log *slog.Logger) (*unifying.Receiver, error) {
	var t transport.Conn
	if lazy {
		t = transport.NewLazy(info, func() (transport.Conn, error) { return b.Open(info) })
	} else {
		var err error
		if t, err = b.Open(info); err != nil {
			return nil, fmt.Errorf("open %s: %w", info, err)
		}
	}
	c := hidpp.NewConn(t, &hidpp.Opts{DeviceTimeout: timeout, Logger: log})
	o := unifying.Opts{Cache: cache}
	if pl, ok := b.(transport.PairingLister); ok {
		o.Pairing = func() (transport.Pairing, error) { return pl.Pairing(info) }
	}
	r, err := unifying.OpenWith(ctx, c, o)
	if err != nil {
		c.Close()
		return nil, err
	}
	return r, nil
}

// Open opens every receiver b finds, and every device on a node of its
// own (Bluetooth), and lists its devices, pinging each once (with
// opts.ForReading, only those the cache does not know). A receiver that
// cannot be opened is left out and said in Errs, as is a Logitech device
// the backend found but cannot read ([transport.Skipper]); Open fails
// only when none opens: with [ErrNoReceiver] when there is none, else with
// the receivers' errors joined (a [*transport.PermissionError] among them
// says which udev rule is missing).
func Open(ctx context.Context, b transport.Backend, opts SessionOpts) (*Session, error) {
	infos, err := b.Receivers()
	if err != nil {
		return nil, fmt.Errorf("find receivers: %w", err)
	}
	var skipped []error
	if sk, ok := b.(transport.Skipper); ok {
		skipped = sk.Skipped()
	}
	if len(infos) == 0 && len(skipped) == 0 {
		return nil, ErrNoReceiver
	}
	s := &Session{Errs: skipped}
	for _, info := range infos {
		r, err := openReceiver(ctx, b, info, opts.Cache, false, opts.DeviceTimeout, opts.Logger)
		if err != nil {
			s.Errs = append(s.Errs, err)
			continue
		}
		or := &Receiver{Receiver: r, Info: info}
		if opts.ForReading {
			or.Devices, or.Err = prepared(ctx, r, opts.Cache)
		} else {
			or.Devices, or.Err = r.Devices(ctx, opts.Cache)
		}
		s.Receivers = append(s.Receivers, or)
	}
	if len(s.Receivers) == 0 {
		return nil, errors.Join(s.Errs...)
	}
	return s, nil
}

// prepared lists r's devices and readies each for a reading
// ([unifying.Device.Prepare]), all at once.
func prepared(ctx context.Context, r *unifying.Receiver, cache unifying.Cache) ([]*unifying.Device, error) {
	devs, err := r.Paired(ctx, cache)
	errs := make([]error, len(devs))
	var wg sync.WaitGroup
	for i, d := range devs {
		wg.Go(func() { errs[i] = d.Prepare(ctx) })
	}
	wg.Wait()
	return devs, errors.Join(append([]error{err}, errs...)...)
}

// Devices lists the devices of every receiver, in order.
func (s *Session) Devices() []*unifying.Device {
	var out []*unifying.Device
	for _, r := range s.Receivers {
		out = append(out, r.Devices...)
	}
	return out
}

// Read reads every device of every receiver ([Read]), all at once: a solar
// keyboard's one-second light report on one receiver does not hold up the
// others. The states come back per receiver, in the order of Devices.
func (s *Session) Read(ctx context.Context, opts *Opts) [][]State {
	out := make([][]State, len(s.Receivers))
	var wg sync.WaitGroup
	for i, r := range s.Receivers {
		wg.Go(func() { out[i] = ReadAll(ctx, r.Devices, opts) })
	}
	wg.Wait()
	return out
}

// Requests is how many HID++ requests the session sent.
func (s *Session) Requests() uint64 {
	var n uint64
	for _, r := range s.Receivers {
		n += r.Conn().Stats().Requests
	}
	return n
}

// Close closes every receiver.
func (s *Session) Close() error {
	var errs []error
	for _, r := range s.Receivers {
		errs = append(errs, r.Conn().Close())
	}
	return errors.Join(errs...)
}

// ReadBackend reads every device of every receiver of b once and closes
// them: Open, Read and Close. It returns what it read, and an error saying
// what could not be read (receivers that did not open, devices that could
// not be listed) alongside the states that could.
func ReadBackend(ctx context.Context, b transport.Backend, opts SessionOpts, ropts *Opts) ([]State, error) {
	s, err := Open(ctx, b, opts)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var states []State
	for _, ss := range s.Read(ctx, ropts) {
		states = append(states, ss...)
	}
	errs := s.Errs
	for _, r := range s.Receivers {
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("listing the devices of %s: %w", r.Info.Path, r.Err))
		}
	}
	return states, errors.Join(errs...)
}
