package history

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
)

// FuzzOpen gives Open whatever a history file may hold after a crash, a
// bad disk or a user's mistake: it must not panic, and it must either
// refuse the file with an error or open a store that works, having set a
// damaged file aside rather than truncating it.
func FuzzOpen(f *testing.F) {
	dir := f.TempDir()
	good := filepath.Join(dir, "good.db")
	s, err := Open(good, Opts{})
	if err != nil {
		f.Fatal(err)
	}
	s.Record(sensors.State{ID: "R-4002-S", Name: "K750", Online: true, Battery: &hidpp.Battery{Percent: 57, HasPercent: true}})
	s.Close()
	if b, err := os.ReadFile(good); err == nil {
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[:100])
	}
	f.Add([]byte("SQLite format 3\x00"))
	f.Add([]byte("not a database"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(t.TempDir(), "history.db")
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path, Opts{})
		if err != nil {
			return // refused, with a message: a newer schema, or unreadable
		}
		defer s.Close()
		now := time.Now()
		if err := s.Record(sensors.State{ID: "R-4082-S", Name: "MX", Online: true, SeenTime: now,
			Battery: &hidpp.Battery{Percent: 80, HasPercent: true, Status: hidpp.StatusDischarging}}); err != nil {
			t.Fatalf("Record into an opened store: %v", err)
		}
		if _, err := s.Devices(); err != nil {
			t.Fatalf("Devices of an opened store: %v", err)
		}
		if s.Warning() != "" {
			// The damaged file was set aside, not truncated: its bytes are kept.
			matches, _ := filepath.Glob(path + ".broken-*")
			found := false
			for _, m := range matches {
				if b, err := os.ReadFile(m); err == nil && string(b) == string(content) {
					found = true
				}
			}
			if !found && len(content) > 0 {
				t.Fatalf("warning %q but the original bytes were not kept", s.Warning())
			}
		}
	})
}
