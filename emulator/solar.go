package emulator

import (
	"time"

	"github.com/helio-linux/helio/hidpp"
)

// Defaults of the charge model: a K750 lasts about three months in the dark
// on a full charge (about 0.05 % an hour), and gains a few percent an hour in
// office light.
const (
	defaultDrainPerHour      = 0.05
	defaultGainPerHourPerKlx = 4.0
)

// solarState is a solar keyboard's charge and light. The light follows the
// profile's day (or stays constant, or is pinned by a test); the charge
// integrates the light: above 200 lux it rises, below it drains.
type solarState struct {
	charge   float64
	fixedLux int
	pinned   bool // fixedLux overrides the schedule
	day      []dayPoint
	start    time.Duration // time of day at t0
	speed    float64
	drain    float64
	gain     float64
	t0       time.Time // real time the simulation started
	last     time.Time // real time charge was last integrated
	aux      uint16
	gen      int // bumped by each SetLightMeasure, cancelling older report chains
}

type dayPoint struct {
	at  time.Duration
	lux int
}

func newSolar(p *SolarProfile, now time.Time) *solarState {
	s := &solarState{charge: float64(p.Charge), speed: p.Speed, t0: now, last: now,
		drain: defaultDrainPerHour, gain: defaultGainPerHourPerKlx, aux: 0x061D}
	s.start, _ = parseClock(p.Start)
	if p.Lux != nil {
		s.fixedLux, s.pinned = *p.Lux, true
	}
	for _, d := range p.Day {
		at, _ := parseClock(d.At)
		s.day = append(s.day, dayPoint{at, d.Lux})
	}
	if p.Drain != nil {
		s.drain = *p.Drain
	}
	if p.Gain != nil {
		s.gain = *p.Gain
	}
	return s
}

// luxAt is the light at real time now.
func (s *solarState) luxAt(now time.Time) int {
	if s.pinned || len(s.day) == 0 {
		return s.fixedLux
	}
	sim := time.Duration(float64(now.Sub(s.t0)) * s.speed)
	return luxOfDay(s.day, (s.start+sim)%(24*time.Hour))
}

// luxOfDay interpolates the day's points linearly, wrapping around midnight.
func luxOfDay(day []dayPoint, t time.Duration) int {
	const dayLen = 24 * time.Hour
	n := len(day)
	for i := 0; i < n; i++ {
		a, b := day[i], day[(i+1)%n]
		bt := b.at
		if i == n-1 {
			bt += dayLen
		}
		tt := t
		if tt < a.at {
			tt += dayLen
		}
		if tt >= a.at && tt < bt {
			frac := float64(tt-a.at) / float64(bt-a.at)
			return a.lux + int(frac*float64(b.lux-a.lux))
		}
	}
	return day[0].lux
}

// advance integrates the charge up to now, in steps short enough that the
// light is nearly constant over each.
func (s *solarState) advance(now time.Time) {
	const step = time.Minute
	for s.last.Before(now) {
		dt := now.Sub(s.last)
		if dt > step {
			dt = step
		}
		lux := s.luxAt(s.last)
		hours := dt.Hours() * s.speed
		if lux > hidpp.SolarChargingLux {
			s.charge += hours * s.gain * float64(lux) / 1000
		} else {
			s.charge -= hours * s.drain
		}
		s.charge = min(max(s.charge, 0), 100)
		s.last = s.last.Add(dt)
	}
}

// reading returns the charge and light at now.
func (s *solarState) reading(now time.Time) (charge, lux int) {
	s.advance(now)
	return int(s.charge + 0.5), s.luxAt(now)
}
