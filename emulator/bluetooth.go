package emulator

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/hidraw"
)

// This file is the Bluetooth side: devices connected to the computer
// without a receiver, each a HID device of its own that bluetoothd creates
// through /dev/uhid when it connects and destroys when it goes
// (docs/devices.md §5). The emulator's devices answer on their own nodes,
// addressed as device 0xFF.

// btDevice is a Bluetooth device's side of a device.
type btDevice struct {
	pid        uint16
	mac        string
	descriptor []byte
	// in and out are the input and output reports its descriptor
	// declares: only those it sends, and only those it hears.
	in, out map[byte]int
}

func newBTDevice(p DeviceProfile) *btDevice {
	b := &btDevice{mac: p.MAC}
	b.pid, _ = parseHex16(p.PID)
	kind, _ := hidpp.ParseKind(p.Kind)
	keyboard := kind == hidpp.KindKeyboard || kind == hidpp.KindNumpad
	b.descriptor = btDescriptor(keyboard, p.Reports)
	b.in, b.out = hidraw.ReportSizes(b.descriptor)
	return b
}

// BluetoothLayout is what a Bluetooth-direct device shows the host: what
// bluetoothd gives /dev/uhid for it (bus Bluetooth, its name, the
// adapter's address as its physical path, its own as its unique id, the
// ids of its PnP ID record, its report map), and so what the kernel's
// HID_ID, HID_NAME, HID_PHYS and HID_UNIQ say of it.
type BluetoothLayout struct {
	// Index is its number in the profile.
	Index           byte
	Vendor, Product uint16
	// Version is the PnP ID's version. No Logitech device's is recorded:
	// the firmware's major and minor version in BCD stand in, as a
	// receiver's device release is its firmware's.
	Version uint16
	// Name is its Bluetooth name: the profile's codename, or its name.
	Name string
	// Phys is the adapter's address and Uniq the device's, lower case.
	Phys, Uniq string
	// Descriptor is its report map.
	Descriptor []byte
}

// BluetoothLayouts are the layouts of the profile's Bluetooth devices
// connected now (none while unplugged), by number.
func (r *Receiver) BluetoothLayouts() []BluetoothLayout {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []BluetoothLayout
	if r.model != nil || !r.plugged {
		return nil
	}
	for _, d := range r.sorted() {
		if d.online {
			out = append(out, r.btLayout(d))
		}
	}
	return out
}

// BluetoothLayout is the layout of Bluetooth device ix, connected or not.
func (r *Receiver) BluetoothLayout(ix byte) (BluetoothLayout, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, err := r.btDevice(ix)
	if err != nil {
		return BluetoothLayout{}, err
	}
	return r.btLayout(d), nil
}

func (r *Receiver) btLayout(d *device) BluetoothLayout {
	name := d.prof.Codename
	if name == "" {
		name = d.prof.Name
	}
	var version uint16
	for _, e := range d.firmware {
		if e[0] == 0 { // the firmware entity
			version = uint16(e[4])<<8 | uint16(e[5])
			break
		}
	}
	return BluetoothLayout{Index: d.index, Vendor: transport.VendorLogitech, Product: d.bt.pid, Version: version,
		Name: name, Phys: r.adapter, Uniq: d.bt.mac, Descriptor: slices.Clone(d.bt.descriptor)}
}

// btDevice returns Bluetooth device ix. r.mu must be held.
func (r *Receiver) btDevice(ix byte) (*device, error) {
	if r.model != nil {
		return nil, fmt.Errorf("emulator: a %s receiver's devices are behind it, not on Bluetooth", r.model.family)
	}
	return r.device(ix)
}

// OpenDevice returns a new handle on Bluetooth device ix's own node, as its
// hidraw node is for the real one. It fails with transport.ErrGone while
// the device is disconnected or the profile unplugged, as there is no
// node then.
func (r *Receiver) OpenDevice(ix byte, info transport.Info) (*Conn, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, err := r.btDevice(ix)
	if err != nil {
		return nil, err
	}
	if !r.plugged || !d.online {
		return nil, fmt.Errorf("emulator: open Bluetooth device %d: %w", ix, transport.ErrGone)
	}
	return r.openLocked(d, info), nil
}

// btRequest answers what a host wrote on Bluetooth device d's node. A
// report its descriptor does not declare for output never reaches it
// (bluetoothd finds no report to write it to), and a request addressed to
// another index than 0xFF, or 0x00 which hosts use for HID++ 1.0 devices,
// is not for it. r.mu must be held.
func (r *Receiver) btRequest(d *device, b []byte) {
	if len(b) == 0 || !d.online {
		return
	}
	if _, ok := d.bt.out[b[0]]; !ok {
		return
	}
	req, err := hidpp.Parse(b)
	if err != nil || (req.Device() != hidpp.ReceiverIndex && req.Device() != 0x00) {
		return
	}
	r.requests[d.index]++
	if r.disconnect[d.index] {
		// Gone in the middle of the request: no answer, and its node
		// goes with the link.
		delete(r.disconnect, d.index)
		r.goOffline(d)
		return
	}
	if d.prof.AnswersOn00 && req.Device() != 0x00 {
		// Replies carry the request's index: asked on 0x00, it answers
		// there.
		b := bytes.Clone(req.Bytes())
		b[1] = 0x00
		if req, err = hidpp.Parse(b); err != nil {
			return
		}
	}
	r.deviceRequest(d, &req)
}

// setLink connects (up) or disconnects Bluetooth device d: its node
// appears or goes, and the Conns open on it fail with transport.ErrGone.
// r.mu must be held.
func (r *Receiver) setLink(d *device, up bool) {
	d.online = up
	if !up {
		for c := range r.conns {
			if c.dev == d {
				delete(r.conns, c)
				c.end(transport.ErrGone)
			}
		}
	}
	for ch := range r.linkWatch {
		select {
		case ch <- linkChange{mac: d.bt.mac, up: up}:
		default: // a full watcher misses this one; it compares the list with what it knew
		}
	}
}

// linkChange is one Bluetooth device connecting (up) or disconnecting,
// by its address.
type linkChange struct {
	mac string
	up  bool
}

// watchLinks returns a channel told of every Bluetooth device connecting
// or disconnecting, until stop, so that a device gone and back at once is
// still seen to have gone, as its Conns were ended.
func (r *Receiver) watchLinks() (changes <-chan linkChange, stop func()) {
	c := make(chan linkChange, 64)
	r.mu.Lock()
	r.linkWatch[c] = struct{}{}
	r.mu.Unlock()
	return c, func() {
		r.mu.Lock()
		delete(r.linkWatch, c)
		r.mu.Unlock()
	}
}
