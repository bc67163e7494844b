package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/internal/syncbuf"
	"github.com/helio-linux/helio/metrics"
	"github.com/helio-linux/helio/sensors"
)

func text(t *testing.T, states []sensors.State) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := metrics.Write(&b, states); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// entries lists dir, to find temporary files left behind.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteTextfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, metrics.TextfileName)
	for _, states := range [][]sensors.State{every[:2], every} {
		if err := metrics.WriteTextfile(context.Background(), dir, states); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if want := text(t, states); !bytes.Equal(got, want) {
			t.Errorf("%s holds\n%s\nwant\n%s", path, got, want)
		}
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != metrics.TextfileName {
		t.Errorf("the directory holds %v, want %s alone", names, metrics.TextfileName)
	}
	// node_exporter runs as a user of its own: the file is readable by all
	// that the umask lets read it.
	umask := syscall.Umask(0)
	syscall.Umask(umask)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := fs.FileMode(0o644) &^ fs.FileMode(umask); fi.Mode().Perm() != want {
		t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
	}
}

// mount mounts a tmpfs of size at dir until the test ends; it needs root.
func mount(t *testing.T, dir, size string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a file system needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestWriteTextfile_Failures: a directory that is missing, not a
// directory, read-only or full, and a textfile that is not a regular file,
// each give an error that says so, and leave what was there whole, with
// no temporary file beside it.
func TestWriteTextfile_Failures(t *testing.T) {
	previous := text(t, every[:1])
	for _, tt := range []struct {
		name string
		// prepare makes the directory, with the previous textfile where
		// there is one, and returns it.
		prepare func(t *testing.T) string
		want    string // in the error
		is      error  // errors.Is, when set
	}{
		{"missing directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "node-exporter") },
			"does not exist", nil},
		{"a file, not a directory", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "node-exporter")
			os.WriteFile(p, previous, 0o644)
			return p
		}, "is a regular file, not a directory", nil},
		{"read-only", func(t *testing.T) string {
			dir := t.TempDir()
			if os.Geteuid() != 0 {
				os.WriteFile(filepath.Join(dir, metrics.TextfileName), previous, 0o644)
				os.Chmod(dir, 0o555)
				t.Cleanup(func() { os.Chmod(dir, 0o755) })
				return dir
			}
			// Root writes through permissions: a read-only file system.
			mount(t, dir, "1m")
			os.WriteFile(filepath.Join(dir, metrics.TextfileName), previous, 0o644)
			if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
				t.Fatalf("remount read-only: %v %s", err, out)
			}
			return dir
		}, "cannot write in the textfile directory", nil},
		{"full", func(t *testing.T) string {
			dir := t.TempDir()
			mount(t, dir, "256k")
			os.WriteFile(filepath.Join(dir, metrics.TextfileName), previous, 0o644)
			f, err := os.Create(filepath.Join(dir, "filler"))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(f, io.LimitReader(zeros{}, 1<<20)) // fails with ENOSPC: full
			f.Close()
			return dir
		}, "no space left on device", syscall.ENOSPC},
		{"a link at the textfile", func(t *testing.T) string {
			dir := t.TempDir()
			target := filepath.Join(t.TempDir(), "elsewhere")
			os.WriteFile(target, previous, 0o644)
			os.Symlink(target, filepath.Join(dir, metrics.TextfileName))
			return dir
		}, "a symbolic link", nil},
		{"a directory at the textfile", func(t *testing.T) string {
			dir := t.TempDir()
			os.Mkdir(filepath.Join(dir, metrics.TextfileName), 0o755)
			return dir
		}, "a directory", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.prepare(t)
			path := filepath.Join(dir, metrics.TextfileName)
			before, _ := os.ReadFile(path)
			var names []string
			if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
				names = entries(t, dir)
			}
			err := metrics.WriteTextfile(context.Background(), dir, every)
			if err == nil || !strings.Contains(err.Error(), tt.want) || tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("WriteTextfile = %v, want an error saying %q", err, tt.want)
			}
			t.Log(err)
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Errorf("%s changed:\n%s\nwas\n%s", path, after, before)
			}
			if names != nil {
				if got := entries(t, dir); strings.Join(got, " ") != strings.Join(names, " ") {
					t.Errorf("the directory holds %v after the failure, %v before", got, names)
				}
			}
		})
	}
}

// states is a states function whose result a test changes.
type states struct {
	mu sync.Mutex
	s  []sensors.State
}

func (s *states) get() []sensors.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.s
}

func (s *states) set(v []sensors.State) {
	s.mu.Lock()
	s.s = v
	s.mu.Unlock()
}

// awaitFile waits until path holds want.
func awaitFile(t *testing.T, path string, want []byte) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		got, _ := os.ReadFile(path)
		if bytes.Equal(got, want) {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s holds\n%s\nwant\n%s", path, got, want)
		}
	}
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// TestTextfile_Run: the file is written at each touch that changes its
// text, and only then; a failing directory is said once, and its
// recovery once.
func TestTextfile_Run(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, metrics.TextfileName)
	var log syncbuf.Buffer
	tf := metrics.NewTextfile(dir, slog.New(slog.NewTextHandler(&log, nil)))
	st := &states{s: every[:1]}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { tf.Run(ctx, st.get); close(done) }()
	defer func() {
		cancel()
		<-done
	}()

	time.Sleep(50 * time.Millisecond)
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the textfile was written before any touch: %v", err)
	}
	tf.Touch()
	awaitFile(t, path, text(t, every[:1]))
	ino := inode(t, path)
	tf.Touch() // the same text: not written again
	time.Sleep(100 * time.Millisecond)
	if inode(t, path) != ino {
		t.Error("the textfile was replaced with the same text")
	}
	st.set(every[:2])
	tf.Touch()
	awaitFile(t, path, text(t, every[:2]))

	// The directory goes: one warning however many touches.
	moved := dir + ".moved"
	if err := os.Rename(dir, moved); err != nil {
		t.Fatal(err)
	}
	for i := 3; i <= 5; i++ {
		st.set(every[:i])
		tf.Touch()
		time.Sleep(50 * time.Millisecond)
	}
	if n := strings.Count(log.String(), "Prometheus textfile not written"); n != 1 {
		t.Errorf("%d warnings while the directory was away, want 1:\n%s", n, log.String())
	}
	if err := os.Rename(moved, dir); err != nil {
		t.Fatal(err)
	}
	tf.Touch()
	awaitFile(t, path, text(t, every[:5]))
	for end := time.Now().Add(2 * time.Second); !strings.Contains(log.String(), "Prometheus textfile written again"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the recovery was not said:\n%s", log.String())
		}
	}
}
