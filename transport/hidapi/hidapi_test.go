package hidapi

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	hid "github.com/sstallion/go-hid"
	"golang.org/x/sys/unix"

	"github.com/helio-linux/helio/transport"
)

// fakeDevice stands in for *hid.Device.
type fakeDevice struct {
	t       *testing.T
	info    hid.DeviceInfo
	reports chan []byte
	readErr error

	mu     sync.Mutex
	writes [][]byte
	closes int
}

func newFake(t *testing.T) *fakeDevice {
	return &fakeDevice{t: t, reports: make(chan []byte, 8),
		info: hid.DeviceInfo{VendorID: 0x046D, ProductID: 0xC52B}}
}

func (f *fakeDevice) checkOpen(op string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closes > 0 {
		f.t.Errorf("%s after Close", op)
	}
}

func (f *fakeDevice) Write(p []byte) (int, error) {
	f.checkOpen("Write")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes = append(f.writes, bytes.Clone(p))
	return len(p), nil
}

func (f *fakeDevice) ReadWithTimeout(p []byte, timeout time.Duration) (int, error) {
	f.checkOpen("ReadWithTimeout")
	if f.readErr != nil {
		return -1, f.readErr
	}
	select {
	case r := <-f.reports:
		return copy(p, r), nil
	case <-time.After(timeout):
		return 0, hid.ErrTimeout
	}
}

func (f *fakeDevice) GetDeviceInfo() (*hid.DeviceInfo, error) {
	info := f.info
	return &info, nil
}

func (f *fakeDevice) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closes++
	return nil
}

// withFake makes Open return dev.
func withFake(t *testing.T, dev *fakeDevice) {
	t.Helper()
	old := openPath
	openPath = func(string) (hidDevice, error) { return dev, nil }
	t.Cleanup(func() { openPath = old })
}

var receiverInfo = transport.Info{Backend: "hidapi", Path: "/dev/hidraw2", VendorID: 0x046D, ProductID: 0xC52B}

func openFake(t *testing.T) (*Conn, *fakeDevice) {
	t.Helper()
	dev := newFake(t)
	withFake(t, dev)
	c, err := Backend{}.Open(receiverInfo)
	if err != nil {
		t.Fatal(err)
	}
	return c.(*Conn), dev
}

func TestReceivers_Filter(t *testing.T) {
	in := []*hid.DeviceInfo{
		// A C52B's interface 2: hidapi lists each top-level collection.
		{Path: "/dev/hidraw2", VendorID: 0x046D, ProductID: 0xC52B, MfrStr: "Logitech", ProductStr: "USB Receiver", UsagePage: 0xFF00, Usage: 0x0001, InterfaceNbr: 2},
		{Path: "/dev/hidraw2", VendorID: 0x046D, ProductID: 0xC52B, MfrStr: "Logitech", ProductStr: "USB Receiver", UsagePage: 0xFF00, Usage: 0x0002, InterfaceNbr: 2},
		{Path: "/dev/hidraw2", VendorID: 0x046D, ProductID: 0xC52B, MfrStr: "Logitech", ProductStr: "USB Receiver", UsagePage: 0xFF00, Usage: 0x0004, InterfaceNbr: 2},
		// Its keyboard and mouse interfaces.
		{Path: "/dev/hidraw0", VendorID: 0x046D, ProductID: 0xC52B, UsagePage: 0x0001, Usage: 0x0006, InterfaceNbr: 0},
		{Path: "/dev/hidraw1", VendorID: 0x046D, ProductID: 0xC52B, UsagePage: 0x0001, Usage: 0x0002, InterfaceNbr: 1},
		// A paired K750's own node: its wpid, not a receiver's pid.
		{Path: "/dev/hidraw5", VendorID: 0x046D, ProductID: 0x4002, UsagePage: 0xFF00, Usage: 0x0001},
		// DJ collection alone is not HID++.
		{Path: "/dev/hidraw6", VendorID: 0x046D, ProductID: 0xC532, UsagePage: 0xFF00, Usage: 0x0004},
		// Another vendor.
		{Path: "/dev/hidraw7", VendorID: 0x1234, ProductID: 0xC52B, UsagePage: 0xFF00, Usage: 0x0001},
		// A Bolt receiver, long collection only.
		{Path: "/dev/hidraw10", VendorID: 0x046D, ProductID: 0xC548, ProductStr: "USB Receiver", UsagePage: 0xFF00, Usage: 0x0002},
	}
	got := receivers(in)
	want := []transport.Info{
		{Backend: "hidapi", Path: "/dev/hidraw10", VendorID: 0x046D, ProductID: 0xC548, Name: "USB Receiver"},
		{Backend: "hidapi", Path: "/dev/hidraw2", VendorID: 0x046D, ProductID: 0xC52B, Name: "Logitech USB Receiver"},
	}
	if len(got) != len(want) {
		t.Fatalf("receivers() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("receivers()[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// Receivers goes through the real hidapi. On a machine without hidraw
// (CI, containers) it must find nothing, without an error.
func TestBackend_Receivers(t *testing.T) {
	got, err := Backend{}.Receivers()
	if err != nil {
		t.Fatalf("Receivers() error: %v", err)
	}
	t.Logf("Receivers() = %v", got)
	if _, serr := os.Stat("/sys/class/hidraw"); serr != nil && len(got) != 0 {
		t.Errorf("Receivers() = %v on a machine without hidraw", got)
	}
	for _, info := range got {
		if info.Backend != "hidapi" || !transport.IsReceiver(info.VendorID, info.ProductID) {
			t.Errorf("Receivers() listed %+v", info)
		}
	}
}

func TestBackend_Name(t *testing.T) {
	if got := (Backend{}).Name(); got != "hidapi" {
		t.Errorf("Name() = %q, want hidapi", got)
	}
}

func TestBackend_OpenMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hidraw99")
	_, err := Backend{}.Open(transport.Info{Path: path, VendorID: 0x046D, ProductID: 0xC52B})
	if err == nil {
		t.Fatal("Open of a missing node succeeded")
	}
	t.Log(err)
	if !errors.Is(err, transport.ErrGone) {
		t.Errorf("Open(missing) = %v, want an error wrapping transport.ErrGone", err)
	}
	if !strings.Contains(err.Error(), "hidapi: open "+path) {
		t.Errorf("Open(missing) = %q, want it to name the node", err)
	}
}

func TestBackend_OpenNotHidraw(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hidraw0")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Backend{}.Open(transport.Info{Path: path, VendorID: 0x046D, ProductID: 0xC52B})
	if err == nil {
		t.Fatal("Open of a regular file succeeded")
	}
	t.Log(err)
	var perr *transport.PermissionError
	if errors.As(err, &perr) || errors.Is(err, transport.ErrGone) {
		t.Errorf("Open(regular file) = %v, want a plain error", err)
	}
}

func TestOpenError_Permission(t *testing.T) {
	old := access
	access = func(string) error { return unix.EACCES }
	t.Cleanup(func() { access = old })

	err := openError("/dev/hidraw3", errors.New("Failed to open a device with path '/dev/hidraw3': Permission denied"))
	var perr *transport.PermissionError
	if !errors.As(err, &perr) || perr.Path != "/dev/hidraw3" {
		t.Fatalf("openError = %#v, want *transport.PermissionError for /dev/hidraw3", err)
	}
	if !errors.Is(err, unix.EACCES) {
		t.Errorf("openError = %v, want it to wrap EACCES", err)
	}
	t.Log(err)
	if msg := err.Error(); !strings.Contains(msg, "/dev/hidraw3") || !strings.Contains(msg, "udev") {
		t.Errorf("openError = %q, want the node and the fix", msg)
	}
}

func TestBackend_OpenChecksID(t *testing.T) {
	dev := newFake(t)
	dev.info.ProductID = 0x4002
	withFake(t, dev)
	_, err := Backend{}.Open(receiverInfo)
	if !errors.Is(err, transport.ErrGone) {
		t.Errorf("Open of a reused node = %v, want transport.ErrGone", err)
	}
	if dev.closes != 1 {
		t.Errorf("device closed %d times, want 1", dev.closes)
	}
}

func TestConn_WriteRead(t *testing.T) {
	c, dev := openFake(t)
	defer c.Close()

	ping := []byte{0x10, 0xFF, 0x81, 0x00, 0x00, 0x00, 0x00}
	if n, err := c.Write(ping); n != len(ping) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if len(dev.writes) != 1 || !bytes.Equal(dev.writes[0], ping) {
		t.Errorf("device got %x, want one write % x", dev.writes, ping)
	}
	if _, err := c.Write(nil); err == nil {
		t.Error("Write(nil) succeeded")
	}

	reply := []byte{0x10, 0xFF, 0x81, 0x00, 0x00, 0x09, 0x00}
	dev.reports <- reply
	p := make([]byte, 64)
	n, err := c.Read(p)
	if err != nil || !bytes.Equal(p[:n], reply) {
		t.Errorf("Read = % x, %v; want % x", p[:n], err, reply)
	}
	if got := c.Info(); got != receiverInfo {
		t.Errorf("Info() = %v, want %v", got, receiverInfo)
	}
}

// A Read waits across several polls until a report comes.
func TestConn_ReadWaits(t *testing.T) {
	c, dev := openFake(t)
	defer c.Close()
	go func() {
		time.Sleep(3 * pollInterval / 2)
		dev.reports <- []byte{0x11, 0x01, 0x04}
	}()
	p := make([]byte, 64)
	n, err := c.Read(p)
	if err != nil || n != 3 {
		t.Errorf("Read = %d, %v; want 3 bytes", n, err)
	}
}

func TestConn_CloseUnblocksRead(t *testing.T) {
	c, dev := openFake(t)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 64))
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, transport.ErrClosed) {
			t.Errorf("Read after Close = %v, want transport.ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Read still blocked 2 s after Close")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Read took %v to return after Close", d)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if dev.closes != 1 {
		t.Errorf("device closed %d times, want 1", dev.closes)
	}
	if _, err := c.Write([]byte{0x10, 0xFF, 0x81, 0, 0, 0, 0}); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Write after Close = %v, want transport.ErrClosed", err)
	}
	if _, err := c.Read(make([]byte, 64)); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Read after Close = %v, want transport.ErrClosed", err)
	}
}

// A read error on a node that has disappeared means the receiver was
// unplugged.
func TestConn_ReadGone(t *testing.T) {
	dev := newFake(t)
	dev.readErr = errors.New("hid_read_timeout: unexpected poll error (device disconnected)")
	withFake(t, dev)
	info := receiverInfo
	info.Path = filepath.Join(t.TempDir(), "hidraw2")
	c, err := Backend{}.Open(info)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Read(make([]byte, 64))
	if !errors.Is(err, transport.ErrGone) {
		t.Errorf("Read = %v, want transport.ErrGone", err)
	}
}
