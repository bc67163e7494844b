package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/helio-linux/helio/internal/escape"
)

// Duration is a length of time in the config file, written as a Go duration
// string ("90s", "10m", "1h30m") or with a "d" unit for days of 24 hours
// ("7d", "1d12h", "1.5d"); see [ParseDuration]. A bare number is not a
// duration: the file must say its unit.
//
// It is a struct rather than a named time.Duration so that the TOML decoder
// does not store an integer ("interval = 10") as nanoseconds. The embedded
// time.Duration is the value; its methods (Minutes, Hours, ...) are
// promoted.
type Duration struct {
	time.Duration `toml:"-"`
}

// Dur wraps d as a [Duration].
func Dur(d time.Duration) Duration { return Duration{d} }

// day is the length of the "d" unit.
const day = 24 * time.Hour

// UnmarshalText implements encoding.TextUnmarshaler with [ParseDuration].
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := ParseDuration(string(text))
	if err != nil {
		return &valueError{at: d, text: string(text), err: err}
	}
	d.Duration = v
	return nil
}

// valueError is [Duration.UnmarshalText]'s error. The TOML decoder puts the
// key and position on it for a string; but it also hands UnmarshalText the
// text of an integer, float or boolean, and then returns the error as it
// is. at tells [Load] which setting that was.
type valueError struct {
	at   *Duration
	text string
	err  error
}

func (e *valueError) Error() string { return e.err.Error() }
func (e *valueError) Unwrap() error { return e.err }

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
// hours, which may stand anywhere a Go unit may: "7d", "1.5d", "1d12h",
// "-2d". As for time.ParseDuration, every number needs a unit except a
// lone "0", and a sign may only lead. The command line takes durations the
// same way.
func ParseDuration(s string) (time.Duration, error) {
	// No Go unit has a "d", so each one ends a number of days. Each such
	// number is written again as nanoseconds, for time.ParseDuration to
	// check the whole string as it checks its own.
	var goForm strings.Builder
	rest := s
	for {
		i := strings.IndexByte(rest, 'd')
		if i < 0 {
			break
		}
		j := i
		for j > 0 && (rest[j-1] == '.' || '0' <= rest[j-1] && rest[j-1] <= '9') {
			j--
		}
		// As hours, so that "1.5d" is exact: float days would round.
		h, err := time.ParseDuration(rest[j:i] + "h")
		if err != nil || h > math.MaxInt64/24 {
			return 0, badDuration(s)
		}
		goForm.WriteString(rest[:j] + strconv.FormatInt(int64(24*h), 10) + "ns")
		rest = rest[i+1:]
	}
	goForm.WriteString(rest)
	d, err := time.ParseDuration(goForm.String())
	if err != nil {
		return 0, badDuration(s)
	}
	return d, nil
}

// badDuration says s is not a duration. It does not pass on
// time.ParseDuration's reason, which would quote the string with its days
// rewritten.
func badDuration(s string) error {
	return fmt.Errorf("%s is not a duration; write it like \"90s\", \"10m\", \"2h\" or \"7d\"", escape.Quote(s))
}
