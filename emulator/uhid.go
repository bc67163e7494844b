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
// /dev/uhid with its real layout ([Receiver.Layout]): for the C52B three
// interfaces, the HID++ one with the real report descriptor. The kernel's
// drivers bind to it and create hidraw nodes (and power supplies) as for a
// real receiver; programs such as Helio or Solaar then talk to it through
// hidraw.
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

// Plug creates the receiver's interfaces. The HID++ interface then
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
	l := u.r.Layout()
	for i, intf := range l.Interfaces {
		d, err := uhid.Create(u.opts.Path, uhid.Config{
			Name: l.Name(), Phys: fmt.Sprintf("%s/input%d", u.opts.Phys, i),
			Bus: uhid.BusUSB, Vendor: uint32(l.Vendor), Product: uint32(l.Product), Version: uint32(l.BCDDevice),
			Descriptor: intf.Descriptor,
		})
		if err != nil {
			conn.Close()
			u.destroyLocked()
			return fmt.Errorf("emulator: create interface %d: %w", i, err)
		}
		u.devs = append(u.devs, d)
	}
	u.conn = conn
	u.wg.Add(len(u.devs) + 1)
	for i, d := range u.devs {
		if i == l.HIDPP {
			go u.serveHIDPP(d)
		} else {
			go u.serveOther(d)
		}
	}
	go u.pump(conn, u.devs[l.HIDPP])
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
