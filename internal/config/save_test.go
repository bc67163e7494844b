package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSave_RoundTrip(t *testing.T) {
	changed := Config{
		Light: Light{Interval: Dur(30 * time.Minute), Reports: 3, OnButton: false},
		Alerts: Alerts{
			Thresholds:    Thresholds{Low: 30, Critical: 10, Hysteresis: 5, DarkAfter: Dur(36 * time.Hour)},
			Notifications: Notifications{Low: false, Critical: true, Dark: false},
		},
		History: History{Enabled: false, Full: Dur(14 * 24 * time.Hour), Keep: Dur(90 * 24 * time.Hour), Path: "/var/tmp/helio \"quoted\".db"},
		Monitor: Monitor{Poll: Dur(90 * time.Second), PollMax: Dur(3 * time.Hour)},
		Metrics: Metrics{Listen: "[::1]:9479", Textfile: "/var/lib/prometheus/node-exporter"},
	}
	odd := Default()
	odd.Light.Interval = Dur(time.Hour + 30*time.Minute + 15*time.Second)
	odd.Thresholds = Thresholds{Low: 100, Critical: 0, Hysteresis: 0, DarkAfter: Dur(0)}
	odd.History.Full, odd.History.Keep = Dur(36*time.Hour), Dur(36*time.Hour)
	odd.History.Path = "/home/ü/état/history.db"
	for _, tt := range []struct {
		name string
		c    Config
	}{
		{"defaults", Default()},
		{"every key changed", changed},
		{"odd durations, extremes and a non-ASCII path", odd},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			if err := Save(path, tt.c); err != nil {
				t.Fatalf("Save = %v", err)
			}
			got, err := Load(path)
			if err != nil {
				t.Fatalf("Load(Save(c)) = %v", err)
			}
			if got != tt.c {
				t.Errorf("Load(Save(c)) = %+v, want %+v", got, tt.c)
			}
		})
	}
}

func TestSave_Content(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	c := Default()
	c.Thresholds.Low = 25
	c.Light.Interval = Dur(15 * time.Minute)
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if !strings.HasPrefix(doc, "# Helio's configuration, written by Helio's settings window.\n") {
		t.Errorf("file starts %q, want the settings window's header", doc[:min(len(doc), 80)])
	}
	for _, want := range []string{"[light]\n", "interval = '15m'\n", "[thresholds]\n", "low = 25\n", "dark_after = '2h'\n",
		"[notifications]\n", "[history]\n", "full = '7d'\n", "keep = '365d'\n", "[monitor]\n", "poll_max = '1h'\n",
		"[metrics]\n", "listen = ''\n"} {
		if !strings.Contains(doc, want) {
			t.Errorf("saved file lacks %q:\n%s", want, doc)
		}
	}
}

func TestSave_Invalid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	old := "# hand-written\n[thresholds]\nlow = 30\n"
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	c := Default()
	c.Thresholds.Critical = 40
	err := Save(path, c)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Save(critical above low) = %v, want an *Error", err)
	}
	if e.Key != "thresholds.critical" || e.File != path {
		t.Errorf("Save error key %q file %q, want thresholds.critical in %s", e.Key, e.File, path)
	}
	if b, _ := os.ReadFile(path); string(b) != old {
		t.Errorf("an invalid Save changed the file to %q", b)
	}
	assertNoTemp(t, filepath.Dir(path))
}

func TestSave_Modes(t *testing.T) {
	for _, tt := range []struct {
		name     string
		existing fs.FileMode // 0: no file yet
		want     fs.FileMode
	}{
		{"new file is private", 0, 0o600},
		{"keeps 0644", 0o644, 0o644},
		{"keeps 0640", 0o640, 0o640},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			if tt.existing != 0 {
				if err := os.WriteFile(path, nil, tt.existing); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.existing); err != nil { // past the umask
					t.Fatal(err)
				}
			}
			if err := Save(path, Default()); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != tt.want {
				t.Errorf("mode after Save = %v, want %v", got, tt.want)
			}
			assertNoTemp(t, filepath.Dir(path))
		})
	}
}

func TestSave_CreatesDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config", "helio")
	path := filepath.Join(dir, "config.toml")
	if err := Save(path, Default()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("created directory mode = %v, want 0700", got)
	}
}

func TestSave_Symlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "helio.toml")
	if err := os.MkdirAll(filepath.Dir(real), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("[thresholds]\nlow = 30\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config.toml")
	if err := os.Symlink(filepath.Join("dotfiles", "helio.toml"), link); err != nil {
		t.Fatal(err)
	}
	c := Default()
	c.Thresholds.Low = 35
	if err := Save(link, c); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("after Save the link is %v (err %v), want still a symbolic link", fi.Mode(), err)
	}
	got, err := Load(real)
	if err != nil || got.Thresholds.Low != 35 {
		t.Errorf("Load(link target) = low %d, %v; want 35", got.Thresholds.Low, err)
	}
}

func TestSave_Unwritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only directories")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	err := Save(filepath.Join(dir, "config.toml"), Default())
	if !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Save into a read-only directory = %v, want a permission error", err)
	}
}

func TestSave_DirectoryInTheWay(t *testing.T) {
	// A directory where the file should be: the rename fails, the
	// temporary file must not be left behind.
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, Default()); err == nil {
		t.Fatal("Save over a non-empty directory succeeded")
	}
	assertNoTemp(t, dir)
}

// assertNoTemp fails when Save left a temporary file in dir.
func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left in %s", e.Name(), dir)
		}
	}
}
