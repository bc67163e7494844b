package history

import (
	"time"

	"github.com/helio-linux/helio/hidpp"
)

// Step is a figure that held from Time until the next Step of its
// Segment, or the Segment's End.
type Step struct {
	Time  time.Time
	Value int
}

// Segment is a stretch of time over which a figure was known, as steps.
// Nothing is known between two segments: the device was offline, or did
// not say.
type Segment struct {
	Steps []Step // at least one
	// End is when the figure stopped being known: the time of the sample
	// that made it unknown, or the end of the range for a figure known to
	// the last.
	End time.Time
}

// Series is what a chart shows of a device over a range: its charge and
// light as step segments. Front ends draw it; they need not know how the
// history stores it.
type Series struct {
	Charge []Segment // Sample.Percent, 0..100
	Lux    []Segment // Sample.Lux
	// MaxLux is the brightest light of Lux; -1 when Lux is empty.
	MaxLux int
	// LevelsOnly says the device told its battery as a level ("good",
	// "low") but never as a percentage over the range: it has no charge to
	// chart, and front ends say why it is left out.
	LevelsOnly bool
}

// SeriesOf turns a device's samples, oldest first (as [Store.Span] returns
// them), into the figures that held from since to until.
//
// The history keeps a row per change, so the last sample before since
// gives the figures that held at since: a charge stored at 07:00 still
// holds at 08:00 when the range starts then, and its segment starts at
// since. A figure is known while the device is online and reports it; a
// sample where it is not ends its segment there, and a figure still known
// at the last sample holds until until. Samples after until are ignored.
func SeriesOf(samples []Sample, since, until time.Time) Series {
	s := Series{
		Charge: segments(samples, since, until, func(x Sample) (int, bool) { return x.Percent, x.Online && x.Percent >= 0 }),
		Lux:    segments(samples, since, until, func(x Sample) (int, bool) { return x.Lux, x.Online && x.Lux >= 0 }),
		MaxLux: -1,
	}
	for _, seg := range s.Lux {
		for _, st := range seg.Steps {
			s.MaxLux = max(s.MaxLux, st.Value)
		}
	}
	if len(s.Charge) == 0 {
		for i, x := range samples {
			if x.Time.After(until) {
				break
			}
			held := !x.Time.Before(since) || i+1 == len(samples) || samples[i+1].Time.After(since)
			if held && x.Level != hidpp.LevelUnknown && x.Percent < 0 {
				s.LevelsOnly = true
				break
			}
		}
	}
	return s
}

// segments returns the step segments of the figure value gives.
func segments(samples []Sample, since, until time.Time, value func(Sample) (int, bool)) []Segment {
	var (
		segs  []Segment
		cur   []Step
		carry *Step // the figure that held at since
	)
	for _, x := range samples {
		v, ok := value(x)
		if x.Time.Before(since) {
			carry = nil
			if ok {
				carry = &Step{since, v}
			}
			continue
		}
		if x.Time.After(until) {
			break
		}
		if carry != nil {
			if x.Time.After(since) { // else x itself says what held at since
				cur = append(cur, *carry)
			}
			carry = nil
		}
		switch {
		case ok:
			cur = append(cur, Step{x.Time, v})
		case len(cur) > 0:
			segs, cur = append(segs, Segment{Steps: cur, End: x.Time}), nil
		}
	}
	if carry != nil {
		cur = append(cur, *carry)
	}
	if len(cur) > 0 {
		segs = append(segs, Segment{Steps: cur, End: until})
	}
	return segs
}
