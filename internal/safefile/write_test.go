package safefile

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWrite(t *testing.T) {
	errWrite := errors.New("the encoder failed")
	tests := []struct {
		name    string
		old     string // "": no file before
		perm    fs.FileMode
		write   func(ctx context.Context, cancel func(), path string, w io.Writer) error
		want    string
		wantErr error
	}{
		{"new file", "", 0, func(_ context.Context, _ func(), _ string, w io.Writer) error {
			_, err := io.WriteString(w, "new")
			return err
		}, "new", nil},
		{"replaced, keeping its permissions", "old", 0o640, func(_ context.Context, _ func(), path string, w io.Writer) error {
			if _, err := io.WriteString(w, "new"); err != nil {
				return err
			}
			// Until the rename, path holds the previous file.
			if b, err := os.ReadFile(path); err != nil || string(b) != "old" {
				t.Errorf("while writing, the file holds %q (%v), want the previous one", b, err)
			}
			return nil
		}, "new", nil},
		{"write fails half way", "old", 0o644, func(_ context.Context, _ func(), _ string, w io.Writer) error {
			io.WriteString(w, "ne")
			return errWrite
		}, "old", errWrite},
		{"canceled while writing", "old", 0o644, func(_ context.Context, cancel func(), _ string, w io.Writer) error {
			io.WriteString(w, "ne")
			cancel()
			_, err := io.WriteString(w, "w")
			return err
		}, "old", context.Canceled},
		{"canceled after writing", "old", 0o644, func(_ context.Context, cancel func(), _ string, w io.Writer) error {
			_, err := io.WriteString(w, "new")
			cancel()
			return err
		}, "old", context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "chart.png")
			if tt.old != "" {
				if err := os.WriteFile(path, []byte(tt.old), tt.perm); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.perm); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			err := Write(ctx, path, Opts{}, func(w io.Writer) error { return tt.write(ctx, cancel, path, w) })
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Write() = %v, want %v", err, tt.wantErr)
			}
			b, rerr := os.ReadFile(path)
			if rerr != nil || string(b) != tt.want {
				t.Errorf("the file holds %q (%v), want %q", b, rerr, tt.want)
			}
			if fi, err := os.Stat(path); err == nil && tt.perm != 0 && fi.Mode().Perm() != tt.perm {
				t.Errorf("the file's permissions are %v, want %v", fi.Mode().Perm(), tt.perm)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("the directory holds %d files, want only chart.png", len(entries))
			}
		})
	}
}

// TestWrite_Refused: whatever is not a regular file at the path is left
// alone; a link is followed only when asked, and then keeps pointing at the
// file it names, which holds the new content.
func TestWrite_Refused(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("precious"), 0o644)
	link := filepath.Join(dir, "link")
	os.Symlink(target, link)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	write := func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }
	for _, p := range []string{link, fifo, dir, "/dev/null"} {
		if err := Check(p, Opts{}); !errors.Is(err, ErrNotRegular) {
			t.Errorf("Check(%s) = %v, want ErrNotRegular", p, err)
		}
		if err := Write(context.Background(), p, Opts{}, write); !errors.Is(err, ErrNotRegular) {
			t.Errorf("Write(%s) = %v, want ErrNotRegular", p, err)
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "precious" {
		t.Errorf("the link's target holds %q", b)
	}
	if err := Write(context.Background(), link, Opts{FollowLink: true}, write); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link is gone: %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("writing through the link left its target holding %q", b)
	}
}
