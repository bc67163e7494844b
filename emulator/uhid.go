package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/helio-linux/helio/emulator/uhid"
	"github.com/helio-linux/helio/transport"
)

// DescriptorHIDPP is the report descriptor of the C52B's interface 2, the
// HID++ interface, as a real receiver (bcdDevice 12.11) declares it: report
// 0x10 with 6 data bytes and 0x11 with 19 (usage page FF00, usages 1 and 2),
// and the DJ reports 0x20 (14 bytes) and 0x21 (31 bytes), each input and
// output. hid-logitech-dj needs the DJ reports to bind.
var DescriptorHIDPP = []byte{
	0x06, 0x00, 0xFF, 0x09, 0x01, 0xA1, 0x01, 0x85, 0x10, 0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x26,
	0xFF, 0x00, 0x09, 0x01, 0x81, 0x00, 0x09, 0x01, 0x91, 0x00, 0xC0,
	0x06, 0x00, 0xFF, 0x09, 0x02, 0xA1, 0x01, 0x85, 0x11, 0x95, 0x13, 0x75, 0x08, 0x15, 0x00, 0x26,
	0xFF, 0x00, 0x09, 0x02, 0x81, 0x00, 0x09, 0x02, 0x91, 0x00, 0xC0,
	0x06, 0x00, 0xFF, 0x09, 0x04, 0xA1, 0x01, 0x85, 0x20, 0x95, 0x0E, 0x75, 0x08, 0x15, 0x00, 0x26,
	0xFF, 0x00, 0x09, 0x41, 0x81, 0x00, 0x09, 0x41, 0x91, 0x00,
	0x85, 0x21, 0x95, 0x1F, 0x09, 0x42, 0x81, 0x00, 0x09, 0x42, 0x91, 0x00, 0xC0,
}

// descriptorKeyboard is interface 0: a boot keyboard (modifiers, a reserved
// byte, 5 LEDs, 6 key codes), no report IDs.
var descriptorKeyboard = []byte{
	0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, // Generic Desktop, Keyboard, Application
	0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08, 0x81, 0x02, // modifiers
	0x95, 0x01, 0x75, 0x08, 0x81, 0x01, // reserved
	0x95, 0x05, 0x75, 0x01, 0x05, 0x08, 0x19, 0x01, 0x29, 0x05, 0x91, 0x02, // LEDs
	0x95, 0x01, 0x75, 0x03, 0x91, 0x01, // LED padding
	0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x05, 0x07, 0x19, 0x00, 0x2A, 0xFF, 0x00, 0x81, 0x00, // keys
	0xC0,
}

// descriptorMouse is interface 1: a mouse (report 2: 16 buttons, 12-bit X
// and Y, wheel) and consumer control (report 3).
var descriptorMouse = []byte{
	0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x85, 0x02, 0x09, 0x01, 0xA1, 0x00,
	0x05, 0x09, 0x19, 0x01, 0x29, 0x10, 0x15, 0x00, 0x25, 0x01, 0x95, 0x10, 0x75, 0x01, 0x81, 0x02,
	0x05, 0x01, 0x16, 0x01, 0xF8, 0x26, 0xFF, 0x07, 0x75, 0x0C, 0x95, 0x02, 0x09, 0x30, 0x09, 0x31, 0x81, 0x06,
	0x15, 0x81, 0x25, 0x7F, 0x75, 0x08, 0x95, 0x01, 0x09, 0x38, 0x81, 0x06,
	0xC0, 0xC0,
	0x05, 0x0C, 0x09, 0x01, 0xA1, 0x01, 0x85, 0x03, 0x75, 0x10, 0x95, 0x02, 0x15, 0x01, 0x26, 0xFF, 0x02,
	0x19, 0x01, 0x2A, 0xFF, 0x02, 0x81, 0x00, 0xC0,
}

// UHIDOpts configures the receiver put in front of the kernel.
type UHIDOpts struct {
	// Path of the uhid node; default /dev/uhid.
	Path string
	// Phys is the physical path prefix; interface N gets Phys + "/inputN".
	// hid-logitech-dj groups a receiver's interfaces by it.
	Phys string
	// Logger receives what the kernel and programs send, at debug level.
	Logger *slog.Logger
}

// UHID is an emulated receiver presented to the Linux kernel through
// /dev/uhid with the real C52B layout: three interfaces, the HID++ one with
// the real report descriptor. The kernel's drivers bind to it and create
// hidraw nodes (and power supplies) as for a real receiver; programs such as
// Helio or Solaar then talk to it through hidraw.
type UHID struct {
	r    *Receiver
	opts UHIDOpts
	log  *slog.Logger

	mu      sync.Mutex
	devs    []*uhid.Device
	conn    *Conn
	wg      sync.WaitGroup
	started chan struct{}
}

// NewUHID prepares r for the kernel; Plug creates the devices.
func NewUHID(r *Receiver, opts UHIDOpts) *UHID {
	if opts.Phys == "" {
		opts.Phys = "usb-0000:00:14.0-2"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &UHID{r: r, opts: opts, log: log}
}

// Plug creates the receiver's three interfaces. The HID++ interface then
// answers the kernel's SET_REPORT requests and hidraw writes from the
// emulated receiver.
func (u *UHID) Plug() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.devs != nil {
		return errors.New("emulator: uhid receiver already plugged")
	}
	u.r.Replug()
	conn, err := u.r.Open(transport.Info{Backend: "uhid", Path: "uhid"})
	if err != nil {
		return err
	}
	u.started = make(chan struct{})
	for i, desc := range [][]byte{descriptorKeyboard, descriptorMouse, DescriptorHIDPP} {
		d, err := uhid.Create(u.opts.Path, uhid.Config{
			Name: "Logitech USB Receiver", Phys: fmt.Sprintf("%s/input%d", u.opts.Phys, i),
			Bus: uhid.BusUSB, Vendor: 0x046D, Product: uint32(u.r.PID()), Version: 0x1211, Descriptor: desc,
		})
		if err != nil {
			conn.Close()
			u.destroyLocked()
			return fmt.Errorf("emulator: create interface %d: %w", i, err)
		}
		u.devs = append(u.devs, d)
	}
	u.conn = conn
	u.wg.Add(4)
	go u.serveOther(u.devs[0])
	go u.serveOther(u.devs[1])
	go u.serveHIDPP(u.devs[2])
	go u.pump(conn, u.devs[2])
	return nil
}

// Unplug destroys the interfaces, as pulling the receiver out would. The
// emulated devices keep their state for the next Plug.
func (u *UHID) Unplug() {
	u.r.Unplug()
	u.mu.Lock()
	u.destroyLocked()
	u.mu.Unlock()
	u.wg.Wait()
}

func (u *UHID) destroyLocked() {
	for _, d := range u.devs {
		d.Destroy()
	}
	u.devs = nil
	if u.conn != nil {
		u.conn.Close()
		u.conn = nil
	}
}

// Started is closed when the kernel has started the HID++ interface.
func (u *UHID) Started() <-chan struct{} {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.started
}

// Serve runs until ctx ends, then unplugs.
func (u *UHID) Serve(ctx context.Context) error {
	if err := u.Plug(); err != nil {
		return err
	}
	<-ctx.Done()
	u.Unplug()
	return nil
}

// pump hands everything the emulated receiver sends to the kernel as input
// reports.
func (u *UHID) pump(c *Conn, d *uhid.Device) {
	defer u.wg.Done()
	buf := make([]byte, 64)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		u.log.Debug("uhid input", "report", fmt.Sprintf("% x", buf[:n]))
		if err := d.Input(buf[:n]); err != nil {
			return
		}
	}
}

// serveHIDPP answers the HID++ interface's kernel events: SET_REPORT (the
// kernel drivers' requests, and writes on paired devices' hidraw nodes) is
// acknowledged first, then handed to the receiver, whose answer comes back
// as input; OUTPUT (writes on the receiver's hidraw node) goes straight to
// the receiver.
func (u *UHID) serveHIDPP(d *uhid.Device) {
	defer u.wg.Done()
	for {
		ev, err := d.Read()
		if err != nil {
			return
		}
		switch ev.Type {
		case uhid.EvStart:
			u.mu.Lock()
			if u.started != nil {
				select {
				case <-u.started:
				default:
					close(u.started)
				}
			}
			u.mu.Unlock()
		case uhid.EvSetReport:
			u.log.Debug("uhid set_report", "report", fmt.Sprintf("% x", ev.Data))
			d.SetReportReply(ev.ID, 0)
			u.r.Handle(ev.Data)
		case uhid.EvOutput:
			u.log.Debug("uhid output", "report", fmt.Sprintf("% x", ev.Data))
			u.r.Handle(ev.Data)
		case uhid.EvGetReport:
			d.GetReportReply(ev.ID, 5, nil) // EIO: the receiver has no feature reports
		}
	}
}

// serveOther keeps the keyboard and mouse interfaces answering, so no kernel
// caller waits on them.
func (u *UHID) serveOther(d *uhid.Device) {
	defer u.wg.Done()
	for {
		ev, err := d.Read()
		if err != nil {
			return
		}
		switch ev.Type {
		case uhid.EvSetReport:
			d.SetReportReply(ev.ID, 0)
		case uhid.EvGetReport:
			d.GetReportReply(ev.ID, 5, nil)
		}
	}
}

// FloodInput sends n keyboard and mouse DJ reports, as typing and mouse
// movement on the paired devices would: Helio must drop them unread.
func (r *Receiver) FloodInput(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var kbd, mouse [15]byte
	kbd[0], kbd[1], kbd[2] = 0x20, 0x02, 0x01 // DJ keyboard report from slot 2
	mouse[0], mouse[1], mouse[2] = 0x20, 0x01, 0x02
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			kbd[5] = byte(4 + i%26) // a key
			r.emit(kbd[:])
		} else {
			mouse[5] = byte(i)
			r.emit(mouse[:])
		}
	}
}
