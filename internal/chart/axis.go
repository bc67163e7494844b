package chart

import (
	"math"
	"strconv"
	"strings"
)

// PercentAxis is the value axis of a percentage: 0 to 100 in quarters,
// which read at a glance ("a quarter left").
func PercentAxis() (top float64, ticks []float64) {
	return 100, []float64{0, 25, 50, 75, 100}
}

// NiceAxis is a value axis from 0 that shows values up to v: its top, a
// round number at or above v, and the ticks from 0 to it. The step between
// ticks is 1, 2, 2.5 or 5 times a power of ten, the smallest that needs
// at most 6 of them.
func NiceAxis(v float64) (top float64, ticks []float64) {
	if !(v > 0) || math.IsInf(v, 1) {
		v = 1
	}
	e := int(math.Floor(math.Log10(v / 6)))
	mult := 10.0
	for _, m := range []float64{1, 2, 2.5, 5} {
		if v/(m*math.Pow10(e)) <= 6 {
			mult = m
			break
		}
	}
	// i*mult scaled by an exact power of ten, so that 0.6 prints as
	// 0.6 and not 0.6000000000000001.
	at := func(i int) float64 {
		if e < 0 {
			return float64(i) * mult / math.Pow10(-e)
		}
		return float64(i) * mult * math.Pow10(e)
	}
	n := int(math.Ceil(v/at(1) - 1e-9))
	ticks = make([]float64, 0, n+1)
	for i := 0; i <= n; i++ {
		ticks = append(ticks, at(i))
	}
	return ticks[n], ticks
}

// LuxAxis is the value axis of a light panel: it shows the brightest
// reading, and the charging threshold half way up or lower, with a little
// room above either so that a line at the top stays visible.
func LuxAxis(maxLux, threshold float64) (top float64, ticks []float64) {
	return NiceAxis(max(maxLux, 2*threshold) * 1.05)
}

// formatTicks prints the values of an axis with the same number of
// decimals, as many as the finest of them needs: "0.0 0.5 1.0", "0 25 50".
func formatTicks(ticks []float64) []string {
	dec := 0
	for _, v := range ticks {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if i := strings.IndexByte(s, '.'); i >= 0 {
			dec = max(dec, len(s)-i-1)
		}
	}
	out := make([]string, len(ticks))
	for i, v := range ticks {
		out[i] = strconv.FormatFloat(v, 'f', dec, 64)
	}
	return out
}
