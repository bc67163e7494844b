// Package config reads Helio's configuration file,
// $XDG_CONFIG_HOME/helio/config.toml (~/.config/helio/config.toml by
// default). The file is TOML, read strictly: a key Helio does not know, a
// value of the wrong type or out of range is an [*Error] that names the file
// and the key, and the line and column where the TOML decoder gives them (it
// does for syntax, unknown keys and most type errors, not for a value out of
// range). A missing file is not an error: every setting has a default, and a
// file need only hold what it changes.
//
// The whole file with its defaults:
//
//	[light]              # the K750 solar keyboard's light reports
//	interval = "10m"     # how often to ask for one (at least 1m)
//	reports = 1          # reports per request, one second apart (1-255)
//	on_button = true     # also ask when the keyboard's light button is pressed (see monitor.hold_open)
//
//	[thresholds]         # when to alert, in percent of charge
//	low = 20
//	critical = 5         # below low, while both alerts are on
//	hysteresis = 3       # points above a threshold before it can alert again
//	dark_after = "2h"    # a solar keyboard this long without light alerts
//
//	[notifications]      # each kind of alert on or off
//	low = true
//	critical = true
//	dark = true
//
//	[history]
//	enabled = true
//	full = "7d"          # (168h) how long every reading is kept
//	keep = "365d"        # (8760h) how long a thinned history is kept, at least full
//	path = ""            # the database; empty: $XDG_STATE_HOME/helio/history.db
//
//	[monitor]
//	poll = "5m"          # reading period of devices that cannot notify (at least 1m)
//	poll_max = "1h"      # the most that period grows to while a device sleeps
//	hold_open = false    # keep receivers open even where the kernel watches their devices
//
//	[metrics]            # Prometheus; both off unless set
//	listen = ""          # serve /metrics here: "127.0.0.1:9479", or ":9479" for the same
//	textfile = ""        # keep helio.prom current in node_exporter's textfile directory
//
// Durations are Go duration strings ("90s", "10m", "1h30m"), and "d" counts
// days of 24 hours ("7d"); see [Duration].
//
// The file must be a regular file (a symbolic link to one is fine) of at
// most 1 MiB: Load refuses a named pipe, a device or a directory at the
// path rather than wait on it or read it without end.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Config is the whole configuration. Start from [Default]; [Load] returns
// the defaults overlaid with what the file sets.
type Config struct {
	Light Light `toml:"light"`
	// Alerts holds the thresholds and notifications tables. It is
	// embedded, so c.Thresholds and c.Notifications name them, and the
	// TOML decoder reads its fields as tables of the file's top level.
	Alerts
	History History `toml:"history"`
	Monitor Monitor `toml:"monitor"`
	Metrics Metrics `toml:"metrics"`
}

// Light schedules a solar keyboard's light reports: the K750 says its charge
// and its lux only when asked (or when its light button is pressed).
type Light struct {
	// Interval is how often a solar keyboard is asked for a light report.
	Interval Duration `toml:"interval"`
	// Reports is how many reports each request asks for, one second apart.
	Reports int `toml:"reports"`
	// OnButton asks for a report when the keyboard's light button is
	// pressed, as Logitech's Solar App did.
	OnButton bool `toml:"on_button"`
}

// Alerts are the rules of Helio's desktop alerts, the file's thresholds
// and notifications tables. The notify package's Watcher follows them as
// they are, and [Alerts.Validate] is their one check.
type Alerts struct {
	Thresholds    Thresholds    `toml:"thresholds"`
	Notifications Notifications `toml:"notifications"`
}

// Thresholds say when a battery alert fires.
type Thresholds struct {
	// Low and Critical are percentages: an alert fires when a battery falls
	// to one of them or below. Critical is below Low while both alerts are
	// on; see [Alerts.Validate].
	Low      int `toml:"low"`
	Critical int `toml:"critical"`
	// Hysteresis is how many points above a threshold a battery must rise
	// before that threshold alerts again.
	Hysteresis int `toml:"hysteresis"`
	// DarkAfter is how long a solar keyboard may see too little light to
	// charge before the dark alert.
	DarkAfter Duration `toml:"dark_after"`
}

// Notifications switches each kind of desktop notification on or off.
type Notifications struct {
	Low      bool `toml:"low"`      // the battery fell to Thresholds.Low
	Critical bool `toml:"critical"` // the battery fell to Thresholds.Critical
	Dark     bool `toml:"dark"`     // a solar keyboard has been in the dark for Thresholds.DarkAfter
}

// History says whether and how long readings are kept on disk.
type History struct {
	Enabled bool `toml:"enabled"`
	// Full is how long every reading is kept; older ones are thinned.
	Full Duration `toml:"full"`
	// Keep is how long the thinned history is kept; older is deleted.
	Keep Duration `toml:"keep"`
	// Path is the history database file. Empty means the history
	// package's default, $XDG_STATE_HOME/helio/history.db
	// (~/.local/state/helio/history.db). When set it is an absolute path.
	Path string `toml:"path"`
}

// Monitor tunes the background reading of devices.
type Monitor struct {
	// Poll is the period at which devices that cannot report battery
	// changes themselves are read.
	Poll Duration `toml:"poll"`
	// PollMax is the most Poll grows to, doubling, while such a device
	// sleeps.
	PollMax Duration `toml:"poll_max"`
	// HoldOpen keeps every receiver open. By default a receiver whose
	// devices the kernel's drivers watch is opened only to ask, on the
	// kernel's cue, so typing and mouse movements cost Helio nothing; a
	// K750's light button then brings a light reading only when the
	// kernel's figure changes with it.
	HoldOpen bool `toml:"hold_open"`
}

// Metrics says how the resident process (the tray, "helio export") gives
// the devices' figures to Prometheus. Both are off by default: a desktop
// needs neither.
type Metrics struct {
	// Listen is the address /metrics is served on: HOST:PORT, or :PORT
	// (or PORT) for the loopback, 127.0.0.1, alone. A host beyond the
	// loopback ("0.0.0.0:9479") lets other machines read the devices'
	// names, serials and batteries, so it is never the default. Empty
	// serves nothing.
	Listen string `toml:"listen"`
	// Textfile is node_exporter's textfile directory (its
	// --collector.textfile.directory), in which helio.prom is kept
	// current, for machines that run no other listener. Empty keeps no
	// file; when set, an absolute path.
	Textfile string `toml:"textfile"`
}

// Default returns the configuration used when the file sets nothing.
func Default() Config {
	return Config{
		Light: Light{Interval: Dur(10 * time.Minute), Reports: 1, OnButton: true},
		Alerts: Alerts{
			Thresholds:    Thresholds{Low: 20, Critical: 5, Hysteresis: 3, DarkAfter: Dur(2 * time.Hour)},
			Notifications: Notifications{Low: true, Critical: true, Dark: true},
		},
		History: History{Enabled: true, Full: Dur(7 * day), Keep: Dur(365 * day)},
		Monitor: Monitor{Poll: Dur(5 * time.Minute), PollMax: Dur(time.Hour)},
	}
}

// DefaultPath is where Helio looks for its config file:
// $XDG_CONFIG_HOME/helio/config.toml, or ~/.config/helio/config.toml when
// XDG_CONFIG_HOME is unset. It fails only when neither XDG_CONFIG_HOME nor
// HOME gives an absolute directory.
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("config: no config directory: %w", err)
	}
	return filepath.Join(dir, "helio", "config.toml"), nil
}

// Load reads the config file at path over [Default]. A missing file gives
// the defaults and no error. Anything else wrong with the file (it cannot be
// read, is not a regular file or is larger than 1 MiB, is not TOML, has a
// key Helio does not know, a value of the wrong type or out of range) is an
// [*Error] naming the file and the key, and the line and column where the
// TOML decoder gives them; with the error, Load returns the defaults.
func Load(path string) (Config, error) {
	doc, err := read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), nil
	}
	if err != nil {
		return Default(), err
	}
	c, e := parse(doc)
	if e != nil {
		e.File = path
		return Default(), e
	}
	return c, nil
}

// parse reads doc over [Default] and checks the result.
func parse(doc []byte) (Config, *Error) {
	c := Default()
	if e := decode(doc, &c); e != nil {
		return Config{}, e
	}
	if e := c.check(); e != nil {
		return Config{}, e
	}
	return c, nil
}
