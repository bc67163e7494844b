package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pelletier/go-toml/v2"
)

// header opens every file [Save] writes, so whoever opens it in an editor
// knows where it came from and that their comments will not survive the
// next save.
const header = `# Helio's configuration, written by Helio's settings window.
# Editing it by hand is fine, but the settings window rewrites the whole
# file when it saves: comments and the order of keys are not kept.

`

// newFileMode is the mode of a config file Save creates; an existing file
// keeps its own.
const newFileMode fs.FileMode = 0o600

// Save writes c to the config file at path, as TOML with the keys [Load]
// reads, after checking it as Load would ([Config.Validate]); an invalid c
// is an [*Error] and nothing is written.
//
// The file is replaced atomically: c goes to a temporary file in the same
// directory, which is synced and renamed over path, and the directory is
// synced, so a crash or power loss leaves either the old file or the new
// one, never half of one. An existing file keeps its permission bits; a new
// one is private to the user (0600), in a directory created 0700 when
// missing. When path is a symbolic link (a config kept in a dotfiles
// repository), the file it points to is replaced and the link stays.
//
// Save writes every setting, defaults included, under a header saying the
// settings window wrote it. Comments and key order of a hand-edited file
// are not kept: the file is generated from c, not edited.
func Save(path string, c Config) error {
	if err := c.Validate(); err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.File = path
		}
		return err
	}
	body, err := toml.Marshal(c)
	if err != nil {
		return fmt.Errorf("config: encoding %s: %w", path, err)
	}
	target, err := resolveLink(path)
	if err != nil {
		return err
	}
	mode := newFileMode
	if fi, err := os.Stat(target); err == nil {
		mode = fi.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("config: cannot save %s: %w", path, err)
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("config: cannot create the directory for %s: %w", path, err)
	}
	return writeAtomic(target, append([]byte(header), body...), mode)
}

// resolveLink follows path to the file a symbolic link names, so the link
// survives the rename. A path that does not exist yet is itself.
func resolveLink(path string) (string, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) || err == nil && fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	if err != nil {
		return "", fmt.Errorf("config: cannot save %s: %w", path, err)
	}
	target, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		// A dangling link: write where it points.
		dest, rerr := os.Readlink(path)
		if rerr != nil {
			return "", fmt.Errorf("config: cannot save %s: %w", path, rerr)
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		return dest, nil
	}
	if err != nil {
		return "", fmt.Errorf("config: cannot save %s: following the link: %w", path, err)
	}
	return target, nil
}

// writeAtomic replaces path with data: temporary file, fsync, rename,
// fsync of the directory. On any failure the temporary file is removed and
// path is untouched.
func writeAtomic(path string, data []byte, mode fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("config: cannot save %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(mode); err != nil {
		return fmt.Errorf("config: cannot save %s: %w", path, err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("config: cannot save %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("config: cannot save %s: syncing: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("config: cannot save %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("config: cannot save %s: %w", path, err)
	}
	// The rename is durable only once the directory is synced.
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("config: saved %s but cannot sync its directory: %w", path, err)
	}
	defer d.Close()
	if err = d.Sync(); err != nil {
		return fmt.Errorf("config: saved %s but cannot sync its directory: %w", path, err)
	}
	return nil
}
