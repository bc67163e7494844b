package emulator

import (
	"context"
	"strings"

	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/backends"
)

// Backend offers one emulated receiver through the transport.Backend
// interface: `--backend sim` (the built-in default profile) or
// `--backend sim:PATH.json`.
type Backend struct {
	// Receiver is the emulated receiver, for tests to drive.
	Receiver *Receiver
	path     string
}

var (
	_ transport.Backend = (*Backend)(nil)
	_ transport.Watcher = (*Backend)(nil)
)

// The emulator is offered wherever a program lets its user choose a
// backend: --backend sim, sim:NAME, sim:FILE.json.
func init() {
	backends.Register("sim", "sim, sim:NAME, sim:FILE.json", func(arg string) (transport.Backend, error) {
		return OpenBackend("sim:"+arg, nil)
	})
}

// NewBackend emulates the receiver of profile p. source names the profile in
// paths and messages ("default", or a file name).
func NewBackend(p *Profile, source string, opts *Opts) *Backend {
	return &Backend{Receiver: New(p, opts), path: "sim:" + source}
}

// OpenBackend resolves a --backend value of the form "sim" or "sim:SOURCE",
// where SOURCE is a built-in profile name or a JSON file.
func OpenBackend(spec string, opts *Opts) (*Backend, error) {
	src := strings.TrimPrefix(strings.TrimPrefix(spec, "sim"), ":")
	if src == "" {
		src = "default"
	}
	var p *Profile
	var err error
	if strings.ContainsAny(src, "/.") {
		p, err = LoadProfile(src)
	} else {
		p, err = BuiltinProfile(src)
	}
	if err != nil {
		return nil, err
	}
	return NewBackend(p, src, opts), nil
}

// Name is "sim".
func (b *Backend) Name() string { return "sim" }

// Receivers lists the emulated receiver while it is plugged in.
func (b *Backend) Receivers() ([]transport.Info, error) {
	if !b.Receiver.Plugged() {
		return nil, nil
	}
	return []transport.Info{{
		Backend:   "sim",
		Path:      b.path,
		VendorID:  0x046D,
		ProductID: b.Receiver.PID(),
		Name:      "Logitech USB Receiver (emulated)",
		Phys:      b.path + "/input2",
	}}, nil
}

// Open opens a handle on the emulated receiver.
func (b *Backend) Open(info transport.Info) (transport.Conn, error) {
	return b.Receiver.Open(info)
}

// Watch reports the emulated receiver's Unplug and Replug as transport
// changes, as the hidraw backend reports a real receiver's.
func (b *Backend) Watch(ctx context.Context) (<-chan transport.Change, error) {
	plug, stop := b.Receiver.watchPlug()
	out := make(chan transport.Change, 16)
	go func() {
		defer close(out)
		defer stop()
		for {
			select {
			case in := <-plug:
				c := transport.Change{Added: in, Info: transport.Info{Backend: "sim", Path: b.path}}
				if in {
					infos, _ := b.Receivers()
					if len(infos) == 0 {
						continue
					}
					c.Info = infos[0]
				}
				select {
				case out <- c:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
