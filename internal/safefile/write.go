package safefile

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

	"golang.org/x/sys/unix"
)

// ErrNotRegular is wrapped by the error for a path that holds something
// other than a regular file: a directory, a device, a FIFO, a socket, or a
// symbolic link where [Opts.FollowLink] is not set. Writing there would
// change what the user did not name.
var ErrNotRegular = errors.New("not a regular file")

// Opts says how to write.
type Opts struct {
	// Perm is a new file's permission, less the umask; a file replaced
	// keeps its own. Zero means 0o600.
	Perm fs.FileMode
	// FollowLink replaces the file a symbolic link at the path names and
	// keeps the link (a config kept in a dotfiles repository). Without it
	// a link at the path is refused: replacing it would lose the link, and
	// writing through it would change another file.
	FollowLink bool
	// MkdirAll creates the directory, 0700, when it is missing.
	MkdirAll bool
}

// Write replaces the file at path with what write writes, so that whatever
// happens meanwhile (a crash, a kill, a full disk, a command interrupted)
// the path holds the previous file whole or the new one whole, never a
// part: the new content goes to a temporary file in the same directory,
// which is synced and renamed over the path, and the directory is synced.
// On any error,
// or when ctx is done (checked at each write and before the rename), the
// temporary file is removed and path is untouched; the error wraps the
// cause (ctx.Err() for a done context).
func Write(ctx context.Context, path string, o Opts, write func(io.Writer) error) (err error) {
	target, old, err := resolve(path, o.FollowLink)
	if err != nil {
		return err
	}
	if old != nil {
		// The rename needs only the directory's permission: a file this
		// user may not write must stay as it is all the same.
		if err := unix.Access(target, unix.W_OK); err != nil {
			return fmt.Errorf("write %s: %w", path, &fs.PathError{Op: "open", Path: target, Err: err})
		}
	}
	dir, base := filepath.Split(target)
	if o.MkdirAll {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	perm := o.Perm
	if perm == 0 {
		perm = 0o600
	}
	var f *os.File
	for range 100 {
		f, err = os.OpenFile(filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64(), 36)),
			os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
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
	if old != nil {
		if err := f.Chmod(old.Mode().Perm()); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := write(ctxWriter{ctx, f}); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: syncing: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, target); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// The rename survives a power cut once the directory is synced. The
	// file is in place either way: a directory that cannot be synced
	// (some file systems refuse) is no reason to fail.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Check says whether Write would refuse path, without writing: a command
// can refuse before hours of work rather than after.
func Check(path string, o Opts) error {
	_, _, err := resolve(path, o.FollowLink)
	return err
}

// resolve returns the file to replace (path, or with followLink the file a
// link at path names) and what is there now (nil when nothing is).
func resolve(path string, followLink bool) (string, fs.FileInfo, error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return path, nil, nil
	case err != nil:
		return "", nil, fmt.Errorf("write %s: %w", path, err)
	case fi.Mode().IsRegular():
		return path, fi, nil
	case fi.Mode()&fs.ModeSymlink != 0 && followLink:
		target, err := filepath.EvalSymlinks(path)
		if errors.Is(err, fs.ErrNotExist) {
			// A dangling link: write where it points.
			dest, err := os.Readlink(path)
			if err != nil {
				return "", nil, fmt.Errorf("write %s: %w", path, err)
			}
			if !filepath.IsAbs(dest) {
				dest = filepath.Join(filepath.Dir(path), dest)
			}
			return resolve(dest, false)
		}
		if err != nil {
			return "", nil, fmt.Errorf("write %s: following the link: %w", path, err)
		}
		return resolve(target, false)
	}
	return "", nil, fmt.Errorf("%s is %s, %w: not writing over it", path, Describe(fi.Mode()), ErrNotRegular)
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
