// Package nodetest gives tests the HID++ nodes the emulator does not
// present: a receiver that answers some requests its own way (a Nano
// without pairing registers, a receiver answering garbage or errors), a
// device on its own node (Bluetooth) made of one device of an emulated
// receiver, and a backend that lists several such nodes at once and
// plugs and pulls them out.
package nodetest

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
)

// Conn is a transport.Conn over another one (an emulated receiver's),
// which answers the requests its rules name itself, and may stand for one
// device of the receiver on that device's own node. It is safe for
// concurrent use.
type Conn struct {
	inner transport.Conn
	info  transport.Info
	rules map[string][][]byte
	slot  byte // the inner receiver's slot shown at 0xFF; 0: none
	reply byte // the index replies come on when slot is set (0xFF, or 0x00)

	mu      sync.Mutex
	queue   [][]byte
	wake    chan struct{}
	done    chan struct{}
	err     error
	stop    sync.Once
	written [][]byte
}

var _ transport.Conn = (*Conn)(nil)

// Receiver wraps inner: a request whose bytes (as "% X" prints them, "10 FF
// 83 B5 03 00 00") are a key of rules is answered with the reports listed
// (hex; none is silence) and never reaches inner.
func Receiver(inner transport.Conn, rules map[string][]string) *Conn {
	c := &Conn{inner: inner, info: inner.Info(), rules: parseRules(rules)}
	c.start()
	return c
}

// Bluetooth makes device slot of the emulated receiver behind inner the
// one device of a node of its own, described by info (a Bluetooth
// device's: bus, product id, address, LongOnly): requests to index 0xFF
// reach the device at slot, and its replies and events come on index
// 0xFF, or on 0x00 when replyZero is set (as a HID++ 1.0 device may answer
// on Bluetooth). The receiver's own reports are not seen. On a LongOnly
// node a short report is neither sent nor received, as hid-core drops a
// report its descriptor does not declare: a device that answers with one
// (an error reply about an offline device) is silent. rules answer
// requests first, as for [Receiver], keyed by the request as written to
// the node.
func Bluetooth(inner transport.Conn, slot byte, info transport.Info, replyZero bool, rules map[string][]string) *Conn {
	c := &Conn{inner: inner, info: info, rules: parseRules(rules), slot: slot, reply: hidpp.ReceiverIndex}
	if replyZero {
		c.reply = 0
	}
	c.start()
	return c
}

func parseRules(rules map[string][]string) map[string][][]byte {
	out := make(map[string][][]byte, len(rules))
	for k, hexes := range rules {
		var reps [][]byte
		for _, h := range hexes {
			b, err := hidpp.DecodeHex(h)
			if err != nil {
				panic(fmt.Sprintf("nodetest: rule %q: %v", k, err))
			}
			reps = append(reps, b)
		}
		out[strings.ToUpper(k)] = reps
	}
	return out
}

func (c *Conn) start() {
	c.wake, c.done = make(chan struct{}, 1), make(chan struct{})
	go func() {
		buf := make([]byte, hidpp.MaxLen)
		for {
			n, err := c.inner.Read(buf)
			if err != nil {
				c.end(err)
				return
			}
			if b, ok := c.fromInner(buf[:n]); ok {
				c.push(b)
			}
		}
	}()
}

// fromInner is what the node shows of a report of the inner receiver.
func (c *Conn) fromInner(b []byte) ([]byte, bool) {
	if c.slot == 0 {
		return bytes.Clone(b), true
	}
	if len(b) < 2 || b[1] != c.slot || !hidpp.IsHIDPP(b) || c.info.LongOnly && b[0] == hidpp.ShortID {
		return nil, false
	}
	out := bytes.Clone(b)
	out[1] = c.reply
	return out, true
}

func (c *Conn) push(b []byte) {
	c.mu.Lock()
	if c.err == nil {
		c.queue = append(c.queue, b)
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *Conn) end(err error) {
	c.stop.Do(func() {
		c.mu.Lock()
		c.err, c.queue = err, nil
		c.mu.Unlock()
		close(c.done)
	})
}

// Write answers b from the rules, or hands it on.
func (c *Conn) Write(b []byte) (int, error) {
	c.mu.Lock()
	err := c.err
	c.written = append(c.written, bytes.Clone(b))
	c.mu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("nodetest: write: %w", err)
	}
	if reps, ok := c.rules[fmt.Sprintf("% X", b)]; ok {
		for _, r := range reps {
			c.push(bytes.Clone(r))
		}
		return len(b), nil
	}
	if c.slot == 0 {
		return c.inner.Write(b)
	}
	if len(b) < 2 || b[1] != hidpp.ReceiverIndex || c.info.LongOnly && b[0] == hidpp.ShortID {
		return len(b), nil // nothing for the device: it never hears it
	}
	out := bytes.Clone(b)
	out[1] = c.slot
	if _, err := c.inner.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Read returns the next report of the node.
func (c *Conn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		if c.err != nil {
			err := c.err
			c.mu.Unlock()
			return 0, fmt.Errorf("nodetest: read: %w", err)
		}
		if len(c.queue) > 0 {
			n := copy(p, c.queue[0])
			c.queue = c.queue[1:]
			c.mu.Unlock()
			return n, nil
		}
		c.mu.Unlock()
		select {
		case <-c.wake:
		case <-c.done:
		}
	}
}

// Close closes the inner Conn.
func (c *Conn) Close() error {
	err := c.inner.Close()
	c.end(transport.ErrClosed)
	return err
}

// Info describes the node.
func (c *Conn) Info() transport.Info { return c.info }

// Written returns every report written to the node so far, as "% X"
// prints them.
func (c *Conn) Written() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, len(c.written))
	for i, b := range c.written {
		out[i] = fmt.Sprintf("% X", b)
	}
	return out
}

// Node is one node a [Backend] lists: what it is, and how to open it.
type Node struct {
	Info transport.Info
	// Open opens it; the backend's Open calls it each time.
	Open func() (transport.Conn, error)
}

// Backend lists nodes, as a system with several receivers and Bluetooth
// devices does, and reports them plugged in and pulled out. It is safe for
// concurrent use.
type Backend struct {
	mu      sync.Mutex
	nodes   map[string]Node
	watches map[chan transport.Change]struct{}
	opened  map[string][]transport.Conn
}

var (
	_ transport.Backend = (*Backend)(nil)
	_ transport.Watcher = (*Backend)(nil)
)

// NewBackend lists nodes.
func NewBackend(nodes ...Node) *Backend {
	b := &Backend{nodes: map[string]Node{}, watches: map[chan transport.Change]struct{}{}, opened: map[string][]transport.Conn{}}
	for _, n := range nodes {
		b.nodes[n.Info.Path] = n
	}
	return b
}

// Name is "nodetest".
func (b *Backend) Name() string { return "nodetest" }

// Receivers lists the nodes plugged in, by path.
func (b *Backend) Receivers() ([]transport.Info, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]transport.Info, 0, len(b.nodes))
	for _, n := range b.nodes {
		out = append(out, n.Info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Open opens a node listed.
func (b *Backend) Open(info transport.Info) (transport.Conn, error) {
	b.mu.Lock()
	n, ok := b.nodes[info.Path]
	b.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("nodetest: open %s: %w", info.Path, transport.ErrGone)
	}
	c, err := n.Open()
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.opened[info.Path] = append(b.opened[info.Path], c)
	b.mu.Unlock()
	return c, nil
}

// Plug lists n, and tells the watchers.
func (b *Backend) Plug(n Node) {
	b.mu.Lock()
	b.nodes[n.Info.Path] = n
	b.tell(transport.Change{Added: true, Info: n.Info})
	b.mu.Unlock()
}

// Pull takes the node at path away: every Conn opened on it fails with
// transport.ErrGone, and the watchers are told.
func (b *Backend) Pull(path string) {
	b.mu.Lock()
	delete(b.nodes, path)
	conns := b.opened[path]
	delete(b.opened, path)
	b.tell(transport.Change{Info: transport.Info{Backend: "nodetest", Path: path}})
	b.mu.Unlock()
	for _, c := range conns {
		if nc, ok := c.(*Conn); ok {
			nc.end(transport.ErrGone)
		}
		c.Close()
	}
}

// tell sends c to every watcher. b.mu must be held.
func (b *Backend) tell(c transport.Change) {
	for ch := range b.watches {
		select {
		case ch <- c:
		default: // a full watcher reconciles from Receivers
		}
	}
}

// Watch implements transport.Watcher.
func (b *Backend) Watch(ctx context.Context) (<-chan transport.Change, error) {
	ch := make(chan transport.Change, 16)
	b.mu.Lock()
	b.watches[ch] = struct{}{}
	b.mu.Unlock()
	out := make(chan transport.Change, 16)
	go func() {
		defer close(out)
		defer func() {
			b.mu.Lock()
			delete(b.watches, ch)
			b.mu.Unlock()
		}()
		for {
			select {
			case c := <-ch:
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

// Emulated is a node of emulated receiver r as its backend finds it, with
// path and rules (see [Receiver]); nil rules pass every request on.
func Emulated(r *emulator.Backend, path string, rules map[string][]string) Node {
	infos, _ := r.Receivers()
	info := transport.Info{Backend: "nodetest", Path: path, VendorID: transport.VendorLogitech, ProductID: r.Receiver.PID(),
		Name: "Logitech USB Receiver", Phys: path + "/input2", Bus: transport.BusUSB}
	if len(infos) > 0 {
		info.ProductID = infos[0].ProductID
	}
	return Node{Info: info, Open: func() (transport.Conn, error) {
		c, err := r.Open(info)
		if err != nil {
			return nil, err
		}
		return Receiver(c, rules), nil
	}}
}

// BluetoothNode is the node of device slot of emulated receiver r, as a
// Bluetooth device (see [Bluetooth]): info says its path, product id,
// address and reports.
func BluetoothNode(r *emulator.Backend, slot byte, info transport.Info, rules map[string][]string) Node {
	info.Backend = "nodetest"
	return Node{Info: info, Open: func() (transport.Conn, error) {
		c, err := r.Open(info)
		if err != nil {
			return nil, err
		}
		return Bluetooth(c, slot, info, false, rules), nil
	}}
}
