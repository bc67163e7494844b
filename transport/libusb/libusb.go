// Package libusb reaches receivers without hidraw, through libusb (by way
// of github.com/google/gousb, cgo), the way the Unifying receiver was first
// driven from Linux in the 2012 reverse engineering: it takes the
// receiver's HID++ interface (interface 2) away from the kernel, sends each
// report as a HID SET_REPORT control transfer and reads input reports from
// the interface's interrupt IN endpoint.
//
// It exists for systems where hidraw is missing or its node cannot be used
// (a kernel without CONFIG_HIDRAW, a broken hid-logitech-dj), and as a
// transport that does not depend on the kernel's HID stack at all. It is
// the last resort: while it holds interface 2 the kernel's usbhid and
// hid-logitech-dj drivers are detached from it, so the keyboards and mice
// paired to the receiver stop working ([Warning]); the CLI prints that
// before it opens the receiver. It needs cgo and libusb-1.0 (Debian:
// libusb-1.0-0-dev and pkg-config to build, libusb-1.0-0 to run), and write
// access to the receiver's node under /dev/bus/usb, which Helio's udev rule
// does not grant (it covers hidraw nodes only): run as root, or add a rule
// for the usb node.
//
// Only receivers whose HID++ interface is interface 2 are listed: Unifying,
// Bolt and Lightspeed (and unknown c5xx receivers that have an interface 2).
// Nano receivers keep HID++ on interface 1 beside the mouse and are left to
// the hidraw and hidapi backends.
//
// # Detaching and re-attaching the kernel driver
//
// gousb v1.1.3 has no call to detach or re-attach the kernel driver of one
// interface. Its SetAutoDetach must not be on when the configuration is
// taken: Device.Config then detaches the driver of every interface (the
// keyboard and mouse interfaces 0 and 1 too) and nothing re-attaches them.
// So a Conn takes the configuration first, then turns on libusb's own
// auto-detach: libusb_claim_interface then detaches the driver of interface
// 2 alone and claims it in one ioctl (USBDEVFS_DISCONNECT_CLAIM; if the
// claim fails the driver stays attached), and libusb_release_interface
// re-attaches it. Close, and every error after the claim, releases
// interface 2.
//
// # Ctrl-C, and SIGKILL
//
// A library cannot own the process's signals. A program holding a Conn must
// Close it on SIGINT and SIGTERM as well (for example, run the work under
// signal.NotifyContext and Close when it returns), or interface 2 keeps no
// kernel driver after the process exits. A SIGKILL or a crash leaves it so:
// the kernel drops the claim but binds no driver, so the receiver has no
// hidraw node and its devices' input goes nowhere, until a driver is bound
// again. Any later Conn does that when it closes (libusb's release
// re-attaches the kernel driver whether or not its claim detached it), as
// does the kernel's drivers_probe, or a replug; [DetachedReceivers] finds
// such receivers and [Detached.Fix] says all three.
//
// # Unplugging and hot-plug
//
// A transfer waiting when the receiver is pulled out fails with a bus error
// before the kernel has seen the disconnect; Read tries again, a while
// apart, and the next transfer fails with "no device": Read then returns
// an error wrapping [transport.ErrGone]. gousb has no hot-plug call, so
// [Backend.Watch] reads the kernel's uevents for USB devices instead, and
// reports a receiver plugged in once the kernel's drivers have settled on
// it.
//
// # Tests
//
// Every libusb call goes through the unexported usbDevice interface, and
// the unit tests drive a Conn with a fake that records calls. The gousb
// side (gousbDevice), and the kernel's side of detaching, claiming and
// giving back, are tested in the rig's VM against the emulated receiver on
// a USB gadget (test/vm/usb_test.go; docs/usb.md has what they found).
package libusb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"sync"
	"time"

	"github.com/google/gousb"

	"github.com/helio-linux/helio/transport"
)

// Warning is what the CLI prints before it opens a receiver through this
// backend.
const Warning = "While Helio holds the receiver through libusb, the keyboards and mice paired to it stop typing and moving until Helio lets go of it (should Helio be killed, until \"helio --backend libusb list\" or a replug gives the receiver back to the kernel)."

// USB HID class request that sends a report (HID 1.11 §7.2.2).
const (
	hidppInterface   = 2    // the receiver's HID++ interface
	requestTypeOut   = 0x21 // host to device, class request, to an interface
	requestSetReport = 0x09 // SET_REPORT
	reportTypeOutput = 0x02 // high byte of wValue; the low byte is the report ID
)

// usbfs is where Linux puts USB device nodes; Info.Path is usbfs/BBB/DDD.
const usbfs = "/dev/bus/usb"

// Backend is the libusb transport. It is safe for concurrent use.
type Backend struct{}

var _ transport.Backend = Backend{}

// Name is "libusb".
func (Backend) Name() string { return "libusb" }

// newContext starts libusb. gousb panics when libusb_init fails; that
// becomes an error.
func newContext() (ctx *gousb.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			ctx, err = nil, fmt.Errorf("libusb: init: %v", r)
		}
	}()
	return gousb.NewContext(), nil
}

// Receivers lists receivers whose HID++ interface is interface 2, without
// opening any device. Info.Path is the device's node under /dev/bus/usb;
// Name and Phys are empty (reading the product string would need the
// device open).
func (Backend) Receivers() ([]transport.Info, error) {
	ctx, err := newContext()
	if err != nil {
		return nil, err
	}
	defer ctx.Close()
	var out []transport.Info
	_, err = ctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		if info, ok := receiverInfo(d); ok {
			out = append(out, info)
		}
		return false // open nothing
	})
	if err != nil {
		return nil, fmt.Errorf("libusb: list devices: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// receiverInfo describes d if it is a receiver with a HID interface 2 that
// has an interrupt IN endpoint.
func receiverInfo(d *gousb.DeviceDesc) (transport.Info, bool) {
	vid, pid := uint16(d.Vendor), uint16(d.Product)
	if !transport.IsReceiver(vid, pid) || transport.FamilyOf(pid) == transport.FamilyNano {
		return transport.Info{}, false
	}
	for _, cfg := range d.Configs {
		for _, intf := range cfg.Interfaces {
			if intf.Number != hidppInterface {
				continue
			}
			for _, alt := range intf.AltSettings {
				if _, _, err := interruptIn(alt); alt.Alternate == 0 && alt.Class == gousb.ClassHID && err == nil {
					return transport.Info{Backend: "libusb", Path: nodePath(d.Bus, d.Address), VendorID: vid, ProductID: pid, Bus: transport.BusUSB}, true
				}
			}
		}
	}
	return transport.Info{}, false
}

func nodePath(bus, addr int) string { return fmt.Sprintf("%s/%03d/%03d", usbfs, bus, addr) }

// parseNode is the inverse of nodePath.
func parseNode(path string) (bus, addr int, ok bool) {
	if n, _ := fmt.Sscanf(path, usbfs+"/%d/%d", &bus, &addr); n != 2 || nodePath(bus, addr) != path {
		return 0, 0, false
	}
	return bus, addr, true
}

// Open opens a receiver listed by Receivers and takes its interface 2 from
// the kernel (see the package doc). The receiver's devices stop working
// until the Conn is closed. A node the user may not open gives an error
// wrapping fs.ErrPermission whose message says how to fix it; a receiver
// that is gone, or whose address now belongs to another device, gives one
// wrapping [transport.ErrGone].
func (Backend) Open(info transport.Info) (transport.Conn, error) {
	bus, addr, ok := parseNode(info.Path)
	if !ok {
		return nil, fmt.Errorf("libusb: open %s: not a USB device node (%s/BBB/DDD)", info.Path, usbfs)
	}
	ctx, err := newContext()
	if err != nil {
		return nil, err
	}
	devs, err := ctx.OpenDevices(func(d *gousb.DeviceDesc) bool { return d.Bus == bus && d.Address == addr })
	if len(devs) == 0 {
		ctx.Close()
		switch {
		case errors.Is(err, gousb.ErrorAccess):
			return nil, fmt.Errorf("libusb: open %s: %w (%w); Helio needs write access to that node to detach the kernel driver: run as root, or add a udev rule for it such as SUBSYSTEM==\"usb\", ATTRS{idVendor}==\"046d\", TAG+=\"uaccess\" (Helio's %s covers hidraw nodes only)",
				info.Path, fs.ErrPermission, err, transport.UdevRule)
		case errors.Is(err, gousb.ErrorNoDevice), err == nil:
			return nil, fmt.Errorf("libusb: open %s: %w", info.Path, transport.ErrGone)
		}
		return nil, fmt.Errorf("libusb: open %s: %w", info.Path, err)
	}
	for _, d := range devs[1:] { // cannot happen: one device per bus address
		d.Close()
	}
	d := devs[0]
	if vid, pid := uint16(d.Desc.Vendor), uint16(d.Desc.Product); vid != info.VendorID || pid != info.ProductID {
		d.Close()
		ctx.Close()
		return nil, fmt.Errorf("libusb: %s is now %04x:%04x, not the receiver found: %w", info.Path, vid, pid, transport.ErrGone)
	}
	d.ControlTimeout = controlTimeout
	return open(&gousbDevice{ctx: ctx, dev: d}, info)
}

// open takes interface 2 of dev. On every error it leaves the interface
// released (so re-attached) and dev closed.
func open(dev usbDevice, info transport.Info) (*Conn, error) {
	fail := func(what string, err error) (*Conn, error) {
		err = fmt.Errorf("libusb: open %s: %s: %w", info.Path, what, err)
		if cerr := dev.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("libusb: close %s: %w", info.Path, cerr))
		}
		return nil, err
	}
	// The configuration first, with auto-detach still off: see the
	// package doc.
	if err := dev.ActiveConfig(); err != nil {
		return fail("take the configuration", err)
	}
	if err := dev.SetAutoDetach(true); err != nil {
		return fail("enable kernel driver auto-detach", err)
	}
	setting, err := dev.ClaimInterface(hidppInterface)
	if err != nil {
		return fail(fmt.Sprintf("claim interface %d", hidppInterface), err)
	}
	ep, packet, err := interruptIn(setting)
	if err != nil {
		dev.ReleaseInterface(hidppInterface)
		return fail(fmt.Sprintf("interface %d", hidppInterface), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Conn{dev: dev, info: info, ep: ep, packet: packet, ctx: ctx, cancel: cancel}, nil
}

// interruptIn finds the interrupt IN endpoint of an interface (0x83 on the
// C52B) and its packet size (32 there).
func interruptIn(s gousb.InterfaceSetting) (num, packet int, err error) {
	var addrs []gousb.EndpointAddress
	for a := range s.Endpoints {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i] < addrs[j] })
	for _, a := range addrs {
		e := s.Endpoints[a]
		if e.Direction == gousb.EndpointDirectionIn && e.TransferType == gousb.TransferTypeInterrupt {
			packet = e.MaxPacketSize
			if packet <= 0 {
				packet = 64
			}
			return e.Number, packet, nil
		}
	}
	return 0, 0, errors.New("no interrupt IN endpoint")
}

// Conn is a receiver's interface 2 held through libusb. Read may run in one
// goroutine while Write and Close are called from others.
type Conn struct {
	dev    usbDevice
	info   transport.Info
	ep     int // interrupt IN endpoint number
	packet int // its max packet size: the length of each interrupt read

	ctx    context.Context // cancelled by Close, to end a waiting Read
	cancel context.CancelFunc

	// mu is held shared by each transfer and exclusively by Close, so the
	// interface is not released under a running transfer.
	mu     sync.RWMutex
	closed bool
}

var _ transport.Conn = (*Conn)(nil)

// Write sends one output report, report ID first, as a HID SET_REPORT
// control transfer to interface 2: bmRequestType 0x21, bRequest 0x09,
// wValue 0x02<<8 | report ID, wIndex 2, data the whole report.
func (c *Conn) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("libusb: write %s: empty report", c.info.Path)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return 0, fmt.Errorf("libusb: write %s: %w", c.info.Path, transport.ErrClosed)
	}
	n, err := c.dev.Control(requestTypeOut, requestSetReport, reportTypeOutput<<8|uint16(b[0]), hidppInterface, b)
	if err != nil {
		return n, c.wrap("write", err)
	}
	if n < len(b) {
		return n, fmt.Errorf("libusb: write %s: %w", c.info.Path, io.ErrShortWrite)
	}
	return n, nil
}

// Read blocks until one input report arrives on the interrupt endpoint and
// copies it into p, report ID first; a longer report is truncated. Each
// transfer asks for exactly one packet, so a report of a full packet (the
// C52B's 32-byte DJ reports) ends it. After Close it returns an error
// wrapping [transport.ErrClosed].
func (c *Conn) Read(p []byte) (int, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	buf := make([]byte, c.packet)
	pause := firstRetry
	for {
		if c.closed || c.ctx.Err() != nil {
			return 0, fmt.Errorf("libusb: read %s: %w", c.info.Path, transport.ErrClosed)
		}
		n, err := c.dev.ReadInterrupt(c.ctx, c.ep, buf)
		if c.ctx.Err() != nil {
			return 0, fmt.Errorf("libusb: read %s: %w", c.info.Path, transport.ErrClosed)
		}
		if errors.Is(err, gousb.TransferError) && pause <= lastRetry {
			// The bus lost a packet: the receiver is being pulled out,
			// or the bus is noisy. A new transfer tells which.
			select {
			case <-time.After(pause):
			case <-c.ctx.Done():
			}
			pause *= 2
			continue
		}
		if err != nil {
			return 0, c.wrap("read", err)
		}
		if n > 0 {
			return copy(p, buf[:n]), nil
		}
		pause = firstRetry
	}
}

// A transfer that fails with a bus error (LIBUSB_TRANSFER_ERROR: EPROTO
// and the like) is what a receiver being pulled out gives before the
// kernel has seen the disconnect (measured on dummy_hcd in the VM; real
// host controllers do the same), and what a noisy bus gives now and then.
// Read tries again after firstRetry, then after twice as long, up to
// lastRetry (0.6 s in all): on a receiver that is gone the next transfer
// fails with "no device", which is ErrGone; a bus that keeps failing
// fails the Read.
const (
	firstRetry = 10 * time.Millisecond
	lastRetry  = 320 * time.Millisecond
)

func (c *Conn) wrap(op string, err error) error {
	if errors.Is(err, gousb.ErrorNoDevice) || errors.Is(err, gousb.TransferNoDevice) {
		return fmt.Errorf("libusb: %s %s: %w (%v)", op, c.info.Path, transport.ErrGone, err)
	}
	return fmt.Errorf("libusb: %s %s: %w", op, c.info.Path, err)
}

// Close ends a waiting Read, releases interface 2 (libusb re-attaches the
// kernel driver, and the receiver's devices work again) and closes the
// device. It is safe to call more than once; only the first call does
// anything.
func (c *Conn) Close() error {
	c.cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	c.dev.ReleaseInterface(hidppInterface)
	if err := c.dev.Close(); err != nil {
		return fmt.Errorf("libusb: close %s: %w", c.info.Path, err)
	}
	return nil
}

// Info describes the receiver.
func (c *Conn) Info() transport.Info { return c.info }
