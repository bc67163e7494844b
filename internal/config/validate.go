package config

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/helio-linux/helio/internal/escape"
)

// minPeriod is the shortest light interval and poll period: asking devices
// more often costs their batteries more than it tells.
const minPeriod = time.Minute

// Validate checks c as [Load] checks a file, for a Config built in code. The
// error is an [*Error] naming the key, without a file or position.
func (c Config) Validate() error {
	if e := c.check(); e != nil {
		return e
	}
	return nil
}

// Validate checks a as [Load] checks the file's thresholds and
// notifications tables: the thresholds and the hysteresis between 0 and
// 100, the dark delay not negative, and Critical strictly below Low while
// both the low and the critical alerts are on. Strictly, because a battery
// falling to a Critical equal to Low gets only the critical alert, which
// says it all: the low one could never fire. With either alert off, the
// other threshold stands alone and the two may come in any order. The
// error is an [*Error] naming the key, without a file or position.
func (a Alerts) Validate() error {
	if e := a.check(); e != nil {
		return e
	}
	return nil
}

// check returns the first problem of c, in the order of the documented
// file, or nil.
//
// A value out of range has no position: the decoder says where a value
// is only when it fails to store it. When two settings disagree, the
// problem is told on the one that no longer has its default, as the file
// (or the settings window) changed that one.
func (c Config) check() *Error {
	var p problems
	p.atLeast("light.interval", c.Light.Interval, minPeriod)
	if r := c.Light.Reports; r < 1 || r > 255 {
		p.add("light.reports", "must be between 1 and 255, got %d", r)
	}
	if p.err == nil {
		p.err = c.Alerts.check()
	}

	h, def := c.History, Default().History
	p.notNegative("history.full", h.Full)
	p.notNegative("history.keep", h.Keep)
	if h.Full.Duration > h.Keep.Duration {
		if h.Full == def.Full && h.Keep != def.Keep {
			p.add("history.keep", "must not be shorter than history.full (%s)", h.Full)
		} else {
			p.add("history.full", "must not be longer than history.keep (%s)", h.Keep)
		}
	}
	if h.Path != "" && !filepath.IsAbs(h.Path) {
		p.add("history.path", "must be an absolute path, got %s", escape.Quote(h.Path))
	}

	mon, defMax := c.Monitor, Default().Monitor.PollMax
	p.atLeast("monitor.poll", mon.Poll, minPeriod)
	if mon.PollMax.Duration < mon.Poll.Duration {
		if mon.PollMax == defMax {
			p.add("monitor.poll", "must not be longer than monitor.poll_max (%s)", mon.PollMax)
		} else {
			p.add("monitor.poll_max", "must not be shorter than monitor.poll (%s)", mon.Poll)
		}
	}

	if err := CheckListen(c.Metrics.Listen); err != nil {
		p.add("metrics.listen", "%v", err)
	}
	if t := c.Metrics.Textfile; t != "" && !filepath.IsAbs(t) {
		p.add("metrics.textfile", "must be an absolute path, got %s", escape.Quote(t))
	}
	return p.err
}

// CheckListen checks a metrics address as the config file's
// metrics.listen and "helio export --metrics" take it: empty, PORT, :PORT
// or HOST:PORT, with a port from 1 to 65535 (by number: a listener needs a
// known one to be scraped). Whether the host is the loopback is for the
// listener to say; a host that does not resolve fails there.
func CheckListen(addr string) error {
	if addr == "" {
		return nil
	}
	port := addr
	if strings.Contains(addr, ":") {
		var err error
		if _, port, err = net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("want HOST:PORT, :PORT or PORT, got %s", escape.Quote(addr))
		}
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return fmt.Errorf("want HOST:PORT, :PORT or PORT with a port from 1 to 65535, got %s", escape.Quote(addr))
	}
	return nil
}

// check returns the first problem of a, or nil.
func (a Alerts) check() *Error {
	var p problems
	t, def := a.Thresholds, Default().Thresholds
	lowOK := p.percent("thresholds.low", t.Low)
	critOK := p.percent("thresholds.critical", t.Critical)
	if lowOK && critOK && a.Notifications.Low && a.Notifications.Critical && t.Critical >= t.Low {
		if t.Critical == def.Critical && t.Low != def.Low {
			p.add("thresholds.low", "must be above thresholds.critical (%d)", t.Critical)
		} else {
			p.add("thresholds.critical", "must be below thresholds.low (%d)", t.Low)
		}
	}
	p.percent("thresholds.hysteresis", t.Hysteresis)
	p.notNegative("thresholds.dark_after", t.DarkAfter)
	return p.err
}

// problems keeps the first problem added.
type problems struct{ err *Error }

func (p *problems) add(key, format string, args ...any) {
	if p.err == nil {
		p.err = &Error{Key: key, Msg: fmt.Sprintf(format, args...)}
	}
}

func (p *problems) atLeast(key string, d Duration, least time.Duration) {
	if d.Duration < least {
		p.add(key, "must be at least %s, got %s", Dur(least), d)
	}
}

func (p *problems) notNegative(key string, d Duration) {
	if d.Duration < 0 {
		p.add(key, "must not be negative, got %s", d)
	}
}

func (p *problems) percent(key string, v int) bool {
	if v < 0 || v > 100 {
		p.add(key, "must be between 0 and 100, got %d", v)
		return false
	}
	return true
}
