package cli

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestReplaceFile(t *testing.T) {
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
			err := replaceFile(ctx, path, func(w io.Writer) error { return tt.write(ctx, cancel, path, w) })
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("replaceFile() = %v, want %v", err, tt.wantErr)
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
