// Package sensors turns devices into readings: the battery of every device
// and, for solar keyboards, the light on their cells, each with the time it
// was confirmed. It sits above package unifying and below the front ends
// (CLI, tray, notifications, D-Bus export), which all read the same
// [Reading].
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

// Reading is what is known of one device at a moment.
type Reading struct {
	Device  *unifying.Device
	Online  bool
	Battery *hidpp.Battery // nil when unknown
	Light   *Light         // nil unless a solar device reported its light
	Solar   bool           // the device has solar cells (feature 0x4301)
	Time    time.Time      // when the figures were confirmed
	Err     error          // why a figure is missing, when not simply offline
}

// Light is a solar keyboard's light measure.
type Light struct {
	Lux int
}

// Charging reports whether the light is enough to charge (above 200 lux).
func (l Light) Charging() bool { return l.Lux > hidpp.SolarChargingLux }

// Opts tunes reading.
type Opts struct {
	// LightWait bounds the wait for a solar keyboard's light report after
	// SetLightMeasure. The K750 sends it one second after the request.
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
// measuring its light) does not hold up the others. Readings come back in
// the order of devs.
func ReadAll(ctx context.Context, devs []*unifying.Device, opts *Opts) []Reading {
	out := make([]Reading, len(devs))
	var wg sync.WaitGroup
	for i, d := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = Read(ctx, d, opts)
		}()
	}
	wg.Wait()
	return out
}

// Read reads one device's battery and, for a solar keyboard, asks for a
// light report and waits for it: the K750 reports its charge only that way.
// A device out of range gives a reading with Online false and no figures.
func Read(ctx context.Context, d *unifying.Device, opts *Opts) Reading {
	o := opts.fill()
	r := Reading{Device: d, Online: d.Online()}
	if !r.Online {
		return r
	}
	var err error
	var b hidpp.Battery
	b, err = d.Battery(ctx)
	if err == nil {
		r.Battery = &b
	}
	// Only a device without a battery feature is asked for the solar
	// dashboard, so a plain mouse costs no extra request.
	if errors.Is(err, hidpp.ErrNoBattery) && d.Protocol().IsFeatureBased() {
		ix, ferr := d.FeatureIndex(ctx, hidpp.FeatureSolarDashboard)
		switch {
		case ferr != nil:
			err = ferr
		case ix != 0:
			r.Solar = true
			err = readSolar(ctx, d, &r, o)
		}
	}
	d.Save()
	switch {
	case errors.Is(err, hidpp.ErrOffline), errors.Is(err, hidpp.ErrTimeout) && r.Battery == nil && r.Light == nil:
		// It went away between the ping and now.
		r.Online = false
		d.SetOnline(false)
	case err != nil:
		r.Err = err
	}
	r.Time = o.Now()
	return r
}

// ErrNoLightReport is returned when a solar keyboard acknowledged
// SetLightMeasure but sent no light report in time.
var ErrNoLightReport = errors.New("sensors: no light report from the keyboard")

// readSolar asks for one light report and waits for it. The subscription is
// made before the request, so a fast report cannot slip past.
func readSolar(ctx context.Context, d *unifying.Device, r *Reading, o Opts) error {
	events, cancel := d.Receiver.Conn().Subscribe()
	defer cancel()
	if err := d.SetLightMeasure(ctx, 1, 1); err != nil {
		return err
	}
	timer := time.NewTimer(o.LightWait)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return fmt.Errorf("read light of %s: %w", d, hidpp.ErrClosed)
			}
			if ev.Device() != d.Index() || ev.ID() == hidpp.ShortID {
				continue
			}
			ix, _ := d.FeatureIndex(ctx, hidpp.FeatureSolarDashboard)
			if ev.SubID() != ix || ev.SoftwareID() != 0 {
				continue
			}
			se, err := hidpp.DecodeSolarEvent(&ev)
			if err != nil {
				continue // a malformed report is no reading
			}
			b := se.Battery()
			r.Battery = &b
			if se.HasLux {
				r.Light = &Light{Lux: se.Lux}
				return nil
			}
			// A battery broadcast or button press: keep waiting for the
			// light report that carries lux.
		case <-timer.C:
			return fmt.Errorf("read light of %s: %w after %v", d, ErrNoLightReport, o.LightWait)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
