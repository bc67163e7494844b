package chart

import "time"

// TimeTick is a labelled time on a chart's time axis.
type TimeTick struct {
	Time time.Time
	// Label is the time of day ("15:00") on ticks hours apart, the day
	// ("Mon 16") on ticks a day apart, the date ("Feb 6") on ticks days
	// apart.
	Label string
	// Date says what Label leaves out where it changes: the date ("Mar 1")
	// under the first hour tick and each midnight, the month ("Mar")
	// under the first day tick and each first of a month; empty on the
	// others. Renderers with room for a second line of labels show it.
	Date string
}

// timeSteps are the distances between time ticks: each divides a day or
// is whole days, so ticks fall on round hours or on midnights.
var timeSteps = []time.Duration{10 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour,
	4 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour,
	14 * 24 * time.Hour, 28 * 24 * time.Hour}

// maxTimeTicks is about how many ticks fit under a chart: the labels of
// more would run into each other in the window's narrowest chart.
const maxTimeTicks = 8

// TimeTicks puts at most about 8 ticks on the time axis from since to
// until, on round local hours or days of loc. They are counted on the wall
// clock, from midnight, so they stay round across a change to or from
// summer time: 03:00 follows 00:00 on the night the clocks go forward,
// although 2 hours passed.
func TimeTicks(since, until time.Time, loc *time.Location) []TimeTick {
	span := until.Sub(since)
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if span/s <= maxTimeTicks {
			step = s
			break
		}
	}
	const day = 24 * time.Hour
	from := since.In(loc)
	midnight := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	var (
		ticks []TimeTick
		prev  time.Time
	)
	for i := 0; i < 1000; i++ {
		var t time.Time
		if step >= day {
			t = midnight.AddDate(0, 0, i*int(step/day))
		} else {
			// Minutes past midnight, on the wall clock: time.Date
			// normalises them to that day's local time.
			t = time.Date(midnight.Year(), midnight.Month(), midnight.Day(), 0, i*int(step/time.Minute), 0, 0, loc)
		}
		if t.After(until) {
			break
		}
		// A time the clocks skipped comes back as the next one: skip it.
		if t.Before(since) || !t.After(prev) {
			continue
		}
		tick := TimeTick{Time: t}
		first := len(ticks) == 0
		switch {
		case step < day:
			tick.Label = t.Format("15:04")
			if first || t.Day() != prev.Day() {
				tick.Date = t.Format("Jan 2")
			}
		case step == day:
			tick.Label = t.Format("Mon 2")
			if first || t.Month() != prev.Month() {
				tick.Date = t.Format("Jan")
			}
		default:
			tick.Label = t.Format("Jan 2")
		}
		ticks = append(ticks, tick)
		prev = t
	}
	return ticks
}
