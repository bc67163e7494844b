package sensors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/unifying"
)

// Light is a solar keyboard's light measure.
type Light struct {
	Lux int
}

// Charging reports whether the light is enough to charge (above 200 lux).
func (l Light) Charging() bool { return l.Lux > hidpp.SolarChargingLux }

// Opts tunes a one-shot reading.
type Opts struct {
	// LightWait bounds the wait for each light report of a solar keyboard
	// after SetLightMeasure. The K750 sends one a second.
	LightWait time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// DefaultOpts waits 3 s for a light report: the K750 answers after 1 s, and
// a keyboard waking up may take longer.
var DefaultOpts = Opts{LightWait: 3 * time.Second}

func (o *Opts) fill() Opts {
	out := DefaultOpts
	if o != nil {
		if o.LightWait > 0 {
			out.LightWait = o.LightWait
		}
		out.Now = o.Now
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	return out
}

// ReadAll reads every device at once; a slow device (a solar keyboard
// measuring its light) does not hold up the others. States come back in the
// order of devs.
func ReadAll(ctx context.Context, devs []*unifying.Device, opts *Opts) []State {
	out := make([]State, len(devs))
	var wg sync.WaitGroup
	for i, d := range devs {
		wg.Go(func() { out[i] = Read(ctx, d, opts) })
	}
	wg.Wait()
	return out
}

// Read reads one device's battery and, for a solar keyboard, asks for a
// light report and waits for it ([MeasureLight]): the K750 reports its
// charge only that way. A device out of range gives a state with Online
// false and no figures. A device listed without a ping
// ([unifying.Device.Prepare]) is read all the same: the reading's request
// finds whether it is in range, as the ping would have.
func Read(ctx context.Context, d *unifying.Device, opts *Opts) State {
	o := opts.fill()
	s := Identify(d)
	if d.Reached() && !s.Online {
		return s
	}
	b, err := d.Battery(ctx)
	if err == nil {
		s.Battery = &b
	}
	// Only a device without a battery feature is asked for the solar
	// dashboard, so a plain mouse costs no extra request.
	if errors.Is(err, hidpp.ErrNoBattery) && d.Protocol().IsFeatureBased() {
		ix, ferr := d.FeatureIndex(ctx, hidpp.FeatureSolarDashboard)
		switch {
		case ferr != nil:
			err = ferr
		case ix != 0:
			s.Solar = true
			err = MeasureLight(ctx, d, 1, o.LightWait, func(ev hidpp.SolarEvent) { s.applySolar(ev, o.Now()) })
		}
	}
	if errors.Is(err, hidpp.ErrNoBattery) && !s.Solar {
		// Nothing to read is what the device says, not a failure.
		s.NoBattery, err = true, nil
	}
	d.Save()
	now := o.Now()
	switch {
	case errors.Is(err, hidpp.ErrOffline), errors.Is(err, hidpp.ErrTimeout) && s.Battery == nil && s.Light == nil:
		// It went away between the ping and now.
		d.SetOnline(false)
		s.Online = false
		return s
	case err != nil:
		s.Err = err
	}
	if !d.Reached() {
		d.SetOnline(err == nil || s.Battery != nil || s.Light != nil || hidpp.Answered(err) || errors.Is(err, ErrNoLightReport))
	}
	s.Online = d.Online()
	if p := d.Protocol(); p.Major != 0 {
		s.Protocol = p.String() // learned again if the device disagreed with the cache
	}
	if s.Battery != nil {
		s.BatteryTime = now
	}
	if s.Light != nil {
		s.LightTime = now
	}
	s.SeenTime = now
	return s
}

// ErrNoLightReport is returned when a solar keyboard acknowledged
// SetLightMeasure but sent no light report in time.
var ErrNoLightReport = errors.New("sensors: no light report from the keyboard")

// ErrNotSolar is returned by [MeasureLight] for a device without solar cells.
var ErrNotSolar = errors.New("sensors: the device has no solar cells")

// MeasureLight asks solar keyboard d for n light reports (1..255), one a
// second, as the Solar App's "check light" did, and calls got with each
// solar event the keyboard sends until n of them carried lux: light
// reports, and the battery broadcasts or button presses that may come
// between. It fails with [ErrNoLightReport] when wait passes without a
// light report, and with ctx's error when ctx ends. The subscription is
// made before the request, so a fast report cannot slip past. got runs on
// the caller's goroutine.
func MeasureLight(ctx context.Context, d *unifying.Device, n int, wait time.Duration, got func(hidpp.SolarEvent)) error {
	ix, err := d.FeatureIndex(ctx, hidpp.FeatureSolarDashboard)
	switch {
	case err != nil:
		return fmt.Errorf("read light of %s: %w", d, err)
	case ix == 0:
		return fmt.Errorf("read light of %s: %w", d, ErrNotSolar)
	}
	n = min(max(n, 1), 255)
	reports, err := measure(ctx, d, n, wait, got)
	if errors.Is(err, ErrNoLightReport) && reports == 0 && d.Unconfirmed() {
		// The request went to an index only the cache vouched for. If
		// the solar feature is elsewhere now (new firmware), it went to
		// another feature: find where, and ask there.
		held, cerr := d.CheckFeature(ctx, hidpp.FeatureSolarDashboard)
		switch {
		case cerr != nil:
			return fmt.Errorf("read light of %s: %w", d, cerr)
		case !held:
			_, err = measure(ctx, d, n, wait, got)
		}
	}
	return err
}

// measure asks d for n light reports and waits for them, as MeasureLight
// says; it returns how many came.
func measure(ctx context.Context, d *unifying.Device, n int, wait time.Duration, got func(hidpp.SolarEvent)) (int, error) {
	events, cancel := d.Receiver.Conn().Subscribe()
	defer cancel()
	if err := d.SetLightMeasure(ctx, byte(n), 1); err != nil {
		return 0, fmt.Errorf("read light of %s: %w", d, err)
	}
	// The request finds the feature anew where a cache proved wrong:
	// the reports come from where it is now.
	ix, err := d.FeatureIndex(ctx, hidpp.FeatureSolarDashboard)
	if err != nil {
		return 0, fmt.Errorf("read light of %s: %w", d, err)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	reports := 0
	for reports < n {
		select {
		case rep, ok := <-events:
			if !ok {
				return reports, fmt.Errorf("read light of %s: %w", d, hidpp.ErrClosed)
			}
			if rep.Device() != d.Index() || rep.ID() == hidpp.ShortID || rep.SubID() != ix || rep.SoftwareID() != 0 {
				continue
			}
			ev, err := hidpp.DecodeSolarEvent(&rep)
			if err != nil {
				continue // a malformed report is no reading
			}
			got(ev)
			if ev.HasLux {
				reports++
				timer.Reset(wait)
			}
		case <-timer.C:
			return reports, fmt.Errorf("read light of %s: %w after %v (%d of %d reports)", d, ErrNoLightReport, wait, reports, n)
		case <-ctx.Done():
			return reports, ctx.Err()
		}
	}
	return reports, nil
}
