package resident

import (
	"testing"
	"time"

	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/notify"
)

func TestAlertThresholds(t *testing.T) {
	if got := alertThresholds(config.Default()); got != notify.DefaultThresholds {
		t.Errorf("alertThresholds(config.Default()) = %+v, want notify.DefaultThresholds %+v", got, notify.DefaultThresholds)
	}
	c := config.Default()
	c.Thresholds = config.Thresholds{Low: 30, Critical: 8, Hysteresis: 5, DarkAfter: config.Dur(90 * time.Minute)}
	c.Notifications = config.Notifications{Low: false, Critical: true, Dark: false}
	want := notify.Thresholds{Low: 30, Critical: 8, Hysteresis: 5, DarkAfter: 90 * time.Minute, CriticalOn: true}
	if got := alertThresholds(c); got != want {
		t.Errorf("alertThresholds(%+v) = %+v, want %+v", c, got, want)
	}
}
