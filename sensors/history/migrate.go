package history

import (
	"database/sql"
	"fmt"

	"github.com/helio-linux/helio/unifying"
)

// migrate brings a history written by an older Helio to SchemaVersion, in
// one transaction: a crash leaves the old file whole, which the next Open
// migrates. Only the recorder migrates ([Open]); a reader reads an older
// file as it is.
//
//   - 1 to 2: a device's identity no longer holds its receiver's serial
//     (unifying.Device.ID): "E0662192-4082-1A2B3C4D" becomes
//     "4082-1A2B3C4D", so that a device keeps one history on any receiver
//     and over Bluetooth. A device recorded under two receivers had two
//     identities: they become one, their rows merged (a row of each at the
//     same millisecond keeps the older identity's). A device whose serial
//     tells it from no other ("", 00000000) keeps its identity, which
//     holds its receiver's: the new one holds its slot as well, which the
//     history never knew, so it starts a new history.
func (s *Store) migrate() error {
	var version int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return s.readError(err)
	}
	if version == SchemaVersion {
		return nil
	}
	err := s.write(func(tx *sql.Tx) error {
		// Read again under the write lock: another recorder of an older
		// Helio does not run (the lock file), but a file may be copied
		// in between.
		if err := tx.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
			return err
		}
		if version == 1 {
			if err := migrate1(tx); err != nil {
				return err
			}
			version = 2
		}
		if version != SchemaVersion {
			return fmt.Errorf("no migration from schema version %d", version)
		}
		_, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion))
		return err
	})
	if err != nil {
		return s.fail("migrate to schema version "+fmt.Sprint(SchemaVersion), err)
	}
	return nil
}

// migrate1 re-keys the devices of a version 1 history (see migrate).
func migrate1(tx *sql.Tx) error {
	type row struct {
		id     int64
		wpid   uint16
		serial string
	}
	rows, err := tx.Query("SELECT id, wpid, serial FROM devices ORDER BY id")
	if err != nil {
		return err
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.wpid, &r.serial); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	kept := map[string]int64{} // new identity → the devices row that keeps it
	for _, r := range all {
		ident, ok := unifying.UnitIdentity(r.wpid, r.serial)
		if !ok {
			continue
		}
		into, merge := kept[ident]
		if !merge {
			if _, err := tx.Exec("UPDATE devices SET ident = ? WHERE id = ?", ident, r.id); err != nil {
				return err
			}
			kept[ident] = r.id
			continue
		}
		for _, q := range []string{
			"UPDATE OR IGNORE samples SET device = ? WHERE device = ?",
			"DELETE FROM samples WHERE device = ?",
			"DELETE FROM devices WHERE id = ?",
		} {
			args := []any{r.id}
			if q[0] == 'U' {
				args = []any{into, r.id}
			}
			if _, err := tx.Exec(q, args...); err != nil {
				return err
			}
		}
	}
	return nil
}
