package history

import (
	"database/sql"
	"time"
)

// hourMS is the width of the buckets rows older than Retention.Full are
// thinned to.
const hourMS = int64(time.Hour / time.Millisecond)

// Prune applies the retention now: rows older than Retention.Hourly are
// deleted, rows older than Retention.Full are thinned to the last one of
// each device and hour, devices left without rows are forgotten, and the
// freed pages are given back to the file system. Open calls it, and Record
// at most once an hour; calling it more often is harmless.
func (s *Store) Prune() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	return s.prune(s.opts.Now())
}

func (s *Store) prune(now time.Time) error {
	s.lastPrune = now
	hourly := now.Add(-s.opts.Retention.Hourly).UnixMilli()
	full := max(now.Add(-s.opts.Retention.Full).UnixMilli(), hourly)
	var deleted int64
	err := s.write(func(tx *sql.Tx) error {
		// The last row of each device is never thinned (no later row in
		// its hour), so the state at every hour boundary stays exact.
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`DELETE FROM samples WHERE time_ms < ?`, []any{hourly}},
			{`DELETE FROM samples WHERE time_ms < ? AND EXISTS (
				SELECT 1 FROM samples AS later WHERE later.device = samples.device
					AND later.time_ms > samples.time_ms
					AND later.time_ms < min(?, (samples.time_ms / ? + 1) * ?))`, []any{full, full, hourMS, hourMS}},
			{`DELETE FROM devices WHERE NOT EXISTS (SELECT 1 FROM samples WHERE device = devices.id)`, nil},
		} {
			r, err := tx.Exec(q.sql, q.args...)
			if err != nil {
				return err
			}
			n, _ := r.RowsAffected()
			deleted += n
		}
		return nil
	})
	if err != nil {
		return s.fail("apply the retention", err)
	}
	for id, d := range s.devices {
		if !d.hasLast || d.lastMS < hourly { // its rows, and its devices row, are gone
			delete(s.devices, id)
		}
	}
	if deleted > 0 {
		if _, err := s.db.Exec("PRAGMA incremental_vacuum"); err != nil {
			return s.fail("give freed pages back", err)
		}
	}
	return nil
}
