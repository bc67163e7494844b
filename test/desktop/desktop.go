// Package desktop runs Helio's front ends against real desktop
// programs (an X server, a notification daemon, a tray host) in a private
// session: an Xvfb display of its own, a private D-Bus session bus (see
// package dbustest) and a home directory in the test's temporary
// directory, so no test sees or disturbs the user's desktop. Everything
// started is stopped when the test ends.
//
// The programs are the distribution's, not part of Go: a test first calls
// [Require]. Where they are missing the test fails, naming the apt-get
// command that installs them, so a machine meant to run these tests cannot
// pass them by skipping; under -short it is skipped instead.
package desktop

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/internal/dbustest"
	"github.com/helio-linux/helio/internal/proctest"
)

// packages maps the programs tests use to the Debian packages that
// install them. A program not listed is taken to come from the package of
// its own name.
var packages = map[string]string{
	"Xvfb":                    "xvfb",
	"dbus-daemon":             "dbus-daemon",
	"dbus-send":               "dbus-bin",
	"dbus-monitor":            "dbus-bin",
	"busctl":                  "systemd", // dunstctl history calls it
	"dunst":                   "dunst",
	"dunstctl":                "dunst",
	"xprop":                   "x11-utils",
	"xwd":                     "x11-apps",
	"gdbus":                   "libglib2.0-bin",
	"status-notifier-watcher": "haskell-status-notifier-item-utils",
	"import":                  "imagemagick",
}

// Require checks that every program is on PATH. When some are missing it
// fails the test, or skips it under -short, naming the apt-get command that
// installs them.
func Require(t testing.TB, programs ...string) {
	t.Helper()
	var missing, pkgs []string
	for _, p := range programs {
		if _, err := exec.LookPath(p); err == nil {
			continue
		}
		missing = append(missing, p)
		pkg := packages[p]
		if pkg == "" {
			pkg = p
		}
		if !slices.Contains(pkgs, pkg) {
			pkgs = append(pkgs, pkg)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("%s not installed: apt-get install -y --no-install-recommends %s",
		strings.Join(missing, ", "), strings.Join(pkgs, " "))
	if testing.Short() {
		t.Skip(msg + " (a failure without -short)")
	}
	t.Fatal(msg)
}

// Session is a private desktop session: a session bus, a home directory
// and, after [Session.StartX], an X display. Its methods fail the test
// they were made for; use a Session from that test's goroutine only.
type Session struct {
	// Bus is the address of the session's private bus.
	Bus string
	// Home is the session's home directory; the XDG base directories
	// (config, data, cache, state, runtime) are under it.
	Home string
	// Display is the X display (":N") once [Session.StartX] has run.
	Display string

	t    testing.TB
	conn *dbus.Conn
}

// NewSession starts a private bus and makes a home directory. Both go away
// when the test ends. Call [Require] with "dbus-daemon" first.
func NewSession(t testing.TB) *Session {
	t.Helper()
	s := &Session{Bus: dbustest.Start(t), Home: t.TempDir(), t: t}
	for _, dir := range []string{".config", ".local/share", ".cache", ".local/state", "run"} {
		if err := os.MkdirAll(filepath.Join(s.Home, dir), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// Env is the environment of programs run in the session: this process's,
// with HOME, the XDG base directories, DBUS_SESSION_BUS_ADDRESS and
// DISPLAY the session's, and no WAYLAND_DISPLAY or other session
// variables. XDG_DATA_DIRS and XDG_CONFIG_DIRS stay, so the system's icon
// themes and defaults are found.
func (s *Session) Env() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "XDG_DATA_DIRS", k == "XDG_CONFIG_DIRS":
		case strings.HasPrefix(k, "XDG_"), strings.HasPrefix(k, "DBUS_"),
			k == "HOME", k == "DISPLAY", k == "WAYLAND_DISPLAY", k == "XAUTHORITY":
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+s.Home,
		"XDG_CONFIG_HOME="+filepath.Join(s.Home, ".config"),
		"XDG_DATA_HOME="+filepath.Join(s.Home, ".local/share"),
		"XDG_CACHE_HOME="+filepath.Join(s.Home, ".cache"),
		"XDG_STATE_HOME="+filepath.Join(s.Home, ".local/state"),
		"XDG_RUNTIME_DIR="+filepath.Join(s.Home, "run"),
		"DBUS_SESSION_BUS_ADDRESS="+s.Bus,
	)
	if s.Display != "" {
		env = append(env, "DISPLAY="+s.Display)
	}
	return env
}

// StartX starts Xvfb on a display no other X server uses and sets
// [Session.Display]; programs started afterwards use it. It returns when
// the server accepts connections. Call [Require] with "Xvfb" first.
func (s *Session) StartX() *proctest.Process {
	s.t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		s.t.Fatal(err)
	}
	defer r.Close()
	// -displayfd has the server pick a free display and write its number
	// once it is ready: no guessing of numbers, no race with other tests.
	p := s.start("Xvfb", []*os.File{w}, "-displayfd", "3", "-nolisten", "tcp", "-noreset", "-screen", "0", "1280x800x24")
	w.Close()
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(l)
	}()
	select {
	case l := <-line:
		if l == "" {
			s.t.Fatalf("Xvfb gave no display number:\n%s", p.Output())
		}
		s.Display = ":" + l
	case <-time.After(10 * time.Second):
		s.t.Fatalf("Xvfb did not start within 10 s:\n%s", p.Output())
	}
	return p
}

// Start starts a program in the session, with [Session.Env], its working
// directory the session's home. It is stopped when the test ends, and what
// it printed is logged if the test failed.
func (s *Session) Start(name string, args ...string) *proctest.Process {
	s.t.Helper()
	return s.start(name, nil, args...)
}

func (s *Session) start(name string, files []*os.File, args ...string) *proctest.Process {
	s.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env, cmd.Dir, cmd.ExtraFiles = s.Env(), s.Home, files
	return proctest.Start(s.t, cmd)
}

// Run runs a short program in the session to its end and returns what it
// printed on stdout. The test fails if the program fails or runs longer
// than 10 s.
func (s *Session) Run(name string, args ...string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env, cmd.Dir = s.Env(), s.Home
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		s.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// Conn is a connection of the test's own to the session bus, closed when
// the test ends.
func (s *Session) Conn() *dbus.Conn {
	s.t.Helper()
	if s.conn == nil {
		conn, err := dbus.Connect(s.Bus)
		if err != nil {
			s.t.Fatalf("connecting to the session bus: %v", err)
		}
		s.t.Cleanup(func() { conn.Close() })
		s.conn = conn
	}
	return s.conn
}

// WaitForName waits until someone owns name on the session bus. It fails
// the test after timeout, or as soon as owner (when not nil) exits: a
// program that starts a service is never waited for after it died.
func (s *Session) WaitForName(name string, timeout time.Duration, owner *proctest.Process) {
	s.t.Helper()
	bus := s.Conn().BusObject()
	deadline := time.Now().Add(timeout)
	for {
		var has bool
		if err := bus.Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has); err != nil {
			s.t.Fatalf("asking the bus who owns %s: %v", name, err)
		}
		if has {
			return
		}
		var exited <-chan struct{}
		if owner != nil {
			exited = owner.Exited()
		}
		select {
		case <-exited:
			s.t.Fatalf("%s exited before owning %s (%v):\n%s", owner.Name, name, owner.Err(), owner.Output())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no owner of %s on the session bus after %v", name, timeout)
		}
	}
}
