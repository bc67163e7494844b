package transport

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Holder is a Conn that is open only while someone needs it. A HID++ layer
// holds it around each exchange; between exchanges the device is closed,
// and the reports it receives (a keyboard's keystrokes and a mouse's
// movements share a receiver's node) cost this process nothing.
type Holder interface {
	Conn
	// Hold opens the device if it is closed and keeps it open until
	// release is called and then for d more: a reply or an event the
	// exchange waits for can still arrive.
	Hold(d time.Duration) (release func(), err error)
	// OpenFor reports whether the device has been open, without a
	// break, for at least d up to now.
	OpenFor(d time.Duration) bool
}

// DefaultLinger is how long a [Lazy] stays open after its last hold ends,
// so that the requests of one reading, which follow one another within
// microseconds, share one opening.
const DefaultLinger = 10 * time.Millisecond

// Lazy is a [Holder] over a Conn it opens on demand. Read blocks, without
// waking, while the device is closed, and returns the reports that arrive
// while it is open; a Write outside any hold opens the device for
// [DefaultLinger]. It is safe for concurrent use as [Conn] requires.
type Lazy struct {
	info Info
	open func() (Conn, error)

	mu     sync.Mutex
	inner  Conn          // nil while closed
	since  time.Time     // when inner was opened
	opened chan struct{} // closed when inner is next set, or on failure
	holds  int
	until  time.Time   // stay open at least until then
	timer  *time.Timer // closes the device at until, once holds is 0
	err    error       // set once: Close, or the device gone
}

var _ Holder = (*Lazy)(nil)

// NewLazy returns a closed Lazy that opens the device described by info
// with open.
func NewLazy(info Info, open func() (Conn, error)) *Lazy {
	return &Lazy{info: info, open: open, opened: make(chan struct{})}
}

// Hold implements [Holder]. An error is the opening's; a device gone makes
// every later call, and a Read waiting, fail too.
func (l *Lazy) Hold(d time.Duration) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return nil, l.err
	}
	if l.inner == nil {
		c, err := l.open()
		if err != nil {
			if errors.Is(err, ErrGone) {
				l.fail(err)
			}
			return nil, err
		}
		l.inner, l.since = c, time.Now()
		close(l.opened)
		l.opened = make(chan struct{})
	}
	l.holds++
	if l.timer != nil {
		l.timer.Stop()
	}
	var once sync.Once
	return func() { once.Do(func() { l.release(max(d, DefaultLinger)) }) }, nil
}

func (l *Lazy) release(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.holds--
	if until := time.Now().Add(d); until.After(l.until) {
		l.until = until
	}
	if l.holds > 0 || l.inner == nil {
		return
	}
	wait := time.Until(l.until)
	if l.timer == nil {
		l.timer = time.AfterFunc(wait, l.idle)
	} else {
		l.timer.Reset(wait)
	}
}

// idle closes the device when no hold is left and the linger has passed.
func (l *Lazy) idle() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holds > 0 || l.inner == nil {
		return
	}
	if wait := time.Until(l.until); wait > 0 {
		l.timer.Reset(wait)
		return
	}
	c := l.inner
	l.inner = nil
	c.Close() // the Read blocked on c returns, sees it was let go, and waits
}

// fail stops the Lazy for good with err. l.mu must be held.
func (l *Lazy) fail(err error) {
	if l.err != nil {
		return
	}
	l.err = err
	if l.inner != nil {
		l.inner.Close()
		l.inner = nil
	}
	if l.timer != nil {
		l.timer.Stop()
	}
	close(l.opened)
}

// Write sends one report, opening the device for [DefaultLinger] if no
// one holds it.
func (l *Lazy) Write(report []byte) (int, error) {
	release, err := l.Hold(0)
	if err != nil {
		return 0, err
	}
	defer release()
	l.mu.Lock()
	c := l.inner
	l.mu.Unlock()
	if c == nil {
		return 0, fmt.Errorf("transport: write %s: %w", l.info.Path, ErrClosed)
	}
	return c.Write(report)
}

// Read waits for the device to be open and reads one report from it. A
// closing for idleness is not an error: Read waits for the next opening.
func (l *Lazy) Read(p []byte) (int, error) {
	for {
		l.mu.Lock()
		c, opened, err := l.inner, l.opened, l.err
		l.mu.Unlock()
		if err != nil {
			return 0, err
		}
		if c == nil {
			<-opened
			continue
		}
		n, err := c.Read(p)
		if err == nil {
			return n, nil
		}
		l.mu.Lock()
		letGo := l.inner != c && l.err == nil
		if !letGo {
			l.fail(err)
			err = l.err
		}
		l.mu.Unlock()
		if !letGo {
			return 0, err
		}
	}
}

// Close closes the device, if open, and makes a blocked Read return
// [ErrClosed].
func (l *Lazy) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.fail(fmt.Errorf("transport: %s: %w", l.info.Path, ErrClosed))
	}
	return nil
}

// Info describes the device.
func (l *Lazy) Info() Info { return l.info }

// IsOpen reports whether the device is open now.
func (l *Lazy) IsOpen() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inner != nil
}

// OpenFor reports whether the device has been open, without a break, for
// at least d up to now: every report it sent in that time has been read.
func (l *Lazy) OpenFor(d time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inner != nil && time.Since(l.since) >= d
}
