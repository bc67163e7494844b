package history

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// checkWritable reports whether this process may write path (a file or a
// directory). Root may write anything but a read-only file system.
func checkWritable(path string) error {
	if err := unix.Access(path, unix.W_OK); err != nil {
		return &os.PathError{Op: "access", Path: path, Err: err}
	}
	return nil
}

// diagnose says why a read or, with write, a write of the database at
// path failed, when the system can tell: SQLite reports a full disk (which
// a reader meets too, growing the shared-memory file), a file size limit
// (EFBIG) and most other write failures alike, as an I/O error.
func diagnose(path string, err error, write bool) string {
	dir := filepath.Dir(path)
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) == nil {
		if free := st.Bavail * uint64(st.Bsize); free < 1<<20 {
			return fmt.Sprintf("the file system of %s is full: %d KiB free", dir, free>>10)
		}
	}
	if !write {
		return ""
	}
	var rl unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_FSIZE, &rl) == nil && rl.Cur != unix.RLIM_INFINITY {
		for _, p := range []string{path + "-wal", path + "-journal", path} {
			if fi, err := os.Stat(p); err == nil && uint64(fi.Size())+16<<10 >= rl.Cur {
				return fmt.Sprintf("%s reached this process's file size limit (ulimit -f) of %d KiB", filepath.Base(p), rl.Cur>>10)
			}
		}
	}
	for _, p := range []string{dir, path} {
		if err := unix.Access(p, unix.W_OK); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Sprintf("%s is not writable: %v", p, err)
		}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xFF {
		case sqlite3.SQLITE_FULL:
			return "the disk is full"
		case sqlite3.SQLITE_READONLY:
			return "the database is read-only"
		}
	}
	return ""
}

// lockRecorder takes the recorder's lock of the database at path: an
// exclusive flock on PATH.lock, held until the returned file is closed,
// with this process's id in it for the message another recorder gets. A
// file of its own, not the database: closing a descriptor of the database
// would drop the POSIX locks SQLite holds on it in this process.
func lockRecorder(path string) (*os.File, error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0o600)
	if err != nil {
		return nil, fmt.Errorf("history: lock %s: %w", path, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("history: lock %s: %s.lock is not a regular file", path, path)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			var pid int
			fmt.Fscan(f, &pid)
			return nil, &LockedError{Path: path, PID: pid}
		}
		return nil, fmt.Errorf("history: lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "%d\n", os.Getpid())
	}
	return f, nil
}
