// Package transporttest checks that an implementation of [transport.Conn]
// keeps the contract written in package transport, in the manner of
// testing/fstest and testing/slogtest: each transport's tests call
// [TestConn] with a way to open a Conn and to act as the device at its far
// end, and get one subtest per rule.
//
// Every transport runs it: the emulator in its unit tests, libusb and
// hidapi over the fakes of their device interfaces in theirs, and in the
// VM tests (test/vm) hidraw and hidapi on the real hidraw node of the
// emulated receiver, and libusb on the emulated receiver as a USB gadget.
package transporttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/helio-linux/helio/transport"
)

// Device is the far end of a Conn under test: a device, or a fake of one.
//
// A real device (or an emulated one) may answer what is written and send
// reports of its own, and a kernel driver may write to it beside the Conn:
// the test finds its own reports among the others by their content.
type Device interface {
	// Send sends one input report, report ID first, from the device: the
	// Conn's Read returns it.
	Send(report []byte) error
	// Written returns the next report the device received, report ID
	// first, waiting for one until ctx ends.
	Written(ctx context.Context) ([]byte, error)
}

// Unplugger is a Device that can be pulled out. When the Device given to
// TestConn is one, TestConn also checks what a Conn does when its device
// goes away.
type Unplugger interface {
	Device
	// Unplug takes the device away for good, as pulling it out would.
	Unplug()
}

// Wait bounds every wait of the test: a report to arrive, a Read to return
// after Close. It is long, for slow machines and VMs without KVM.
const Wait = 5 * time.Second

// The reports the test writes and sends. They are HID++ shaped (short 0x10
// and long 0x11 reports) so any receiver and kernel pass them; what they
// ask, function 0x4 of feature index 0x7A of the receiver or a corded
// device (index 0xFF), is beyond any device's feature table, so a real or
// emulated device at most answers with an error. Each carries a two-byte
// marker (bytes 5 and 6), so every report is told apart.
var (
	shortReport = []byte{0x10, 0xFF, 0x7A, 0x4E, 0xC0, 0x00, 0x00}
	longReport  = []byte{0x11, 0xFF, 0x7A, 0x4E, 0xC1, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}
)

// report returns a copy of the short or long report with marker i.
func report(long bool, i int) []byte {
	b := bytes.Clone(shortReport)
	if long {
		b = bytes.Clone(longReport)
	}
	b[5], b[6] = byte(i>>8), byte(i)
	return b
}

// TestConn checks the Conns that open returns. It runs one subtest per
// rule of the contract, each on a new Conn: open is called from that
// subtest, so it may use t for set-up and clean-up (t.Cleanup, t.TempDir).
// TestConn closes every Conn it is given; the Device is open's to release.
//
// The rules:
//   - Write sends a whole report, short or long, as it is: Write returns
//     its length and the device receives the same bytes, in order.
//   - Read returns each report the device sends, whole and in order, into
//     a 64-byte buffer, including one sent while the Read already waits; a
//     shorter buffer gets the start of the report.
//   - Close makes a blocked Read return an error wrapping
//     [transport.ErrClosed].
//   - After Close, Read and Write return errors wrapping ErrClosed, Close
//     again returns nil, and Info is unchanged.
//   - Read may run in one goroutine while Write is called from two others
//     and Close from another (run the test with -race).
//   - With an [Unplugger]: when the device goes away, a blocked Read
//     returns an error wrapping [transport.ErrGone], and so does a later
//     Write; Close still returns.
func TestConn(t *testing.T, open func(t *testing.T) (transport.Conn, Device)) {
	t.Run("Write", func(t *testing.T) { testWrite(t, open) })
	t.Run("Read", func(t *testing.T) { testRead(t, open) })
	t.Run("ReadShortBuffer", func(t *testing.T) { testReadShortBuffer(t, open) })
	t.Run("CloseUnblocksRead", func(t *testing.T) { testCloseUnblocksRead(t, open) })
	t.Run("AfterClose", func(t *testing.T) { testAfterClose(t, open) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, open) })
	t.Run("Unplug", func(t *testing.T) { testUnplug(t, open) })
}

// openConn opens a Conn and closes it when the test ends.
func openConn(t *testing.T, open func(t *testing.T) (transport.Conn, Device)) (transport.Conn, Device) {
	t.Helper()
	c, d := open(t)
	if c == nil || d == nil {
		t.Fatalf("open returned Conn %v, Device %v", c, d)
	}
	t.Cleanup(func() {
		done := make(chan struct{})
		go func() { c.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(Wait):
			t.Errorf("Close at the end of the test still blocked after %v", Wait)
		}
	})
	return c, d
}

func testWrite(t *testing.T, open func(t *testing.T) (transport.Conn, Device)) {
	c, d := openConn(t, open)
	want := [][]byte{report(false, 1), report(true, 2), report(false, 3)}
	for _, w := range want {
		var n int
		err := returns(t, "Write", func() (err error) { n, err = c.Write(w); return err })
		if n != len(w) || err != nil {
			t.Fatalf("Write(% x) = %d, %v; want %d, nil", w, n, err, len(w))
		}
	}
	for _, w := range want {
		got, err := written(d, w)
		if err != nil {
			t.Fatalf("the device did not receive % x: %v (it received % x)", w, err, got)
		}
	}
}

// written waits for the device to receive want, and fails if it receives
// another of the test's reports first (out of order or changed). It
// returns the test's reports it received, for the message.
func written(d Device, want []byte) ([][]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	var seen [][]byte
	for {
		b, err := d.Written(ctx)
		if err != nil {
			return seen, err
		}
		if bytes.Equal(b, want) {
			return seen, nil
		}
		if ours(b) {
			return append(seen, b), errors.New("another report came first")
		}
	}
}

// ours reports whether b is, or starts like, one of the test's reports.
func ours(b []byte) bool {
	return len(b) >= 5 && (b[0] == shortReport[0] || b[0] == longReport[0]) &&
		bytes.Equal(b[1:4], shortReport[1:4]) && (b[4] == shortReport[4] || b[4] == longReport[4])
}

// reader runs Reads in a goroutine until one fails, and hands over the
// test's reports it reads; other reports (a device's answers and its own
// traffic) are dropped.
type reader struct {
	reports chan []byte
	done    chan struct{}
	err     error // the failed Read's error, set before done closes
}

func startReader(c transport.Conn, size int) *reader {
	r := &reader{reports: make(chan []byte, 64), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for {
			p := make([]byte, size)
			n, err := c.Read(p)
			if err != nil {
				r.err = err
				return
			}
			if n < 0 || n > len(p) {
				r.err = fmt.Errorf("conn.Read returned %d for a %d-byte buffer", n, len(p))
				return
			}
			if ours(p[:n]) {
				r.reports <- p[:n]
			}
		}
	}()
	return r
}

// next waits for the next of the test's reports.
func (r *reader) next(t *testing.T) []byte {
	t.Helper()
	select {
	case b := <-r.reports: // before a failure that came after it
		return b
	default:
	}
	select {
	case b := <-r.reports:
		return b
	case <-r.done:
		t.Fatalf("Read failed: %v", r.err)
	case <-time.After(Wait):
		t.Fatalf("Read returned no report in %v", Wait)
	}
	return nil
}

// end waits for the reader's Read to fail and returns its error.
func (r *reader) end(t *testing.T, after string) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(Wait):
		t.Fatalf("Read still blocked %v after %s", Wait, after)
		return nil
	}
}

func testRead(t *testing.T, open func(t *testing.T) (transport.Conn, Device)) {
	c, d := openConn(t, open)
	r := startReader(c, 64)
	// The first Read waits a while before anything is sent (longer than
	// a transport that polls, such as hidapi, waits per poll).
	time.Sleep(200 * time.Millisecond)
	want := [][]byte{report(false, 1), report(true, 2), report(false, 3)}
	for _, w := range want {
		if err := d.Send(w); err != nil {
			t.Fatalf("Send(% x): %v", w, err)
		}
	}
	for _, w := range want {
		if got := r.next(t); !bytes.Equal(got, w) {
			t.Errorf("Read = % x, want % x", got, w)
		}
	}
}

func testReadShortBuffer(t *testing.T, open func(t *testing.T) (transport.Conn, Device)) {
	c, d := openConn(t, open)
	r := startReader(c, 5)
	w := report(true, 1)
	if err := d.Send(w); err != nil {
		t.Fatalf("Send(% x): %v", w, err)
	}
	if got := r.next(t); !bytes.Equal(got, w[:5]) {
		t.Errorf("Read into 5 bytes = % x, want % x", got, w[:5])
	}
}

func testCloseUnblocksRead(t *testing.T, open func(t *testing.T) (transport.Conn, Device)) {
	c, _ := openConn(t, open)
	r := startReader(c, 64)
	time.Sleep(50 * time.Millisecond)
	select {
	case <-r.done:
		t.Fatalf("Read failed before Close: %v", r.err)
	default:
	}
	if err := returns(t, "Close", c.Close); err != nil {
		t.Errorf("Close = %v", err)
	}
	if err := r.end(t, "Close"); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Read blocked across Close = %v, want an error wrapping transport.ErrClosed", err)
	}
}

// returns runs call on its own goroutine and returns its error; the test
// fails if call does not return within Wait.
func returns(t *testing.T, what string, call func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- call() }()
	select {
	case err := <-errc:
		return err
	case <-time.After(Wait):
		t.Fatalf("%s still blocked after %v", what, Wait)
		return nil
	}
}

func testAfterClose(t *testing.T, open func(t *testing.T) (transport.Conn, Device)) {
	c, _ := openConn(t, open)
	info := c.Info()
	if err := returns(t, "Close", c.Close); err != nil {
		t.Errorf("Close = %v", err)
	}
	if err := returns(t, "a second Close", c.Close); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	read := func() error { _, err := c.Read(make([]byte, 64)); return err }
	if err := returns(t, "Read after Close", read); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Read after Close = %v, want an error wrapping transport.ErrClosed", err)
	}
	write := func() error { _, err := c.Write(report(false, 1)); return err }
	if err := returns(t, "Write after Close", write); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Write after Close = %v, want an error wrapping transport.ErrClosed", err)
	}
	if got := c.Info(); got != info {
		t.Errorf("Info after Close = %v, want %v", got, info)
	}
}

func testConcurrent(t *testing.T, open func(t *testing.T) (transport.Conn, Device)) {
	c, d := openConn(t, open)
	const n = 10
	r := startReader(c, 64)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for w := range 2 {
		wg.Go(func() {
			for i := range n {
				b := report(w == 1, w<<8|i)
				if _, err := c.Write(b); err != nil {
					errs <- fmt.Errorf("Write(% x): %w", b, err)
				}
			}
		})
	}
	for i := range n {
		if err := d.Send(report(i%2 == 1, 0x200|i)); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	for i := range n {
		if got, want := r.next(t), report(i%2 == 1, 0x200|i); !bytes.Equal(got, want) {
			t.Errorf("Read = % x, want % x", got, want)
		}
	}
	returns(t, "Write from two goroutines", func() error { wg.Wait(); return nil })
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Each writer's reports arrive in its order; the two interleave.
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	nextOf := [2]int{}
	for nextOf[0] < n || nextOf[1] < n {
		b, err := d.Written(ctx)
		if err != nil {
			t.Fatalf("the device received %v of each writer's %d reports: %v", nextOf, n, err)
		}
		if !ours(b) {
			continue
		}
		w := int(b[5])
		if w > 1 || !bytes.Equal(b, report(w == 1, w<<8|nextOf[w])) {
			t.Fatalf("the device received % x, want writer 0's report %d or writer 1's %d", b, nextOf[0], nextOf[1])
		}
		nextOf[w]++
	}
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	if err := r.end(t, "a concurrent Close"); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Read across a concurrent Close = %v, want an error wrapping transport.ErrClosed", err)
	}
	if err := returns(t, "Close", func() error { return <-closed }); err != nil {
		t.Errorf("Close = %v", err)
	}
}

func testUnplug(t *testing.T, open func(t *testing.T) (transport.Conn, Device)) {
	c, d := openConn(t, open)
	u, ok := d.(Unplugger)
	if !ok {
		t.Skip("the Device cannot be unplugged")
	}
	r := startReader(c, 64)
	time.Sleep(50 * time.Millisecond)
	u.Unplug()
	if err := r.end(t, "the device went away"); !errors.Is(err, transport.ErrGone) {
		t.Errorf("Read blocked across an unplug = %v, want an error wrapping transport.ErrGone", err)
	}
	write := func() error { _, err := c.Write(report(false, 1)); return err }
	if err := returns(t, "Write after an unplug", write); !errors.Is(err, transport.ErrGone) {
		t.Errorf("Write after an unplug = %v, want an error wrapping transport.ErrGone", err)
	}
	returns(t, "Close after an unplug", c.Close) // it may report the device gone
}
