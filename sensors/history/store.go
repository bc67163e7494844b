package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
)

// ApplicationID is PRAGMA application_id of a Helio history: "Heli" in
// ASCII. A SQLite file with another one belongs to another program.
const ApplicationID = 0x48656C69

// SchemaVersion is PRAGMA user_version of the schema this code writes. A
// file with a higher one was written by a newer Helio and is left alone;
// one with a lower one is read as it is, and migrated by the recorder.
//
//	1  devices keyed by receiver serial, wpid and device serial
//	2  devices keyed by wpid and unit id (unifying.Device.ID)
const SchemaVersion = 2

// BusyTimeout is how long a connection waits for another one's lock (the
// monitor writing while `helio history` reads) before giving up.
const BusyTimeout = 5 * time.Second

// Retention says how long rows are kept.
type Retention struct {
	// Full is how long every change is kept. Zero means DefaultRetention.Full.
	Full time.Duration
	// Hourly is how long rows are kept at all. Rows older than Full are
	// thinned to at most one per device per hour (the last of each hour);
	// rows older than Hourly are deleted. Zero means
	// DefaultRetention.Hourly. When Hourly is shorter than Full, rows are
	// kept whole for Hourly and then deleted.
	Hourly time.Duration
}

// DefaultRetention keeps every change for 7 days and hourly figures for a
// year (BenchmarkSize_DeviceMonth measures what that takes on disk).
var DefaultRetention = Retention{Full: 7 * 24 * time.Hour, Hourly: 365 * 24 * time.Hour}

// Opts tunes a Store. The zero value is the default.
type Opts struct {
	Retention Retention
	// Now is the clock, which stamps rows and drives the retention;
	// default time.Now.
	Now func() time.Time
}

func (o Opts) fill() Opts {
	if o.Retention.Full <= 0 {
		o.Retention.Full = DefaultRetention.Full
	}
	if o.Retention.Hourly <= 0 {
		o.Retention.Hourly = DefaultRetention.Hourly
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// pruneInterval is how often Record applies the retention.
const pruneInterval = time.Hour

// Sample is one stored change of a device's figures: they held from Time
// until the next Sample.
type Sample struct {
	Time        time.Time
	Online      bool
	Percent     int  // 0..100; -1 unknown
	Approximate bool // Percent is a coarse step or an estimate from voltage
	Level       hidpp.Level
	Status      hidpp.Status
	VoltageMV   int // 0 when not measured
	Lux         int // -1 unknown, or not a solar device
}

// State is what the sample says of its device, as a [sensors.State] that
// holds only the figures, so that front ends word a stored row as they word
// a live device ([sensors.State.Figures], [hidpp.Battery.Figure]).
func (s Sample) State() sensors.State {
	st := sensors.State{Online: s.Online, Solar: s.Lux >= 0}
	if s.Percent >= 0 || s.Level != hidpp.LevelUnknown || s.Status != hidpp.StatusUnknown || s.VoltageMV != 0 {
		st.Battery = &hidpp.Battery{Percent: max(s.Percent, 0), HasPercent: s.Percent >= 0, Approximate: s.Approximate,
			Level: s.Level, Status: s.Status, VoltageMV: s.VoltageMV}
	}
	if s.Lux >= 0 {
		st.Light = &sensors.Light{Lux: s.Lux}
	}
	return st
}

// Device is a device of the history, with the latest name it was seen with.
type Device struct {
	ID       string // sensors.State.ID: wpid and unit id (receiver serial first in a file of schema 1)
	Name     string
	Codename string
	Kind     string // hidpp.Kind name
	WPID     uint16
	Serial   string

	First, Last time.Time // times of its oldest and newest stored rows
	Samples     int       // stored rows
}

// Store is an open history database. It is safe for concurrent use. Several
// Stores (in one process or several) may share a file; each remembers the
// last row it knows of each device, so only one of them should record a
// given device.
type Store struct {
	path     string
	db       *sql.DB
	opts     Opts
	warning  string
	readOnly bool     // opened by OpenReader
	ownPath  bool     // path is DefaultPath: a broken file there may be moved aside
	lock     *os.File // the recorder's lock, held until Close

	mu        sync.Mutex
	closed    bool
	devices   map[string]*device // by sensors.State.ID
	lastPrune time.Time
}

// device is what a Store remembers of a device: its row in the devices
// table, and its last sample, to store changes only.
type device struct {
	key     int64 // devices.id
	info    identity
	hasLast bool
	last    figures
	lastMS  int64
}

// identity is the devices table's descriptive columns.
type identity struct {
	name, codename, kind string
	wpid                 uint16
	serial               string
}

// figures is what a sample stores. A new row is written when they change.
type figures struct {
	online      bool
	percent     int // -1 unknown
	approximate bool
	level       string // "" unknown
	status      string // "" unknown
	voltageMV   int    // 0 unknown
	lux         int    // -1 unknown
}

func figuresOf(s sensors.State) figures {
	f := figures{online: s.Online, percent: -1, lux: -1}
	if b := s.Battery; b != nil {
		if b.HasPercent {
			f.percent, f.approximate = b.Percent, b.Approximate
		}
		if b.Level != hidpp.LevelUnknown {
			f.level = b.Level.String()
		}
		if b.Status != hidpp.StatusUnknown {
			f.status = b.Status.String()
		}
		f.voltageMV = b.VoltageMV
	}
	if s.Light != nil {
		f.lux = s.Light.Lux
	}
	return f
}

// identityOf is the devices row for s. A name or codename the state does not
// know (a device never reached) keeps the one stored.
func identityOf(s sensors.State, old *device) identity {
	id := identity{name: s.Name, codename: s.Codename, kind: s.Kind.String(), wpid: s.WPID, serial: s.Serial}
	if old != nil {
		if id.name == "" {
			id.name = old.info.name
		}
		if id.codename == "" {
			id.codename = old.info.codename
		}
		if s.Kind == hidpp.KindUnknown {
			id.kind = old.info.kind
		}
	}
	return id
}

var errClosed = errors.New("history: store is closed")

// writable says why s cannot be written, if it cannot. s.mu must be held.
func (s *Store) writable() error {
	switch {
	case s.closed:
		return errClosed
	case s.readOnly:
		return ErrReadOnly
	}
	return nil
}

// DefaultPath is $XDG_STATE_HOME/helio/history.db, or
// ~/.local/state/helio/history.db when XDG_STATE_HOME is unset or not an
// absolute path (as the XDG base directory specification says).
func DefaultPath() (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("history: find the state directory: %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "helio", "history.db"), nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Warning says what Open had to do to a damaged or foreign file (which file,
// and where it was moved), or is empty. Front ends should show it once.
func (s *Store) Warning() string { return s.warning }

// Record stores s when its figures (online, percent, level, status, voltage,
// lux) differ from the last row stored for the device, stamped with the
// Store's clock; the same state recorded twice is written once. The
// device's name, codename, kind, wpid and serial are updated when they
// change. Once an hour Record also applies the retention (see Prune); an
// error from it is returned too, the change being stored already.
//
// A failed write (a full disk, an unwritable file) returns an error naming
// the file and, where it can tell, why; nothing is half-written, and the
// next Record tries again.
func (s *Store) Record(st sensors.State) error {
	if st.ID == "" {
		return errors.New("history: cannot record a state without a device ID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	now := s.opts.Now()
	f := figuresOf(st)
	d := s.devices[st.ID]
	info := identityOf(st, d)
	needDevice := d == nil || d.info != info
	needRow := d == nil || !d.hasLast || d.last != f
	if needDevice || needRow {
		ms := now.UnixMilli()
		if d != nil && d.hasLast && ms <= d.lastMS && ms > d.lastMS-1000 {
			// Two changes in one millisecond are two rows: keep both, in
			// order. A clock set back by more than a second is believed.
			ms = d.lastMS + 1
		}
		var key int64
		if d != nil {
			key = d.key
		}
		err := s.write(func(tx *sql.Tx) error {
			if needDevice {
				err := tx.QueryRow(`INSERT INTO devices (ident, name, codename, kind, wpid, serial) VALUES (?, ?, ?, ?, ?, ?)
					ON CONFLICT (ident) DO UPDATE SET name = excluded.name, codename = excluded.codename,
						kind = excluded.kind, wpid = excluded.wpid, serial = excluded.serial
					RETURNING id`, st.ID, info.name, info.codename, info.kind, info.wpid, info.serial).Scan(&key)
				if err != nil {
					return err
				}
			}
			if needRow {
				_, err := tx.Exec(`INSERT OR REPLACE INTO samples (device, time_ms, online, percent, approximate, level, status, voltage_mv, lux)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, key, ms, f.online, nullInt(f.percent, -1), f.approximate,
					nullString(f.level), nullString(f.status), nullInt(f.voltageMV, 0), nullInt(f.lux, -1))
				return err
			}
			return nil
		})
		if err != nil {
			return s.fail("record "+st.ID, err)
		}
		if d == nil {
			d = &device{}
			s.devices[st.ID] = d
		}
		d.key, d.info = key, info
		if needRow {
			d.hasLast, d.last, d.lastMS = true, f, ms
		}
	}
	if now.Sub(s.lastPrune) >= pruneInterval || now.Before(s.lastPrune) {
		return s.prune(now)
	}
	return nil
}

// write runs fn in a transaction (BEGIN IMMEDIATE: it waits for another
// writer's lock up to BusyTimeout) and commits it.
func (s *Store) write(fn func(tx *sql.Tx) error) error {
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// fail wraps a failed read or write with the file and, where the system
// can tell, the reason in words (a full disk, a file size limit,
// permissions), which SQLite reports alike as an I/O error.
func (s *Store) fail(op string, err error) error {
	if why := diagnose(s.path, err, op != "read"); why != "" {
		return fmt.Errorf("history: %s: %s: %s (%w)", s.path, op, why, err)
	}
	return fmt.Errorf("history: %s: %s: %w", s.path, op, err)
}

func nullInt(v, unknown int) sql.NullInt64 {
	return sql.NullInt64{Int64: int64(v), Valid: v != unknown}
}

func nullString(v string) sql.NullString { return sql.NullString{String: v, Valid: v != ""} }

// Query is QueryContext with a context that is never done.
func (s *Store) Query(id string, since, until time.Time) ([]Sample, error) {
	return s.QueryContext(context.Background(), id, since, until)
}

// QueryContext returns the stored changes of the device id (a
// sensors.State.ID) from since to until, both included, oldest first. A
// zero since or until leaves that end open. An unknown device has no
// samples. When ctx is done, it stops reading and returns an error that
// wraps ctx.Err(): a year of a busy device is millions of rows.
func (s *Store) QueryContext(ctx context.Context, id string, since, until time.Time) ([]Sample, error) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !since.IsZero() {
		lo = since.UnixMilli()
	}
	if !until.IsZero() {
		hi = until.UnixMilli()
	}
	return s.query(ctx, id, `SELECT time_ms, online, percent, approximate, level, status, voltage_mv, lux
		FROM samples WHERE device = (SELECT id FROM devices WHERE ident = ?) AND time_ms BETWEEN ? AND ?
		ORDER BY time_ms`, id, lo, hi)
}

// LastBefore returns the last stored change of the device id before t,
// and whether there is one: the figures that held at t when no change was
// stored then, as the history keeps a row per change only.
func (s *Store) LastBefore(ctx context.Context, id string, t time.Time) (Sample, bool, error) {
	out, err := s.query(ctx, id, `SELECT time_ms, online, percent, approximate, level, status, voltage_mv, lux
		FROM samples WHERE device = (SELECT id FROM devices WHERE ident = ?) AND time_ms < ?
		ORDER BY time_ms DESC LIMIT 1`, id, t.UnixMilli())
	if err != nil || len(out) == 0 {
		return Sample{}, false, err
	}
	return out[0], true, nil
}

// Span returns the samples that tell the figures of the device id over
// [since, until], oldest first: the last change stored before since (the
// figures that held at since), if any, then those of QueryContext. It is
// the input [SeriesOf] wants.
func (s *Store) Span(ctx context.Context, id string, since, until time.Time) ([]Sample, error) {
	before, ok, err := s.LastBefore(ctx, id, since)
	if err != nil {
		return nil, err
	}
	in, err := s.QueryContext(ctx, id, since, until)
	if err != nil || !ok {
		return in, err
	}
	return append([]Sample{before}, in...), nil
}

// query runs a SELECT of samples columns, in that order, and reads its
// rows, checking ctx between them.
func (s *Store) query(ctx context.Context, id, query string, args ...any) ([]Sample, error) {
	fail := func(err error) error {
		if ctx.Err() != nil {
			// SQLite interrupted by a done context says "interrupted":
			// the cause is what callers look for.
			err = ctx.Err()
		}
		return fmt.Errorf("history: query %s in %s: %w", id, s.path, err)
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fail(err)
	}
	defer rows.Close()
	out := []Sample{}
	for rows.Next() {
		// database/sql ends the rows of a done context itself, but only
		// once its watcher goroutine runs: checking here stops at once.
		if len(out)%1024 == 1023 && ctx.Err() != nil {
			return nil, fail(ctx.Err())
		}
		var (
			ms                    int64
			online, approx        bool
			percent, voltage, lux sql.NullInt64
			level, status         sql.NullString
		)
		if err := rows.Scan(&ms, &online, &percent, &approx, &level, &status, &voltage, &lux); err != nil {
			return nil, fail(err)
		}
		smp := Sample{Time: time.UnixMilli(ms), Online: online, Percent: -1, Approximate: approx,
			VoltageMV: int(voltage.Int64), Lux: -1}
		// A name this version does not know reads as unknown.
		smp.Level, _ = hidpp.ParseLevel(level.String)
		smp.Status, _ = hidpp.ParseStatus(status.String)
		if percent.Valid {
			smp.Percent = int(percent.Int64)
		}
		if lux.Valid {
			smp.Lux = int(lux.Int64)
		}
		out = append(out, smp)
	}
	if err := rows.Err(); err != nil {
		return nil, fail(err)
	}
	return out, nil
}

// Devices lists every device of the history, by name.
func (s *Store) Devices() ([]Device, error) {
	rows, err := s.db.Query(`SELECT d.ident, d.name, d.codename, d.kind, d.wpid, d.serial,
			MIN(s.time_ms), MAX(s.time_ms), COUNT(s.time_ms)
		FROM devices d LEFT JOIN samples s ON s.device = d.id
		GROUP BY d.id ORDER BY d.name, d.ident`)
	if err != nil {
		return nil, fmt.Errorf("history: list devices in %s: %w", s.path, err)
	}
	defer rows.Close()
	out := []Device{}
	for rows.Next() {
		var (
			d           Device
			first, last sql.NullInt64
		)
		if err := rows.Scan(&d.ID, &d.Name, &d.Codename, &d.Kind, &d.WPID, &d.Serial, &first, &last, &d.Samples); err != nil {
			return nil, fmt.Errorf("history: list devices in %s: %w", s.path, err)
		}
		if first.Valid {
			d.First, d.Last = time.UnixMilli(first.Int64), time.UnixMilli(last.Int64)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: list devices in %s: %w", s.path, err)
	}
	return out, nil
}

// Close closes the database; the last connection to close checkpoints the
// write-ahead log into the file. Close may be called more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.db.Close()
	if s.lock != nil {
		// After the database: the lock file is not the database, and its
		// close cannot drop SQLite's own locks.
		s.lock.Close()
	}
	if err != nil {
		return fmt.Errorf("history: close %s: %w", s.path, err)
	}
	return nil
}
