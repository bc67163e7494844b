package emulator

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/backends"
	"github.com/helio-linux/helio/transport/hidraw"
)

// Backend offers emulated hardware through the transport.Backend
// interface, as the hidraw backend offers a system's: `--backend sim` (the
// built-in default profile), `sim:NAME`, `sim:PATH.json`, or several
// profiles at once joined by "+" (`sim:default+bolt+bluetooth`). Each
// receiver profile is one receiver node; each connected device of a
// Bluetooth profile is a node of its own, listed with the receivers, as
// hidraw lists a Bluetooth device's node (bus Bluetooth, its address as
// Uniq, LongOnly from its report map); a Bluetooth device whose report
// map declares no HID++ report is not listed but said by
// [Backend.Skipped].
type Backend struct {
	// Receiver is the first profile's emulation, for tests that emulate
	// one profile to drive.
	Receiver *Receiver
	// Emulated holds every profile's emulation, in the order given
	// (Receiver is Emulated[0]).
	Emulated []*Receiver
	// paths are the profiles' locators, "sim:SOURCE", by Emulated's order:
	// a receiver's node is that, a Bluetooth device's "sim:SOURCE/MAC".
	paths []string
}

var (
	_ transport.Backend = (*Backend)(nil)
	_ transport.Watcher = (*Backend)(nil)
	_ transport.Skipper = (*Backend)(nil)
)

// The emulator is offered wherever a program lets its user choose a
// backend: --backend sim, sim:NAME, sim:FILE.json, sim:NAME+NAME.
func init() {
	backends.Register("sim", "sim, sim:NAME, sim:FILE.json, sim:NAME+NAME...", func(arg string) (transport.Backend, error) {
		return OpenBackend("sim:"+arg, nil)
	})
}

// NewBackend emulates profile p. source names the profile in paths and
// messages ("default", or a file name).
func NewBackend(p *Profile, source string, opts *Opts) *Backend {
	r := New(p, opts)
	return &Backend{Receiver: r, Emulated: []*Receiver{r}, paths: []string{"sim:" + source}}
}

// Join makes one backend of several, as one system with all their
// receivers and Bluetooth devices: a test emulates each profile with
// [NewBackend] and drives each through its Receiver. Their sources must
// differ, as two nodes cannot have one path.
func Join(parts ...*Backend) (*Backend, error) {
	if len(parts) == 0 {
		return nil, errors.New("emulator: join: no backend")
	}
	out := &Backend{Receiver: parts[0].Receiver}
	seen := map[string]bool{}
	for _, p := range parts {
		for i, path := range p.paths {
			if seen[path] {
				return nil, fmt.Errorf("emulator: join: %s twice: each profile once", path)
			}
			seen[path] = true
			out.paths = append(out.paths, path)
			out.Emulated = append(out.Emulated, p.Emulated[i])
		}
	}
	return out, nil
}

// OpenBackend resolves a --backend value of the form "sim" or
// "sim:SOURCE[+SOURCE...]", where each SOURCE is a built-in profile name
// or a JSON file.
func OpenBackend(spec string, opts *Opts) (*Backend, error) {
	srcs := strings.TrimPrefix(strings.TrimPrefix(spec, "sim"), ":")
	if srcs == "" {
		srcs = "default"
	}
	var parts []*Backend
	for _, src := range strings.Split(srcs, "+") {
		var p *Profile
		var err error
		switch {
		case src == "":
			err = fmt.Errorf("emulator: %s: an empty profile name", spec)
		case strings.ContainsAny(src, "/."):
			p, err = LoadProfile(src)
		default:
			p, err = BuiltinProfile(src)
		}
		if err != nil {
			for _, b := range parts {
				b.Close()
			}
			return nil, err
		}
		parts = append(parts, NewBackend(p, src, opts))
	}
	b, err := Join(parts...)
	if err != nil {
		for _, b := range parts {
			b.Close()
		}
		return nil, err
	}
	return b, nil
}

// Close stops every profile's emulation.
func (b *Backend) Close() {
	for _, r := range b.Emulated {
		r.Close()
	}
}

// Name is "sim".
func (b *Backend) Name() string { return "sim" }

// node is one node the backend lists or skips: a receiver (ix 0) or a
// connected Bluetooth device of r.
type node struct {
	r    *Receiver
	ix   byte
	info transport.Info
	// hidpp says its report map declares a HID++ report Helio can talk
	// through, by the rule hidraw applies to a real node's.
	hidpp bool
}

// nodes lists every node present now: each plugged receiver, and each
// connected Bluetooth device.
func (b *Backend) nodes() []node {
	var out []node
	for i, r := range b.Emulated {
		path := b.paths[i]
		if !r.Bluetooth() {
			if r.Plugged() {
				out = append(out, node{r: r, hidpp: true, info: transport.Info{Backend: "sim", Path: path,
					VendorID: transport.VendorLogitech, ProductID: r.PID(), Name: "Logitech USB Receiver (emulated)",
					Phys: path + "/input2", Bus: transport.BusUSB}})
			}
			continue
		}
		for _, l := range r.BluetoothLayouts() {
			ok, longOnly := hidraw.HIDPPReports(l.Descriptor)
			out = append(out, node{r: r, ix: l.Index, hidpp: ok, info: transport.Info{Backend: "sim", Path: path + "/" + l.Uniq,
				VendorID: l.Vendor, ProductID: l.Product, Name: l.Name, Phys: l.Phys, Bus: transport.BusBluetooth,
				Uniq: l.Uniq, LongOnly: longOnly}})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].info.Path < out[j].info.Path })
	return out
}

// Receivers lists the nodes Helio reads, by path: the plugged receivers
// and the connected Bluetooth devices that declare a HID++ report.
func (b *Backend) Receivers() ([]transport.Info, error) {
	var out []transport.Info
	for _, n := range b.nodes() {
		if n.hidpp {
			out = append(out, n.info)
		}
	}
	return out, nil
}

// Skipped implements [transport.Skipper]: the connected Bluetooth devices
// whose report map declares no HID++ report, as hidraw says them.
func (b *Backend) Skipped() []error {
	var out []error
	for _, n := range b.nodes() {
		if !n.hidpp {
			out = append(out, fmt.Errorf("emulator: %s (Logitech %04x on %s, %q): %w",
				n.info.Path, n.info.ProductID, n.info.Bus, n.info.Name, transport.ErrNotHIDPP))
		}
	}
	return out
}

// Open opens a node listed by [Backend.Receivers]: a handle on an
// emulated receiver, or on a Bluetooth device's own node. It fails with
// transport.ErrGone for a node that is not there now.
func (b *Backend) Open(info transport.Info) (transport.Conn, error) {
	for i, r := range b.Emulated {
		path := b.paths[i]
		if info.Path == path && !r.Bluetooth() {
			return r.Open(info)
		}
		mac, ok := strings.CutPrefix(info.Path, path+"/")
		if !ok || !r.Bluetooth() {
			continue
		}
		for _, l := range r.BluetoothLayouts() {
			if l.Uniq == mac {
				return r.OpenDevice(l.Index, info)
			}
		}
	}
	return nil, fmt.Errorf("emulator: open %s: %w", info.Path, transport.ErrGone)
}

// Watch reports nodes appearing and going as transport changes, as the
// hidraw backend reports a system's: a receiver's Unplug and Replug, a
// Bluetooth device connecting and disconnecting ([Receiver.SetOnline],
// [Receiver.DisconnectMidRequest], its profile unplugged and plugged
// back). A removal carries Backend and Path only, as [transport.Change]
// says. The channel closes when ctx ends.
func (b *Backend) Watch(ctx context.Context) (<-chan transport.Change, error) {
	out := make(chan transport.Change, 16)
	send := func(c transport.Change) bool {
		select {
		case out <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	var wg sync.WaitGroup
	for i, r := range b.Emulated {
		path := b.paths[i]
		plug, stopPlug := r.watchPlug()
		if !r.Bluetooth() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer stopPlug()
				b.watchReceiver(ctx, r, path, plug, send)
			}()
			continue
		}
		links, stopLinks := r.watchLinks()
		known := b.bluetoothNodes(path) // now, not when the goroutine runs: a change in between is reported
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer stopPlug()
			defer stopLinks()
			b.watchBluetooth(ctx, path, known, plug, links, send)
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out, nil
}

// watchReceiver sends every Unplug and Replug of receiver r at path, as it
// happens: a receiver pulled out and put back at once is still said gone,
// as its Conns were ended.
func (b *Backend) watchReceiver(ctx context.Context, r *Receiver, path string, plug <-chan bool, send func(transport.Change) bool) {
	for {
		select {
		case in := <-plug:
			c := transport.Change{Added: in, Info: transport.Info{Backend: "sim", Path: path}}
			if in {
				found := false
				for _, n := range b.nodes() {
					if n.info.Path == path {
						c.Info, found = n.info, true
					}
				}
				if !found { // pulled out again already: that removal follows
					continue
				}
			}
			if !send(c) {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// bluetoothNodes are the listed nodes of the Bluetooth profile at path,
// by path. A device whose report map declares no HID++ report is not
// listed.
func (b *Backend) bluetoothNodes(path string) map[string]transport.Info {
	m := map[string]transport.Info{}
	for _, n := range b.nodes() {
		if n.hidpp && strings.HasPrefix(n.info.Path, path+"/") {
			m[n.info.Path] = n.info
		}
	}
	return m
}

// watchBluetooth sends the nodes of the Bluetooth profile at path as
// they go and come (known are those listed first): each device
// disconnecting and connecting, in turn, and the whole profile unplugged
// and plugged back. After each, what is listed is compared with what it
// knew, so a change a full channel lost is still said.
func (b *Backend) watchBluetooth(ctx context.Context, path string, known map[string]transport.Info, plug <-chan bool, links <-chan linkChange, send func(transport.Change) bool) {
	for {
		var changes []transport.Change
		select {
		case lc := <-links:
			p := path + "/" + lc.mac
			if _, ok := known[p]; ok && !lc.up {
				delete(known, p)
				changes = append(changes, transport.Change{Info: transport.Info{Backend: "sim", Path: p}})
			}
		case in := <-plug:
			if !in { // every node went, even if they are back already
				for p := range known {
					changes = append(changes, transport.Change{Info: transport.Info{Backend: "sim", Path: p}})
				}
				clear(known)
			}
		case <-ctx.Done():
			return
		}
		now := b.bluetoothNodes(path)
		for p := range known {
			if _, ok := now[p]; !ok {
				changes = append(changes, transport.Change{Info: transport.Info{Backend: "sim", Path: p}})
				delete(known, p)
			}
		}
		var added []transport.Change
		for p, info := range now {
			if _, ok := known[p]; !ok {
				added = append(added, transport.Change{Added: true, Info: info})
				known[p] = info
			}
		}
		sort.Slice(added, func(i, j int) bool { return added[i].Info.Path < added[j].Info.Path })
		sort.SliceStable(changes, func(i, j int) bool { return changes[i].Info.Path < changes[j].Info.Path })
		for _, c := range append(changes, added...) {
			if !send(c) {
				return
			}
		}
	}
}
