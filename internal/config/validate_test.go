package config

import (
	"errors"
	"testing"
	"time"
)

// alerts returns the default alert rules after change.
func alerts(change func(*Alerts)) Alerts {
	a := Default().Alerts
	change(&a)
	return a
}

// TestAlerts_Validate: the one set of rules for the thresholds, which
// Load, Config.Validate and the notifier share.
func TestAlerts_Validate(t *testing.T) {
	for _, tt := range []struct {
		name string
		a    Alerts
		want string // Error(); "" for valid
	}{
		{"defaults", Default().Alerts, ""},
		{"zero value: every alert off", Alerts{}, ""},
		{"low above 100", alerts(func(a *Alerts) { a.Thresholds.Low = 101 }), "config: thresholds.low: must be between 0 and 100, got 101"},
		{"negative low", alerts(func(a *Alerts) { a.Thresholds.Low = -1 }), "config: thresholds.low: must be between 0 and 100, got -1"},
		{"negative critical", alerts(func(a *Alerts) { a.Thresholds.Critical = -1 }), "config: thresholds.critical: must be between 0 and 100, got -1"},
		{"critical above low", alerts(func(a *Alerts) { a.Thresholds.Critical = 30 }), "config: thresholds.critical: must be below thresholds.low (20)"},
		{"critical equal to low", alerts(func(a *Alerts) { a.Thresholds.Critical = 20 }), "config: thresholds.critical: must be below thresholds.low (20)"},
		{"low moved under the default critical", alerts(func(a *Alerts) { a.Thresholds.Low = 5 }), "config: thresholds.low: must be above thresholds.critical (5)"},
		{"both moved", alerts(func(a *Alerts) { a.Thresholds.Low, a.Thresholds.Critical = 10, 15 }), "config: thresholds.critical: must be below thresholds.low (10)"},
		{"critical above low, low alert off", alerts(func(a *Alerts) { a.Thresholds.Critical, a.Notifications.Low = 30, false }), ""},
		{"critical above low, critical alert off", alerts(func(a *Alerts) { a.Thresholds.Critical, a.Notifications.Critical = 30, false }), ""},
		{"negative hysteresis", alerts(func(a *Alerts) { a.Thresholds.Hysteresis = -1 }), "config: thresholds.hysteresis: must be between 0 and 100, got -1"},
		{"hysteresis over 100", alerts(func(a *Alerts) { a.Thresholds.Hysteresis = 101 }), "config: thresholds.hysteresis: must be between 0 and 100, got 101"},
		{"negative dark delay", alerts(func(a *Alerts) { a.Thresholds.DarkAfter = Dur(-time.Second) }), "config: thresholds.dark_after: must not be negative, got -1s"},
	} {
		err := tt.a.Validate()
		var e *Error
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
		case tt.want != "" && (!errors.As(err, &e) || err.Error() != tt.want):
			t.Errorf("%s: Validate() = %v, want *Error %s", tt.name, err, tt.want)
		}
		// A Config checks its alerts by the same rules.
		c := Default()
		c.Alerts = tt.a
		if got := c.Validate(); (got == nil) != (err == nil) || got != nil && got.Error() != err.Error() {
			t.Errorf("%s: Config.Validate() = %v, Alerts.Validate() = %v; want the same", tt.name, got, err)
		}
	}
}

func TestConfig_Validate(t *testing.T) {
	c := Default()
	c.Light.Reports = 0
	c.Thresholds.Critical = 30
	err := c.Validate()
	if want := "config: light.reports: must be between 1 and 255, got 0"; err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want the first problem: %s", err, want)
	}
}

// TestCheckListen: the addresses metrics.listen and "helio export
// --metrics" take, and those they refuse.
func TestCheckListen(t *testing.T) {
	for _, tt := range []struct {
		addr string
		ok   bool
	}{
		{"", true},
		{"9479", true},
		{":9479", true},
		{"127.0.0.1:9479", true},
		{"localhost:9479", true},
		{"[::1]:9479", true},
		{"0.0.0.0:9479", true},
		{"host.example:1", true},
		{":65535", true},
		{":0", false},
		{"0", false},
		{":65536", false},
		{"localhost", false},
		{"::1", false},
		{"[::1]", false},
		{"127.0.0.1:http", false},
		{"127.0.0.1:-1", false},
		{"http://127.0.0.1:9479", false},
		{"127.0.0.1:9479/metrics", false},
	} {
		if err := CheckListen(tt.addr); (err == nil) != tt.ok {
			t.Errorf("CheckListen(%q) = %v, want ok %v", tt.addr, err, tt.ok)
		}
	}
}
