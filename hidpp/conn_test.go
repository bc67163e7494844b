package hidpp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/syncbuf"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/transporttest"
)

// fakeTransport is an in-memory transport.Conn. Write records the report
// and lets respond (if set) queue replies; Read returns queued input in
// order; Close unblocks Read with an error wrapping transport.ErrClosed.
type fakeTransport struct {
	in        chan fakeInput
	closed    chan struct{}
	closeOnce sync.Once

	mu      sync.Mutex
	writes  [][]byte
	respond func(req []byte) [][]byte
	info    *transport.Info // nil: a C52B's
}

type fakeInput struct {
	b   []byte
	err error
}

var _ transport.Conn = (*fakeTransport)(nil)

func newFake(respond func(req []byte) [][]byte) *fakeTransport {
	return &fakeTransport{in: make(chan fakeInput, 4096), closed: make(chan struct{}), respond: respond}
}

func (f *fakeTransport) Write(p []byte) (int, error) {
	select {
	case <-f.closed:
		return 0, fmt.Errorf("fake write: %w", transport.ErrClosed)
	default:
	}
	b := bytes.Clone(p)
	f.mu.Lock()
	f.writes = append(f.writes, b)
	respond := f.respond
	f.mu.Unlock()
	if respond != nil {
		for _, r := range respond(b) {
			f.push(r)
		}
	}
	return len(p), nil
}

func (f *fakeTransport) Read(p []byte) (int, error) {
	select {
	case <-f.closed:
		return 0, fmt.Errorf("fake read: %w", transport.ErrClosed)
	default:
	}
	select {
	case in := <-f.in:
		if in.err != nil {
			return 0, in.err
		}
		return copy(p, in.b), nil
	case <-f.closed:
		return 0, fmt.Errorf("fake read: %w", transport.ErrClosed)
	}
}

func (f *fakeTransport) Close() error {
	f.closeOnce.Do(func() { close(f.closed) })
	return nil
}

func (f *fakeTransport) Info() transport.Info {
	if f.info != nil {
		return *f.info
	}
	return transport.Info{Backend: "fake", Path: "/dev/fake-hidraw", VendorID: 0x046d, ProductID: 0xc52b}
}

// push queues one input report.
func (f *fakeTransport) push(b []byte) {
	select {
	case f.in <- fakeInput{b: bytes.Clone(b)}:
	case <-f.closed:
	}
}

func (f *fakeTransport) pushHex(s string) { f.push(hx(s)) }

// fail makes the next Read return err, as when the receiver is unplugged.
func (f *fakeTransport) fail(err error) {
	select {
	case f.in <- fakeInput{err: err}:
	case <-f.closed:
	}
}

func (f *fakeTransport) writeLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.writes))
	for i, w := range f.writes {
		out[i] = fmt.Sprintf("% X", w)
	}
	return out
}

func (f *fakeTransport) writeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.writes)
}

// TestFakeTransport_Conformance: the fake these tests drive hidpp.Conn
// with keeps the transport contract, as the real transports do.
func TestFakeTransport_Conformance(t *testing.T) {
	transporttest.TestConn(t, func(t *testing.T) (transport.Conn, transporttest.Device) {
		d := fakeEnd{written: make(chan []byte, 256)}
		d.f = newFake(func(req []byte) [][]byte {
			d.written <- req
			return nil
		})
		return d.f, d
	})
}

// fakeEnd is the device end of a fakeTransport.
type fakeEnd struct {
	f       *fakeTransport
	written chan []byte
}

func (d fakeEnd) Send(report []byte) error {
	d.f.push(report)
	return nil
}

func (d fakeEnd) Written(ctx context.Context) ([]byte, error) {
	select {
	case b := <-d.written:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// scripted answers each request found in script (keyed by its bytes as
// "% X" prints them: "10 01 00 16 00 00 01") with the replies listed, in
// order; other requests get no answer.
func scripted(script map[string][]string) func([]byte) [][]byte {
	return func(req []byte) [][]byte {
		var out [][]byte
		for _, s := range script[fmt.Sprintf("% X", req)] {
			out = append(out, hx(s))
		}
		return out
	}
}

// pad20 pads a hex prefix to a whole long report, as hex.
func pad20(s string) string { return fmt.Sprintf("% X", long20(s)) }

// Timeouts: long enough never to fire on a loaded machine when a reply is
// coming, short where a test waits for them to fire.
var (
	slowOpts = &hidpp.Opts{ReceiverTimeout: 5 * time.Second, DeviceTimeout: 5 * time.Second}
	fastOpts = &hidpp.Opts{ReceiverTimeout: 50 * time.Millisecond, DeviceTimeout: 50 * time.Millisecond}
)

func newConn(t *testing.T, f *fakeTransport, opts *hidpp.Opts) *hidpp.Conn {
	t.Helper()
	c := hidpp.NewConn(f, opts)
	t.Cleanup(func() { c.Close() })
	return c
}

// recv reads one report from a subscription, failing after a second.
func recv(t *testing.T, ch <-chan hidpp.Report) hidpp.Report {
	t.Helper()
	select {
	case r, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed, want a report")
		}
		return r
	case <-time.After(time.Second):
		t.Fatal("no report on the subscription within 1 s")
	}
	return hidpp.Report{}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		name     string
		req, rep string
		want     bool
	}{
		{"register read", "10 01 81 07 00 00 00", "10 01 81 07 07 00 00", true},
		{"other device", "10 01 81 07 00 00 00", "10 02 81 07 07 00 00", false},
		{"other register", "10 01 81 07 00 00 00", "10 01 81 0D 64 47 34", false},
		{"other sub-ID", "10 01 81 07 00 00 00", "10 01 80 07 00 00 00", false},
		{"battery event is no reply", "10 01 81 07 00 00 00", "10 01 07 07 00 00 00", false},
		{"long reply to short request", "10 01 00 06 10 00 00", pad20("11 01 00 06 06 00 00"), true},
		{"0xB5 same sub-register", "10 FF 83 B5 20 00 00", pad20("11 FF 83 B5 20 20 08 40 82"), true},
		{"0xB5 other sub-register", "10 FF 83 B5 20 00 00", pad20("11 FF 83 B5 30 FB 84 1B 86"), false},
		{"0xB5 codename vs info", "10 FF 83 B5 40 00 00", b5ReceiverInfo, false},
		{"0xF1 same selector", "10 FF 81 F1 01 00 00", "10 FF 81 F1 01 12 01", true},
		{"0xF1 other selector", "10 FF 81 F1 01 00 00", "10 FF 81 F1 02 00 19", false},
		{"other long register, no echo", "10 FF 83 B3 00 00 00", pad20("11 FF 83 B3 01 02"), true},
		{"ping byte echoed", "10 01 00 16 00 00 5A", pad20("11 01 00 16 04 05 5A"), true},
		{"ping byte differs", "10 01 00 16 00 00 5A", pad20("11 01 00 16 04 05 5B"), false},
		{"software ID differs", "10 01 05 16 00 00 00", pad20("11 01 05 1B 00"), false},
		{"function differs", "10 01 05 16 00 00 00", pad20("11 01 05 26 00"), false},
		{"2.0 event is no reply", "10 01 05 16 00 00 00", pad20("11 01 05 10 00"), false},
		{"1.0 error for the request", "10 01 81 0D 00 00 00", "10 01 8F 81 0D 02 00", true},
		{"1.0 error for another register", "10 01 81 0D 00 00 00", "10 01 8F 81 07 02 00", false},
		{"1.0 error from another device", "10 01 81 0D 00 00 00", "10 02 8F 81 0D 02 00", false},
		{"1.0 error for 0xB5", "10 FF 83 B5 03 00 00", "10 FF 8F 83 B5 03 00", true},
		{"1.0 error answering a ping", "10 01 00 16 00 00 01", "10 01 8F 00 16 01 00", true},
		{"2.0 error for the request", "10 02 09 16 01 01 00", err20InvalidIndex, true},
		{"2.0 error for another function", "10 02 09 26 01 01 00", err20InvalidIndex, false},
		{"2.0 error for another index", "10 02 08 16 01 01 00", err20InvalidIndex, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, rep := rep(t, tt.req), rep(t, tt.rep)
			if got := hidpp.Matches(&req, &rep); got != tt.want {
				t.Errorf("Matches(%v, %v) = %v, want %v", req, rep, got, tt.want)
			}
		})
	}
}

func TestConnMatchesDeviceSubIDAddress(t *testing.T) {
	f := newFake(scripted(map[string][]string{
		"10 01 81 07 00 00 00": {
			"10 02 81 07 03 00 00", // other device
			"10 01 81 0D 64 47 34", // other register
			"10 01 80 07 00 00 00", // other sub-ID
			"10 01 81 07 05 21 00", // the reply
		},
	}))
	c := newConn(t, f, slowOpts)
	sub, cancel := c.Subscribe()
	defer cancel()

	req := hidpp.Short(0x01, hidpp.SubGetRegister, 0x07)
	got, err := c.Request(context.Background(), req)
	if err != nil || fmt.Sprintf("% X", got.Bytes()) != "10 01 81 07 05 21 00" {
		t.Fatalf("Request(%v) = %v, %v; want 10 01 81 07 05 21 00", req, got, err)
	}
	for _, want := range []string{"10 02 81 07 03 00 00", "10 01 81 0D 64 47 34", "10 01 80 07 00 00 00"} {
		if r := recv(t, sub); fmt.Sprintf("% X", r.Bytes()) != want {
			t.Errorf("notification = %v, want %s", r, want)
		}
	}
	if s := c.Stats(); s.Requests != 1 || s.Replies != 1 || s.Notifications != 3 || s.Ignored != 0 || s.Timeouts != 0 {
		t.Errorf("Stats() = %+v, want 1 request, 1 reply, 3 notifications", s)
	}
}

// Two concurrent 0xB5 reads to the receiver are written one at a time, and a
// reply echoing the other sub-register does not answer the one in flight.
func TestConnLongRegisterSerialisedAndSubRegister(t *testing.T) {
	written := make(chan []byte, 4)
	f := newFake(func(req []byte) [][]byte {
		written <- req
		return nil
	})
	c := newConn(t, f, slowOpts)
	sub, cancel := c.Subscribe()
	defer cancel()

	replies := map[byte]string{
		0x20: pad20("11 FF 83 B5 20 20 08 40 82 04 02 02 07"),
		0x30: b5ExtPairing,
	}
	var wg sync.WaitGroup
	got := make(map[byte]hidpp.Report)
	var mu sync.Mutex
	for _, ss := range []byte{0x20, 0x30} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Request(context.Background(), hidpp.Short(hidpp.ReceiverIndex, hidpp.SubGetLongRegister, 0xB5, ss))
			if err != nil {
				t.Errorf("Request(83 B5 %02X) = %v", ss, err)
			}
			mu.Lock()
			got[ss] = r
			mu.Unlock()
		}()
	}

	first := waitWrite(t, written)
	select {
	case second := <-written:
		t.Fatalf("second request % X written while % X is unanswered; want one request at a time per device", second, first)
	case <-time.After(50 * time.Millisecond):
	}
	other := byte(0x20)
	if first[4] == 0x20 {
		other = 0x30
	}
	f.pushHex(replies[other])    // wrong sub-register: must not answer the first request
	f.pushHex(replies[first[4]]) // the right one
	second := waitWrite(t, written)
	if second[4] != other {
		t.Fatalf("second request % X, want sub-register %02X", second, other)
	}
	f.pushHex(replies[second[4]])
	wg.Wait()

	for ss, want := range replies {
		if r := got[ss]; fmt.Sprintf("% X", r.Bytes()) != want {
			t.Errorf("Request(83 B5 %02X) = %v, want %s", ss, r, want)
		}
	}
	if r := recv(t, sub); fmt.Sprintf("% X", r.Bytes()) != replies[other] {
		t.Errorf("notification = %v, want the unsolicited %s", r, replies[other])
	}
}

func waitWrite(t *testing.T, ch <-chan []byte) []byte {
	t.Helper()
	select {
	case b := <-ch:
		return b
	case <-time.After(2 * time.Second):
		t.Fatal("no request written within 2 s")
	}
	return nil
}

func TestConnF1Selector(t *testing.T) {
	f := newFake(scripted(map[string][]string{
		"10 FF 81 F1 01 00 00": {"10 FF 81 F1 02 00 19", "10 FF 81 F1 01 12 01"},
	}))
	c := newConn(t, f, slowOpts)
	got, err := c.Request(context.Background(), hidpp.Short(hidpp.ReceiverIndex, hidpp.SubGetRegister, 0xF1, 0x01))
	if err != nil || fmt.Sprintf("% X", got.Bytes()) != "10 FF 81 F1 01 12 01" {
		t.Errorf("Request(81 F1 01) = %v, %v; want 10 FF 81 F1 01 12 01", got, err)
	}
}

func TestConnShortRequestLongReply(t *testing.T) {
	reply := pad20("11 01 00 06 06 00 01")
	f := newFake(scripted(map[string][]string{"10 01 00 06 10 00 00": {reply}}))
	c := newConn(t, f, slowOpts)
	got, err := c.Request(context.Background(), hidpp.Short(0x01, 0x00, 0x06, 0x10, 0x00))
	if err != nil || fmt.Sprintf("% X", got.Bytes()) != reply {
		t.Fatalf("Request(GetFeature 0x1000) = %v, %v; want %s", got, err, reply)
	}
	if got.ID() != hidpp.LongID {
		t.Errorf("reply ID = %#x, want 0x11", got.ID())
	}
}

func TestConnErrorReplies(t *testing.T) {
	f := newFake(scripted(map[string][]string{
		"10 01 81 0D 00 00 00": {"10 01 8F 81 0D 02 00"},
		"10 02 09 16 01 01 00": {err20InvalidIndex},
		"10 03 81 07 00 00 00": {"10 03 8F 81 07 09 00"},
	}))
	c := newConn(t, f, &hidpp.Opts{DeviceTimeout: 300 * time.Millisecond})
	tests := []struct {
		req  hidpp.Report
		want hidpp.Error
	}{
		{hidpp.Short(1, hidpp.SubGetRegister, 0x0D), hidpp.Error{Version: 1, Code: 0x02, Device: 1, SubID: 0x81, Address: 0x0D}},
		{hidpp.Short(2, 0x09, 0x16, 0x01, 0x01), hidpp.Error{Version: 2, Code: 0x06, Device: 2, SubID: 0x09, Address: 0x16}},
		{hidpp.Short(3, hidpp.SubGetRegister, 0x07), hidpp.Error{Version: 1, Code: 0x09, Device: 3, SubID: 0x81, Address: 0x07}},
	}
	for _, tt := range tests {
		_, err := c.Request(context.Background(), tt.req)
		var e *hidpp.Error
		if !errors.As(err, &e) || *e != tt.want {
			t.Errorf("Request(%v) = %v, want *Error %+v", tt.req, err, tt.want)
		}
	}
	if s := c.Stats(); s.Replies != 3 || s.Timeouts != 0 {
		t.Errorf("Stats() = %+v, want 3 replies (error reports count) and no timeout", s)
	}
}

func TestConnTimeout(t *testing.T) {
	f := newFake(nil) // never answers
	c := newConn(t, f, fastOpts)
	for _, req := range []hidpp.Report{
		hidpp.Short(0x01, hidpp.SubGetRegister, 0x07),
		hidpp.Short(hidpp.ReceiverIndex, hidpp.SubGetRegister, 0x02),
	} {
		_, err := c.Request(context.Background(), req)
		if !errors.Is(err, hidpp.ErrTimeout) {
			t.Errorf("Request(%v) = %v, want an error wrapping ErrTimeout", req, err)
		}
	}
	if s := c.Stats(); s.Timeouts != 2 || s.Requests != 2 {
		t.Errorf("Stats() = %+v, want 2 requests, 2 timeouts", s)
	}

	// A cancelled context is not a timeout.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Request(ctx, hidpp.Short(1, hidpp.SubGetRegister, 0x07)); !errors.Is(err, context.Canceled) || errors.Is(err, hidpp.ErrTimeout) {
		t.Errorf("Request(cancelled ctx) = %v, want context.Canceled", err)
	}

	// A late reply after a timeout (here the caller's deadline) is taken for
	// a notification and does not answer the next request.
	const reply0D = "10 01 81 0D 64 47 34"
	f2 := newFake(scripted(map[string][]string{"10 01 81 0D 00 00 00": {reply0D}}))
	c2 := newConn(t, f2, slowOpts)
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c2.Request(ctx, hidpp.Short(1, hidpp.SubGetRegister, 0x07)); !errors.Is(err, hidpp.ErrTimeout) {
		t.Errorf("Request(ctx with 20 ms deadline) = %v, want an error wrapping ErrTimeout", err)
	}
	f2.pushHex("10 01 81 07 07 00 00")
	if got, err := c2.Request(context.Background(), hidpp.Short(1, hidpp.SubGetRegister, 0x0D)); err != nil || fmt.Sprintf("% X", got.Bytes()) != reply0D {
		t.Errorf("Request(81 0D) after a late reply = %v, %v; want %s", got, err, reply0D)
	}
	if s := c2.Stats(); s.Notifications != 1 || s.Timeouts != 1 {
		t.Errorf("Stats() = %+v, want the late reply counted as 1 notification, 1 timeout", s)
	}
}

func TestConnParallelDevices(t *testing.T) {
	written := make(chan []byte, 4)
	f := newFake(func(req []byte) [][]byte {
		written <- req
		return nil
	})
	c := newConn(t, f, slowOpts)

	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i, ix := range []byte{1, 2, 3} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Request(context.Background(), hidpp.Short(ix, hidpp.SubGetRegister, 0x07))
			if err == nil && r.Device() != ix {
				err = fmt.Errorf("reply %v from the wrong device", r)
			}
			errs[i] = err
		}()
	}
	// All three requests must be on the wire before any is answered.
	seen := map[byte]bool{}
	for range 3 {
		seen[waitWrite(t, written)[1]] = true
	}
	if len(seen) != 3 {
		t.Fatalf("requests written for devices %v, want 1, 2 and 3", seen)
	}
	for _, ix := range []byte{3, 1, 2} { // out of order on purpose
		f.push(bytesOf(hidpp.Short(ix, hidpp.SubGetRegister, 0x07, 0x07, 0x00, 0x00)))
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Request to device %d = %v", i+1, err)
		}
	}
}

func TestConnIgnoresNonHIDPP(t *testing.T) {
	f := newFake(nil)
	c := newConn(t, f, slowOpts)
	sub, cancel := c.Subscribe()
	defer cancel()

	ignored := []string{
		"20 01 41 00 10 20 1A 40 00 00 00 00 00 00 00", // DJ "device paired" (§6.4)
		"20 02 42 00 00 00 00 00 00 00 00 00 00 00 00", // DJ connection status
		"01 00 00 04 00 00 00 00",                      // boot keyboard report
		"02 00 01 00 FF 00 00 00",                      // mouse report
		"10 01 41 04 A1",                               // HID++ short with 5 bytes
		"11 01 00 16 04 05 01",                         // HID++ long with 7 bytes
		"12 01 00 16",                                  // very long with 4 bytes
		"10 01",                                        // 2 bytes
	}
	for _, s := range ignored {
		f.pushHex(s)
	}
	f.pushHex(k800LinkUp)
	if r := recv(t, sub); fmt.Sprintf("% X", r.Bytes()) != k800LinkUp {
		t.Fatalf("first notification = %v, want %s: ignored input reached a subscriber", r, k800LinkUp)
	}
	select {
	case r := <-sub:
		t.Errorf("unexpected notification %v", r)
	default:
	}
	if s := c.Stats(); s.Ignored != uint64(len(ignored)) || s.Notifications != 1 {
		t.Errorf("Stats() = %+v, want %d ignored, 1 notification", s, len(ignored))
	}
}

func TestConnSubscribersInOrder(t *testing.T) {
	f := newFake(nil)
	c := newConn(t, f, slowOpts)
	const n = 300
	subs := make([]<-chan hidpp.Report, 3)
	cancels := make([]func(), 3)
	for i := range subs {
		subs[i], cancels[i] = c.Subscribe()
	}
	defer func() {
		for _, cancel := range cancels {
			cancel()
		}
	}()
	for i := range n {
		f.push(bytesOf(hidpp.Short(0x01, 0x4B, 0x01, byte(i>>8), byte(i))))
	}
	var wg sync.WaitGroup
	for s, ch := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				select {
				case r := <-ch:
					if got := int(r.Param(0))<<8 | int(r.Param(1)); got != i {
						t.Errorf("subscriber %d: notification %d = %v, want number %d", s, i, r, i)
						return
					}
				case <-time.After(2 * time.Second):
					t.Errorf("subscriber %d: notification %d missing", s, i)
					return
				}
			}
		}()
	}
	wg.Wait()

	// Cancel closes that subscription only.
	cancels[0]()
	if _, ok := <-subs[0]; ok {
		t.Errorf("subscription open after cancel")
	}
	f.pushHex(k800LinkUp)
	for _, ch := range subs[1:] {
		if r := recv(t, ch); fmt.Sprintf("% X", r.Bytes()) != k800LinkUp {
			t.Errorf("notification after a cancel = %v, want %s", r, k800LinkUp)
		}
	}
}

// A subscriber that never reads must not hold up the reader: replies still
// reach their requests, and the stuck subscriber keeps only the newest 1024.
func TestConnStuckSubscriber(t *testing.T) {
	f := newFake(scripted(map[string][]string{"10 FF 81 02 00 00 00": {"10 FF 81 02 00 02 00"}}))
	c := newConn(t, f, slowOpts)
	stuck, cancel := c.Subscribe()
	defer cancel()

	const n = 1100
	for i := range n {
		f.push(bytesOf(hidpp.Short(0x01, 0x4B, 0x01, byte(i>>8), byte(i))))
	}
	got, err := c.Request(context.Background(), hidpp.Short(hidpp.ReceiverIndex, hidpp.SubGetRegister, 0x02))
	if err != nil || got.Param(1) != 2 {
		t.Fatalf("Request(81 02) with a stuck subscriber = %v, %v; want 10 FF 81 02 00 02 00", got, err)
	}
	if s := c.Stats(); s.Notifications != n {
		t.Errorf("Stats().Notifications = %d, want %d", s.Notifications, n)
	}

	// Now drain: the oldest were dropped, the rest come in order, ending
	// with the newest.
	count, last := 0, -1
	for last != n-1 {
		r := recv(t, stuck)
		num := int(r.Param(0))<<8 | int(r.Param(1))
		if num <= last {
			t.Fatalf("notification %d after %d: out of order", num, last)
		}
		last = num
		count++
	}
	if count < 1024 || count > 1025 {
		t.Errorf("stuck subscriber got %d of %d notifications, want the newest 1024 (plus one in hand)", count, n)
	}
	if lost := c.Stats().Overflowed; int(lost)+count != n {
		t.Errorf("Stats().Overflowed = %d, with %d delivered of %d", lost, count, n)
	}
}

func TestConnClose(t *testing.T) {
	written := make(chan []byte, 1)
	f := newFake(func(req []byte) [][]byte {
		written <- req
		return nil
	})
	c := hidpp.NewConn(f, slowOpts)
	sub, _ := c.Subscribe()

	errc := make(chan error, 1)
	go func() {
		_, err := c.Request(context.Background(), hidpp.Short(0x01, hidpp.SubGetRegister, 0x07))
		errc <- err
	}()
	waitWrite(t, written)
	if err := c.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}

	select {
	case err := <-errc:
		if !errors.Is(err, hidpp.ErrClosed) || errors.Is(err, hidpp.ErrTimeout) {
			t.Errorf("pending Request after Close = %v, want an error wrapping ErrClosed", err)
		}
	case <-time.After(time.Second):
		t.Fatal("pending Request still waiting 1 s after Close")
	}
	select {
	case _, ok := <-sub:
		if ok {
			t.Error("subscription delivered a report after Close, want it closed")
		}
	case <-time.After(time.Second):
		t.Error("subscription not closed 1 s after Close")
	}
	select {
	case <-c.Done():
	default:
		t.Error("Done() not closed after Close returned")
	}
	if err := c.Err(); !errors.Is(err, hidpp.ErrClosed) {
		t.Errorf("Err() after Close = %v, want an error wrapping ErrClosed", err)
	}
	// Idempotent, and everything after it fails cleanly.
	if err := c.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	if _, err := c.Request(context.Background(), hidpp.Short(0x02, hidpp.SubGetRegister, 0x07)); !errors.Is(err, hidpp.ErrClosed) {
		t.Errorf("Request after Close = %v, want an error wrapping ErrClosed", err)
	}
	late, _ := c.Subscribe()
	if _, ok := <-late; ok {
		t.Error("Subscribe after Close delivered a report, want a closed channel")
	}
}

func TestConnTransportReadError(t *testing.T) {
	f := newFake(nil)
	c := newConn(t, f, slowOpts)
	sub, cancel := c.Subscribe()
	defer cancel()
	if c.Err() != nil {
		t.Fatalf("Err() = %v while running, want nil", c.Err())
	}

	f.fail(fmt.Errorf("hidraw read: %w", transport.ErrGone))
	select {
	case <-c.Done():
	case <-time.After(time.Second):
		t.Fatal("Done() not closed 1 s after the transport failed")
	}
	err := c.Err()
	if !errors.Is(err, hidpp.ErrClosed) || !errors.Is(err, transport.ErrGone) {
		t.Errorf("Err() = %v, want an error wrapping ErrClosed and transport.ErrGone", err)
	}
	if _, ok := <-sub; ok {
		t.Error("subscription still open after the transport failed")
	}
	if _, err := c.Request(context.Background(), hidpp.Short(0x01, hidpp.SubGetRegister, 0x07)); !errors.Is(err, hidpp.ErrClosed) {
		t.Errorf("Request after a transport failure = %v, want an error wrapping ErrClosed", err)
	}
}

func TestConnSendAndInfo(t *testing.T) {
	f := newFake(nil)
	c := newConn(t, f, &hidpp.Opts{SoftwareID: 0x1B}) // only the low nibble counts
	if got := c.SoftwareID(); got != 0x0B {
		t.Errorf("SoftwareID() = %#x, want 0x0B", got)
	}
	if got := hidpp.NewConn(newFake(nil), nil); got.SoftwareID() != hidpp.DefaultSoftwareID {
		t.Errorf("NewConn(nil opts).SoftwareID() = %#x, want %#x", got.SoftwareID(), hidpp.DefaultSoftwareID)
	} else {
		got.Close()
	}
	if err := c.Send(hidpp.Short(hidpp.ReceiverIndex, hidpp.SubSetRegister, 0x00, 0x00, 0x09, 0x00)); err != nil {
		t.Fatalf("Send = %v", err)
	}
	if got := f.writeLog(); len(got) != 1 || got[0] != "10 FF 80 00 00 09 00" {
		t.Errorf("written = %q, want [10 FF 80 00 00 09 00]", got)
	}
	if got := c.Info().Path; got != "/dev/fake-hidraw" {
		t.Errorf("Info().Path = %q, want /dev/fake-hidraw", got)
	}
}

func TestConnDebugLog(t *testing.T) {
	var buf syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFake(scripted(map[string][]string{"10 03 81 0D 00 00 00": {m705Reg0D}}))
	c := newConn(t, f, &hidpp.Opts{Logger: log, DeviceTimeout: 5 * time.Second})
	if _, err := c.Request(context.Background(), hidpp.Short(3, hidpp.SubGetRegister, 0x0D)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"hidpp send", "hidpp recv", "100 %"} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log %q, want it to contain %q", out, want)
		}
	}
}

// TestConnDebugLogConnectNotification: with debug logging on, the reader
// describes every report; a 0x41 connection notification must not kill it
// (describeConnect once indexed past a short report's 3 parameter bytes).
func TestConnDebugLogConnectNotification(t *testing.T) {
	var buf syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFake(nil)
	c := newConn(t, f, &hidpp.Opts{Logger: log})
	sub, cancel := c.Subscribe()
	defer cancel()
	f.pushHex(k800LinkUp)
	recv(t, sub)
	if !strings.Contains(buf.String(), "link up") {
		t.Errorf("debug log %q, want it to describe the connection", buf.String())
	}
}

// TestConnGoroutines: Close leaves no goroutine behind (the reader and the
// subscription pumps).
func TestConnGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	f := newFake(scripted(map[string][]string{"10 FF 81 02 00 00 00": {"10 FF 81 02 00 02 00"}}))
	c := hidpp.NewConn(f, slowOpts)
	_, cancel1 := c.Subscribe()
	sub2, _ := c.Subscribe()
	_, _ = c.Subscribe()
	cancel1()
	f.pushHex(k800LinkDown)
	recv(t, sub2)
	if _, err := c.Request(context.Background(), hidpp.Short(hidpp.ReceiverIndex, hidpp.SubGetRegister, 0x02)); err != nil {
		t.Fatal(err)
	}
	if n := runtime.NumGoroutine(); n <= base {
		t.Fatalf("NumGoroutine() = %d with a Conn running, want more than %d: the check is not measuring anything", n, base)
	}
	c.Close()
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<16)
		t.Errorf("NumGoroutine() = %d 1 s after Close, want <= %d\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

// ---- Device ----

func pingScript(ix byte, reply string) map[string][]string {
	return map[string][]string{fmt.Sprintf("10 %02X 00 16 00 00 01", ix): {reply}}
}

func TestDevicePing(t *testing.T) {
	tests := []struct {
		name    string
		reply   string // answer to `10 01 00 16 00 00 01` (swid 6, ping byte 1)
		want    hidpp.Protocol
		wantErr error
	}{
		{name: "HID++ 2.0", reply: pad20("11 01 00 16 02 00 01"), want: hidpp.Protocol{Major: 2}},
		{name: "HID++ 4.5", reply: pad20("11 01 00 16 04 05 01"), want: hidpp.Protocol{Major: 4, Minor: 5}},
		{name: "short 2.0 reply", reply: "10 01 00 16 04 02 01", want: hidpp.Protocol{Major: 4, Minor: 2}},
		{name: "HID++ 1.0", reply: "10 01 8F 00 16 01 00", want: hidpp.Protocol10},
		{name: "offline", reply: "10 01 8F 00 16 09 00", wantErr: hidpp.ErrOffline},
		{name: "no device", reply: "10 01 8F 00 16 08 00", wantErr: hidpp.ErrNoDevice},
		{name: "wrong ping byte", reply: pad20("11 01 00 16 04 05 02"), wantErr: hidpp.ErrTimeout},
		{name: "version 1.0 in a reply", reply: pad20("11 01 00 16 01 00 01"), wantErr: hidpp.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(scripted(pingScript(1, tt.reply)))
			c := newConn(t, f, &hidpp.Opts{DeviceTimeout: 100 * time.Millisecond})
			d := hidpp.NewDevice(c, 1, nil)
			got, err := d.Ping(context.Background())
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("Ping() = %v, %v; want an error wrapping %v", got, err, tt.wantErr)
				}
				if tt.wantErr == hidpp.ErrOffline && errors.Is(err, hidpp.ErrNoDevice) ||
					tt.wantErr == hidpp.ErrNoDevice && errors.Is(err, hidpp.ErrOffline) {
					t.Errorf("Ping() = %v matches both ErrOffline and ErrNoDevice", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Ping() = %v, %v; want %v", got, err, tt.want)
			}
			if d.Protocol() != tt.want || d.Known().Protocol != tt.want {
				t.Errorf("after Ping, Protocol() = %v, Known().Protocol = %v; want %v", d.Protocol(), d.Known().Protocol, tt.want)
			}
		})
	}
}

func TestDevicePingByteChanges(t *testing.T) {
	f := newFake(func(req []byte) [][]byte {
		// Echo whatever ping byte was sent.
		return [][]byte{long20(fmt.Sprintf("11 %02X 00 %02X 04 05 %02X", req[1], req[3], req[6]))}
	})
	c := newConn(t, f, slowOpts)
	d := hidpp.NewDevice(c, 2, nil)
	for range 3 {
		if p, err := d.Ping(context.Background()); err != nil || p != (hidpp.Protocol{Major: 4, Minor: 5}) {
			t.Fatalf("Ping() = %v, %v; want 4.5", p, err)
		}
	}
	w := f.writeLog()
	if len(w) != 3 || w[0] == w[1] || w[1] == w[2] {
		t.Errorf("pings written %q, want 3 with different ping bytes", w)
	}
}

func TestDeviceFeatureIndexCaches(t *testing.T) {
	f := newFake(scripted(map[string][]string{
		"10 01 00 06 10 00 00": {pad20("11 01 00 06 06 00 01")}, // 0x1000 at index 6
		"10 01 00 06 10 04 00": {pad20("11 01 00 06 00 00 00")}, // 0x1004 absent
		"10 01 00 06 1D F3 00": {pad20("11 01 00 06 05 40 00")}, // hidden 0x1DF3 at 5
	}))
	c := newConn(t, f, slowOpts)
	d := hidpp.NewDevice(c, 1, nil)
	ctx := context.Background()
	for _, tt := range []struct {
		id   hidpp.FeatureID
		want byte
	}{{hidpp.FeatureBatteryStatus, 6}, {hidpp.FeatureUnifiedBattery, 0}, {0x1DF3, 5}} {
		for try := range 2 {
			before := f.writeCount()
			got, err := d.FeatureIndex(ctx, tt.id)
			if err != nil || got != tt.want {
				t.Errorf("FeatureIndex(%v) try %d = %d, %v; want %d", tt.id, try, got, err, tt.want)
			}
			wantWrites := 1
			if try > 0 {
				wantWrites = 0
			}
			if n := f.writeCount() - before; n != wantWrites {
				t.Errorf("FeatureIndex(%v) try %d sent %d requests, want %d", tt.id, try, n, wantWrites)
			}
		}
	}
	if got, err := d.FeatureIndex(ctx, hidpp.FeatureRoot); err != nil || got != 0 {
		t.Errorf("FeatureIndex(root) = %d, %v; want 0", got, err)
	}
	if n := f.writeCount(); n != 3 {
		t.Errorf("%d requests in all, want 3", n)
	}
	k := d.Known()
	if k.Features[hidpp.FeatureBatteryStatus] != 6 || k.FeatureFlags[0x1DF3] != 0x40 {
		t.Errorf("Known() = %+v, want 0x1000 at 6 and 0x1DF3 flagged hidden", k)
	}
	if ix, ok := k.Features[hidpp.FeatureUnifiedBattery]; !ok || ix != 0 {
		t.Errorf("Known().Features[0x1004] = %d, %v; want 0 (absent) remembered", ix, ok)
	}
	// A Device built from that cache asks nothing.
	d2 := hidpp.NewDevice(c, 1, &k)
	before := f.writeCount()
	if got, err := d2.FeatureIndex(ctx, hidpp.FeatureBatteryStatus); err != nil || got != 6 {
		t.Errorf("cached FeatureIndex(0x1000) = %d, %v; want 6", got, err)
	}
	if f.writeCount() != before {
		t.Errorf("a Device seeded with Known sent a request")
	}
}

func TestDeviceName(t *testing.T) {
	const name = "Wireless Solar Keyboard K750" // 28 characters
	chunk := func(s string) string { return fmt.Sprintf("% X", []byte(s)) }
	f := newFake(scripted(map[string][]string{
		"10 02 00 06 00 05 00": {pad20("11 02 00 06 03 00 00")},                             // 0x0005 at index 3
		"10 02 03 06 00 00 00": {pad20("11 02 03 06 1C")},                                   // length 28
		"10 02 03 16 00 00 00": {pad20("11 02 03 16 " + chunk(name[:16]))},                  // chars 0..15
		"10 02 03 16 10 00 00": {pad20("11 02 03 16 " + chunk(name[16:]) + " 00 00 00 00")}, // chars 16..27
		"10 02 03 26 00 00 00": {pad20("11 02 03 26 00")},                                   // kind 0: keyboard
		"10 02 00 06 00 03 00": {pad20("11 02 00 06 02 00 00")},                             // 0x0003 at index 2
		"10 02 02 06 00 00 00": {pad20("11 02 02 06 02")},                                   // 2 entities
		"10 02 02 16 00 00 00": {pad20("11 02 02 16 00 52 51 4B 33 00 00 15")},              // RQK 33.00.B0015
		"10 02 02 16 01 00 00": {pad20("11 02 02 16 01 44 46 55 00 02 00 03")},              // DFU 00.02.B0003
	}))
	c := newConn(t, f, slowOpts)
	d := hidpp.NewDevice(c, 2, &hidpp.Known{Protocol: hidpp.Protocol{Major: 2}})
	ctx := context.Background()
	got, err := d.ReadName(ctx)
	if err != nil || got != name {
		t.Fatalf("Name() = %q, %v; want %q", got, err, name)
	}
	before := f.writeCount()
	if got, err := d.ReadName(ctx); err != nil || got != name || f.writeCount() != before {
		t.Errorf("second Name() = %q, %v with %d requests; want %q from the cache", got, err, f.writeCount()-before, name)
	}
	if k, err := d.ReadKind(ctx); err != nil || k != hidpp.KindKeyboard {
		t.Errorf("Kind() = %v, %v; want keyboard", k, err)
	}
	fw, err := d.Firmware(ctx)
	want := []hidpp.Firmware{{Kind: "firmware", Version: "RQK 33.00.B0015"}, {Kind: "bootloader", Version: "DFU 00.02.B0003"}}
	if err != nil || len(fw) != 2 || fw[0] != want[0] || fw[1] != want[1] {
		t.Errorf("Firmware() = %+v, %v; want %+v", fw, err, want)
	}
}

func TestDeviceBatteryRegister0D(t *testing.T) {
	f := newFake(scripted(map[string][]string{"10 03 81 0D 00 00 00": {m705Reg0D}}))
	c := newConn(t, f, slowOpts)
	d := hidpp.NewDevice(c, 3, &hidpp.Known{Protocol: hidpp.Protocol10})
	want := hidpp.Battery{Percent: 100, HasPercent: true, Status: hidpp.StatusDischarging, Source: "register 0x0D"}
	if got, err := d.Battery(context.Background()); err != nil || got != want {
		t.Errorf("Battery() = %+v, %v; want %+v", got, err, want)
	}
	if got := d.Known().BatteryRegister; got != 0x0D {
		t.Errorf("Known().BatteryRegister = %#x, want 0x0D", got)
	}
}

// The K800 of the LTU trace: ping answered with error 0x01 (HID++ 1.0),
// `81 0D` with error 0x02, `81 07` with `07 00 00`.
func TestDeviceBatteryRegisterFallback(t *testing.T) {
	f := newFake(scripted(map[string][]string{
		"10 02 00 16 00 00 01": {"10 02 8F 00 16 01 00"},
		"10 02 81 0D 00 00 00": {"10 02 8F 81 0D 02 00"},
		"10 02 81 07 00 00 00": {"10 02 81 07 07 00 00"},
	}))
	c := newConn(t, f, &hidpp.Opts{DeviceTimeout: 300 * time.Millisecond})
	d := hidpp.NewDevice(c, 2, nil)
	want := hidpp.Battery{Level: hidpp.LevelFull, Status: hidpp.StatusDischarging, Source: "register 0x07"}
	ctx := context.Background()
	if got, err := d.Battery(ctx); err != nil || got != want {
		t.Fatalf("Battery() = %+v, %v; want %+v", got, err, want)
	}
	k := d.Known()
	if k.BatteryRegister != 0x07 || k.Protocol != hidpp.Protocol10 {
		t.Errorf("Known() = %+v, want protocol 1.0 and BatteryRegister 0x07", k)
	}
	// The second read goes straight to 0x07.
	before := len(f.writeLog())
	if got, err := d.Battery(ctx); err != nil || got != want {
		t.Errorf("second Battery() = %+v, %v; want %+v", got, err, want)
	}
	if w := f.writeLog()[before:]; len(w) != 1 || w[0] != "10 02 81 07 00 00 00" {
		t.Errorf("second Battery() wrote %q, want only 10 02 81 07 00 00 00", w)
	}
}

func TestDeviceBatteryFeatures(t *testing.T) {
	f := newFake(scripted(map[string][]string{
		"10 01 00 06 10 04 00": {pad20("11 01 00 06 00")},          // no 0x1004
		"10 01 00 06 10 00 00": {pad20("11 01 00 06 06 00 01")},    // 0x1000 at 6
		"10 01 06 16 00 00 00": {pad20("11 01 06 16 04 00")},       // capability: 4 levels, no mileage
		"10 01 06 06 00 00 00": {pad20("11 01 06 06 32 14 00")},    // 50 %, next 20 %, discharging
		"10 02 00 06 10 04 00": {pad20("11 02 00 06 00")},          // K750: nothing readable
		"10 02 00 06 10 00 00": {pad20("11 02 00 06 00")},          //
		"10 02 00 06 10 01 00": {pad20("11 02 00 06 00")},          //
		"10 03 00 06 10 04 00": {pad20("11 03 00 06 05 00 01")},    // 0x1004 at 5
		"10 03 05 06 00 00 00": {pad20("11 03 05 06 0F 02")},       // all levels, state of charge
		"10 03 05 16 00 00 00": {pad20("11 03 05 16 28 04 01 01")}, // 40 %, good, charging
	}))
	c := newConn(t, f, slowOpts)
	ctx := context.Background()
	v45 := &hidpp.Known{Protocol: hidpp.Protocol{Major: 4, Minor: 5}}

	d := hidpp.NewDevice(c, 1, v45)
	want := hidpp.Battery{Percent: 50, HasPercent: true, Approximate: true, Level: hidpp.LevelGood, Status: hidpp.StatusDischarging, Source: "feature 0x1000"}
	if got, err := d.Battery(ctx); err != nil || got != want {
		t.Errorf("device 1 Battery() = %+v, %v; want %+v", got, err, want)
	}
	if caps := d.Known().BatteryCaps; len(caps) < 2 || caps[0] != 4 {
		t.Errorf("Known().BatteryCaps = % x, want the 0x1000 capability remembered", caps)
	}

	k750 := hidpp.NewDevice(c, 2, &hidpp.Known{Protocol: hidpp.Protocol{Major: 2}})
	if got, err := k750.Battery(ctx); !errors.Is(err, hidpp.ErrNoBattery) {
		t.Errorf("K750 Battery() = %+v, %v; want ErrNoBattery", got, err)
	}

	d3 := hidpp.NewDevice(c, 3, v45)
	want = hidpp.Battery{Percent: 40, HasPercent: true, Level: hidpp.LevelGood, Status: hidpp.StatusCharging, Source: "feature 0x1004"}
	if got, err := d3.Battery(ctx); err != nil || got != want {
		t.Errorf("device 3 Battery() = %+v, %v; want %+v", got, err, want)
	}
}

func TestDeviceFeatures(t *testing.T) {
	f := newFake(scripted(map[string][]string{
		"10 01 00 06 00 01 00": {pad20("11 01 00 06 01 00 00")},    // IFeatureSet at 1
		"10 01 01 06 00 00 00": {pad20("11 01 01 06 03")},          // 3 besides IRoot
		"10 01 01 16 01 00 00": {pad20("11 01 01 16 00 01 00 00")}, // 1: 0x0001
		"10 01 01 16 02 00 00": {pad20("11 01 01 16 10 00 00 01")}, // 2: 0x1000
		"10 01 01 16 03 00 00": {pad20("11 01 01 16 1D F3 40 00")}, // 3: 0x1DF3 hidden
	}))
	c := newConn(t, f, slowOpts)
	d := hidpp.NewDevice(c, 1, &hidpp.Known{Protocol: hidpp.Protocol{Major: 4, Minor: 2}})
	got, err := d.Features(context.Background())
	want := []hidpp.FeatureInfo{{ID: 0x0000}, {ID: 0x0001, Index: 1}, {ID: 0x1000, Index: 2}, {ID: 0x1DF3, Index: 3, Flags: 0x40}}
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Features() = %+v, %v; want %+v", got, err, want)
	}
	before := f.writeCount()
	if _, err := d.FeatureIndex(context.Background(), hidpp.FeatureUnifiedBattery); err != nil || f.writeCount() != before {
		t.Errorf("FeatureIndex(0x1004) after a complete table: %v, %d requests; want none", err, f.writeCount()-before)
	}
}

// Call looks an index up again after error 0x06 (invalid feature index), once.
// The index came from a cache, which the error proves wrong: the device is
// learned again, its protocol first.
func TestDeviceCallRetriesInvalidFeatureIndex(t *testing.T) {
	ctx := context.Background()
	stale := &hidpp.Known{Protocol: hidpp.Protocol{Major: 4, Minor: 5}, Features: map[hidpp.FeatureID]byte{hidpp.FeatureName: 3}}
	const ping, pong = "10 01 00 16 00 00 01", "11 01 00 16 04 06 01"

	f := newFake(scripted(map[string][]string{
		"10 01 03 26 00 00 00": {pad20("11 01 FF 03 26 06")},    // stale index 3: invalid feature index
		ping:                   {pad20(pong)},                   // HID++ 4.6 now
		"10 01 00 06 00 05 00": {pad20("11 01 00 06 04 00 00")}, // 0x0005 now at 4
		"10 01 04 26 00 00 00": {pad20("11 01 04 26 03")},       // kind 3: mouse
	}))
	c := newConn(t, f, &hidpp.Opts{DeviceTimeout: 300 * time.Millisecond})
	d := hidpp.NewDevice(c, 1, stale)
	got, err := d.Call(ctx, hidpp.FeatureName, 2)
	if err != nil || got.SubID() != 4 || got.Param(0) != 3 {
		t.Fatalf("Call(0x0005, 2) = %v, %v; want the reply from index 4", got, err)
	}
	if p := d.Protocol(); p != (hidpp.Protocol{Major: 4, Minor: 6}) {
		t.Errorf("Protocol() = %v after the cache was dropped, want 4.6 learned again", p)
	}
	wantWrites := []string{"10 01 03 26 00 00 00", ping, "10 01 00 06 00 05 00", "10 01 04 26 00 00 00"}
	if w := f.writeLog(); fmt.Sprint(w) != fmt.Sprint(wantWrites) {
		t.Errorf("written %q, want %q", w, wantWrites)
	}
	if ix := d.Known().Features[hidpp.FeatureName]; ix != 4 {
		t.Errorf("Known().Features[0x0005] = %d, want 4", ix)
	}

	// A device that keeps refusing gets one retry, not a loop.
	f2 := newFake(scripted(map[string][]string{
		"10 01 03 26 00 00 00": {pad20("11 01 FF 03 26 06")},
		ping:                   {pad20(pong)},
		"10 01 00 06 00 05 00": {pad20("11 01 00 06 03 00 00")},
	}))
	c2 := newConn(t, f2, &hidpp.Opts{DeviceTimeout: 300 * time.Millisecond})
	d2 := hidpp.NewDevice(c2, 1, stale)
	_, err = d2.Call(ctx, hidpp.FeatureName, 2)
	var e *hidpp.Error
	if !errors.As(err, &e) || e.Version != 2 || e.Code != hidpp.Err20InvalidFeature {
		t.Errorf("Call(0x0005, 2) = %v, want *Error code 6", err)
	}
	if n := f2.writeCount(); n != 4 {
		t.Errorf("%d requests written, want 4 (call, ping, GetFeature, call)", n)
	}
}

func TestDeviceCallNoFeature(t *testing.T) {
	f := newFake(nil)
	c := newConn(t, f, slowOpts)
	d := hidpp.NewDevice(c, 1, &hidpp.Known{Protocol: hidpp.Protocol{Major: 4}, Features: map[hidpp.FeatureID]byte{hidpp.FeatureSolarDashboard: 0}})
	if _, err := d.Call(context.Background(), hidpp.FeatureSolarDashboard, 0, 1, 1); !errors.Is(err, hidpp.ErrNoFeature) {
		t.Errorf("Call(0x4301) on a device without it = %v, want ErrNoFeature", err)
	}
	if f.writeCount() != 0 {
		t.Errorf("%d requests written, want none", f.writeCount())
	}
}
