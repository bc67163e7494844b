package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/helio-linux/helio/internal/safefile"
	"github.com/helio-linux/helio/sensors"
)

// TextfileName is the file Helio keeps in node_exporter's textfile
// directory. The collector reads every *.prom file there; the temporary
// file of a write in progress is hidden and named otherwise, so it never
// reads half of one.
const TextfileName = "helio.prom"

// textfileMode is a new textfile's permission: node_exporter runs as a
// user of its own and must read it.
const textfileMode fs.FileMode = 0o644

// CheckDir says whether dir can take the textfile: it must exist, be a
// directory and be writable (not on a read-only file system). It tells at
// the start what every write would fail on later. A full disk shows only
// when a write fails.
func CheckDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("metrics: the textfile directory %s does not exist (it is node_exporter's --collector.textfile.directory, such as /var/lib/prometheus/node-exporter)",
			dir)
	case err != nil:
		return fmt.Errorf("metrics: the textfile directory: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("metrics: the textfile directory %s is %s, not a directory", dir, safefile.Describe(fi.Mode()))
	}
	if err := unix.Access(dir, unix.W_OK); err != nil {
		return fmt.Errorf("metrics: cannot write in the textfile directory %s: %w", dir, err)
	}
	return nil
}

// WriteTextfile replaces helio.prom in dir with the figures of states
// ([Write]). The file is replaced atomically ([safefile.Write]): whatever
// happens (a full disk, a crash, ctx ending), dir holds the previous file
// whole or the new one whole. A new file is readable by all, for
// node_exporter; a symbolic link or anything but a regular file at its
// path is refused, not written through.
func WriteTextfile(ctx context.Context, dir string, states []sensors.State) error {
	var buf bytes.Buffer
	if err := Write(&buf, states); err != nil {
		return err
	}
	return writeTextfile(ctx, dir, buf.Bytes())
}

func writeTextfile(ctx context.Context, dir string, text []byte) error {
	if err := CheckDir(dir); err != nil {
		return err
	}
	err := safefile.Write(ctx, filepath.Join(dir, TextfileName), safefile.Opts{Perm: textfileMode},
		func(w io.Writer) error {
			_, err := w.Write(text)
			return err
		})
	if err != nil {
		return fmt.Errorf("metrics: the textfile was not updated (the previous one, if any, is left whole): %w", err)
	}
	return nil
}

// Textfile keeps helio.prom current in a textfile directory for a process
// that runs for hours: it rewrites the file when told that a device's
// state changed or was confirmed ([Textfile.Touch]), and only when its
// text changed, so it sets no timer and an idle process stays idle. A
// failed write is logged once, until one succeeds again; the next change
// tries again. Touch is safe for concurrent use; Run is for one
// goroutine.
type Textfile struct {
	dir  string
	log  *slog.Logger
	kick chan struct{}
}

// NewTextfile prepares the textfile in dir; Run writes it. log may be nil.
func NewTextfile(dir string, log *slog.Logger) *Textfile {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Textfile{dir: dir, log: log, kick: make(chan struct{}, 1)}
}

// Touch tells the textfile that a state changed or was confirmed. It never
// blocks: touches that come while a write is due make one write.
func (t *Textfile) Touch() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// Run writes the file with states' figures after every Touch, until ctx
// ends. It writes nothing before the first Touch: a monitor just started
// knows no device yet, and the file a previous run left says more than an
// empty one would.
func (t *Textfile) Run(ctx context.Context, states func() []sensors.State) {
	var last []byte // what the file holds, as far as this process knows
	failing := ""   // the error logged, while writes fail
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.kick:
		}
		var buf bytes.Buffer
		err := Write(&buf, states())
		if err == nil && !bytes.Equal(buf.Bytes(), last) {
			if err = writeTextfile(ctx, t.dir, buf.Bytes()); err == nil {
				last = buf.Bytes()
			}
		}
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && err.Error() != failing:
			t.log.Warn("Prometheus textfile not written", "err", err)
			failing = err.Error()
		case err == nil && failing != "":
			t.log.Warn("Prometheus textfile written again", "path", filepath.Join(t.dir, TextfileName))
			failing = ""
		}
	}
}
