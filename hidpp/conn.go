package hidpp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/helio-linux/helio/transport"
)

// DefaultSoftwareID is the software ID Helio puts in its HID++ 2.0 requests.
// It must be non-zero (events carry 0) and differs from the kernel's 0x1 and
// Solaar's 0xB, so replies to other programs on the same node are not taken
// for Helio's.
const DefaultSoftwareID = 0x6

// Opts configures a [Conn].
type Opts struct {
	// SoftwareID goes into byte 3 of every HID++ 2.0 request (1..15).
	SoftwareID byte
	// ReceiverTimeout bounds requests to the receiver (index 0xFF).
	ReceiverTimeout time.Duration
	// DeviceTimeout bounds requests to paired devices, which answer over
	// the radio and may be waking up.
	DeviceTimeout time.Duration
	// Logger receives every report sent and received at debug level, decoded.
	// Nil discards.
	Logger *slog.Logger
	// Now is the clock that dates what devices confirm ([Known].Verified);
	// nil is time.Now.
	Now func() time.Time
}

// DefaultOpts are the timeouts the kernel and Solaar use in practice: about
// 1 s for the receiver, 4 s for a device.
var DefaultOpts = Opts{
	SoftwareID:      DefaultSoftwareID,
	ReceiverTimeout: time.Second,
	DeviceTimeout:   4 * time.Second,
}

// maxQueued bounds the notifications waiting for one slow subscriber. Past it
// the oldest are dropped, so a stalled front end cannot grow memory without
// bound or slow the reader.
const maxQueued = 1024

// Stats counts a Conn's traffic.
type Stats struct {
	Requests      uint64 // requests written
	Replies       uint64 // replies matched to a request (error reports included)
	Timeouts      uint64 // requests that got no reply in time
	Notifications uint64 // reports that were not replies
	Ignored       uint64 // input reports dropped: not HID++, or malformed
	Overflowed    uint64 // notifications a subscriber more than 1024 behind lost
}

// Conn is a HID++ connection over one transport. It is safe for concurrent
// use. A single reader goroutine, started by [NewConn] and stopped by
// [Conn.Close], reads every input report: a reply goes to the request
// waiting for it, anything else to the subscribers.
type Conn struct {
	t    transport.Conn
	opts Opts
	log  *slog.Logger
	// longOnly: the node has no short report; short requests go out long.
	longOnly bool
	// direct: the node is a device's own (Bluetooth); index 0xFF is that
	// device, not a receiver, and a reply may come on index 0x00.
	direct bool

	writeMu sync.Mutex
	slots   [256]chan struct{} // one-request-at-a-time token per device index

	mu      sync.Mutex
	pending []*call
	subs    map[*subscriber]struct{}
	err     error // why the reader stopped; nil while running

	done      chan struct{}
	closeOnce sync.Once

	requests, replies, timeouts, notifications, ignored, overflowed atomic.Uint64
}

type call struct {
	req   Report
	reply chan Report
}

// NewConn starts reading t. Opts may be nil for [DefaultOpts]; zero fields
// take their defaults. The Conn owns t and closes it in Close.
func NewConn(t transport.Conn, opts *Opts) *Conn {
	o := DefaultOpts
	if opts != nil {
		if opts.SoftwareID&0x0F != 0 {
			o.SoftwareID = opts.SoftwareID & 0x0F
		}
		if opts.ReceiverTimeout > 0 {
			o.ReceiverTimeout = opts.ReceiverTimeout
		}
		if opts.DeviceTimeout > 0 {
			o.DeviceTimeout = opts.DeviceTimeout
		}
		o.Logger = opts.Logger
		o.Now = opts.Now
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	info := t.Info()
	c := &Conn{t: t, opts: o, log: log, longOnly: info.LongOnly, direct: info.Direct(),
		subs: map[*subscriber]struct{}{}, done: make(chan struct{})}
	for i := range c.slots {
		c.slots[i] = make(chan struct{}, 1)
	}
	go c.readLoop()
	return c
}

// Logger is where the Conn logs, for the layers above to log their
// decisions beside the reports; it discards when Opts gave none.
func (c *Conn) Logger() *slog.Logger { return c.log }

// SoftwareID is the software ID this Conn puts in HID++ 2.0 requests.
func (c *Conn) SoftwareID() byte { return c.opts.SoftwareID }

// Info describes the transport the Conn reads.
func (c *Conn) Info() transport.Info { return c.t.Info() }

// Stats returns the traffic counted so far.
func (c *Conn) Stats() Stats {
	return Stats{
		Requests: c.requests.Load(), Replies: c.replies.Load(), Timeouts: c.timeouts.Load(),
		Notifications: c.notifications.Load(), Ignored: c.ignored.Load(), Overflowed: c.overflowed.Load(),
	}
}

// Done is closed when the Conn stops reading: after Close, or when the
// transport fails (receiver unplugged). Err then says why.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is nil while the Conn runs, then the reason it stopped.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Request writes req and waits for its reply. An error report from the device
// is returned as an [*Error]. The wait ends at the Conn's timeout for the
// device index (index 0xFF is the receiver, except on a device's own node,
// where it is the device), or earlier when ctx ends.
//
// On a node without the short report ([transport.Info.LongOnly]) a short
// request goes out as a long one with the same header and parameters, as
// the kernel's hid-logitech-hidpp sends it; the reply is matched alike.
func (c *Conn) Request(ctx context.Context, req Report) (Report, error) {
	timeout := c.opts.DeviceTimeout
	if req.Device() == ReceiverIndex && !c.direct {
		timeout = c.opts.ReceiverTimeout
	}
	if c.longOnly && req.ID() == ShortID {
		req = Long(req.Device(), req.SubID(), req.Address(), req.Params()...)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	slot := c.slots[req.Device()]
	select {
	case slot <- struct{}{}:
	case <-ctx.Done():
		return Report{}, c.waitError(ctx, &req)
	case <-c.done:
		return Report{}, c.Err()
	}
	defer func() { <-slot }()
	release, err := c.Hold(0)
	if err != nil {
		return Report{}, fmt.Errorf("hidpp: %s: %w", req.String(), err)
	}
	defer release()

	cl := &call{req: req, reply: make(chan Report, 1)}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return Report{}, c.err
	}
	c.pending = append(c.pending, cl)
	c.mu.Unlock()

	if err := c.write(&req); err != nil {
		c.forget(cl)
		return Report{}, err
	}
	select {
	case rep := <-cl.reply:
		if e := errorFromReport(&rep); e != nil {
			return rep, e
		}
		return rep, nil
	case <-ctx.Done():
		c.forget(cl)
		return Report{}, c.waitError(ctx, &req)
	case <-c.done:
		c.forget(cl)
		return Report{}, c.Err()
	}
}

func (c *Conn) waitError(ctx context.Context, req *Report) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		c.timeouts.Add(1)
		return fmt.Errorf("%w: no reply from device 0x%02X to %s", ErrTimeout, req.Device(), req.String())
	}
	return ctx.Err()
}

func (c *Conn) write(r *Report) error {
	c.requests.Add(1)
	c.logReport("send", r)
	c.writeMu.Lock()
	_, err := c.t.Write(r.Bytes())
	c.writeMu.Unlock()
	if err != nil {
		return fmt.Errorf("hidpp: write to %s: %w", c.t.Info().Path, err)
	}
	return nil
}

// Hold keeps a transport that opens the device only on demand
// ([transport.Holder]) open until release is called and d more has
// passed, for an exchange that waits for events after its requests' replies
// (a solar keyboard's light reports). Every request holds the transport
// while it waits; other transports are always open and Hold does nothing.
func (c *Conn) Hold(d time.Duration) (release func(), err error) {
	h, ok := c.t.(transport.Holder)
	if !ok {
		return func() {}, nil
	}
	return h.Hold(d)
}

// Heard reports whether the Conn has received every report the device
// sent during the last d: always for a transport held open; for one that
// opens on demand, when it has been open for that long.
func (c *Conn) Heard(d time.Duration) bool {
	h, ok := c.t.(transport.Holder)
	return !ok || h.OpenFor(d)
}

// Send writes a report without waiting for a reply, for the rare writes that
// have none. A short report goes out long on a node without the short one.
func (c *Conn) Send(r Report) error {
	if c.longOnly && r.ID() == ShortID {
		r = Long(r.Device(), r.SubID(), r.Address(), r.Params()...)
	}
	return c.write(&r)
}

func (c *Conn) forget(cl *call) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, p := range c.pending {
		if p == cl {
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			return
		}
	}
}

// Matches reports whether rep answers req: same device index, and either an
// error report naming req's sub-ID and address, or the same sub-ID/feature
// index and address/function+software ID. Long register 0xB5 and short
// register 0xF1 replies also echo req's first parameter (the sub-register),
// and a ping reply echoes the ping byte. A short request may get a long reply.
func Matches(req, rep *Report) bool {
	if rep.Device() != req.Device() {
		return false
	}
	if e, ok := decodeError(rep); ok {
		return e.SubID == req.SubID() && e.Address == req.Address()
	}
	if rep.SubID() != req.SubID() || rep.Address() != req.Address() {
		return false
	}
	switch {
	case req.SubID() == SubGetLongRegister && req.Address() == 0xB5,
		req.SubID() == SubGetRegister && req.Address() == 0xF1:
		return rep.Param(0) == req.Param(0)
	case req.SubID() == 0 && req.Function() == 1: // IRoot.GetProtocolVersion
		return rep.Param(2) == req.Param(2)
	}
	return true
}

func (c *Conn) readLoop() {
	var buf [MaxLen]byte
	for {
		n, err := c.t.Read(buf[:])
		if err != nil {
			c.stop(fmt.Errorf("%w: read %s: %w", ErrClosed, c.t.Info().Path, err))
			return
		}
		// Keyboard, mouse and DJ reports share the node; drop them before
		// anything else so typing costs nothing.
		if !IsHIDPP(buf[:n]) {
			c.ignored.Add(1)
			continue
		}
		r, err := Parse(buf[:n])
		if err != nil {
			c.ignored.Add(1)
			c.log.Debug("hidpp: dropped malformed report", "bytes", fmt.Sprintf("% x", buf[:n]), "err", err)
			continue
		}
		c.logReport("recv", &r)
		if c.direct && r.Device() == 0x00 {
			// A HID++ 1.0 device on its own node may answer a request
			// sent to 0xFF on index 0x00, its own number (Solaar
			// accepts the index XOR 0xFF): it is the same device.
			r.b[1] = ReceiverIndex
		}
		c.dispatch(r)
	}
}

func (c *Conn) dispatch(r Report) {
	c.mu.Lock()
	for i, p := range c.pending {
		if Matches(&p.req, &r) {
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			c.mu.Unlock()
			c.replies.Add(1)
			p.reply <- r
			return
		}
	}
	c.notifications.Add(1)
	for s := range c.subs {
		if !s.push(r) {
			c.overflowed.Add(1)
		}
	}
	c.mu.Unlock()
}

func (c *Conn) stop(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.pending = nil
	subs := c.subs
	c.subs = map[*subscriber]struct{}{}
	c.mu.Unlock()
	for s := range subs {
		s.close()
	}
	close(c.done)
}

// Close closes the transport, fails the requests in flight with ErrClosed,
// closes every subscription channel and waits for the reader to stop. It is
// safe to call more than once.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		err = c.t.Close()
		<-c.done
	})
	return err
}

func (c *Conn) logReport(dir string, r *Report) {
	if !c.log.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	c.log.Debug("hidpp "+dir, "report", r.String(), "means", describe(r, nil, c.direct))
}

// Subscribe returns a channel that receives every report that is not a reply
// to a request: receiver notifications, battery and solar events, connection
// changes. The reader never waits for a subscriber; a subscriber that falls
// more than 1024 reports behind loses the oldest. Call cancel when done; the
// channel is closed after cancel or when the Conn stops.
func (c *Conn) Subscribe() (ch <-chan Report, cancel func()) {
	s := &subscriber{out: make(chan Report), wake: make(chan struct{}, 1), quit: make(chan struct{})}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		close(s.out)
		return s.out, func() {}
	}
	c.subs[s] = struct{}{}
	c.mu.Unlock()
	go s.pump()
	return s.out, func() {
		c.mu.Lock()
		delete(c.subs, s)
		c.mu.Unlock()
		s.close()
	}
}

type subscriber struct {
	mu       sync.Mutex
	queue    []Report
	wake     chan struct{}
	quit     chan struct{}
	quitOnce sync.Once
	out      chan Report
}

// push queues r; it reports false when the queue was full and its oldest
// report was dropped to make room.
func (s *subscriber) push(r Report) bool {
	s.mu.Lock()
	kept := true
	if len(s.queue) >= maxQueued {
		s.queue = s.queue[1:]
		kept = false
	}
	s.queue = append(s.queue, r)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return kept
}

func (s *subscriber) close() { s.quitOnce.Do(func() { close(s.quit) }) }

func (s *subscriber) pump() {
	defer close(s.out)
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.queue = nil // let a burst's backing array go
			s.mu.Unlock()
			select {
			case <-s.wake:
				continue
			case <-s.quit:
				return
			}
		}
		r := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		select {
		case s.out <- r:
		case <-s.quit:
			return
		}
	}
}
