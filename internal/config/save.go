package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/helio-linux/helio/internal/safefile"
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
	err = safefile.Write(context.Background(), path, safefile.Opts{Perm: newFileMode, FollowLink: true, MkdirAll: true},
		func(w io.Writer) error {
			_, err := w.Write(append([]byte(header), body...))
			return err
		})
	if err != nil {
		return fmt.Errorf("config: cannot save: %w", err)
	}
	return nil
}
