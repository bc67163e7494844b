package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// checkReplaceable returns the regular file at path, or nil when there is
// none. Anything else at path (a symbolic link, a directory, a device, a
// pipe) is an error: writing through a link would change a file the user
// did not name, and a rename would replace the link itself.
func checkReplaceable(path string) (fs.FileInfo, error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, err
	case fi.Mode().IsRegular():
		return fi, nil
	}
	what := "a special file"
	switch m := fi.Mode(); {
	case m&fs.ModeSymlink != 0:
		what = "a symbolic link"
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeDevice != 0:
		what = "a device"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	}
	return nil, fmt.Errorf("%s is %s, not a regular file: not writing over it", path, what)
}

// replaceFile replaces the regular file at path (or creates it) with what
// write writes, so that path always holds either the previous file or the
// whole new one: write fills a temporary file in the same directory, which
// is synced, then renamed over path. On any error, or when ctx is done
// (checked at each write and before the rename), the temporary file is
// removed, path is untouched, and the error wraps the cause (ctx.Err()
// for a done context).
func replaceFile(ctx context.Context, path string, write func(io.Writer) error) (err error) {
	old, err := checkReplaceable(path)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	var f *os.File
	for range 100 {
		f, err = os.OpenFile(filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64(), 36)),
			os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			if ctx.Err() != nil {
				// Whatever failed, the cause is the interruption.
				err = fmt.Errorf("write %s: %w", path, ctx.Err())
			}
		}
	}()
	// A new file gets 0666 less the umask, as with os.Create; a replaced
	// one keeps its permissions.
	if old != nil {
		if err := f.Chmod(old.Mode().Perm()); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := write(ctxWriter{ctx, f}); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// The rename survives a power cut once the directory is synced. The
	// file is in place either way: a directory that cannot be synced
	// (some file systems refuse) is no reason to fail.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ctxWriter is a writer that fails once its context is done, so that a
// long encoding stops when the command is interrupted.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (w ctxWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	return w.w.Write(p)
}
