// Package hidapi reaches receivers through the C library hidapi, by way of
// github.com/sstallion/go-hid, which vendors hidapi 0.15 and on Linux builds
// its hidraw backend (libudev for enumeration, /dev/hidrawN for I/O).
//
// It exists as a second opinion beside Helio's pure-Go [hidraw] backend:
// when the two disagree about a receiver (one finds it, the other does not;
// one reads garbage), the fault is in Helio's own descriptor parsing or
// sysfs walk, not in the receiver. It also keeps a path open to hidapi's
// other platforms. It needs cgo and libudev (Debian: libudev-dev to build,
// libudev1 to run).
//
// hidapi is initialised once, on first use; hid.Exit is never called,
// because a CLI process ends soon after and the operating system frees what
// hidapi holds.
//
// # Reads
//
// hidapi's blocking read cannot be interrupted, so [Conn.Read] polls with
// hid_read_timeout every 100 ms and checks whether [Conn.Close] was called:
// while a Conn is open and a Read waits, the process wakes 10 times a
// second. That is acceptable for Helio's one-shot queries; a long-running
// listener should prefer the hidraw backend, whose reads sleep until a
// report arrives.
package hidapi

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	hid "github.com/sstallion/go-hid"
	"golang.org/x/sys/unix"

	"github.com/helio-linux/helio/transport"
)

// HID++ collections in a receiver's report descriptor (hidpp.md §11): the
// vendor usage page 0xFF00 with usage 0x0001 (short reports, 0x10) or
// 0x0002 (long reports, 0x11). Collection 0xFF00:0x0004 holds the DJ
// reports and is not enough on its own. Bluetooth LE devices put their
// long report in page 0xFF43, usage 0x0202 (docs/devices.md §5), and
// declare no short one.
const (
	usagePageHIDPP   = 0xFF00
	usagePageHIDPPBT = 0xFF43
	usageHIDPPShort  = 0x0001
	usageHIDPPLong   = 0x0002
	usageHIDPPLongBT = 0x0202
)

// pollInterval is how long one hid_read_timeout waits before Read checks
// whether the Conn was closed.
const pollInterval = 100 * time.Millisecond

// Backend is the hidapi transport. It is safe for concurrent use.
type Backend struct{}

var _ transport.Backend = Backend{}

// Name is "hidapi".
func (Backend) Name() string { return "hidapi" }

var (
	initOnce sync.Once
	errInit  error
)

// initHID calls hid.Init once per process.
func initHID() error {
	initOnce.Do(func() {
		if err := hid.Init(); err != nil {
			errInit = fmt.Errorf("hidapi: init: %w", err)
		}
	})
	return errInit
}

// Receivers lists the HID++ interfaces of Logitech receivers, and the
// nodes of Logitech devices connected over Bluetooth (each one device
// reached without a receiver, [transport.Info.Direct]): hid.Enumerate(0x046D,
// 0), kept when the entry is a receiver's ([transport.IsReceiver]) or on
// the Bluetooth bus, and is a HID++ collection (usage page 0xFF00, usage
// 0x0001 or 0x0002, or Bluetooth LE's 0xFF43:0x0202; hidapi's hidraw
// backend reads these from the report descriptor and lists each top-level
// collection as its own entry, so one node appears several times and is
// listed once).
//
// Paired devices' own nodes, which the kernel creates under a receiver,
// carry the device's wireless product id (a "wpid" such as 0x4002) instead
// of a receiver's, and the USB bus, so they are left out. hidapi does not
// report HID_PHYS, so Info.Phys is empty.
func (Backend) Receivers() ([]transport.Info, error) {
	if err := initHID(); err != nil {
		return nil, err
	}
	var all []*hid.DeviceInfo
	err := hid.Enumerate(transport.VendorLogitech, hid.ProductIDAny, func(d *hid.DeviceInfo) error {
		all = append(all, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hidapi: enumerate: %w", err)
	}
	return receivers(all), nil
}

// receivers keeps the HID++ interfaces of receivers and Bluetooth devices
// among devs, one Info per path, sorted by path. A Bluetooth device none
// of whose collections is HID++'s short one is LongOnly; a receiver never
// is (every receiver has the short report, and hidapi may list only some
// of a node's collections).
func receivers(devs []*hid.DeviceInfo) []transport.Info {
	byPath := make(map[string]*transport.Info)
	short := make(map[string]bool)
	for _, d := range devs {
		bt := d.BusType == hid.BusBluetooth
		if d.VendorID != transport.VendorLogitech || !transport.IsReceiver(d.VendorID, d.ProductID) && !bt || !isHIDPP(d) {
			continue
		}
		short[d.Path] = short[d.Path] || d.UsagePage == usagePageHIDPP && d.Usage == usageHIDPPShort
		if byPath[d.Path] != nil {
			continue
		}
		info := &transport.Info{Backend: "hidapi", Path: d.Path, VendorID: d.VendorID, ProductID: d.ProductID, Name: hidName(d)}
		switch d.BusType {
		case hid.BusUSB:
			info.Bus = transport.BusUSB
		case hid.BusBluetooth:
			info.Bus, info.Uniq = transport.BusBluetooth, d.SerialNbr
		}
		byPath[d.Path] = info
	}
	out := make([]transport.Info, 0, len(byPath))
	for path, info := range byPath {
		info.LongOnly = info.Direct() && !short[path]
		out = append(out, *info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Skipped implements [transport.Skipper]: the Logitech devices on
// Bluetooth none of whose collections is a HID++ one.
func (Backend) Skipped() []error {
	if initHID() != nil {
		return nil
	}
	var all []*hid.DeviceInfo
	if hid.Enumerate(transport.VendorLogitech, hid.ProductIDAny, func(d *hid.DeviceInfo) error {
		all = append(all, d)
		return nil
	}) != nil {
		return nil
	}
	return skipped(all)
}

var _ transport.Skipper = Backend{}

// skipped says, for each Bluetooth node among devs with no HID++
// collection, that Helio cannot read it.
func skipped(devs []*hid.DeviceInfo) []error {
	hidpp := map[string]bool{}
	var paths []string
	for _, d := range devs {
		if d.VendorID != transport.VendorLogitech || d.BusType != hid.BusBluetooth {
			continue
		}
		if _, seen := hidpp[d.Path]; !seen {
			paths = append(paths, d.Path)
		}
		hidpp[d.Path] = hidpp[d.Path] || isHIDPP(d)
	}
	var out []error
	for _, p := range paths {
		if !hidpp[p] {
			out = append(out, fmt.Errorf("hidapi: %s (Logitech Bluetooth device): %w", p, transport.ErrNotHIDPP))
		}
	}
	return out
}

func isHIDPP(d *hid.DeviceInfo) bool {
	return d.UsagePage == usagePageHIDPP && (d.Usage == usageHIDPPShort || d.Usage == usageHIDPPLong) ||
		d.UsagePage == usagePageHIDPPBT && d.Usage == usageHIDPPLongBT
}

// hidName builds the name the kernel gives a USB HID device (HID_NAME):
// manufacturer and product strings joined by a space, "Logitech USB
// Receiver".
func hidName(d *hid.DeviceInfo) string {
	return strings.TrimSpace(d.MfrStr + " " + d.ProductStr)
}

// hidDevice is the part of *hid.Device a Conn uses, so tests can substitute
// a fake.
type hidDevice interface {
	Write(p []byte) (int, error)
	ReadWithTimeout(p []byte, timeout time.Duration) (int, error)
	GetDeviceInfo() (*hid.DeviceInfo, error)
	Close() error
}

// openPath opens a device node; a variable so tests can substitute a fake.
var openPath = func(path string) (hidDevice, error) {
	d, err := hid.OpenPath(path)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Open opens a receiver listed by Receivers, and checks that the node still
// is that receiver (nodes are reused after unplugging). A node the user may
// not open gives a [*transport.PermissionError], whose message says how to fix
// it; a node that is gone gives an error wrapping [transport.ErrGone].
func (Backend) Open(info transport.Info) (transport.Conn, error) {
	if err := initHID(); err != nil {
		return nil, err
	}
	d, err := openPath(info.Path)
	if err != nil {
		return nil, openError(info.Path, err)
	}
	di, err := d.GetDeviceInfo()
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("hidapi: device info of %s: %w", info.Path, err)
	}
	if di.VendorID != info.VendorID || di.ProductID != info.ProductID {
		d.Close()
		return nil, fmt.Errorf("hidapi: %s is now %04x:%04x, not the receiver found: %w",
			info.Path, di.VendorID, di.ProductID, transport.ErrGone)
	}
	return &Conn{dev: d, info: info}, nil
}

// access checks whether the user may read and write path; a variable so
// tests can make it fail.
var access = func(path string) error { return unix.Access(path, unix.R_OK|unix.W_OK) }

// openError explains why hid.OpenPath failed. hidapi reports only a
// message, not errno, so the node is checked again with access(2).
func openError(path string, err error) error {
	aerr := access(path)
	switch {
	case errors.Is(aerr, unix.EACCES), errors.Is(aerr, unix.EPERM):
		return &transport.PermissionError{Path: path, Err: aerr}
	case errors.Is(aerr, unix.ENOENT), errors.Is(aerr, unix.ENODEV), errors.Is(aerr, unix.ENXIO):
		return fmt.Errorf("hidapi: open %s: %w (%v)", path, transport.ErrGone, err)
	}
	return fmt.Errorf("hidapi: open %s: %w", path, err)
}

// Conn is an open receiver node. Read may run in one goroutine while Write
// and Close are called from others.
type Conn struct {
	info transport.Info

	// mu is held shared by each device call and exclusively by Close, so
	// the handle is never freed under a running hid_read_timeout.
	mu     sync.RWMutex
	dev    hidDevice
	closed bool
}

var _ transport.Conn = (*Conn)(nil)

// Write sends one output report, report ID first, as it is.
func (c *Conn) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("hidapi: write %s: empty report", c.info.Path)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return 0, fmt.Errorf("hidapi: write %s: %w", c.info.Path, transport.ErrClosed)
	}
	n, err := c.dev.Write(b)
	if err != nil {
		return 0, c.wrap("write", err)
	}
	return n, nil
}

// Read blocks until one input report arrives and copies it into p, report
// ID first; a longer report is truncated. It returns an error wrapping
// [transport.ErrClosed] within about 100 ms of Close, and one wrapping
// [transport.ErrGone] when the node disappeared.
func (c *Conn) Read(p []byte) (int, error) {
	for {
		n, done, err := c.readOnce(p)
		if done {
			return n, err
		}
	}
}

// readOnce waits for one report for at most pollInterval. done is false on
// a timeout.
func (c *Conn) readOnce(p []byte) (n int, done bool, err error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return 0, true, fmt.Errorf("hidapi: read %s: %w", c.info.Path, transport.ErrClosed)
	}
	if len(p) == 0 {
		return 0, true, nil
	}
	n, err = c.dev.ReadWithTimeout(p, pollInterval)
	switch {
	case errors.Is(err, hid.ErrTimeout):
		return 0, false, nil
	case err != nil:
		return 0, true, c.wrap("read", err)
	}
	return n, true, nil
}

// disconnected is what hidapi's Linux backend says when poll reports that
// a node hung up, which hidraw does only once its device is gone
// ("hid_read_timeout: unexpected poll error (device disconnected)").
const disconnected = "(device disconnected)"

// wrap adds context to a hidapi error. hidapi gives only a message; when
// it says the device disconnected, or the node is gone, the device was
// unplugged. The message counts on its own: a blocked read learns of the
// unplug before the kernel has removed the node.
func (c *Conn) wrap(op string, err error) error {
	_, serr := os.Stat(c.info.Path)
	if strings.Contains(err.Error(), disconnected) || errors.Is(serr, fs.ErrNotExist) {
		return fmt.Errorf("hidapi: %s %s: %w (%v)", op, c.info.Path, transport.ErrGone, err)
	}
	return fmt.Errorf("hidapi: %s %s: %w", op, c.info.Path, err)
}

// Close closes the node, waiting for a running Read's poll to end (at most
// 100 ms). It is safe to call more than once.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if err := c.dev.Close(); err != nil {
		return fmt.Errorf("hidapi: close %s: %w", c.info.Path, err)
	}
	return nil
}

// Info describes the receiver.
func (c *Conn) Info() transport.Info { return c.info }
