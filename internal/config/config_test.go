package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// write puts doc in a config.toml under a fresh directory and returns its path.
func write(t *testing.T, doc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefault(t *testing.T) {
	c := Default()
	want := Config{
		Light: Light{Interval: Dur(10 * time.Minute), Reports: 1, OnButton: true},
		Alerts: Alerts{
			Thresholds:    Thresholds{Low: 20, Critical: 5, Hysteresis: 3, DarkAfter: Dur(2 * time.Hour)},
			Notifications: Notifications{Low: true, Critical: true, Dark: true},
		},
		History: History{Enabled: true, Full: Dur(168 * time.Hour), Keep: Dur(8760 * time.Hour), Path: ""},
		Monitor: Monitor{Poll: Dur(5 * time.Minute), PollMax: Dur(time.Hour)},
	}
	if c != want {
		t.Errorf("Default() = %+v, want %+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
}

func TestLoad_Valid(t *testing.T) {
	full := Config{
		Light: Light{Interval: Dur(30 * time.Minute), Reports: 3, OnButton: false},
		Alerts: Alerts{
			Thresholds:    Thresholds{Low: 30, Critical: 10, Hysteresis: 5, DarkAfter: Dur(36 * time.Hour)},
			Notifications: Notifications{Low: false, Critical: true, Dark: false},
		},
		History: History{Enabled: false, Full: Dur(14 * 24 * time.Hour), Keep: Dur(90 * 24 * time.Hour), Path: "/var/tmp/helio.db"},
		Monitor: Monitor{Poll: Dur(90 * time.Second), PollMax: Dur(3 * time.Hour), HoldOpen: true},
		Metrics: Metrics{Listen: "127.0.0.1:9479", Textfile: "/var/lib/prometheus/node-exporter"},
	}
	lowOff := Default()
	lowOff.Notifications.Low, lowOff.Thresholds.Critical = false, 50
	partial := Default()
	partial.Thresholds.Low, partial.Notifications.Dark, partial.Monitor.Poll = 25, false, Dur(2*time.Minute)
	for _, tt := range []struct {
		name, doc string
		want      Config
	}{
		{"empty file", "", Default()},
		{"comments only", "# nothing set\n\n# still nothing\n", Default()},
		{"full", `# every key
[light]
interval = "30m"
reports = 3
on_button = false

[thresholds]
low = 30
critical = 10
hysteresis = 5
dark_after = "1d12h"

[notifications]
low = false
critical = true
dark = false

[history]
enabled = false
full = "14d"
keep = "2160h"
path = "/var/tmp/helio.db"

[monitor]
poll = "90s"
poll_max = "3h"
hold_open = true

[metrics]
listen = "127.0.0.1:9479"
textfile = "/var/lib/prometheus/node-exporter"
`, full},
		{"critical above low with the low alert off", "notifications.low = false\nthresholds.critical = 50\n", lowOff},
		{"partial, dotted and inline", `thresholds.low = 25
notifications = { dark = false }
[monitor]
poll = "2m"
`, partial},
	} {
		got, err := Load(write(t, tt.doc))
		if err != nil {
			t.Errorf("%s: Load = %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: Load = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestLoad_Missing(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "helio", "config.toml"))
	if err != nil || c != Default() {
		t.Errorf("Load(missing) = %+v, %v; want Default(), nil", c, err)
	}
}

// TestLoad_Errors: every kind of error, with the exact file:line:col, key and
// message.
func TestLoad_Errors(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		want      string // Error() after "config FILE"
		line      int
		key       string
	}{
		{"syntax", "[light]\ninterval = \"10m\"\n[thresholds\nlow = 3\n", ":3:12: expected ']' to close table name", 3, ""},
		{"binary garbage", "\x00\x01\xff\xfe\x7fELF\x02\x01", ":1:1: invalid character at start of key: U+0000", 1, ""},
		{"unknown key", "[light]\ninterval = \"10m\"\n\n[thresholds]\nlow = 20\nlowest = 3\n", ":6:1: thresholds.lowest: unknown key", 6, "thresholds.lowest"},
		{"unknown table", "[light]\nreports = 2\n\n[colors]\nbg = \"red\"\n", ":4:2: colors: unknown table", 4, "colors"},
		{"unknown top-level key", "verbose = true\n", ":1:1: verbose: unknown key", 1, "verbose"},
		{"string for int", "[thresholds]\nlow = \"20\"\n", ":2:7: thresholds.low: want an integer, got a TOML string", 2, "thresholds.low"},
		{"int for bool", "[notifications]\n\ndark = 1\n", ":3:8: notifications.dark: want true or false, got a TOML integer", 3, "notifications.dark"},
		{"float for int", "light.reports = 1.5\n", ":1:17: light.reports: want an integer, got a TOML float", 1, "light.reports"},
		{"int for duration", "[light]\ninterval = 600\n", ": light.interval: want a duration string such as \"10m\" or \"7d\", got a TOML integer", 0, "light.interval"},
		{"table for duration", "[light.interval]\nminutes = 10\n", ":2:1: light.interval: want a duration string such as \"10m\" or \"7d\", got a TOML table", 2, "light.interval"},
		{"array for duration", "[light]\ninterval = [\"1m\"]\n", ":2:12: light.interval: want a duration string such as \"10m\" or \"7d\", got a TOML array", 2, "light.interval"},
		{"int for table", "\nlight = 3\n", ":2:9: light: want a table, got a TOML integer", 2, "light"},
		{"invalid UTF-8", "[history]\npath = \"/tmp/\xff\"\n", ":2:14: invalid UTF-8 character in basic string", 2, ""},
		{"int for path", "[history]\npath = 3\n", ":2:8: history.path: want a string, got a TOML integer", 2, "history.path"},
		{"bad duration", "[monitor]\npoll = \"5 minutes\"\n", ":2:8: monitor.poll: \"5 minutes\" is not a duration; write it like \"90s\", \"10m\", \"2h\" or \"7d\"", 2, "monitor.poll"},
		{"duration without unit", "[history]\nkeep = \"30\"\n", ":2:8: history.keep: \"30\" is not a duration; write it like \"90s\", \"10m\", \"2h\" or \"7d\"", 2, "history.keep"},
		{"critical not below low", "[light]\nreports = 1\n\n[thresholds]\nlow = 20\n\ncritical = 20\n", ": thresholds.critical: must be below thresholds.low (20)", 0, "thresholds.critical"},
		{"low below default critical", "[thresholds]\n  low = 4\n", ": thresholds.low: must be above thresholds.critical (5)", 0, "thresholds.low"},
		{"critical in inline table", "thresholds = { low = 10, critical = 50 }\n", ": thresholds.critical: must be below thresholds.low (10)", 0, "thresholds.critical"},
		{"low over 100", "[thresholds]\nlow = 120\n", ": thresholds.low: must be between 0 and 100, got 120", 0, "thresholds.low"},
		{"negative hysteresis", "thresholds.hysteresis = -1\n", ": thresholds.hysteresis: must be between 0 and 100, got -1", 0, "thresholds.hysteresis"},
		{"interval under a minute", "[light]\ninterval = \"30s\"\n", ": light.interval: must be at least 1m, got 30s", 0, "light.interval"},
		{"no reports", "[light]\nreports = 0\n", ": light.reports: must be between 1 and 255, got 0", 0, "light.reports"},
		{"negative dark_after", "[thresholds]\ndark_after = \"-2h\"\n", ": thresholds.dark_after: must not be negative, got -2h", 0, "thresholds.dark_after"},
		{"negative keep", "[history]\nfull = \"0\"\nkeep = \"-1d\"\n", ": history.keep: must not be negative, got -1d", 0, "history.keep"},
		{"full longer than default keep", "[history]\nfull = \"400d\"\n", ": history.full: must not be longer than history.keep (365d)", 0, "history.full"},
		{"keep shorter than default full", "[history]\nkeep = \"1d\"\n", ": history.keep: must not be shorter than history.full (7d)", 0, "history.keep"},
		{"relative history path", "[history]\npath = \"helio/history\"\n", ": history.path: must be an absolute path, got \"helio/history\"", 0, "history.path"},
		{"negative poll", "[monitor]\npoll = \"-5m\"\n", ": monitor.poll: must be at least 1m, got -5m", 0, "monitor.poll"},
		{"poll_max below poll", "[monitor]\npoll = \"2h\"\n", ": monitor.poll: must not be longer than monitor.poll_max (1h)", 0, "monitor.poll"},
		{"first problem in the documented order", "[light]\ninterval = \"1s\"\n[monitor]\npoll = \"1s\"\n", ": light.interval: must be at least 1m, got 1s", 0, "light.interval"},
		{"duplicate key", "[light]\nreports = 1\nreports = 2\n", ":3:1: reports: key reports is already defined", 3, "reports"},
		{"duplicate quoted dotted key", "light.reports = 1\n\"light\".reports = 2\n", ":2:1: light.reports: key reports is already defined", 2, "light.reports"},
		{"float for duration", "light = { interval = 1.5 }\n", ": light.interval: want a duration string such as \"10m\" or \"7d\", got a TOML float", 0, "light.interval"},
		{"boolean for duration", "[monitor]\npoll_max = false\n", ": monitor.poll_max: want a duration string such as \"10m\" or \"7d\", got a TOML boolean", 0, "monitor.poll_max"},
		{"key under a duration", "history.keep.days = 30\n", ":1:1: history.keep: want a duration string such as \"10m\" or \"7d\", got a TOML table", 1, "history.keep"},
		{"date for int", "[thresholds]\nlow = 1979-05-27\n", ":2:7: thresholds.low: want an integer, got a TOML local date", 2, "thresholds.low"},
		{"string for bool", "[history]\nenabled = 'yes'\n", ":2:11: history.enabled: want true or false, got a TOML string", 2, "history.enabled"},
		{"unknown dotted table", "[light.colors]\n", ":1:2: light.colors: unknown table", 1, "light.colors"},
		{"metrics address without a port", "[metrics]\nlisten = \"localhost\"\n", ": metrics.listen: want HOST:PORT, :PORT or PORT with a port from 1 to 65535, got \"localhost\"", 0, "metrics.listen"},
		{"metrics address as a URL", "[metrics]\nlisten = \"http://127.0.0.1:9479/metrics\"\n", ": metrics.listen: want HOST:PORT, :PORT or PORT, got \"http://127.0.0.1:9479/metrics\"", 0, "metrics.listen"},
		{"metrics port 0", "[metrics]\nlisten = \":0\"\n", ": metrics.listen: want HOST:PORT, :PORT or PORT with a port from 1 to 65535, got \":0\"", 0, "metrics.listen"},
		{"metrics port too large", "[metrics]\nlisten = \"[::1]:65536\"\n", ": metrics.listen: want HOST:PORT, :PORT or PORT with a port from 1 to 65535, got \"[::1]:65536\"", 0, "metrics.listen"},
		{"int for metrics address", "[metrics]\nlisten = 9479\n", ":2:10: metrics.listen: want a string, got a TOML integer", 2, "metrics.listen"},
		{"relative textfile directory", "[metrics]\ntextfile = \"prom\"\n", ": metrics.textfile: must be an absolute path, got \"prom\"", 0, "metrics.textfile"},
	} {
		path := write(t, tt.doc)
		c, err := Load(path)
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%s: Load = %v (%T), want *Error", tt.name, err, err)
			continue
		}
		if got, want := err.Error(), "config "+path+tt.want; got != want {
			t.Errorf("%s: Load error\n got %s\nwant %s", tt.name, got, want)
		}
		if ce.File != path || ce.Line != tt.line || ce.Key != tt.key {
			t.Errorf("%s: Error{File %q, Line %d, Key %q}, want {%q, %d, %q}", tt.name, ce.File, ce.Line, ce.Key, path, tt.line, tt.key)
		}
		if c != Default() {
			t.Errorf("%s: Load returned %+v with its error, want Default()", tt.name, c)
		}
	}
}

// TestMarshal_RoundTrip: a config written with go-toml reads back the same,
// durations included.
func TestMarshal_RoundTrip(t *testing.T) {
	c := Default()
	c.Light.Interval, c.History.Path, c.Thresholds.DarkAfter = Dur(90*time.Second), "/tmp/h", Dur(36*time.Hour)
	b, err := toml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(write(t, string(b)))
	if err != nil || got != c {
		t.Errorf("round trip of\n%s= %+v, %v; want %+v", b, got, err, c)
	}
	for _, s := range []string{`interval = '1m30s'`, `full = '7d'`, `dark_after = '36h'`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("marshalled config lacks %s:\n%s", s, b)
		}
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/home/u/.cfg")
	if p, err := DefaultPath(); err != nil || p != "/home/u/.cfg/helio/config.toml" {
		t.Errorf("DefaultPath() = %q, %v", p, err)
	}
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", "/home/u")
	if p, err := DefaultPath(); err != nil || p != "/home/u/.config/helio/config.toml" {
		t.Errorf("DefaultPath() without XDG_CONFIG_HOME = %q, %v", p, err)
	}
	t.Setenv("HOME", "")
	if p, err := DefaultPath(); err == nil {
		t.Errorf("DefaultPath() without HOME = %q, want an error", p)
	}
}

// TestConfig_Tags: every field has a toml tag in snake_case, so the file's
// names are the documented ones.
func TestConfig_Tags(t *testing.T) {
	var walk func(reflect.Type, string)
	walk = func(rt reflect.Type, prefix string) {
		for i := range rt.NumField() {
			f := rt.Field(i)
			if f.Anonymous { // flattened: its fields are top-level tables
				walk(f.Type, prefix)
				continue
			}
			tag := f.Tag.Get("toml")
			if tag == "" || tag != strings.ToLower(tag) {
				t.Errorf("%s%s has toml tag %q", prefix, f.Name, tag)
			}
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[Duration]() {
				walk(f.Type, prefix+f.Name+".")
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
}
