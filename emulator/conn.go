package emulator

import (
	"fmt"
	"sync"

	"github.com/helio-linux/helio/transport"
)

// Conn is an open handle on an emulated receiver, as a hidraw node is on a
// real one: what the host writes goes to the receiver, and every input
// report the receiver sends is queued for Read.
type Conn struct {
	r    *Receiver
	info transport.Info
	dev  *device // the Bluetooth device it is open on; nil: the receiver

	mu     sync.Mutex
	queue  [][]byte
	wake   chan struct{}
	err    error // set once the Conn ends
	closed chan struct{}
	once   sync.Once
}

var _ transport.Conn = (*Conn)(nil)

// Open returns a new handle on the receiver's HID++ interface. It fails
// while the receiver is unplugged, and on a profile of Bluetooth devices,
// which has no receiver ([Receiver.OpenDevice] opens those).
func (r *Receiver) Open(info transport.Info) (*Conn, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.model == nil {
		return nil, fmt.Errorf("emulator: open %s: Bluetooth devices have no receiver", info.Path)
	}
	if !r.plugged {
		return nil, fmt.Errorf("emulator: open %s: %w", info.Path, transport.ErrGone)
	}
	return r.openLocked(nil, info), nil
}

// openLocked opens a Conn on the receiver (d nil) or on Bluetooth device
// d. r.mu must be held.
func (r *Receiver) openLocked(d *device, info transport.Info) *Conn {
	c := &Conn{r: r, info: info, dev: d, wake: make(chan struct{}, 1), closed: make(chan struct{})}
	r.conns[c] = struct{}{}
	return c
}

// push queues an input report. Callers hold r.mu.
func (c *Conn) push(b []byte) {
	c.mu.Lock()
	if c.err == nil {
		c.queue = append(c.queue, append([]byte(nil), b...))
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// end makes Read fail with err (nil: ErrClosed) once the queue is drained of
// nothing: an unplugged device loses what it had not delivered.
func (c *Conn) end(err error) {
	c.once.Do(func() {
		if err == nil {
			err = transport.ErrClosed
		}
		c.mu.Lock()
		c.err, c.queue = err, nil
		c.mu.Unlock()
		close(c.closed)
	})
}

// Write hands one report to the receiver.
func (c *Conn) Write(b []byte) (int, error) {
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("emulator: write: %w", err)
	}
	c.r.handle(c.dev, b)
	return len(b), nil
}

// Read waits for the next input report.
func (c *Conn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		if c.err != nil {
			err := c.err
			c.mu.Unlock()
			return 0, fmt.Errorf("emulator: read: %w", err)
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
		case <-c.closed:
		}
	}
}

// Close detaches the handle from the receiver.
func (c *Conn) Close() error {
	c.r.mu.Lock()
	delete(c.r.conns, c)
	c.r.mu.Unlock()
	c.end(nil)
	return nil
}

// Info describes what the Conn is open on.
func (c *Conn) Info() transport.Info { return c.info }
