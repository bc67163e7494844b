// Package safefile reads and writes the files Helio takes from outside and
// the files it produces, so that no path can hurt it or be hurt by it.
// [Read] takes only a regular file of bounded size, and never blocks on a
// named pipe or reads a device without end; [Write] replaces a file whole
// or not at all, and never writes through what is not a regular file.
// Every file Helio reads (config, profile, device cache) and writes
// (config, device cache, history chart) goes through them.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrTooLarge is matched by Read's error for a file over its limit.
var ErrTooLarge = errors.New("file too large")

// tooLarge is Read's error for a file over its limit.
type tooLarge struct {
	path string
	max  int64
}

func (e tooLarge) Error() string        { return fmt.Sprintf("%s is larger than %s", e.path, size(e.max)) }
func (e tooLarge) Is(target error) bool { return target == ErrTooLarge }

// Read returns the content of the regular file at path, at most max
// bytes. Anything else is an error without waiting on it: a missing file
// wraps fs.ErrNotExist; a directory, a device, a named pipe or a socket
// wraps [ErrNotRegular] and says which; a larger file wraps
// [ErrTooLarge]. A symbolic link to a regular file reads as that file.
func Read(path string, max int64) ([]byte, error) {
	// Without O_NONBLOCK, opening a named pipe waits for a writer,
	// forever. The type is checked on the open file, not by name, so the
	// path cannot change between the check and the read.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		// A socket cannot even be opened (ENXIO): say what it is.
		if fi, serr := os.Stat(path); serr == nil && !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is %s, %w", path, Describe(fi.Mode()), ErrNotRegular)
		}
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, %w", path, Describe(fi.Mode()), ErrNotRegular)
	}
	if fi.Size() > max {
		return nil, tooLarge{path, max}
	}
	// Limited all the same: the file may grow after the Stat.
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, tooLarge{path, max}
	}
	return b, nil
}

func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Describe names what a file of this mode is, for messages: "a
// directory", "a named pipe", "a symbolic link"...
func Describe(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}
