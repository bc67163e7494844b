package config

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loadSoon is Load(path), failing the test when Load takes more than a few
// seconds: what it guards against is blocking forever or for minutes.
func loadSoon(t *testing.T, path string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Load(path)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("Load(%s) still running after 5 s", path)
		return nil
	}
}

// TestLoad_NotRegular: whatever sits at the path, Load answers at once,
// and anything but a regular file (or a link to one) is an *Error saying
// what it is. A named pipe used to block Load for good, and a link to
// /dev/zero to read until memory ran out.
func TestLoad_NotRegular(t *testing.T) {
	for _, tt := range []struct {
		name string
		make func(t *testing.T, path string) // puts the thing at path
		want string                          // the message; "" for no error
	}{
		{"named pipe", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
			// Should Load block on it, a writer frees it.
			t.Cleanup(func() {
				if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					f.Close()
				}
			})
		}, "cannot read: is a named pipe"},
		{"link to /dev/zero", func(t *testing.T, path string) {
			if fi, err := os.Stat("/dev/zero"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
				t.Skip("no /dev/zero character device")
			}
			if err := os.Symlink("/dev/zero", path); err != nil {
				t.Fatal(err)
			}
		}, "cannot read: is a character device"},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "cannot read: is a directory"},
		{"socket", func(t *testing.T, path string) {
			l, err := net.Listen("unix", path)
			if err != nil {
				t.Skip("no unix socket:", err)
			}
			t.Cleanup(func() { l.Close() })
		}, "cannot read: is a socket"},
		{"link to a regular file", func(t *testing.T, path string) {
			real := filepath.Join(filepath.Dir(path), "real.toml")
			if err := os.WriteFile(real, []byte("[light]\nreports = 2\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("real.toml", path); err != nil {
				t.Fatal(err)
			}
		}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			tt.make(t, path)
			err := loadSoon(t, path)
			if tt.want == "" {
				if err != nil {
					t.Errorf("Load = %v, want no error", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.File != path || e.Msg != tt.want {
				t.Errorf("Load = %v (%T), want an *Error for %s: %s", err, err, path, tt.want)
			}
		})
	}
}

// TestLoad_Size: a file of up to 1 MiB is read; a larger one is refused
// before it is read.
func TestLoad_Size(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct {
		name string
		size int
		want string
	}{
		{"1 MiB", mib, ""},
		{"1 MiB and a byte", mib + 1, "cannot read: larger than 1 MiB"},
		{"32 MiB", 32 * mib, "cannot read: larger than 1 MiB"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Comments, all valid TOML: only the size is wrong.
			line := "# " + strings.Repeat("x", 61) + "\n"
			doc := strings.Repeat(line, tt.size/len(line))
			doc += strings.Repeat("#", tt.size-len(doc))
			err := loadSoon(t, write(t, doc))
			var e *Error
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Load(%d bytes) = %v, want no error", tt.size, err)
			case tt.want != "" && (!errors.As(err, &e) || e.Msg != tt.want):
				t.Errorf("Load(%d bytes) = %v, want an *Error: %s", tt.size, err, tt.want)
			}
		})
	}
}
