package history

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOpenReader_ChangesNothing: reading a history, however old its rows,
// changes no byte of it: no retention, no migration, nothing set aside.
func TestOpenReader_ChangesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	c := &clock{now: t0}
	w := open(t, path, Opts{Now: c.Now})
	for i := range 20 {
		c.Add(time.Hour)
		if err := w.Record(k750(50+i%3, i)); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	before := sha(t, path)
	// Years later, with a retention that would delete everything.
	r, err := OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	devs, err := r.Devices()
	if err != nil || len(devs) != 1 {
		t.Fatalf("Devices = %v, %v", devs, err)
	}
	rows, err := r.Query(devs[0].ID, time.Time{}, time.Time{})
	if err != nil || len(rows) != 20 {
		t.Errorf("Query = %d rows, %v; want 20", len(rows), err)
	}
	if err := r.Record(k750(1, 1)); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Record on a reader = %v, want ErrReadOnly", err)
	}
	if err := r.Prune(); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Prune on a reader = %v, want ErrReadOnly", err)
	}
	r.Close()
	if sha(t, path) != before {
		t.Error("reading the history changed the file")
	}
}

// TestOpenReader_BadFiles: whatever stands at the path, a reader says what
// it is at once and changes nothing.
func TestOpenReader_BadFiles(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("my notes\n"), 0o600)
	foreign := filepath.Join(dir, "other.db")
	rawSQL(t, foreign, "PRAGMA application_id = 1234", "CREATE TABLE notes (body TEXT)", "INSERT INTO notes VALUES ('mine')")
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	os.Symlink(text, link)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	files, _ := os.ReadDir(dir)
	for _, tt := range []struct {
		name, path string
		want       error
		says       string
	}{
		{"a text file", text, ErrNotHistory, "is not a SQLite database"},
		{"another program's database", foreign, ErrNotHistory, "another application"},
		{"a FIFO", fifo, ErrNotHistory, "named pipe"},
		{"a character device", "/dev/zero", ErrNotHistory, "a character device"},
		{"a directory", dir, ErrNotHistory, "a directory"},
		{"a link to a text file", link, ErrNotHistory, "not a SQLite database"},
		{"an empty file", empty, ErrEmpty, "empty"},
		{"nothing", filepath.Join(dir, "missing.db"), fs.ErrNotExist, "missing.db"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before [32]byte
			regular := false
			if fi, err := os.Stat(tt.path); err == nil && fi.Mode().IsRegular() {
				before, regular = sha(t, tt.path), true
			}
			done := make(chan error, 1)
			go func() {
				s, err := OpenReader(tt.path)
				if err == nil {
					s.Close()
				}
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(time.Second):
				t.Fatalf("OpenReader(%s) still waits after a second", tt.name)
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("OpenReader(%s) = %v, want %v saying %q", tt.name, err, tt.want, tt.says)
			}
			if regular && sha(t, tt.path) != before {
				t.Errorf("OpenReader changed %s", tt.name)
			}
		})
	}
	if ents, _ := os.ReadDir(dir); len(ents) != len(files) {
		t.Errorf("the directory holds %d files after reading, want the %d it had", len(ents), len(files))
	}
}

// TestOpen_NotItsOwnFile: a recorder pointed elsewhere than the default path
// (a typo in the config) sets nothing aside, and never writes through a
// symbolic link.
func TestOpen_NotItsOwnFile(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "other.db")
	rawSQL(t, foreign, "CREATE TABLE notes (body TEXT)", "INSERT INTO notes VALUES ('mine')")
	text := filepath.Join(dir, "passwd")
	os.WriteFile(text, []byte("root:x:0:0\n"), 0o644)
	link := filepath.Join(dir, "history.db")
	os.Symlink(text, link)
	for _, p := range []string{foreign, text, link} {
		before := sha(t, p)
		if s, err := Open(p, Opts{}); !errors.Is(err, ErrNotHistory) {
			if err == nil {
				s.Close()
			}
			t.Errorf("Open(%s) = %v, want ErrNotHistory", p, err)
		}
		if sha(t, p) != before {
			t.Errorf("Open changed %s", p)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*.broken-*"))
	if len(matches) != 0 {
		t.Errorf("files set aside: %v", matches)
	}
}

// TestOpen_OneRecorder: a second recorder of the same file is told who
// records it, and does not record.
func TestOpen_OneRecorder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	first := open(t, path, Opts{})
	_, err := Open(path, Opts{})
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() || le.Path != path {
		t.Fatalf("second Open = %v, want a *LockedError naming process %d", err, os.Getpid())
	}
	first.Close()
	second, err := Open(path, Opts{})
	if err != nil {
		t.Fatalf("Open after the first recorder closed: %v", err)
	}
	second.Close()
}
