// Package history keeps the battery and light readings of every device on
// disk, so front ends can say how long a battery lasts and how much light a
// solar keyboard gets (Solaar #72: nobody else keeps one).
//
// # Storage
//
// The history is an embedded SQLite database (modernc.org/sqlite, pure Go)
// in $XDG_STATE_HOME/helio/history.db ([DefaultPath]). It holds one row per
// change of a device's figures, not one per reading: a K750 read every
// minute in steady light costs nothing until its charge or light moves.
//
//	devices  one row per device identity (sensors.State.ID: wpid and
//	         unit id, the same on any receiver and over Bluetooth) with
//	         its latest name, codename, kind, wpid and serial
//	samples  (device, time_ms) primary key, so the table is its own
//	         (device, time) index; online, percent, approximate, level,
//	         status, voltage_mv, lux; NULL where the device did not say
//
// PRAGMA application_id is [ApplicationID] and PRAGMA user_version the
// schema version ([SchemaVersion]), so a file is recognised before anything
// is written to it.
//
// # Retention
//
// [Retention] keeps every change for Full (7 days by default), then at most
// one row per device per hour (the last of the hour, so the state at each
// hour boundary is exact) until Hourly (365 days), then deletes it. [Open]
// applies it, and [Store.Record] at most once an hour. Freed pages go back
// to the file system (auto_vacuum=INCREMENTAL), so the file stays small
// (TestSize_DeviceMonth bounds it; BenchmarkSize_DeviceMonth measures it).
//
// # Charts
//
// A row per change means the figures at the start of a range are those of
// the last row before it. [Store.Span] reads that row and the range's, and
// [SeriesOf] turns them into the step segments both front ends chart (the
// PNG of "helio history --png" and the window's charts), so they agree on
// what held when.
//
// # Safety
//
// The database runs in WAL mode with synchronous=FULL and every write in a
// transaction: a crash or a kill -9 at any moment leaves every committed
// change, and a power loss too. A reader (`helio history`) works while
// another process (the monitor) writes; both wait up to [BusyTimeout] for
// each other's locks.
//
// A file that is not SQLite, belongs to another application or fails
// PRAGMA quick_check is moved aside to history.db.broken-YYYYMMDD-HHMMSS
// (with its -wal and -shm) and a new history started; [Store.Warning] says
// so. A file written by a newer Helio (a higher user_version) is never
// touched: Open returns a [*SchemaError]. One written by an older Helio is
// migrated by the recorder, in one transaction, before it records; a
// reader reads it as it is (schema 1 keyed devices by their receiver too:
// the migration merges a device recorded under two receivers).
package history
