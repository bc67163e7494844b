package desktop

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstall runs "make install" into a prefix of its own and checks what
// a desktop reads of it: the application and autostart entries valid by
// desktop-file-validate, their commands runnable, the icon where the
// entries name it, and the export's systemd user unit and the metrics'
// system units valid by systemd-analyze.
func TestInstall(t *testing.T) {
	Require(t, "make", "desktop-file-validate", "systemd-analyze", "go")
	root := "../.." // go test runs in the package's directory, test/desktop
	prefix := t.TempDir()
	make := exec.Command("make", "--no-print-directory", "install", "PREFIX="+prefix, "SYSCONFDIR="+prefix+"/etc")
	make.Dir = root
	if out, err := make.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	app := filepath.Join(prefix, "share/applications/io.github.helio.desktop")
	autostart := filepath.Join(prefix, "etc/xdg/autostart/io.github.helio-tray.desktop")
	unit := filepath.Join(prefix, "lib/systemd/user/helio-export.service")
	if out, err := exec.Command("desktop-file-validate", app, autostart).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("desktop-file-validate: %v\n%s", err, out)
	}
	for _, entry := range []string{app, autostart} {
		keys := desktopKeys(t, entry)
		if keys["Icon"] != "io.github.helio" {
			t.Errorf("%s: Icon=%q", entry, keys["Icon"])
		}
		// The command must run: each program answers --help.
		args := strings.Fields(keys["Exec"])
		if len(args) == 0 || !strings.HasPrefix(args[0], prefix+"/bin/") {
			t.Fatalf("%s: Exec=%q, want a program in %s/bin", entry, keys["Exec"], prefix)
		}
		cmd := exec.Command(args[0], append(args[1:], "--help")...)
		cmd.Env = append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s --help: %v\n%s", keys["Exec"], err, out)
		}
	}
	if keys := desktopKeys(t, autostart); keys["NoDisplay"] != "true" || !strings.HasSuffix(keys["Exec"], "/helio tray") {
		t.Errorf("autostart entry: %v, want helio tray, hidden from menus", keys)
	}
	if _, err := os.Stat(filepath.Join(prefix, "share/icons/hicolor/scalable/apps/io.github.helio.svg")); err != nil {
		t.Error(err)
	}
	verify := exec.Command("systemd-analyze", "verify", "--user", unit)
	// A user manager needs its runtime directory, even to verify.
	verify.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+t.TempDir())
	out, err := verify.CombinedOutput()
	if err != nil || strings.Contains(string(out), "helio-export.service") {
		t.Errorf("systemd-analyze verify %s: %v\n%s", unit, err, out)
	}
	if b, _ := os.ReadFile(unit); !strings.Contains(string(b), "ExecStart="+prefix+"/bin/helio export") {
		t.Errorf("unit's ExecStart is not the installed helio export:\n%s", b)
	}
	metrics := filepath.Join(prefix, "lib/systemd/system/helio-metrics.service")
	timer := filepath.Join(prefix, "lib/systemd/system/helio-metrics.timer")
	out, err = exec.Command("systemd-analyze", "verify", metrics, timer).CombinedOutput()
	if err != nil || strings.Contains(string(out), "helio-metrics") {
		t.Errorf("systemd-analyze verify %s %s: %v\n%s", metrics, timer, err, out)
	}
	if b, _ := os.ReadFile(metrics); !strings.Contains(string(b), "ExecStart="+prefix+"/bin/helio metrics --textfile ") {
		t.Errorf("the metrics unit's ExecStart is not the installed helio metrics:\n%s", b)
	}

	// uninstall takes back all of it.
	un := exec.Command("make", "--no-print-directory", "uninstall", "PREFIX="+prefix, "SYSCONFDIR="+prefix+"/etc")
	un.Dir = root
	if out, err := un.CombinedOutput(); err != nil {
		t.Fatalf("make uninstall: %v\n%s", err, out)
	}
	filepath.WalkDir(prefix, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("left after uninstall: %s", path)
		}
		return nil
	})
}

// desktopKeys reads the [Desktop Entry] group of a .desktop file.
func desktopKeys(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			keys[k] = v
		}
	}
	return keys
}
