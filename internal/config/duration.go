package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a length of time in the config file, written as a Go duration
// string ("90s", "10m", "1h30m") or with a "d" unit for days of 24 hours
// ("7d", "1d12h", "1.5d"). A bare number is not a duration: the file must
// say its unit.
//
// It is a struct rather than a named time.Duration so that the TOML decoder
// rejects an integer ("interval = 10") instead of reading it as nanoseconds.
// The embedded time.Duration is the value; its methods (Minutes, Hours, ...)
// are promoted.
type Duration struct {
	time.Duration `toml:"-"`
}

// Dur wraps d as a [Duration].
func Dur(d time.Duration) Duration { return Duration{d} }

// day is the length of the "d" unit.
const day = 24 * time.Hour

// UnmarshalText implements encoding.TextUnmarshaler: it parses a Go duration
// string in which "d" (24 hours) may also appear as a unit.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := ParseDuration(string(text))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler with [Duration.String], so a
// marshalled config reads back to the same values.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String writes d as the config file would: whole days as "7d", otherwise
// the Go form without trailing zero units ("10m", "1h30m", "90s").
func (d Duration) String() string {
	v := d.Duration
	if v != 0 && v%day == 0 {
		return strconv.FormatInt(int64(v/day), 10) + "d"
	}
	s := v.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// ParseDuration is time.ParseDuration with one more unit, "d" for 24
// hours: "7d", "1d12h", "90m". Every number needs a unit, except a lone
// "0". The command line takes durations the same way.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	bad := func(why string) (time.Duration, error) {
		return 0, fmt.Errorf("%q is not a duration (%s); write it like \"90s\", \"10m\", \"2h\" or \"7d\"", orig, why)
	}
	if s == "" {
		return bad("empty")
	}
	sign := ""
	if s[0] == '-' || s[0] == '+' {
		sign, s = s[:1], s[1:]
	}
	if s == "" {
		return bad("no number")
	}
	if s == "0" {
		return 0, nil
	}
	var days float64
	var rest strings.Builder
	for s != "" {
		i := 0
		for i < len(s) && (s[i] == '.' || s[i] >= '0' && s[i] <= '9') {
			i++
		}
		if i == 0 {
			return bad("expected a number at " + strconv.Quote(s))
		}
		num := s[:i]
		j := i
		for j < len(s) && s[j] != '.' && (s[j] < '0' || s[j] > '9') {
			j++
		}
		unit := s[i:j]
		if unit == "" {
			return bad("missing unit after " + num)
		}
		if unit == "d" {
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return bad("bad number " + strconv.Quote(num))
			}
			days += f
		} else {
			rest.WriteString(num + unit)
		}
		s = s[j:]
	}
	var total time.Duration
	if rest.Len() > 0 {
		v, err := time.ParseDuration(rest.String())
		if err != nil {
			return bad(strings.TrimPrefix(err.Error(), "time: "))
		}
		total = v
	}
	if days != 0 {
		ns := days * float64(day)
		if ns+float64(total) >= math.MaxInt64 {
			return bad("too long")
		}
		total += time.Duration(math.Round(ns))
	}
	if sign == "-" {
		total = -total
	}
	return total, nil
}
