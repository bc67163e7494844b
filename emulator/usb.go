package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/helio-linux/helio/emulator/gadget"
	"github.com/helio-linux/helio/transport"
)

// USBOpts configures the receiver put on a USB gadget.
type USBOpts struct {
	// UDC is the USB device controller to bind to, a name in
	// /sys/class/udc; default the first free one.
	UDC string
	// Logger receives what the host sends, at debug level, and what the
	// receiver does about gadgets left behind.
	Logger *slog.Logger
}

// USB is an emulated receiver on a USB gadget (package gadget): a USB
// device with the receiver's layout ([Receiver.Layout]) on a USB device
// controller, which the host at the controller's other end enumerates as
// it does the real receiver. With dummy_hcd that host is this machine's
// own kernel: usbhid and the Logitech drivers bind, hidraw nodes and power
// supplies appear, and libusb finds the receiver under /dev/bus/usb.
//
// The HID++ interface is served here: its output reports (SET_REPORT
// control transfers) go to the emulated receiver, and what the receiver
// sends goes out on the interface's interrupt IN endpoint. The kernel
// answers for the other interfaces.
type USB struct {
	r    *Receiver
	opts USBOpts
	log  *slog.Logger

	mu      sync.Mutex
	g       *gadget.Gadget
	hid     *gadget.HID
	conn    *Conn // while plugged
	pumping sync.WaitGroup
	serving sync.WaitGroup
}

// gadgetPrefix starts the name of every gadget a Helio process makes; the
// process id follows, so that a gadget whose process is gone is known.
const gadgetPrefix = "helio-"

// gadgets counts the gadgets this process made, to name them.
var gadgets atomic.Int64

// inputQueue is how many input reports wait for a host that does not poll
// the interrupt IN endpoint: as many as hidraw keeps for a reader.
const inputQueue = 64

// NewUSB prepares r for the USB gadget; Plug makes the device.
func NewUSB(r *Receiver, opts USBOpts) *USB {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &USB{r: r, opts: opts, log: log}
}

// Plug binds the receiver's gadget to the controller: the host sees the
// receiver plugged in. The first Plug describes the gadget, after removing
// the gadgets that Helio processes now gone left behind.
func (u *USB) Plug() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conn != nil {
		return errors.New("emulator: USB receiver already plugged")
	}
	if u.r.Bluetooth() {
		return errors.New("emulator: Bluetooth devices are not on USB: plug them in through uhid, as bluetoothd does")
	}
	l := u.r.Layout()
	if u.g == nil {
		u.removeLeftBehind()
		name := fmt.Sprintf("%s%d-%d", gadgetPrefix, os.Getpid(), gadgets.Add(1))
		g, err := gadget.Create(name, gadgetDevice(l))
		if err != nil {
			return err
		}
		u.g, u.hid = g, g.HID(l.HIDPP)
		u.serving.Add(1)
		go u.serve(u.hid)
	}
	u.r.Replug()
	conn, err := u.r.Open(transport.Info{Backend: "usb", Path: u.g.Name()})
	if err != nil {
		return err
	}
	u.conn = conn
	u.pumping.Add(1)
	go u.pump(conn, u.hid)
	if err := u.g.Bind(u.opts.UDC); err != nil {
		u.unplugLocked()
		return err
	}
	return nil
}

// gadgetDevice is the USB device of layout l.
func gadgetDevice(l Layout) gadget.Device {
	d := gadget.Device{
		Vendor: l.Vendor, Product: l.Product, BCDDevice: l.BCDDevice,
		Manufacturer: l.Manufacturer, ProductName: l.ProductName, Configuration: l.Configuration,
		Attributes: l.Attributes, MaxPowerMA: l.MaxPowerMA,
	}
	for n, i := range l.Interfaces {
		d.Functions = append(d.Functions, gadget.HIDFunction{
			Subclass: i.Subclass, Protocol: i.Protocol, ReportLength: i.PacketSize, Interval: i.Interval,
			ReportDescriptor: i.Descriptor, Serve: n == l.HIDPP,
		})
	}
	return d
}

// removeLeftBehind removes the gadgets of Helio processes that no longer
// run: one killed while its receiver was plugged leaves its gadget's
// description in configfs and its FunctionFS mount (the kernel unbinds the
// gadget when the process's files close).
func (u *USB) removeLeftBehind() {
	names, err := gadget.List()
	if err != nil {
		return // Create says what is missing
	}
	for _, n := range names {
		rest, ok := strings.CutPrefix(n, gadgetPrefix)
		pid, err := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			continue
		}
		if err := gadget.Remove(n); err != nil {
			u.log.Warn("a gadget left by an earlier Helio could not be removed", "gadget", n, "err", err)
			continue
		}
		u.log.Warn("removed a USB gadget left by a Helio that is gone", "gadget", n)
	}
}

// Unplug unbinds the gadget: the host sees the receiver pulled out. The
// emulated devices keep their state for the next Plug.
func (u *USB) Unplug() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.unplugLocked()
}

func (u *USB) unplugLocked() {
	u.r.Unplug() // ends conn, and with it pump
	if u.g == nil {
		return
	}
	if err := u.g.Unbind(); err != nil { // ends a write waiting for the host
		u.log.Warn("the receiver's gadget stays bound", "err", err)
	}
	u.pumping.Wait()
	u.conn = nil
}

// Close unplugs the receiver and removes its gadget.
func (u *USB) Close() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.unplugLocked()
	if u.g == nil {
		return nil
	}
	err := u.g.Remove()
	u.serving.Wait()
	u.g, u.hid = nil, nil
	return err
}

// Gadget is the name of the receiver's gadget in configfs, "" before the
// first Plug.
func (u *USB) Gadget() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.g == nil {
		return ""
	}
	return u.g.Name()
}

// UDC is the controller the receiver is plugged into, "" when unplugged.
func (u *USB) UDC() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.g == nil {
		return ""
	}
	return u.g.UDC()
}

// serve hands the HID++ interface's output reports, what the kernel's
// drivers and programs send, to the emulated receiver, until the gadget is
// removed.
func (u *USB) serve(hid *gadget.HID) {
	defer u.serving.Done()
	buf := make([]byte, 64)
	for {
		n, err := hid.Read(buf)
		if err != nil {
			if !errors.Is(err, os.ErrClosed) {
				u.log.Debug("usb read", "err", err)
			}
			return
		}
		u.log.Debug("usb set_report", "report", fmt.Sprintf("% x", buf[:n]))
		u.r.Handle(buf[:n])
	}
}

// pump sends everything the emulated receiver sends on the interrupt IN
// endpoint, in order, each report when the host has taken the one before.
// While the host does not poll (no driver bound, nobody holding the
// interface), reports wait in a queue of inputQueue, the oldest dropped
// when it is full, as a real receiver's buffer drops them.
func (u *USB) pump(c *Conn, hid *gadget.HID) {
	defer u.pumping.Done()
	queue := make(chan []byte, inputQueue)
	u.pumping.Add(1)
	go func() {
		defer u.pumping.Done()
		defer close(queue)
		buf := make([]byte, 64)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			report := bytes.Clone(buf[:n])
			for sent := false; !sent; {
				select {
				case queue <- report:
					sent = true
				default: // full: the oldest goes
					select {
					case old := <-queue:
						u.log.Debug("usb input dropped: the host does not poll", "report", fmt.Sprintf("% x", old))
					default:
					}
				}
			}
		}
	}()
	for report := range queue {
		_, err := hid.Write(report)
		switch {
		case err == nil:
			u.log.Debug("usb input", "report", fmt.Sprintf("% x", report))
		case errors.Is(err, os.ErrClosed):
			for range queue { // until Unplug ends c
			}
			return
		default:
			// The host has not configured the device, or reset it: the
			// report is lost, as on a real bus.
			u.log.Debug("usb input dropped", "report", fmt.Sprintf("% x", report), "err", err)
		}
	}
}
