package desktop

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// windows lists the visible X windows titled "Helio".
func windows(s *Session) []string {
	cmd := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Helio$")
	cmd.Env = s.Env()
	out, _ := cmd.Output() // no window: exit status 1
	return strings.Fields(string(out))
}

// TestTray_OpenWindow clicks "Open Helio": the window maps as a process of
// its own, a second click opens no second window, and a config changed
// while it was open makes the tray restart itself to apply it when the
// window closes.
func TestTray_OpenWindow(t *testing.T) {
	Require(t, "dbus-daemon", "Xvfb", "xfce4-panel", "xdotool", "go")
	win := program(t, "./cmd/helio-window")
	s := NewSession(t)
	s.StartX()
	startPanel(t, s)
	config := filepath.Join(s.Home, "helio.toml")
	if err := os.WriteFile(config, []byte("[thresholds]\nlow = 20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := s.Start(helio(t), "--backend", "sim", "--config", config, "tray", "--window", win)
	owner := itemOwner(t, s, p)
	items := waitMenu(t, s, owner, wantMenu, 10*time.Second)

	start := time.Now()
	click(t, s, owner, items, "Open Helio")
	for len(windows(s)) == 0 {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("no window titled Helio 20 s after Open Helio\n%s", p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("METRIC window_start %d ms (click on Open Helio to the window mapped)", time.Since(start).Milliseconds())

	click(t, s, owner, layout(t, s, owner), "Open Helio")
	time.Sleep(time.Second)
	if n := len(windows(s)); n != 1 {
		t.Errorf("%d Helio windows after a second click, want 1", n)
	}

	// What the settings window's Save does, then the window closes.
	if err := os.WriteFile(config, []byte("[thresholds]\nlow = 25\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	kill := exec.Command("pkill", "-TERM", "-P", strconv.Itoa(p.Cmd.Process.Pid), "-x", "helio-window")
	if out, err := kill.CombinedOutput(); err != nil {
		t.Fatalf("pkill helio-window: %v %s", err, out)
	}
	waitOutput(t, p, "config changed: restarting the tray to apply it", 1, 10*time.Second)
	// The same process, restarted, shows its item again.
	waitRegistered(t, s, itemOwner(t, s, p), 10*time.Second)
	waitMenu(t, s, itemOwner(t, s, p), wantMenu, 10*time.Second)
	select {
	case <-p.Exited():
		t.Fatalf("helio tray exited: %v\n%s", p.Err(), p.Output())
	default:
	}
}

// TestTray_ReloadOnHUP: SIGHUP with a broken config keeps the tray
// running on the config it has, and says why; with a good one, the tray
// restarts itself to apply it.
func TestTray_ReloadOnHUP(t *testing.T) {
	Require(t, "dbus-daemon", "go")
	s := NewSession(t)
	config := filepath.Join(s.Home, "helio.toml")
	if err := os.WriteFile(config, []byte("[thresholds]\nlow = 20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := s.Start(helio(t), "--backend", "sim", "--config", config, "tray")
	itemOwner(t, s, p)
	if err := os.WriteFile(config, []byte("[thresholds]\nlow = 2000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.Signal(syscall.SIGHUP)
	waitOutput(t, p, "config not applied", 1, 5*time.Second)
	if !strings.Contains(p.Output(), "thresholds.low") {
		t.Errorf("the tray did not say what is wrong:\n%s", p.Output())
	}
	if err := os.WriteFile(config, []byte("[thresholds]\nlow = 30\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.Signal(syscall.SIGHUP)
	waitOutput(t, p, "config changed: restarting the tray to apply it", 1, 5*time.Second)
	itemOwner(t, s, p)
	select {
	case <-p.Exited():
		t.Fatalf("helio tray exited: %v\n%s", p.Err(), p.Output())
	default:
	}
}
