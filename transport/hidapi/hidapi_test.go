package hidapi

import (
	"bytes"
	"context"
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
	"github.com/helio-linux/helio/transport/transporttest"
)

// fakeDevice stands in for *hid.Device. It is also the device end of the
// transport conformance test: Send, Written and Unplug.
type fakeDevice struct {
	t       *testing.T
	info    hid.DeviceInfo
	reports chan []byte
	written chan []byte
	node    string        // the node Unplug removes, if any
	gone    chan struct{} // closed by Unplug
	unplug  sync.Once

	mu     sync.Mutex
	writes [][]byte
	closes int
}

func newFake(t *testing.T) *fakeDevice {
	return &fakeDevice{t: t, reports: make(chan []byte, 64), written: make(chan []byte, 256), gone: make(chan struct{}),
		info: hid.DeviceInfo{VendorID: 0x046D, ProductID: 0xC52B}}
}

// errDisconnected is what hidapi says of a node that went away.
var errDisconnected = errors.New("hid_read_timeout: unexpected poll error (device disconnected)")

func (f *fakeDevice) checkOpen(op string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closes > 0 {
		f.t.Errorf("%s after Close", op)
	}
}

func (f *fakeDevice) Write(p []byte) (int, error) {
	f.checkOpen("Write")
	select {
	case <-f.gone:
		return -1, errors.New("No such device") // hidapi registers strerror(ENODEV)
	default:
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes = append(f.writes, bytes.Clone(p))
	select {
	case f.written <- bytes.Clone(p):
	default:
	}
	return len(p), nil
}

func (f *fakeDevice) ReadWithTimeout(p []byte, timeout time.Duration) (int, error) {
	f.checkOpen("ReadWithTimeout")
	select {
	case r := <-f.reports:
		return copy(p, r), nil
	case <-f.gone:
		return -1, errDisconnected
	case <-time.After(timeout):
		return 0, hid.ErrTimeout
	}
}

func (f *fakeDevice) Send(report []byte) error {
	f.reports <- bytes.Clone(report)
	return nil
}

func (f *fakeDevice) Written(ctx context.Context) ([]byte, error) {
	select {
	case b := <-f.written:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Unplug makes the device fail as hidapi does, then removes its node, as
// the kernel does a moment after it wakes the node's readers.
func (f *fakeDevice) Unplug() {
	f.unplug.Do(func() {
		close(f.gone)
		if f.node != "" {
			os.Remove(f.node)
		}
	})
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
		// A Bolt receiver, long collection only: a receiver is never
		// taken for long-only.
		{Path: "/dev/hidraw10", VendorID: 0x046D, ProductID: 0xC548, ProductStr: "USB Receiver", UsagePage: 0xFF00, Usage: 0x0002, BusType: hid.BusUSB},
		// Bluetooth: an LE MX Master 3 (mouse, then HID++ long in page
		// 0xFF43), a classic M557 with both HID++ collections, and an LE
		// device with no HID++ collection.
		{Path: "/dev/hidraw11", VendorID: 0x046D, ProductID: 0xB023, ProductStr: "Wireless Mouse MX Master 3", UsagePage: 0x0001, Usage: 0x0002, BusType: hid.BusBluetooth, SerialNbr: "d1:e2:f3:04:15:26"},
		{Path: "/dev/hidraw11", VendorID: 0x046D, ProductID: 0xB023, ProductStr: "Wireless Mouse MX Master 3", UsagePage: 0xFF43, Usage: 0x0202, BusType: hid.BusBluetooth, SerialNbr: "d1:e2:f3:04:15:26"},
		{Path: "/dev/hidraw12", VendorID: 0x046D, ProductID: 0xB010, MfrStr: "Logitech", ProductStr: "M557", UsagePage: 0xFF00, Usage: 0x0002, BusType: hid.BusBluetooth, SerialNbr: "00:1f:20:aa:bb:cc"},
		{Path: "/dev/hidraw12", VendorID: 0x046D, ProductID: 0xB010, MfrStr: "Logitech", ProductStr: "M557", UsagePage: 0xFF00, Usage: 0x0001, BusType: hid.BusBluetooth, SerialNbr: "00:1f:20:aa:bb:cc"},
		{Path: "/dev/hidraw13", VendorID: 0x046D, ProductID: 0xB35B, UsagePage: 0x0001, Usage: 0x0006, BusType: hid.BusBluetooth},
	}
	got := receivers(in)
	want := []transport.Info{
		{Backend: "hidapi", Path: "/dev/hidraw10", VendorID: 0x046D, ProductID: 0xC548, Name: "USB Receiver", Bus: transport.BusUSB},
		{Backend: "hidapi", Path: "/dev/hidraw11", VendorID: 0x046D, ProductID: 0xB023, Name: "Wireless Mouse MX Master 3",
			Bus: transport.BusBluetooth, Uniq: "d1:e2:f3:04:15:26", LongOnly: true},
		{Backend: "hidapi", Path: "/dev/hidraw12", VendorID: 0x046D, ProductID: 0xB010, Name: "Logitech M557",
			Bus: transport.BusBluetooth, Uniq: "00:1f:20:aa:bb:cc"},
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
	sk := skipped(in)
	if len(sk) != 1 || !errors.Is(sk[0], transport.ErrNotHIDPP) || !strings.Contains(sk[0].Error(), "/dev/hidraw13") {
		t.Errorf("skipped() = %v, want /dev/hidraw13 alone", sk)
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
		if info.Backend != "hidapi" || !transport.IsReceiver(info.VendorID, info.ProductID) && info.Bus != transport.BusBluetooth {
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

func TestConn_WriteEmptyAndInfo(t *testing.T) {
	c, dev := openFake(t)
	defer c.Close()
	if _, err := c.Write(nil); err == nil {
		t.Error("Write(nil) succeeded")
	}
	if len(dev.writes) != 0 {
		t.Errorf("Write(nil) wrote %x", dev.writes)
	}
	if got := c.Info(); got != receiverInfo {
		t.Errorf("Info() = %v, want %v", got, receiverInfo)
	}
}

// Two Closes close the device once.
func TestConn_CloseOnce(t *testing.T) {
	c, dev := openFake(t)
	c.Close()
	c.Close()
	if dev.closes != 1 {
		t.Errorf("device closed %d times, want 1", dev.closes)
	}
}

// A read that learns of an unplug while the node still exists is told
// the device is gone by hidapi's message alone.
func TestConn_ReadDisconnected(t *testing.T) {
	c, dev := openFake(t)
	defer c.Close()
	dev.node = "" // the node stays
	dev.Unplug()
	if _, err := c.Read(make([]byte, 64)); !errors.Is(err, transport.ErrGone) {
		t.Errorf("Read = %v, want an error wrapping transport.ErrGone", err)
	}
}

// TestConn_Conformance runs the transport conformance test over the fake,
// on a node in a temporary directory that Unplug removes.
func TestConn_Conformance(t *testing.T) {
	transporttest.TestConn(t, func(t *testing.T) (transport.Conn, transporttest.Device) {
		dev := newFake(t)
		dev.node = filepath.Join(t.TempDir(), "hidraw2")
		if err := os.WriteFile(dev.node, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		withFake(t, dev)
		info := receiverInfo
		info.Path = dev.node
		c, err := Backend{}.Open(info)
		if err != nil {
			t.Fatal(err)
		}
		return c, dev
	})
}
