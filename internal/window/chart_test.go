package window

import (
	"slices"
	"testing"
	"time"
)

func TestNiceMax(t *testing.T) {
	for _, tt := range []struct {
		v     float64
		max   float64
		ticks []float64
	}{
		{420, 500, []float64{0, 100, 200, 300, 400, 500}},
		{525, 600, []float64{0, 100, 200, 300, 400, 500, 600}},
		{1000, 1000, []float64{0, 200, 400, 600, 800, 1000}},
		{12000, 12000, []float64{0, 2000, 4000, 6000, 8000, 10000, 12000}},
		{0, 1, []float64{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}},
	} {
		m, ticks := niceMax(tt.v)
		if m != tt.max || !slices.Equal(ticks, tt.ticks) {
			t.Errorf("niceMax(%v) = %v, %v; want %v, %v", tt.v, m, ticks, tt.max, tt.ticks)
		}
	}
}

func TestTimeTicks(t *testing.T) {
	end := time.Date(2026, 11, 20, 14, 5, 0, 0, time.UTC)
	var day []string
	for _, tk := range timeTicks(end.Add(-24*time.Hour), end, time.UTC) {
		day = append(day, tk.label)
	}
	if want := []string{"15:00", "18:00", "21:00", "00:00", "03:00", "06:00", "09:00", "12:00"}; !slices.Equal(day, want) {
		t.Errorf("ticks of a day = %v, want %v", day, want)
	}
	var week []string
	for _, tk := range timeTicks(end.Add(-7*24*time.Hour), end, time.UTC) {
		week = append(week, tk.label)
	}
	if want := []string{"Sat 14", "Sun 15", "Mon 16", "Tue 17", "Wed 18", "Thu 19", "Fri 20"}; !slices.Equal(week, want) {
		t.Errorf("ticks of a week = %v, want %v", week, want)
	}
}
