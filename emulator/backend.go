package emulator

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/backends"
)

// Backend offers one emulated receiver through the transport.Backend
// interface: `--backend sim` (the built-in default profile) or
// `--backend sim:PATH.json`; or the Bluetooth-direct devices of a profile of
// Bluetooth devices, through [Backend.Devices] and [Backend.WatchDevices].
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

// Receivers lists the emulated receiver while it is plugged in; a profile
// of Bluetooth devices has none (see [Backend.Devices]).
func (b *Backend) Receivers() ([]transport.Info, error) {
	if !b.Receiver.Plugged() || b.Receiver.Bluetooth() {
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

// Devices lists the Bluetooth-direct devices of a profile of Bluetooth
// devices that are connected now, one transport.Info each, as a system
// lists their hidraw nodes: Path is "sim:SOURCE/MAC" (MAC is the device's
// address, its HID_UNIQ), VendorID and ProductID its Bluetooth ids, Name
// its Bluetooth name, Phys the adapter's address (its HID_PHYS). Open
// opens them. transport.Info has no bus: a device is told from a receiver
// by being listed here, and by its product id, which
// transport.IsReceiver rejects. A receiver's profile has none.
func (b *Backend) Devices() ([]transport.Info, error) { return b.devices(), nil }

func (b *Backend) devices() []transport.Info {
	var out []transport.Info
	for _, l := range b.Receiver.BluetoothLayouts() {
		out = append(out, transport.Info{Backend: "sim", Path: b.path + "/" + l.Uniq, VendorID: l.Vendor,
			ProductID: l.Product, Name: l.Name, Phys: l.Phys})
	}
	return out
}

// Open opens a handle on the emulated receiver, or on a Bluetooth device
// listed by [Backend.Devices].
func (b *Backend) Open(info transport.Info) (transport.Conn, error) {
	if mac, ok := strings.CutPrefix(info.Path, b.path+"/"); ok {
		for _, l := range b.Receiver.BluetoothLayouts() {
			if l.Uniq == mac {
				return b.Receiver.OpenDevice(l.Index, info)
			}
		}
		return nil, fmt.Errorf("emulator: open %s: %w", info.Path, transport.ErrGone)
	}
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

// WatchDevices reports Bluetooth devices connecting and disconnecting
// (their nodes appearing and going: [Receiver.SetOnline], the profile
// unplugged and plugged back) as transport changes, until ctx ends; then
// it closes the channel. A removal carries Backend and Path only, as
// [transport.Change] says.
func (b *Backend) WatchDevices(ctx context.Context) (<-chan transport.Change, error) {
	wake, stopLinks := b.Receiver.watchLinks()
	plug, stopPlug := b.Receiver.watchPlug()
	out := make(chan transport.Change, 16)
	known := map[string]bool{}
	for _, info := range b.devices() {
		known[info.Path] = true
	}
	go func() {
		defer close(out)
		defer stopLinks()
		defer stopPlug()
		for {
			select {
			case <-wake:
			case <-plug:
			case <-ctx.Done():
				return
			}
			now := map[string]transport.Info{}
			for _, info := range b.devices() {
				now[info.Path] = info
			}
			var changes []transport.Change
			for path := range known {
				if _, ok := now[path]; !ok {
					changes = append(changes, transport.Change{Info: transport.Info{Backend: "sim", Path: path}})
					delete(known, path)
				}
			}
			for path, info := range now {
				if !known[path] {
					changes = append(changes, transport.Change{Added: true, Info: info})
					known[path] = true
				}
			}
			sort.Slice(changes, func(i, j int) bool { return changes[i].Info.Path < changes[j].Info.Path })
			for _, c := range changes {
				select {
				case out <- c:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}
