package history

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/helio-linux/helio/internal/safefile"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SchemaError is returned by Open for a database written by a newer Helio:
// its schema version is higher than this code knows. The file is left as it
// is; upgrading Helio reads it.
type SchemaError struct {
	Path    string
	Version int // the file's PRAGMA user_version
	Known   int // the newest version this code knows: SchemaVersion
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("history: %s has schema version %d, newer than this Helio knows (%d); upgrade Helio to use it (the file was left as it is)",
		e.Path, e.Version, e.Known)
}

// synchronous is PRAGMA synchronous. FULL, not NORMAL: in WAL mode NORMAL
// keeps the database consistent after a power loss but may lose the last
// commits, and FULL syncs the log at each commit so a committed change
// survives it too. Rows are written only when a figure changes (every few
// minutes), so the cost of one fsync per commit is nothing next to losing
// the end of the history. A kill -9 loses nothing with either: the kernel
// has the writes. Tests that only measure sizes may lower it.
var synchronous = "FULL"

// schema creates the tables of SchemaVersion. samples is WITHOUT ROWID with
// the primary key (device, time_ms): the table is its own (device, time)
// index, and every query and the retention walk it in that order.
const schema = `
CREATE TABLE IF NOT EXISTS devices (
	id       INTEGER PRIMARY KEY,
	ident    TEXT NOT NULL UNIQUE, -- sensors.State.ID: wpid and unit id (schema 2)
	name     TEXT NOT NULL,
	codename TEXT NOT NULL,
	kind     TEXT NOT NULL,        -- hidpp.Kind name
	wpid     INTEGER NOT NULL,
	serial   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS samples (
	device      INTEGER NOT NULL REFERENCES devices (id),
	time_ms     INTEGER NOT NULL, -- unix milliseconds: the figures hold from then to the next row
	online      INTEGER NOT NULL, -- 0 or 1
	percent     INTEGER,          -- 0..100, NULL when unknown
	approximate INTEGER NOT NULL, -- percent is a coarse step or an estimate
	level       TEXT,             -- hidpp.Level name, NULL when unknown
	status      TEXT,             -- hidpp.Status name, NULL when unknown
	voltage_mv  INTEGER,          -- NULL when not measured
	lux         INTEGER,          -- NULL when unknown or not a solar device
	PRIMARY KEY (device, time_ms)
) WITHOUT ROWID;
`

// sqliteHeader starts every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// Errors a caller tells apart.
var (
	// ErrReadOnly is returned by Record and Prune of a Store opened with
	// [OpenReader].
	ErrReadOnly = errors.New("history: opened for reading only")
	// ErrNotHistory is wrapped by the error for a file that is not a
	// Helio history (another program's database, any other file, a file
	// too damaged to read) where Helio may not set it aside: always when
	// reading, and when recording anywhere but the default path.
	ErrNotHistory = errors.New("not a Helio history")
	// ErrEmpty is returned by OpenReader for an empty file: nothing has
	// been recorded yet.
	ErrEmpty = errors.New("history: nothing recorded yet")
)

// LockedError is returned by Open when another process (or another Store
// of this one) records into the same database: one recorder per file, or
// every change would be written once by each.
type LockedError struct {
	Path string
	PID  int // the recorder's process, 0 when unknown
}

func (e *LockedError) Error() string {
	who := "another Helio"
	if e.PID > 0 {
		who = fmt.Sprintf("another Helio (process %d)", e.PID)
	}
	return fmt.Sprintf("history: %s records into %s already", who, e.Path)
}

// Open opens the history at path for recording (see DefaultPath),
// creating it and its directory when missing, and applies the retention.
// Only the process that records opens it so; readers use [OpenReader],
// which changes nothing.
//
// The file must be a regular file, or not exist: a symbolic link, a
// directory or a device at path is an error (the recorder never writes
// through a link to another file). One process records into a file at a
// time; another gets a [*LockedError]. At the default path, a file that is
// not a SQLite database, belongs to another application or fails PRAGMA
// quick_check is moved aside to PATH.broken-YYYYMMDD-HHMMSS with its -wal
// and -shm files, and a new history is started: Open returns the new
// Store, and its Warning says what happened. Anywhere else such a file is
// left alone and Open fails with an error wrapping [ErrNotHistory]: the
// path may have been mistyped. A file written by a newer Helio is not
// touched: Open returns a *SchemaError. A directory that cannot be created
// or written is an error that names it.
func Open(path string, opts Opts) (*Store, error) {
	if path == "" {
		return nil, errors.New("history: no database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	s := &Store{path: abs, opts: opts.fill(), devices: map[string]*device{}}
	if def, err := DefaultPath(); err == nil && def == abs {
		s.ownPath = true
	}
	if err := regularOrAbsent(abs, false); err != nil {
		return nil, err
	}
	dir := filepath.Dir(abs)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("history: cannot create the directory for %s: %w", abs, err)
	}
	if err := checkWritable(dir); err != nil {
		return nil, fmt.Errorf("history: cannot keep a history in %s: the directory is not writable: %w", dir, err)
	}
	if err := checkWritable(abs); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("history: cannot write %s: %w", abs, err)
	}
	if s.lock, err = lockRecorder(abs); err != nil {
		return nil, err
	}
	if err := s.open(); err != nil {
		s.lock.Close()
		return nil, err
	}
	if err := s.prune(s.opts.Now()); err != nil {
		s.db.Close()
		s.lock.Close()
		return nil, err
	}
	return s, nil
}

// OpenReader opens the history at path for reading only: "helio history"
// and the window's charts. It changes nothing, ever: no retention, no
// schema, nothing moved aside, the file opened read-only (a test checksums
// it). A missing file is an error wrapping fs.ErrNotExist, an empty one
// [ErrEmpty]; anything that is not a regular file holding a Helio history
// (a directory, a device, a FIFO, another program's database) is an error
// wrapping [ErrNotHistory], given without waiting on it. A symbolic link is
// followed: reading through it changes nothing.
func OpenReader(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	s := &Store{path: abs, readOnly: true, devices: map[string]*device{}}
	if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("history: %s: %w", abs, fs.ErrNotExist)
	}
	if err := regularOrAbsent(abs, true); err != nil {
		return nil, err
	}
	empty, broken, err := sniff(abs)
	switch {
	case err != nil:
		return nil, s.fail("read", err)
	case empty:
		return nil, fmt.Errorf("%w (%s is empty)", ErrEmpty, abs)
	case broken != "":
		return nil, fmt.Errorf("history: %s %s: %w", abs, broken, ErrNotHistory)
	}
	if s.db, err = sql.Open("sqlite", dsn(abs, true)); err != nil {
		return nil, fmt.Errorf("history: open %s: %w", abs, err)
	}
	fresh, broken, err := s.inspect(s.db, false)
	if dmg := damaged(err); dmg != "" {
		broken, err = dmg, nil
	}
	switch {
	case err != nil:
		s.db.Close()
		return nil, err
	case fresh:
		s.db.Close()
		return nil, fmt.Errorf("%w (%s has no tables yet)", ErrEmpty, abs)
	case broken != "":
		s.db.Close()
		return nil, fmt.Errorf("history: %s %s: %w", abs, broken, ErrNotHistory)
	}
	return s, nil
}

// regularOrAbsent checks that path is a regular file, or does not exist,
// without opening it (a FIFO would block an open). follow says whether a
// symbolic link may stand for its target.
func regularOrAbsent(path string, follow bool) error {
	stat := os.Lstat
	if follow {
		stat = os.Stat
	}
	fi, err := stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("history: %w", err)
	case fi.Mode().IsRegular():
		return nil
	}
	what := safefile.Describe(fi.Mode())
	if fi.Mode()&fs.ModeSymlink != 0 {
		what += " (Helio records only into a regular file of its own, never through a link)"
	}
	return fmt.Errorf("history: %s is %s: %w", path, what, ErrNotHistory)
}

// open opens s.path, moving a damaged or foreign file aside, creates the
// schema when new, and loads the last row of each device.
func (s *Store) open() error {
	fresh, broken, err := s.check()
	if err != nil {
		return err
	}
	if broken != "" && !s.ownPath {
		return fmt.Errorf("history: %s %s; it is not Helio's default history file, so it is left as it is (check the path, or move the file yourself): %w",
			s.path, broken, ErrNotHistory)
	}
	if broken != "" {
		aside, err := moveAside(s.path, s.opts.Now())
		if err != nil {
			return fmt.Errorf("history: %s %s, and could not be moved aside: %w", s.path, broken, err)
		}
		s.warning = fmt.Sprintf("history: %s %s; it was moved to %s and a new history started", s.path, broken, aside)
		if fresh, broken, err = s.check(); err != nil {
			return err
		}
		if broken != "" { // a file put back under our feet
			return fmt.Errorf("history: %s %s, even after moving the old one aside", s.path, broken)
		}
	}
	if fresh {
		if err := s.create(); err != nil {
			s.db.Close()
			return s.fail("create", err)
		}
	} else if err := s.migrate(); err != nil {
		s.db.Close()
		return err
	}
	// WAL lets a reader read while a writer writes, and a crash never
	// leaves a half-written page in the database. It is a property of the
	// file, set once; a file system that cannot do it keeps the rollback
	// journal, which is as safe but makes readers wait for writers.
	if _, err := s.db.Exec("PRAGMA journal_mode = WAL"); err != nil {
		s.db.Close()
		return s.fail("switch to WAL mode", err)
	}
	if err := s.load(); err != nil {
		s.db.Close()
		return err
	}
	return nil
}

// dsn is the driver's name for path: a file: URI (so any file name works)
// with the settings every connection gets. None of them writes to the file.
// A read-only connection never writes the database or its log, not even
// the checkpoint SQLite makes when the last connection closes.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(int(BusyTimeout/time.Millisecond))+")")
	q.Add("_pragma", "synchronous("+synchronous+")")
	q.Add("_pragma", "foreign_keys(1)")
	// Keep the write-ahead log from staying at its largest size after a
	// checkpoint.
	q.Add("_pragma", "journal_size_limit(1048576)")
	q.Set("_txlock", "immediate") // a write transaction takes the lock at BEGIN, waiting BusyTimeout for it
	if readOnly {
		q.Set("mode", "ro")
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// check looks at the file through a read-only connection, then opens s.db:
// fresh means the file is empty (or missing) and needs the schema; broken,
// when not empty, says why the file cannot be used and must be moved aside.
// A newer schema is a *SchemaError. Nothing is written.
func (s *Store) check() (fresh bool, broken string, err error) {
	empty, broken, err := sniff(s.path)
	if err != nil {
		return false, "", fmt.Errorf("history: read %s: %w", s.path, err)
	}
	if broken != "" {
		return false, broken, nil
	}
	fresh = empty
	if !empty {
		ro, err := sql.Open("sqlite", dsn(s.path, true))
		if err != nil {
			return false, "", fmt.Errorf("history: open %s: %w", s.path, err)
		}
		fresh, broken, err = s.inspect(ro, true)
		ro.Close()
		if dmg := damaged(err); dmg != "" {
			return false, dmg, nil
		}
		if err != nil || broken != "" {
			return false, broken, err
		}
	}
	if s.db, err = sql.Open("sqlite", dsn(s.path, false)); err != nil {
		return false, "", fmt.Errorf("history: open %s: %w", s.path, err)
	}
	return fresh, "", nil
}

// sniff reads the file's first bytes: a missing or empty file is empty, and
// anything but a SQLite header is not a database.
func sniff(path string) (empty bool, broken string, err error) {
	// O_NONBLOCK: a FIFO put at path after it was checked must not block.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return true, "", nil
	}
	if err != nil {
		return false, "", err
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	switch {
	case n == 0 && err == io.EOF:
		return true, "", nil
	case err != nil && err != io.ErrUnexpectedEOF:
		return false, "", err
	case !bytes.Equal(head[:n], sqliteHeader):
		return false, "is not a SQLite database", nil
	case n < len(sqliteHeader):
		return false, "is a truncated SQLite database", nil
	}
	return false, "", nil
}

// inspect reads the application and schema versions and, with check,
// runs quick_check (the recorder's, before it writes: a reader finds damage
// when it reads).
func (s *Store) inspect(db *sql.DB, check bool) (fresh bool, broken string, err error) {
	ctx := context.Background()
	var appID, version, objects int
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return false, "", s.readError(err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return false, "", s.readError(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&objects); err != nil {
		return false, "", s.readError(err)
	}
	switch {
	case appID == 0 && version == 0 && objects == 0:
		return true, "", nil
	case appID != ApplicationID:
		return false, fmt.Sprintf("is a SQLite database of another application (application_id 0x%08X)", uint32(appID)), nil
	case version > SchemaVersion:
		return false, "", &SchemaError{Path: s.path, Version: version, Known: SchemaVersion}
	case version < 1:
		return false, fmt.Sprintf("has an unknown schema version %d", version), nil
	case !check:
		return false, "", nil
	}
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return false, "", s.readError(err)
	}
	defer rows.Close()
	var first string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return false, "", s.readError(err)
		}
		if first == "" {
			first = line
		}
	}
	if err := rows.Err(); err != nil {
		return false, "", s.readError(err)
	}
	if first != "ok" {
		return false, "failed its integrity check (" + first + ")", nil
	}
	return false, "", nil
}

func (s *Store) readError(err error) error { return s.fail("read", err) }

// damaged says, for an error of SQLite's, whether it means the file is not
// a database or is corrupt (and how), or "" for any other error (a lock held
// too long, an I/O error), which must not get the file moved aside.
func damaged(err error) string {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return ""
	}
	switch se.Code() & 0xFF {
	case sqlite3.SQLITE_NOTADB:
		return "is not a SQLite database"
	case sqlite3.SQLITE_CORRUPT:
		return "is damaged (" + se.Error() + ")"
	}
	return ""
}

// moveAside renames path, and its -wal, -shm and -journal files, to
// PATH.broken-YYYYMMDD-HHMMSS (with a counter if that exists) and returns
// the new name of path.
func moveAside(path string, now time.Time) (string, error) {
	base := path + ".broken-" + now.Format("20060102-150405")
	aside := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(aside); errors.Is(err, fs.ErrNotExist) {
			break
		}
		aside = fmt.Sprintf("%s-%d", base, i)
	}
	if err := os.Rename(path, aside); err != nil {
		return "", err
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Rename(path+suffix, aside+suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return aside, err
		}
	}
	return aside, nil
}

// create writes the schema into a new file, in one transaction: a crash
// leaves an empty file, which the next Open fills.
func (s *Store) create() error {
	ctx := context.Background()
	// auto_vacuum must be set before the first table, on the connection
	// that creates it.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA auto_vacuum = INCREMENTAL"); err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version != 0 { // another process created it meanwhile
		return nil
	}
	for _, q := range []string{schema,
		fmt.Sprintf("PRAGMA application_id = %d", ApplicationID),
		fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion)} {
		if _, err := tx.Exec(q); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// load fills s.devices with every device and its last row.
func (s *Store) load() error {
	rows, err := s.db.Query(`SELECT d.ident, d.id, d.name, d.codename, d.kind, d.wpid, d.serial,
			s.time_ms, s.online, s.percent, s.approximate, s.level, s.status, s.voltage_mv, s.lux
		FROM devices d LEFT JOIN samples s
			ON s.device = d.id AND s.time_ms = (SELECT MAX(time_ms) FROM samples WHERE device = d.id)`)
	if err != nil {
		return s.readError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			ident                 string
			d                     device
			ms                    sql.NullInt64
			online, approx        sql.NullBool
			percent, voltage, lux sql.NullInt64
			level, status         sql.NullString
		)
		if err := rows.Scan(&ident, &d.key, &d.info.name, &d.info.codename, &d.info.kind, &d.info.wpid, &d.info.serial,
			&ms, &online, &percent, &approx, &level, &status, &voltage, &lux); err != nil {
			return s.readError(err)
		}
		if ms.Valid {
			d.hasLast, d.lastMS = true, ms.Int64
			d.last = figures{online: online.Bool, percent: -1, approximate: approx.Bool, level: level.String,
				status: status.String, voltageMV: int(voltage.Int64), lux: -1}
			if percent.Valid {
				d.last.percent = int(percent.Int64)
			}
			if lux.Valid {
				d.last.lux = int(lux.Int64)
			}
		}
		s.devices[ident] = &d
	}
	if err := rows.Err(); err != nil {
		return s.readError(err)
	}
	return nil
}
