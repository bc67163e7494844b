package unifying

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/safefile"
)

// Known is what is remembered about a device between runs.
type Known struct {
	Codename string `json:"codename"`
	// NoCodename says the receiver keeps none for the device (its 0x4n
	// answers an error, as the C534's does), so an empty Codename is all
	// there is to know, not something still to ask.
	NoCodename bool        `json:"no_codename,omitempty"`
	Device     hidpp.Known `json:"device"`
}

// KnownReceiver is what is remembered about a receiver between runs, for
// one plugging-in of it ([transport.Pairing]): its identity, read from its
// registers once in that plugging-in, and its paired devices as its
// pairing registers last listed them.
type KnownReceiver struct {
	Plugging   string `json:"plugging"`
	PID        uint16 `json:"pid"`
	Serial     string `json:"serial"`
	Firmware   string `json:"firmware"`
	Bootloader string `json:"bootloader"`
	MaxDevices int    `json:"max_devices"`
	// Identified says the fields above were read from the receiver in
	// this plugging-in (entries written before it was kept lack it, and
	// are read again).
	Identified bool `json:"identified,omitempty"`
	// Listed says Slots holds what the pairing registers listed, which
	// may be no device at all.
	Listed bool   `json:"listed"`
	Slots  []Slot `json:"slots,omitempty"`
	// NoPairing says the receiver answers no pairing register: its
	// devices are listed without them.
	NoPairing bool `json:"no_pairing,omitempty"`
}

// Slot is a paired device as the receiver's pairing registers describe it.
type Slot struct {
	Index          byte       `json:"index"`
	WPID           uint16     `json:"wpid"`
	Serial         string     `json:"serial"`
	Kind           hidpp.Kind `json:"kind"`
	ReportInterval int        `json:"report_interval,omitempty"`
	PowerSwitch    int        `json:"power_switch,omitempty"`
}

// Cache remembers what was learned about devices, keyed by [Device.CacheKey], and
// about receivers, keyed by where they are plugged in, so that a second run
// does not ask again. Implementations must be safe for concurrent use.
type Cache interface {
	Load(id string) (Known, bool)
	Store(id string, k Known)
	LoadReceiver(key string) (KnownReceiver, bool)
	StoreReceiver(key string, k KnownReceiver)
}

// cacheVersion is bumped when the meaning of the file changes; a file of
// another version is ignored and rewritten.
const cacheVersion = 2

// cacheFile is the file's layout. Every entry carries a checksum of its key
// and contents: one changed outside Helio, by hand or by damage, no longer
// matches and is dropped as unknown. Helio acts on what its cache says
// without asking (a cached feature index takes a request that changes
// something on a device), so it acts only on what it wrote itself. The sum
// guards against accidents, not against someone set on fooling it: who may
// write the cache may write to the receiver too.
type cacheFile struct {
	Version   int                      `json:"version"`
	Devices   map[string]deviceEntry   `json:"devices"`
	Receivers map[string]receiverEntry `json:"receivers,omitempty"`
}

type deviceEntry struct {
	Known
	Sum string `json:"sum"`
}

type receiverEntry struct {
	KnownReceiver
	Sum string `json:"sum"`
}

// entrySum is the checksum of an entry: SHA-256 of its key and its JSON,
// the first 16 bytes in hex.
func entrySum(key string, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "" // never the sum of an entry: it is dropped
	}
	h := sha256.New()
	h.Write([]byte(key))
	h.Write([]byte{0})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// FileCache is a Cache kept in a JSON file. It loads the file once, and
// Flush writes it back atomically (a temporary file renamed over the old
// one), so a crash leaves the old file or the new one, never a mix. A file
// that cannot be parsed is a cache miss, reported by Warning, and is
// replaced on the next Flush: losing a cache costs only requests.
type FileCache struct {
	path string

	mu        sync.Mutex
	devices   map[string]Known
	receivers map[string]KnownReceiver
	dirty     bool
	broken    bool // the path holds what is not a regular file: never written
	warning   error
}

// DefaultCachePath is $XDG_CACHE_HOME/helio/devices.json, or
// ~/.cache/helio/devices.json.
func DefaultCachePath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find cache directory: %w", err)
	}
	return filepath.Join(dir, "helio", "devices.json"), nil
}

// maxCacheSize bounds the cache file read: a few devices take a few KiB,
// and a path that leads to a huge or endless file must not fill the
// memory.
const maxCacheSize = 1 << 20

// OpenFileCache loads the cache at path. A missing file is an empty cache;
// anything that is not a regular file of at most 1 MiB is not read (and
// not replaced: [FileCache.Flush] writes only over a regular file).
func OpenFileCache(path string) *FileCache {
	c := &FileCache{path: path, devices: map[string]Known{}, receivers: map[string]KnownReceiver{}}
	b, err := safefile.Read(path, maxCacheSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		c.warning = fmt.Errorf("device cache unreadable, not used: %w", err)
		c.broken = errors.Is(err, safefile.ErrNotRegular)
	default:
		var f cacheFile
		if err := json.Unmarshal(b, &f); err != nil || f.Version != cacheVersion || f.Devices == nil {
			c.warning = fmt.Errorf("device cache %s is damaged or from another version; it will be rebuilt", path)
			c.dirty = true
			break
		}
		changed := 0
		for id, e := range f.Devices {
			if e.Sum != entrySum(id, e.Known) {
				changed++
				continue
			}
			c.devices[id] = e.Known
		}
		for key, e := range f.Receivers {
			if e.Sum != entrySum(key, e.KnownReceiver) {
				changed++
				continue
			}
			c.receivers[key] = e.KnownReceiver
		}
		if changed > 0 {
			c.warning = fmt.Errorf("device cache %s: %d entries were changed outside Helio; what they said is learned again", path, changed)
			c.dirty = true
		}
	}
	return c
}

// Warning says why the file on disk was not used, or is nil.
func (c *FileCache) Warning() error { return c.warning }

// Load implements Cache.
func (c *FileCache) Load(id string) (Known, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.devices[id]
	return k, ok
}

// Store implements Cache.
func (c *FileCache) Store(id string, k Known) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.devices[id]
	if ok && same(old, k) {
		return
	}
	c.devices[id] = k
	c.dirty = true
}

// LoadReceiver implements Cache.
func (c *FileCache) LoadReceiver(key string) (KnownReceiver, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.receivers[key]
	return k, ok
}

// StoreReceiver implements Cache.
func (c *FileCache) StoreReceiver(key string, k KnownReceiver) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.receivers[key]
	if ok && same(old, k) {
		return
	}
	c.receivers[key] = k
	c.dirty = true
}

// same reports whether a and b are written alike.
func same(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// Flush writes the cache to disk if it changed.
func (c *FileCache) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return nil
	}
	if c.broken {
		return nil // something that is not a cache file stands at the path
	}
	f := cacheFile{Version: cacheVersion, Devices: make(map[string]deviceEntry, len(c.devices)),
		Receivers: make(map[string]receiverEntry, len(c.receivers))}
	for id, k := range c.devices {
		f.Devices[id] = deviceEntry{Known: k, Sum: entrySum(id, k)}
	}
	for key, k := range c.receivers {
		f.Receivers[key] = receiverEntry{KnownReceiver: k, Sum: entrySum(key, k)}
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("write device cache: %w", err)
	}
	err = safefile.Write(context.Background(), c.path, safefile.Opts{Perm: 0o644, MkdirAll: true}, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
	if err != nil {
		return fmt.Errorf("write device cache: %w", err)
	}
	c.dirty = false
	return nil
}
