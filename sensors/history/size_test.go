package history

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// simulateMonth records a month of a K750 changing every 5 minutes (light
// following the day, charge drifting) and a mouse changing every 30 minutes
// (its voltage dropping), with the default retention, and returns the size
// of the file after the retention and Close.
func simulateMonth(t testing.TB, path string, keyboard, mice bool) (size int64, rows int) {
	c := &clock{now: t0}
	s, err := Open(path, Opts{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	const step = 5 * time.Minute
	for i := range 30 * 24 * 12 {
		c.Set(t0.Add(time.Duration(i) * step))
		if keyboard {
			h := c.Now().Hour()
			lux := 0
			if h >= 8 && h < 20 {
				lux = 150 + 40*(6-abs(h-14)) + i%7
			} else {
				lux = i % 3
			}
			if err := s.Record(k750(60+int(10*sinish(i)), lux)); err != nil {
				t.Fatal(err)
			}
		}
		if mice && i%6 == 0 {
			if err := s.Record(mouse(4100 - (i/6)%600)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Prune(); err != nil {
		t.Fatal(err)
	}
	ds, _ := s.Devices()
	for _, d := range ds {
		rows += d.Samples
	}
	s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size(), rows
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// sinish is a cheap slow wave in -1..1 with a period of a day of 5-minute
// steps.
func sinish(i int) float64 {
	p := float64(i%288) / 288
	if p < 0.5 {
		return 4*p - 1
	}
	return 3 - 4*p
}

// TestSize_DeviceMonth checks that the retention keeps the file small: a
// month of a K750 changing every 5 minutes and a mouse every 30 stays well
// under 1 MiB. BenchmarkSize_DeviceMonth reports the sizes.
func TestSize_DeviceMonth(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("writes 13,000 rows: two minutes under -race, 4 s without; run go test -run Size ./sensors/history")
	}
	fastSync(t)
	both, _ := simulateMonth(t, filepath.Join(t.TempDir(), "both.db"), true, true)
	if both > 1<<20 {
		t.Errorf("a month of two devices takes %d KiB, want under 1 MiB", both>>10)
	}
}

// BenchmarkSize_DeviceMonth reports the database's size after a month at
// the default retention: KiB for a K750 changing every 5 minutes, for a
// mouse changing every 30, for an empty database, and the bytes a row.
func BenchmarkSize_DeviceMonth(b *testing.B) {
	fastSync(b)
	var kb, ms, empty int64
	var kbRows int
	for b.Loop() {
		dir := b.TempDir()
		kb, kbRows = simulateMonth(b, filepath.Join(dir, "k750.db"), true, false)
		ms, _ = simulateMonth(b, filepath.Join(dir, "mouse.db"), false, true)
		p := filepath.Join(dir, "empty.db")
		open(b, p, Opts{}).Close()
		fi, _ := os.Stat(p)
		empty = fi.Size()
	}
	b.ReportMetric(float64(kb)/1024, "KiB-k750-month")
	b.ReportMetric(float64(ms)/1024, "KiB-mouse-month")
	b.ReportMetric(float64(empty)/1024, "KiB-empty")
	b.ReportMetric(float64(kb-empty)/float64(kbRows), "B/row")
}

// BenchmarkRecord records a changed state each time, committed with
// synchronous=FULL as in use.
func BenchmarkRecord(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "history.db"), Opts{})
	i := 0
	for b.Loop() {
		i++
		if err := s.Record(k750(50, i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecord_NoFsync is BenchmarkRecord without the fsync: the CPU
// cost of a Record.
func BenchmarkRecord_NoFsync(b *testing.B) {
	fastSync(b)
	s := open(b, filepath.Join(b.TempDir(), "history.db"), Opts{})
	i := 0
	for b.Loop() {
		i++
		if err := s.Record(k750(50, i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecord_Unchanged records the same state: no write.
func BenchmarkRecord_Unchanged(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "history.db"), Opts{})
	st := k750(50, 12)
	for b.Loop() {
		if err := s.Record(st); err != nil {
			b.Fatal(err)
		}
	}
}
