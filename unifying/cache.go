package unifying

import (
	"context"
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
	Codename string      `json:"codename"`
	Device   hidpp.Known `json:"device"`
}

// Cache remembers what was learned about devices, keyed by [Device.ID], so
// that a second run does not ask again. Implementations must be safe for
// concurrent use.
type Cache interface {
	Load(id string) (Known, bool)
	Store(id string, k Known)
}

// cacheVersion is bumped when the meaning of the file changes; a file of
// another version is ignored and rewritten.
const cacheVersion = 1

type cacheFile struct {
	Version int              `json:"version"`
	Devices map[string]Known `json:"devices"`
}

// FileCache is a Cache kept in a JSON file. It loads the file once, and
// Flush writes it back atomically (a temporary file renamed over the old
// one), so a crash leaves the old file or the new one, never a mix. A file
// that cannot be parsed is a cache miss, reported by Warning, and is
// replaced on the next Flush: losing a cache costs only requests.
type FileCache struct {
	path string

	mu      sync.Mutex
	devices map[string]Known
	dirty   bool
	broken  bool // the path holds what is not a regular file: never written
	warning error
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
	c := &FileCache{path: path, devices: map[string]Known{}}
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
		c.devices = f.Devices
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
	if ok && sameKnown(old, k) {
		return
	}
	c.devices[id] = k
	c.dirty = true
}

func sameKnown(a, b Known) bool {
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
	b, err := json.MarshalIndent(cacheFile{Version: cacheVersion, Devices: c.devices}, "", "  ")
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
