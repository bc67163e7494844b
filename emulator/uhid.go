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
	// hid-logitech-dj groups a receiver's interfaces by it. Bluetooth
	// devices have the adapter's address instead, as bluetoothd gives
	// them.
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
//
// A profile of Bluetooth devices is presented as bluetoothd presents such
// devices: each connected device is a HID device of its own on the
// Bluetooth bus ([Receiver.BluetoothLayout]), created when it connects and
// destroyed when it disconnects ([Receiver.SetOnline]).
type UHID struct {
	r    *Receiver
	opts UHIDOpts
	log  *slog.Logger

	mu      sync.Mutex
	devs    []*uhid.Device // the receiver's interfaces
	conn    *Conn
	wg      sync.WaitGroup
	started chan struct{}
	pending int // nodes not started yet, until started is closed

	// Bluetooth devices, while plugged: their nodes by number, and the
	// end of the goroutine that follows their links.
	nodes     map[byte]*btNode
	stopLinks chan struct{}
}

// btNode is a Bluetooth device's node: its uhid device and the Conn that
// carries what the device sends to it.
type btNode struct {
	dev  *uhid.Device
	conn *Conn
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

// Plug creates the receiver's interfaces, or the nodes of the Bluetooth
// devices connected. The HID++ interface (a Bluetooth device's node) then
// answers the kernel's SET_REPORT requests and hidraw writes from the
// emulator.
func (u *UHID) Plug() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.devs != nil || u.nodes != nil {
		return errors.New("emulator: uhid receiver already plugged")
	}
	u.started = make(chan struct{})
	if u.r.Bluetooth() {
		return u.plugBluetooth()
	}
	u.r.Replug()
	conn, err := u.r.Open(transport.Info{Backend: "uhid", Path: "uhid"})
	if err != nil {
		return err
	}
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
	u.pending = 1
	u.wg.Add(len(u.devs) + 1)
	for i, d := range u.devs {
		if i == l.HIDPP {
			go u.serveHIDPP(d, u.r.Handle)
		} else {
			go u.serveOther(d)
		}
	}
	go u.pump(conn, u.devs[l.HIDPP])
	return nil
}

// plugBluetooth creates the nodes of the connected Bluetooth devices and
// follows their links from then on. u.mu must be held.
func (u *UHID) plugBluetooth() error {
	u.r.Replug()
	u.nodes = map[byte]*btNode{}
	wake, stopWatch := u.r.watchLinks()
	if err := u.reconcileLocked(); err != nil {
		stopWatch()
		u.destroyLocked()
		return err
	}
	u.pending = len(u.nodes)
	if u.pending == 0 {
		close(u.started)
	}
	stop := make(chan struct{})
	u.stopLinks = stop
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		defer stopWatch()
		for {
			select {
			case <-wake:
			case <-stop:
				return
			}
			u.mu.Lock()
			if u.nodes != nil {
				if err := u.reconcileLocked(); err != nil {
					u.log.Warn("a Bluetooth device could not be connected", "err", err)
				}
			}
			u.mu.Unlock()
		}
	}()
	return nil
}

// reconcileLocked makes the nodes those of the Bluetooth devices connected
// now: a node for each that has none, and none for those gone. u.mu must be
// held.
func (u *UHID) reconcileLocked() error {
	want := map[byte]BluetoothLayout{}
	for _, l := range u.r.BluetoothLayouts() {
		want[l.Index] = l
	}
	for ix, n := range u.nodes {
		if _, ok := want[ix]; !ok {
			n.close()
			delete(u.nodes, ix)
		}
	}
	for ix, l := range want {
		if _, ok := u.nodes[ix]; ok {
			continue
		}
		d, err := uhid.Create(u.opts.Path, uhid.Config{Name: l.Name, Phys: l.Phys, Uniq: l.Uniq,
			Bus: uhid.BusBluetooth, Vendor: uint32(l.Vendor), Product: uint32(l.Product), Version: uint32(l.Version),
			Descriptor: l.Descriptor})
		if err != nil {
			return fmt.Errorf("emulator: create Bluetooth device %s: %w", l.Uniq, err)
		}
		conn, err := u.r.OpenDevice(ix, transport.Info{Backend: "uhid", Path: "uhid:" + l.Uniq})
		if err != nil { // it disconnected meanwhile: the next wake-up sees it
			d.Destroy()
			continue
		}
		u.nodes[ix] = &btNode{dev: d, conn: conn}
		u.wg.Add(2)
		go u.serveHIDPP(d, func(b []byte) { u.r.handle(conn.dev, b) })
		go u.pump(conn, d)
	}
	return nil
}

// close destroys the node; its goroutines end with it.
func (n *btNode) close() {
	n.conn.Close()
	n.dev.Destroy()
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
	for _, n := range u.nodes {
		n.close()
	}
	u.nodes = nil
	if u.stopLinks != nil {
		close(u.stopLinks)
		u.stopLinks = nil
	}
}

// Started is closed when the kernel has started the HID++ interface, or
// the nodes of the Bluetooth devices connected at Plug.
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
// acknowledged first, then handed to handle, whose answer comes back as
// input; OUTPUT (writes on the node's hidraw node) goes straight to
// handle.
func (u *UHID) serveHIDPP(d *uhid.Device, handle func([]byte)) {
	defer u.wg.Done()
	for {
		ev, err := d.Read()
		if err != nil {
			return
		}
		switch ev.Type {
		case uhid.EvStart:
			u.mu.Lock()
			if u.pending--; u.pending == 0 {
				close(u.started)
			}
			u.mu.Unlock()
		case uhid.EvSetReport:
			u.log.Debug("uhid set_report", "report", fmt.Sprintf("% x", ev.Data))
			d.SetReportReply(ev.ID, 0)
			handle(ev.Data)
		case uhid.EvOutput:
			u.log.Debug("uhid output", "report", fmt.Sprintf("% x", ev.Data))
			handle(ev.Data)
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
