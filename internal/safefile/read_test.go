package safefile

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	os.WriteFile(small, []byte("hello"), 0o600)
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, 2048), 0o600)
	link := filepath.Join(dir, "link")
	os.Symlink(small, link)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, tt := range []struct {
		path, want string
		err        error
	}{
		{small, "hello", nil},
		{link, "hello", nil},
		{big, "", ErrTooLarge},
		{fifo, "a named pipe", ErrNotRegular},
		{sock, "a socket", ErrNotRegular},
		{dir, "a directory", ErrNotRegular},
		{"/dev/zero", "a character device", ErrNotRegular},
		{filepath.Join(dir, "missing"), "", fs.ErrNotExist},
	} {
		done := make(chan struct{})
		var b []byte
		var err error
		go func() { b, err = Read(tt.path, 1024); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Second):
			t.Fatalf("Read(%s) still waits after a second", tt.path)
		}
		switch {
		case tt.err == nil && (err != nil || string(b) != tt.want):
			t.Errorf("Read(%s) = %q, %v; want %q", tt.path, b, err, tt.want)
		case tt.err != nil && (!errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Read(%s) = %v, want %v saying %q", tt.path, err, tt.err, tt.want)
		}
	}
}
