package config

import (
	"errors"
	"fmt"
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
		}, "cannot read: is a named pipe, not a regular file"},
		{"link to /dev/zero", func(t *testing.T, path string) {
			if fi, err := os.Stat("/dev/zero"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
				t.Skip("no /dev/zero character device")
			}
			if err := os.Symlink("/dev/zero", path); err != nil {
				t.Fatal(err)
			}
		}, "cannot read: is a character device, not a regular file"},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "cannot read: is a directory, not a regular file"},
		{"socket", func(t *testing.T, path string) {
			l, err := net.Listen("unix", path)
			if err != nil {
				t.Skip("no unix socket:", err)
			}
			t.Cleanup(func() { l.Close() })
		}, "cannot read: is a socket, not a regular file"},
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
		{"1 MiB and a byte", mib + 1, "cannot read: is larger than 1 MiB"},
		{"32 MiB", 32 * mib, "cannot read: is larger than 1 MiB"},
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

// manyKeys are files that pile up keys, each named with the error it must
// give: the first problem, as a short file would, and found as fast.
// go-toml's time grows as the square of the keys it is given, and Load
// used to give it all of them: 36 s for the first of these.
var manyKeys = []struct {
	name string
	doc  func(n int) string // a file with about n keys
	want string             // the error after "config FILE"
}{
	{"unknown keys", func(n int) string {
		var b strings.Builder
		b.WriteString("[light]\nreports = 2\n")
		for i := range n {
			fmt.Fprintf(&b, "key%d = %d\n", i, i)
		}
		return b.String()
	}, ":3:1: light.key0: unknown key"},
	{"unknown tables", func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "[t%d]\n", i)
		}
		return b.String()
	}, ":1:2: t0: unknown table"},
	{"one key repeated", func(n int) string {
		return "[thresholds]\n" + strings.Repeat("low = 10\n", n)
	}, ":3:1: low: key low is already defined"},
	{"one inline table", func(n int) string {
		var b strings.Builder
		b.WriteString("thresholds = { low = 30")
		for i := range n {
			fmt.Fprintf(&b, ", k%d = 1", i)
		}
		b.WriteString(" }\n")
		return b.String()
	}, ":1:1: thresholds: too many keys: a config file has at most 32"},
	{"inline tables in an array", func(n int) string {
		return "x = [" + strings.Repeat("{a = 1}, ", n) + "]\n"
	}, ":1:1: x: too many keys: a config file has at most 32"},
	{"settings, then unknown keys", func(n int) string {
		var b strings.Builder
		b.WriteString("[light]\ninterval = \"20m\"\nreports = 2\n[thresholds]\nlow = 30\n")
		for i := range n {
			fmt.Fprintf(&b, "x%d = 1\n", i)
		}
		return b.String()
	}, ":6:1: thresholds.x0: unknown key"},
	{"an inline table filling 1 MiB", func(int) string {
		return "x = {" + strings.Repeat("a=1,", 1<<18-3) + "b=1}\n"
	}, ":1:1: x: too many keys: a config file has at most 32"},
}

// TestLoad_ManyKeys: a file of 30 000 keys fails at its first problem, in
// well under the time Load allows; BenchmarkLoad_ManyKeys shows the time
// growing in step with the keys.
func TestLoad_ManyKeys(t *testing.T) {
	for _, tt := range manyKeys {
		path := write(t, tt.doc(30000))
		var e *Error
		if err := loadSoon(t, path); !errors.As(err, &e) || err.Error() != "config "+path+tt.want {
			t.Errorf("%s: Load = %v, want an *Error: config %s%s", tt.name, err, path, tt.want)
		}
	}
}

func BenchmarkLoad_ManyKeys(b *testing.B) {
	for _, tt := range manyKeys {
		for _, n := range []int{1000, 30000} {
			b.Run(fmt.Sprintf("%s/%d", tt.name, n), func(b *testing.B) {
				path := filepath.Join(b.TempDir(), "config.toml")
				if err := os.WriteFile(path, []byte(tt.doc(n)), 0o600); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, err := Load(path); err == nil {
						b.Fatal("Load succeeded")
					}
				}
			})
		}
	}
}

// TestHead: the decoder is given no more than maxKeys keys, counted in
// table headers, key-values and inline tables, and all of a file that has
// no more.
func TestHead(t *testing.T) {
	valid := "[light]\ninterval = \"10m\"\nreports = 1\non_button = true\n" +
		"thresholds = { low = 20, critical = 5, hysteresis = 3, dark_after = \"2h\" }\n" +
		"notifications.low = true\nnotifications.critical = true\nnotifications.dark = true\n" +
		"[history]\nenabled = true\nfull = \"7d\"\nkeep = \"365d\"\npath = \"\"\n" +
		"[monitor]\npoll = \"5m\"\npoll_max = \"1h\"\n" +
		"[metrics]\nlisten = \"\"\ntextfile = \"\"\n"
	if got, e := head([]byte(valid)); string(got) != valid || e != nil {
		t.Errorf("head(every setting) = %q, %v; want all of it", got, e)
	}
	for _, tt := range manyKeys {
		doc := tt.doc(1000)
		got, e := head([]byte(doc))
		if e == nil || len(got) >= len(doc) {
			t.Errorf("%s: head kept %d of %d bytes, error %v; want it cut", tt.name, len(got), len(doc), e)
			continue
		}
		if n := strings.Count(string(got), "=") + strings.Count(string(got), "["); n > maxKeys+1 {
			t.Errorf("%s: head kept %q, with about %d keys", tt.name, got, n)
		}
	}
}
