package libusb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/gousb"

	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/transporttest"
)

// c52bInterface2 is interface 2 of a real C52B (hidpp.md §11): HID, one
// interrupt IN endpoint 0x83 with 32-byte packets.
var c52bInterface2 = gousb.InterfaceSetting{Number: 2, Alternate: 0, Class: gousb.ClassHID,
	Endpoints: map[gousb.EndpointAddress]gousb.EndpointDesc{
		0x83: {Address: 0x83, Number: 3, Direction: gousb.EndpointDirectionIn, MaxPacketSize: 32,
			TransferType: gousb.TransferTypeInterrupt, PollInterval: 2 * time.Millisecond},
	}}

type control struct {
	rType, request uint8
	val, idx       uint16
	data           []byte
}

// fakeUSB records the calls a Conn makes. It is also the device end of
// the transport conformance test: Send, Written and Unplug.
type fakeUSB struct {
	t       *testing.T
	setting gousb.InterfaceSetting
	reports chan []byte   // to read from the interrupt endpoint
	written chan []byte   // each SET_REPORT's data
	gone    chan struct{} // closed when unplugged
	unplug  sync.Once

	// Failures to inject.
	configErr, claimErr, controlErr error
	readErrs                        []error // returned by the next reads, in order
	goneSeen                        bool    // a read has failed since the unplug

	mu       sync.Mutex
	calls    []string
	controls []control
	reads    []string // "ep=3 len=32" per ReadInterrupt
	closed   bool
}

func newFake(t *testing.T) *fakeUSB {
	return &fakeUSB{t: t, setting: c52bInterface2, reports: make(chan []byte, 64), written: make(chan []byte, 256),
		gone: make(chan struct{})}
}

func (f *fakeUSB) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		f.t.Errorf("%s after Close", call)
	}
	f.calls = append(f.calls, call)
}

func (f *fakeUSB) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeUSB) ActiveConfig() error {
	f.record("ActiveConfig")
	return f.configErr
}

func (f *fakeUSB) SetAutoDetach(on bool) error {
	f.record(fmt.Sprintf("SetAutoDetach(%v)", on))
	return nil
}

func (f *fakeUSB) ClaimInterface(num int) (gousb.InterfaceSetting, error) {
	f.record(fmt.Sprintf("ClaimInterface(%d)", num))
	if f.claimErr != nil {
		return gousb.InterfaceSetting{}, f.claimErr
	}
	return f.setting, nil
}

func (f *fakeUSB) ReadInterrupt(ctx context.Context, ep int, buf []byte) (int, error) {
	f.mu.Lock()
	if f.closed {
		f.t.Error("ReadInterrupt after Close")
	}
	f.reads = append(f.reads, fmt.Sprintf("ep=%d len=%d", ep, len(buf)))
	f.mu.Unlock()
	if err, ok := f.nextReadErr(); ok {
		return 0, err
	}
	select {
	case r := <-f.reports:
		return copy(buf, r), nil
	case <-ctx.Done():
		return 0, gousb.TransferCancelled // what gousb returns
	case <-f.gone:
		// What the real stack does (dummy_hcd in the VM): the pending
		// transfer fails with a bus error, the next with "no device".
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.goneSeen {
			return 0, gousb.TransferNoDevice
		}
		f.goneSeen = true
		return 0, gousb.TransferError
	}
}

// nextReadErr takes the next injected read error, if any.
func (f *fakeUSB) nextReadErr() (error, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.readErrs) == 0 {
		return nil, false
	}
	err := f.readErrs[0]
	f.readErrs = f.readErrs[1:]
	return err, true
}

func (f *fakeUSB) Control(rType, request uint8, val, idx uint16, data []byte) (int, error) {
	f.record("Control")
	f.mu.Lock()
	f.controls = append(f.controls, control{rType, request, val, idx, bytes.Clone(data)})
	f.mu.Unlock()
	select {
	case <-f.gone:
		return 0, gousb.ErrorNoDevice
	default:
	}
	if f.controlErr != nil {
		return 0, f.controlErr
	}
	select {
	case f.written <- bytes.Clone(data):
	default:
	}
	return len(data), nil
}

func (f *fakeUSB) Send(report []byte) error {
	f.reports <- bytes.Clone(report)
	return nil
}

func (f *fakeUSB) Written(ctx context.Context) ([]byte, error) {
	select {
	case b := <-f.written:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (f *fakeUSB) Unplug() { f.unplug.Do(func() { close(f.gone) }) }

func (f *fakeUSB) ReleaseInterface(num int) {
	f.record(fmt.Sprintf("ReleaseInterface(%d)", num))
}

func (f *fakeUSB) Close() error {
	f.record("Close")
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	return nil
}

var receiver = transport.Info{Backend: "libusb", Path: "/dev/bus/usb/001/004", VendorID: 0x046D, ProductID: 0xC52B}

func openFake(t *testing.T) (*Conn, *fakeUSB) {
	t.Helper()
	f := newFake(t)
	c, err := open(f, receiver)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return c, f
}

var (
	openCalls  = []string{"ActiveConfig", "SetAutoDetach(true)", "ClaimInterface(2)"}
	closeCalls = []string{"ReleaseInterface(2)", "Close"}
)

// (a) Each report is one SET_REPORT to interface 2, report ID in wValue.
func TestConn_WriteFraming(t *testing.T) {
	long := make([]byte, 20)
	copy(long, []byte{0x11, 0xFF, 0x83, 0xB5, 0x03})
	tests := []struct {
		name   string
		report []byte
		wValue uint16
	}{
		{"short", []byte{0x10, 0xFF, 0x81, 0x00, 0x00, 0x00, 0x00}, 0x0210},
		{"long", long, 0x0211},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := openFake(t)
			defer c.Close()
			n, err := c.Write(tt.report)
			if n != len(tt.report) || err != nil {
				t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(tt.report))
			}
			want := control{rType: 0x21, request: 0x09, val: tt.wValue, idx: 2, data: tt.report}
			if len(f.controls) != 1 {
				t.Fatalf("Write made %d control transfers, want 1", len(f.controls))
			}
			got := f.controls[0]
			if got.rType != want.rType || got.request != want.request || got.val != want.val ||
				got.idx != want.idx || !bytes.Equal(got.data, want.data) {
				t.Errorf("Control(%#02x, %#02x, %#04x, %d, % x), want Control(%#02x, %#02x, %#04x, %d, % x)",
					got.rType, got.request, got.val, got.idx, got.data,
					want.rType, want.request, want.val, want.idx, want.data)
			}
		})
	}
}

func TestConn_WriteEmpty(t *testing.T) {
	c, f := openFake(t)
	defer c.Close()
	if _, err := c.Write(nil); err == nil {
		t.Error("Write(nil) succeeded")
	}
	if len(f.controls) != 0 {
		t.Errorf("Write(nil) made %d control transfers", len(f.controls))
	}
}

// (b) The configuration comes before auto-detach (else gousb detaches
// every interface), the claim after; Close releases (libusb re-attaches
// the driver) before closing, once.
func TestConn_OpenCloseOrder(t *testing.T) {
	c, f := openFake(t)
	if got := f.Calls(); !slices.Equal(got, openCalls) {
		t.Errorf("open calls %v, want %v", got, openCalls)
	}
	// A second Close releases and closes nothing more.
	for range 2 {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	want := append(slices.Clone(openCalls), closeCalls...)
	if got := f.Calls(); !slices.Equal(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}
}

// (c) Every failure after the claim releases (re-attaches) the interface
// and closes the device; a failed claim leaves nothing to release (libusb
// detaches and claims in one ioctl), and still closes the device.
func TestOpen_FailureCleansUp(t *testing.T) {
	noEndpoint := c52bInterface2
	noEndpoint.Endpoints = nil
	tests := []struct {
		name  string
		setup func(*fakeUSB)
		calls []string
	}{
		{"config fails", func(f *fakeUSB) { f.configErr = errors.New("config") },
			[]string{"ActiveConfig", "Close"}},
		{"claim fails", func(f *fakeUSB) { f.claimErr = gousb.ErrorBusy },
			[]string{"ActiveConfig", "SetAutoDetach(true)", "ClaimInterface(2)", "Close"}},
		{"no interrupt endpoint", func(f *fakeUSB) { f.setting = noEndpoint },
			[]string{"ActiveConfig", "SetAutoDetach(true)", "ClaimInterface(2)", "ReleaseInterface(2)", "Close"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			tt.setup(f)
			c, err := open(f, receiver)
			if err == nil {
				c.Close()
				t.Fatal("open succeeded")
			}
			t.Log(err)
			if !strings.HasPrefix(err.Error(), "libusb: open /dev/bus/usb/001/004: ") {
				t.Errorf("open error %q does not name the node", err)
			}
			if got := f.Calls(); !slices.Equal(got, tt.calls) {
				t.Errorf("calls %v, want %v", got, tt.calls)
			}
		})
	}
}

func TestOpen_ClaimErrorWrapped(t *testing.T) {
	f := newFake(t)
	f.claimErr = gousb.ErrorBusy
	_, err := open(f, receiver)
	if !errors.Is(err, gousb.ErrorBusy) {
		t.Errorf("open = %v, want it to wrap gousb.ErrorBusy", err)
	}
}

// (d) Each Read is one transfer of one packet from the interrupt endpoint
// (0x83, 32 bytes), so a report of a full packet (the C52B's DJ reports)
// ends it. The rest of Read's contract is in TestConn_Conformance.
func TestConn_ReadPacket(t *testing.T) {
	c, f := openFake(t)
	defer c.Close()
	dj := append([]byte{0x21, 0x01, 0x42}, make([]byte, 29)...) // a full 32-byte packet
	f.reports <- dj
	p := make([]byte, 64)
	if n, err := c.Read(p); err != nil || !bytes.Equal(p[:n], dj) {
		t.Errorf("Read = % x, %v; want % x", p[:n], err, dj)
	}
	for _, r := range f.reads {
		if r != "ep=3 len=32" {
			t.Errorf("ReadInterrupt(%s), want ep=3 len=32", r)
		}
	}
}

// TestConn_Conformance runs the transport conformance test over the fake:
// what a Conn writes arrives as SET_REPORT data, what the fake's endpoint
// gives is read, and unplugging fails its transfers with "no device".
func TestConn_Conformance(t *testing.T) {
	transporttest.TestConn(t, func(t *testing.T) (transport.Conn, transporttest.Device) {
		c, f := openFake(t)
		return c, f
	})
}

// (e) Transfer failures come back wrapped, with the node named; a stall is
// not an unplug (unplugging is in TestConn_Conformance).
func TestConn_TransferErrors(t *testing.T) {
	t.Run("control", func(t *testing.T) {
		c, f := openFake(t)
		defer c.Close()
		f.controlErr = gousb.ErrorPipe
		_, err := c.Write([]byte{0x10, 0xFF, 0x81, 0, 0, 0, 0})
		if !errors.Is(err, gousb.ErrorPipe) || !strings.HasPrefix(err.Error(), "libusb: write /dev/bus/usb/001/004: ") {
			t.Errorf("Write = %v, want a wrapped gousb.ErrorPipe naming the node", err)
		}
		if errors.Is(err, transport.ErrGone) {
			t.Errorf("Write = %v: a stall is not an unplug", err)
		}
	})
}

// (f) A bus error on the interrupt endpoint is tried again, a while
// apart: a glitch is survived, a bus that keeps failing fails the Read,
// and an unplug (a bus error, then "no device") is ErrGone.
func TestConn_ReadBusErrors(t *testing.T) {
	tests := []struct {
		name    string
		errs    []error
		want    error // nil: the report is read
		notGone bool
	}{
		{"glitch", []error{gousb.TransferError, gousb.TransferError}, nil, false},
		{"a bus that keeps failing", slices.Repeat([]error{gousb.TransferError}, 10), gousb.TransferError, true},
		{"unplugged", []error{gousb.TransferError, gousb.TransferNoDevice}, transport.ErrGone, false},
		{"a stall is not tried again", []error{gousb.TransferStall}, gousb.TransferStall, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := openFake(t)
			defer c.Close()
			f.readErrs = tt.errs
			f.reports <- []byte{0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00}
			p := make([]byte, 64)
			start := time.Now()
			n, err := c.Read(p)
			switch {
			case tt.want == nil && (err != nil || n != 7):
				t.Errorf("Read = %d, %v; want the report", n, err)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Errorf("Read = %v, want %v", err, tt.want)
			case tt.notGone && errors.Is(err, transport.ErrGone):
				t.Errorf("Read = %v: not an unplug", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Read took %v", d)
			}
		})
	}
}

func TestConn_Info(t *testing.T) {
	c, _ := openFake(t)
	defer c.Close()
	if got := c.Info(); got != receiver {
		t.Errorf("Info() = %v, want %v", got, receiver)
	}
}

func desc(pid gousb.ID, intfs ...gousb.InterfaceSetting) *gousb.DeviceDesc {
	cfg := gousb.ConfigDesc{Number: 1}
	for _, s := range intfs {
		cfg.Interfaces = append(cfg.Interfaces, gousb.InterfaceDesc{Number: s.Number, AltSettings: []gousb.InterfaceSetting{s}})
	}
	return &gousb.DeviceDesc{Bus: 1, Address: 4, Vendor: 0x046D, Product: pid, Configs: map[int]gousb.ConfigDesc{1: cfg}}
}

func TestReceiverInfo(t *testing.T) {
	keyboard := gousb.InterfaceSetting{Number: 0, Class: gousb.ClassHID, Endpoints: map[gousb.EndpointAddress]gousb.EndpointDesc{
		0x81: {Address: 0x81, Number: 1, Direction: gousb.EndpointDirectionIn, MaxPacketSize: 8, TransferType: gousb.TransferTypeInterrupt}}}
	mouse := keyboard
	mouse.Number = 1
	tests := []struct {
		name string
		d    *gousb.DeviceDesc
		ok   bool
	}{
		{"C52B", desc(0xC52B, keyboard, mouse, c52bInterface2), true},
		{"Bolt", desc(0xC548, keyboard, mouse, c52bInterface2), true},
		{"Nano keeps HID++ on interface 1", desc(0xC534, keyboard, mouse), false},
		{"Nano with an interface 2", desc(0xC534, keyboard, mouse, c52bInterface2), false},
		{"receiver without interface 2", desc(0xC5FF, keyboard, mouse), false},
		{"not a receiver", desc(0xC31C, keyboard, mouse, c52bInterface2), false},
	}
	for _, tt := range tests {
		info, ok := receiverInfo(tt.d)
		if ok != tt.ok {
			t.Errorf("%s: receiverInfo ok = %v, want %v", tt.name, ok, tt.ok)
			continue
		}
		if ok {
			want := transport.Info{Backend: "libusb", Path: "/dev/bus/usb/001/004", VendorID: 0x046D, ProductID: uint16(tt.d.Product), Bus: transport.BusUSB}
			if info != want {
				t.Errorf("%s: receiverInfo = %+v, want %+v", tt.name, info, want)
			}
		}
	}
	other := desc(0xC52B, keyboard, mouse, c52bInterface2)
	other.Vendor = 0x1234
	if _, ok := receiverInfo(other); ok {
		t.Error("receiverInfo accepted another vendor")
	}
}

// Receivers and Open go through the real libusb. This machine (and CI)
// has no USB devices: Receivers finds nothing, Open finds no device.
func TestBackend_Receivers(t *testing.T) {
	got, err := Backend{}.Receivers()
	if err != nil {
		t.Fatalf("Receivers() error: %v", err)
	}
	t.Logf("Receivers() = %v", got)
	if _, serr := os.Stat(usbfs); serr != nil && len(got) != 0 {
		t.Errorf("Receivers() = %v on a machine without %s", got, usbfs)
	}
	for _, info := range got {
		if info.Backend != "libusb" || !transport.IsReceiver(info.VendorID, info.ProductID) {
			t.Errorf("Receivers() listed %+v", info)
		}
	}
}

func TestBackend_OpenNotFound(t *testing.T) {
	if _, err := os.Stat(usbfs); err == nil {
		t.Skipf("%s exists; bus 255 address 255 might too", usbfs)
	}
	_, err := Backend{}.Open(transport.Info{Path: "/dev/bus/usb/255/255", VendorID: 0x046D, ProductID: 0xC52B})
	t.Log(err)
	if !errors.Is(err, transport.ErrGone) {
		t.Errorf("Open(absent device) = %v, want transport.ErrGone", err)
	}
}

func TestBackend_OpenBadPath(t *testing.T) {
	_, err := Backend{}.Open(transport.Info{Path: "/dev/hidraw0", VendorID: 0x046D, ProductID: 0xC52B})
	if err == nil || !strings.Contains(err.Error(), "/dev/hidraw0") {
		t.Errorf("Open(/dev/hidraw0) = %v, want an error naming it", err)
	}
}

func TestParseNode(t *testing.T) {
	tests := []struct {
		path      string
		bus, addr int
		ok        bool
	}{
		{"/dev/bus/usb/001/004", 1, 4, true},
		{"/dev/bus/usb/003/127", 3, 127, true},
		{"/dev/bus/usb/1/4", 0, 0, false},
		{"/dev/bus/usb/001/004x", 0, 0, false},
		{"/dev/hidraw0", 0, 0, false},
	}
	for _, tt := range tests {
		bus, addr, ok := parseNode(tt.path)
		if bus != tt.bus || addr != tt.addr || ok != tt.ok {
			t.Errorf("parseNode(%q) = %d, %d, %v; want %d, %d, %v", tt.path, bus, addr, ok, tt.bus, tt.addr, tt.ok)
		}
	}
}

func TestBackend_Name(t *testing.T) {
	if got := (Backend{}).Name(); got != "libusb" {
		t.Errorf("Name() = %q, want libusb", got)
	}
}

func TestWarning(t *testing.T) {
	if !strings.HasSuffix(Warning, ".") || strings.Count(Warning, ". ") != 0 || !strings.Contains(Warning, "libusb") {
		t.Errorf("Warning = %q, want one sentence that names libusb", Warning)
	}
}
