// Package hidraw reaches receivers through Linux's hidraw nodes, in pure Go:
// receivers are found in /sys/class/hidraw by their HID id and by a report
// descriptor that declares HID++ reports, and opened as /dev/hidrawN. It is
// Helio's default transport on Linux.
package hidraw

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/helio-linux/helio/transport"
)

// Paths, variables so tests can point them at a fake tree.
var (
	sysClass = "/sys/class/hidraw"
	devDir   = "/dev"
)

// Backend is the hidraw transport.
type Backend struct{}

var _ transport.Backend = Backend{}

// Name is "hidraw".
func (Backend) Name() string { return "hidraw" }

// Receivers lists the HID++ interfaces of Logitech receivers, and the
// nodes of Logitech devices connected over Bluetooth, each of which is
// one device reached without a receiver ([transport.Info.Direct]). Paired
// devices' own nodes, which the kernel creates under a receiver with
// HID_PHYS = receiver phys + ":<index>", are not receivers and are left
// out. A system without hidraw (no /sys/class/hidraw) has no receivers.
func (Backend) Receivers() ([]transport.Info, error) {
	infos, _, err := scan()
	return infos, err
}

// Skipped implements [transport.Skipper]: it lists the nodes of Logitech
// devices on Bluetooth that declare no HID++ report in their descriptor,
// each as an error wrapping [transport.ErrNotHIDPP] that names the node.
func (Backend) Skipped() []error {
	_, skipped, _ := scan()
	return skipped
}

// scan probes every hidraw node: the ones Receivers lists, sorted by
// path, and the ones Skipped says.
func scan() (infos []transport.Info, skipped []error, err error) {
	ents, err := os.ReadDir(sysClass)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("hidraw: list %s: %w", sysClass, err)
	}
	for _, e := range ents {
		info, err := probe(e.Name())
		switch {
		case err == nil:
			infos = append(infos, info)
		case errors.Is(err, transport.ErrNotHIDPP):
			skipped = append(skipped, err)
		}
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Path < infos[j].Path })
	return infos, skipped, nil
}

var _ transport.Skipper = Backend{}

// errNotOurs is probe's error for a node that is neither a Logitech
// receiver nor a Logitech device on Bluetooth: another vendor's device, a
// paired device's node under a receiver, a receiver's keyboard interface.
var errNotOurs = errors.New("hidraw: not a Logitech receiver or Bluetooth device")

// probe says what hidraw node (such as "hidraw3") is: the Info Receivers
// lists for it, or why it is not listed. A Logitech node on Bluetooth
// that declares no HID++ report gives an error wrapping
// [transport.ErrNotHIDPP]; a node of another vendor, or one Helio does not
// read, another error.
func probe(node string) (transport.Info, error) {
	dir := filepath.Join(sysClass, node, "device")
	ue, err := ReadSysfs(filepath.Join(dir, "uevent"))
	if err != nil {
		return transport.Info{}, err
	}
	m := parseUevent(ue)
	if IsChildPhys(m["HID_PHYS"]) {
		return transport.Info{}, errNotOurs
	}
	bus, vid, pid, err := parseHIDID(m["HID_ID"])
	if err != nil {
		return transport.Info{}, err
	}
	receiver := transport.IsReceiver(vid, pid)
	// A device's own node is read only on Bluetooth: on USB, a
	// Logitech node that is not a receiver is a corded device (or a
	// receiver's child), which Helio does not read.
	if vid != transport.VendorLogitech || !receiver && transport.Bus(bus) != transport.BusBluetooth {
		return transport.Info{}, errNotOurs
	}
	desc, err := ReadSysfs(filepath.Join(dir, "report_descriptor"))
	if err != nil {
		return transport.Info{}, err
	}
	ok, longOnly := HIDPPReports(desc)
	switch {
	case !ok && receiver:
		return transport.Info{}, errNotOurs // one of a receiver's other interfaces
	case !ok:
		return transport.Info{}, fmt.Errorf("hidraw: %s (Logitech %04x on %s, %q): %w",
			filepath.Join(devDir, node), pid, transport.Bus(bus), m["HID_NAME"], transport.ErrNotHIDPP)
	}
	info := transport.Info{Backend: "hidraw", Path: filepath.Join(devDir, node), VendorID: vid, ProductID: pid,
		Name: m["HID_NAME"], Phys: m["HID_PHYS"], Bus: transport.Bus(bus), LongOnly: longOnly}
	if !receiver {
		info.Uniq = m["HID_UNIQ"]
	}
	return info, nil
}

// Conn is an open hidraw node.
type Conn struct {
	f    *os.File
	info transport.Info
	once sync.Once
}

var _ transport.Conn = (*Conn)(nil)

// devinfo is struct hidraw_devinfo.
type devinfo struct {
	Bustype uint32
	Vendor  int16
	Product int16
}

// hidiocgrawinfo is HIDIOCGRAWINFO: _IOR('H', 0x03, struct hidraw_devinfo).
const hidiocgrawinfo = 2<<30 | uint32(unsafe.Sizeof(devinfo{}))<<16 | 'H'<<8 | 0x03

// Open opens a receiver listed by Receivers, and checks with HIDIOCGRAWINFO
// that the node still is that receiver (nodes are reused after unplugging).
func (Backend) Open(info transport.Info) (transport.Conn, error) {
	fd, err := openRetry(info.Path, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK)
	switch {
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return nil, &transport.PermissionError{Path: info.Path, Err: err}
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENODEV), errors.Is(err, unix.ENXIO):
		return nil, fmt.Errorf("hidraw: open %s: %w", info.Path, transport.ErrGone)
	case err != nil:
		return nil, fmt.Errorf("hidraw: open %s: %w", info.Path, err)
	}
	var di devinfo
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(hidiocgrawinfo), uintptr(unsafe.Pointer(&di))); e != 0 {
		unix.Close(fd)
		return nil, fmt.Errorf("hidraw: HIDIOCGRAWINFO on %s: %w", info.Path, e)
	}
	if uint16(di.Vendor) != info.VendorID || uint16(di.Product) != info.ProductID {
		unix.Close(fd)
		return nil, fmt.Errorf("hidraw: %s is now %04x:%04x, not the receiver found: %w",
			info.Path, uint16(di.Vendor), uint16(di.Product), transport.ErrGone)
	}
	// A non-blocking descriptor makes os.File use the poller, so Close
	// wakes a blocked Read.
	return &Conn{f: os.NewFile(uintptr(fd), info.Path), info: info}, nil
}

// Write sends one output report.
func (c *Conn) Write(b []byte) (int, error) {
	n, err := c.f.Write(b)
	if err != nil {
		return n, c.wrap("write", err)
	}
	return n, nil
}

// Read reads one input report.
func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.f.Read(p)
	if err != nil {
		return n, c.wrap("read", err)
	}
	return n, nil
}

func (c *Conn) wrap(op string, err error) error {
	switch {
	case errors.Is(err, os.ErrClosed):
		return fmt.Errorf("hidraw: %s %s: %w", op, c.info.Path, transport.ErrClosed)
	case errors.Is(err, unix.ENODEV), errors.Is(err, unix.EIO), errors.Is(err, unix.EPIPE):
		return fmt.Errorf("hidraw: %s %s: %w (%v)", op, c.info.Path, transport.ErrGone, err)
	}
	return fmt.Errorf("hidraw: %s %s: %w", op, c.info.Path, err)
}

// Close closes the node.
func (c *Conn) Close() error {
	var err error
	c.once.Do(func() { err = c.f.Close() })
	return err
}

// Info describes the receiver.
func (c *Conn) Info() transport.Info { return c.info }

// IsChildPhys reports whether phys names a paired device's node under a
// receiver (receiver phys + ":<index>").
func IsChildPhys(phys string) bool {
	i := strings.LastIndexByte(phys, ':')
	return i > 0 && i < len(phys)-1 && strings.Trim(phys[i+1:], "0123456789") == "" && strings.Contains(phys[:i], "/input")
}
