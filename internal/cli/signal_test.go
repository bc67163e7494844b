package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/internal/proctest"
	"github.com/helio-linux/helio/sensors/history"
)

// helioChild starts this test binary as helio with args, in homes of the
// test's own.
func helioChild(t *testing.T, home string, args ...string) *proctest.Process {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HELIO_CLI_TEST_ARGS="+strings.Join(args, "\n"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"), "DBUS_SESSION_BUS_ADDRESS=", "DISPLAY=")
	return proctest.Start(t, cmd)
}

// exitCode waits for p and returns its status.
// TestSignals: Ctrl-C, SIGTERM and SIGHUP stop watch cleanly (the history
// closed, its log checkpointed, nothing said of a "context canceled") with
// the status a shell gives a process the signal ended; a query interrupted
// while it waits for the K750's light report does the same.
func TestSignals(t *testing.T) {
	for _, tt := range []struct {
		sig  syscall.Signal
		want int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}, {syscall.SIGHUP, 129}} {
		t.Run("watch "+tt.sig.String(), func(t *testing.T) {
			home := t.TempDir()
			p := helioChild(t, home, "--backend", "sim", "watch")
			p.WaitLine(10*time.Second, "a first change", func(string) bool { return true })
			p.Signal(tt.sig)
			if code := p.ExitCode(5 * time.Second); code != tt.want {
				t.Errorf("watch after %v: exit %d, want %d; stderr %q", tt.sig, code, tt.want, p.Stderr())
			}
			if strings.Contains(p.Stderr(), "context canceled") {
				t.Errorf("watch after %v said %q", tt.sig, p.Stderr())
			}
			db := filepath.Join(home, "state", "helio", "history.db")
			if fi, err := os.Stat(db + "-wal"); err == nil && fi.Size() > 0 {
				t.Errorf("the history's log holds %d bytes: the history was not closed", fi.Size())
			}
			st, err := history.OpenReader(db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if devs, err := st.Devices(); err != nil || len(devs) != 3 {
				t.Errorf("history after %v: %d devices, %v", tt.sig, len(devs), err)
			}
		})
	}
	t.Run("query SIGINT", func(t *testing.T) {
		p := helioChild(t, t.TempDir(), "--backend", "sim", "query")
		time.Sleep(300 * time.Millisecond) // within the K750's one-second light wait
		p.Signal(syscall.SIGINT)
		if code := p.ExitCode(5 * time.Second); code != 130 || p.Stderr() != "" {
			t.Errorf("query after SIGINT: exit %d, stderr %q; want 130 and nothing said", code, p.Stderr())
		}
	})
}
