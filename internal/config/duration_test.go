package config

import (
	"fmt"
	"testing"
	"time"
)

func TestDuration_UnmarshalText(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"90s", 90 * time.Second},
		{"10m", 10 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{"7d", 168 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"1.5d", 36 * time.Hour},
		{"12h1d", 36 * time.Hour},
		{"365d", 8760 * time.Hour},
		{"-2d", -48 * time.Hour},
		{"+1d", 24 * time.Hour},
		{"250ms", 250 * time.Millisecond},
		{"0.1d", 144 * time.Minute},
		{"1d1d", 48 * time.Hour},
	} {
		var d Duration
		if err := d.UnmarshalText([]byte(tt.in)); err != nil || d.Duration != tt.want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", tt.in, d.Duration, err, tt.want)
		}
	}
	for _, in := range []string{"", "d", "dd", "10", "1x", "5 m", "1..5d", "-", "1d-2h", "5md", "1e3d", "1d2", "300000000d", "100000d100000d"} {
		var d Duration
		want := fmt.Sprintf(`%q is not a duration; write it like "90s", "10m", "2h" or "7d"`, in)
		if err := d.UnmarshalText([]byte(in)); err == nil || err.Error() != want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %s", in, d.Duration, err, want)
		}
	}
}

func TestDuration_String(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{90 * time.Second, "1m30s"},
		{10 * time.Minute, "10m"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{36 * time.Hour, "36h"},
		{168 * time.Hour, "7d"},
		{-2 * time.Hour, "-2h"},
		{-24 * time.Hour, "-1d"},
		{500 * time.Millisecond, "500ms"},
	} {
		if got := Dur(tt.d).String(); got != tt.want {
			t.Errorf("Dur(%v).String() = %q, want %q", tt.d, got, tt.want)
		}
		var back Duration
		if err := back.UnmarshalText([]byte(Dur(tt.d).String())); err != nil || back.Duration != tt.d {
			t.Errorf("String of %v does not read back: %v, %v", tt.d, back.Duration, err)
		}
	}
}
