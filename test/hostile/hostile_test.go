package hostile

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/internal/proctest"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/sensors/history"
)

var helio string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "helio-hostile-")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	helio = filepath.Join(dir, "helio")
	build := exec.Command("go", "build", "-o", helio, ".")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Printf("go build: %v\n%s", err, out)
		os.Exit(1)
	}
	os.Chmod(dir, 0o755) // the unreadable cases run as nobody
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// maxRSS bounds a run's memory: Helio itself takes about 20 MB.
const maxRSS = 200 << 20

// result is how a run ended.
type result struct {
	code   int
	stderr string
	rss    int64 // bytes, the peak
}

// runHelio runs helio with args and env in dir, with stdout going to out
// (nil: captured). A run still going after a second is sent SIGINT and must
// end within another second.
func runHelio(t *testing.T, dir string, env []string, out *os.File, nobody bool, args ...string) result {
	t.Helper()
	cmd := exec.Command(helio, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, "cache"), "XDG_STATE_HOME=" + filepath.Join(dir, "state")}, env...)
	if out != nil {
		cmd.Stdout = out
	}
	if nobody && os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	p := proctest.Start(t, cmd)
	// The peak as the process's own memory map records it (VmHWM): the
	// maxrss of wait4 counts the parent's memory at the fork too, and a
	// test binary may hold gigabytes.
	var peak atomic.Int64
	go func() {
		for p.Running() {
			if kb := statusKiB(p.Cmd.Process.Pid, "VmHWM:"); int64(kb) > peak.Load() {
				peak.Store(int64(kb))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	select {
	case <-p.Exited():
	case <-time.After(time.Second):
		p.Signal(syscall.SIGINT)
	}
	err := p.Wait(time.Second)
	r := result{stderr: p.Stderr(), rss: peak.Load() << 10}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	}
	t.Logf("helio %s: exit %d, %d MB at most: %s", strings.Join(args, " "), r.code, r.rss>>20, strings.TrimSpace(r.stderr))
	if r.rss > maxRSS {
		t.Errorf("helio %s peaked at %d MB", strings.Join(args, " "), r.rss>>20)
	}
	return r
}

// goodHistory writes a small history at path.
func goodHistory(t *testing.T, path string) {
	t.Helper()
	st, err := history.Open(path, history.Opts{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, p := range []int{60, 59} {
		if err := st.Record(sensors.State{ID: "E0662192-4002-750C0DE2", Name: "K750", Codename: "K750", Kind: hidpp.KindKeyboard,
			Online: true, Battery: &hidpp.Battery{Percent: p, HasPercent: true, Status: hidpp.StatusDischarging}}); err != nil {
			t.Fatal(err)
		}
	}
}

// statusKiB is a field of /proc/PID/status in KiB, 0 when unreadable.
func statusKiB(pid int, field string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, field); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

func sum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// fullDisk mounts a tmpfs of 256 KiB at a new directory and fills it.
// It needs root; elsewhere the test is skipped.
func fullDisk(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a full file system needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k,mode=0777", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(f, io.LimitReader(zero{}, 1<<20)) // fails with ENOSPC: full
	f.Close()
	return dir
}

type zero struct{}

func (zero) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// A kind of thing at a path.
type kind struct {
	name string
	// make puts it at path (in dir) and returns the files that must not
	// change: a link's target.
	make   func(t *testing.T, dir, path string) (protected []string)
	nobody bool // run helio as an unprivileged user
}

var kinds = []kind{
	{name: "FIFO", make: func(t *testing.T, _, path string) []string {
		if err := syscall.Mkfifo(path, 0o666); err != nil {
			t.Fatal(err)
		}
		return nil
	}},
	{name: "device", make: func(t *testing.T, _, path string) []string {
		if err := os.Symlink("/dev/zero", path); err != nil {
			t.Fatal(err)
		}
		return nil
	}},
	{name: "directory", make: func(t *testing.T, _, path string) []string {
		if err := os.Mkdir(path, 0o755); err != nil {
			t.Fatal(err)
		}
		return nil
	}},
	{name: "link to a file that must not change", make: func(t *testing.T, dir, path string) []string {
		precious := filepath.Join(dir, "precious")
		os.WriteFile(precious, []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644)
		if err := os.Symlink(precious, path); err != nil {
			t.Fatal(err)
		}
		return []string{precious}
	}},
	{name: "unreadable file", nobody: true, make: func(t *testing.T, dir, path string) []string {
		os.WriteFile(path, []byte("secret\n"), 0o600) // root's, to a helio run as nobody
		return []string{path}
	}},
	{name: "empty file", make: func(t *testing.T, _, path string) []string {
		os.WriteFile(path, nil, 0o644)
		return nil
	}},
	{name: "huge file", make: func(t *testing.T, _, path string) []string {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		f.Truncate(4 << 30) // sparse: 4 GiB that take no disk
		f.Close()
		return nil
	}},
}

// A path Helio reads or writes, and how to make helio use it.
type target struct {
	name string
	// args are helio's arguments, with the path at path (in dir); file is
	// where the path goes when it is not an argument (under the test's
	// XDG directories).
	args func(dir, path string) []string
	file func(dir string) string
	// ok says which kinds helio may take without an error: harmless input.
	ok map[string]bool
}

var targets = []target{
	{name: "profile", args: func(_, p string) []string { return []string{"--backend", "sim:" + p, "list"} }},
	{name: "config", args: func(dir, p string) []string {
		return []string{"--config", p, "history", "--db", filepath.Join(dir, "none.db")}
	}},
	{name: "device cache", file: func(dir string) string { return filepath.Join(dir, "cache", "helio", "devices.json") },
		args: func(string, string) []string { return []string{"--backend", "sim", "list"} },
		// A cache is only a cache: Helio reads the devices without it.
		ok: map[string]bool{"FIFO": true, "device": true, "directory": true, "link to a file that must not change": true,
			"unreadable file": true, "empty file": true, "huge file": true}},
	{name: "history read", args: func(_, p string) []string { return []string{"history", "--db", p} }},
	{name: "history recorded", args: func(dir, p string) []string {
		cfg := filepath.Join(dir, "record.toml")
		os.WriteFile(cfg, []byte(fmt.Sprintf("[history]\npath = %q\n", p)), 0o644)
		return []string{"--config", cfg, "--backend", "sim", "watch"}
	}, ok: map[string]bool{"empty file": true}}, // an empty file is a history not begun
	{name: "PNG chart", args: func(dir, p string) []string {
		db := filepath.Join(dir, "good.db")
		return []string{"history", "--db", db, "--since", "30d", "--png", p}
	}, ok: map[string]bool{"empty file": true, "huge file": true}},
}

// TestHostilePaths gives every path every kind of thing, and checks each
// answer.
func TestHostilePaths(t *testing.T) {
	for _, tg := range targets {
		for _, k := range kinds {
			t.Run(tg.name+"/"+k.name, func(t *testing.T) {
				dir := t.TempDir()
				os.Chmod(dir, 0o777)
				os.Chmod(filepath.Dir(dir), 0o755) // the test's own, made 0700
				for _, sub := range []string{"config", "cache/helio", "state/helio"} {
					os.MkdirAll(filepath.Join(dir, sub), 0o777)
				}
				goodHistory(t, filepath.Join(dir, "good.db"))
				os.Chmod(filepath.Join(dir, "good.db"), 0o644)
				path := filepath.Join(dir, "target")
				if tg.file != nil {
					path = tg.file(dir)
				}
				protected := k.make(t, dir, path)
				before := map[string]string{}
				for _, p := range protected {
					before[p] = sum(t, p)
				}
				mode := lmode(path)
				args := tg.args(dir, path)
				r := runHelio(t, dir, nil, nil, k.nobody, args...)
				switch {
				case tg.ok[k.name] && r.code != 0 && r.code != 130:
					t.Errorf("helio %s: exit %d, stderr %q; want it to do its job", strings.Join(args, " "), r.code, r.stderr)
				case !tg.ok[k.name] && (r.code == 0 || r.code == 130 && r.stderr == ""):
					t.Errorf("helio %s: exit %d, stderr %q; want a clear error", strings.Join(args, " "), r.code, r.stderr)
				}
				if !tg.ok[k.name] && (len(r.stderr) > 2000 || strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") ||
					doubled.MatchString(r.stderr)) {
					t.Errorf("helio %s: stderr %q is no clear error", strings.Join(args, " "), r.stderr)
				}
				for p, s := range before {
					if sum(t, p) != s {
						t.Errorf("helio %s changed %s", strings.Join(args, " "), p)
					}
				}
				if m := lmode(path); m != mode && k.name != "empty file" && !tg.ok[k.name] {
					t.Errorf("helio %s replaced the %s at the path (%v, now %v)", strings.Join(args, " "), k.name, mode, m)
				}
				if broken, _ := filepath.Glob(filepath.Join(dir, "*.broken-*")); len(broken) > 0 {
					t.Errorf("helio %s set %v aside", strings.Join(args, " "), broken)
				}
			})
		}
	}
}

// doubled finds a prefix said twice, as in "helio history: history: ...".
var doubled = doubledPrefix{}

type doubledPrefix struct{}

func (doubledPrefix) MatchString(s string) bool {
	parts := strings.Split(s, ": ")
	for i := 1; i < len(parts); i++ {
		last := parts[i-1][strings.LastIndexByte(parts[i-1], ' ')+1:]
		if last != "" && parts[i] == last {
			return true
		}
	}
	return false
}

func lmode(path string) os.FileMode {
	fi, err := os.Lstat(path)
	if err != nil {
		return 0
	}
	return fi.Mode().Type()
}

// TestFullDisk: what Helio writes, on a full file system: the device
// cache, the history, a PNG chart, the config the window saves, and CSV on
// a full standard output. Each says the disk is full, and leaves what was
// there whole.
func TestFullDisk(t *testing.T) {
	full := fullDisk(t)
	dir := t.TempDir()
	goodHistory(t, filepath.Join(dir, "good.db"))

	t.Run("PNG chart", func(t *testing.T) {
		png := filepath.Join(full, "chart.png")
		r := runHelio(t, dir, nil, nil, false, "history", "--db", filepath.Join(dir, "good.db"), "--since", "30d", "--png", png)
		if r.code == 0 || !strings.Contains(r.stderr, "no space left on device") {
			t.Errorf("history --png on a full disk: exit %d, %q", r.code, r.stderr)
		}
		if _, err := os.Stat(png); err == nil {
			t.Error("a partial chart was left")
		}
	})
	t.Run("CSV on /dev/full", func(t *testing.T) {
		devFull, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Skip(err)
		}
		defer devFull.Close()
		r := runHelio(t, dir, nil, devFull, false, "history", "--db", filepath.Join(dir, "good.db"), "--since", "30d", "--csv")
		if r.code == 0 || !strings.Contains(r.stderr, "no space left on device") {
			t.Errorf("history --csv > /dev/full: exit %d, %q", r.code, r.stderr)
		}
	})
	t.Run("history recorded", func(t *testing.T) {
		cfg := filepath.Join(dir, "full.toml")
		os.WriteFile(cfg, []byte(fmt.Sprintf("[history]\npath = %q\n", filepath.Join(full, "history.db"))), 0o644)
		r := runHelio(t, dir, nil, nil, false, "--config", cfg, "--backend", "sim", "watch")
		if !strings.Contains(r.stderr, "full") || strings.Contains(r.stderr, "(4874)") && !strings.Contains(r.stderr, "full") {
			t.Errorf("watch recording on a full disk: exit %d, %q; want it to say the disk is full", r.code, r.stderr)
		}
	})
	t.Run("device cache", func(t *testing.T) {
		r := runHelio(t, dir, []string{"XDG_CACHE_HOME=" + full}, nil, false, "--backend", "sim", "list")
		if r.code != 0 || !strings.Contains(r.stderr, "no space left on device") {
			t.Errorf("list with its cache on a full disk: exit %d, %q; want the devices and a warning", r.code, r.stderr)
		}
	})
	t.Run("config saved", func(t *testing.T) {
		path := filepath.Join(full, "config.toml")
		err := config.Save(path, config.Default())
		if err == nil || !strings.Contains(err.Error(), "no space left on device") {
			t.Errorf("config.Save on a full disk = %v", err)
		}
		if _, err := os.Stat(path); err == nil {
			t.Error("a partial config was left")
		}
	})
}
