// Package unifying knows Logitech receivers and the devices paired to them:
// which receiver a product id is, its serial, firmware and capacity, its
// notification flags, and the paired devices read from its pairing
// registers, each with a [hidpp.Device] to talk to it. Each family of
// receivers (Unifying, Bolt, Lightspeed, Nano) keeps these in its own
// registers, and some cannot say some of them; docs/devices.md has the
// facts and their sources.
//
// A device reached without a receiver (a Bluetooth device, on a node of
// its own) is opened the same way: a [Receiver] that is Direct, with no
// registers, whose one device answers at index 0xFF.
//
// Devices are found by reading register 0xB5 (pairing information) slot by
// slot, not by "fake device arrival" (register 0x02 := 02): the 0x41
// notifications that arrival produces reach the kernel's hid-logitech-hidpp
// too, which takes each as a reconnect and probes the device again, radio
// traffic for nothing. Only a receiver that answers no pairing register,
// and whose devices the system does not list, is asked for an arrival
// ([Receiver.Paired]).
//
// Where the system's drivers name a receiver's plugging-in and list its
// paired devices ([transport.PairingLister]), a receiver read once in a
// plugging-in is not asked again: its identity comes from the [Cache] while
// the plugging-in stays the same, and its devices from the cache while the
// system's list is the one its registers gave.
package unifying

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
)

// Notification flags of register 0x00, as one 24-bit value (byte 0 most
// significant).
const (
	NotifyBatteryStatus   = 0x100000 // HID++ 1.0 devices send 0x07/0x0D battery events
	NotifyWireless        = 0x000100 // the receiver sends 0x41 connect/disconnect
	NotifySoftwarePresent = 0x000800
)

// Receiver is an open receiver, or the node of a device reached without
// one (Direct). It is safe for concurrent use.
type Receiver struct {
	conn *hidpp.Conn
	dev  *hidpp.Device // the receiver itself, index 0xFF

	PID    uint16
	Family transport.Family
	// Serial is the receiver's serial: 8 hex digits (0xB5 0x03), a Bolt's
	// 32 (the hex of the 16 characters of its unique id, 0xFB, as Solaar
	// shows it), or "" when the receiver has none to give (the C534 Nano).
	Serial     string
	Firmware   string // "24.11.B0036"; "" when the receiver does not say
	Bootloader string // "02.09"; "" when the receiver does not say
	MaxDevices int
	// Direct says the node is a device's own, reached without a receiver
	// (a Bluetooth device): no receiver registers are read from it, and
	// its one device answers at index 0xFF. PID is then the device's
	// product id, and Family, Serial and the firmware are "".
	Direct bool

	pairing  func() (transport.Pairing, error) // nil: the system lists nothing
	plugging string                            // this plugging-in, as the system names it; "" unknown

	mu      sync.Mutex
	devices []*Device // from the last Paired
}

// Opts says where [OpenWith] may learn of a receiver besides from the
// receiver itself.
type Opts struct {
	// Cache remembers what was read of receivers and devices; nil
	// remembers nothing.
	Cache Cache
	// Pairing reads what the system's drivers know of the receiver (a
	// [transport.PairingLister]'s Pairing); nil where nothing does.
	Pairing func() (transport.Pairing, error)
}

// Open identifies the receiver on c: its serial and capacity (register 0xB5
// sub 0x03; a Bolt's unique id, 0xFB) and firmware (register 0xF1; a
// Bolt's 0xB5 0x02). A device's own node ([transport.Info.Direct]) is
// opened without a request: it has no receiver registers. The Conn stays
// owned by the caller.
func Open(ctx context.Context, c *hidpp.Conn) (*Receiver, error) {
	return OpenWith(ctx, c, Opts{})
}

// OpenWith is [Open], except that the receiver's identity comes from
// o.Cache, without a request, when the system says this is the plugging-in
// it was read in: another receiver in the same port, the same one plugged
// in again, or a reboot, is read again. The receiver keeps o.Pairing for
// [Receiver.Paired].
func OpenWith(ctx context.Context, c *hidpp.Conn, o Opts) (*Receiver, error) {
	info := c.Info()
	if info.Direct() {
		return &Receiver{conn: c, PID: info.ProductID, MaxDevices: 1, Direct: true}, nil
	}
	r := &Receiver{conn: c, dev: hidpp.NewDevice(c, hidpp.ReceiverIndex, nil),
		PID: info.ProductID, Family: transport.FamilyOf(info.ProductID), MaxDevices: defaultMaxDevices(info.ProductID), pairing: o.Pairing}
	if o.Pairing != nil {
		if p, err := o.Pairing(); err != nil {
			c.Logger().Debug("the system does not list the receiver's devices; asking the receiver", "path", info.Path, "err", err)
		} else {
			r.plugging = p.Plugging
		}
	}
	key := r.cacheKey()
	if o.Cache != nil && key != "" {
		if k, ok := o.Cache.LoadReceiver(key); ok && k.Plugging == r.plugging && k.PID == r.PID && k.Identified &&
			k.MaxDevices >= 1 && k.MaxDevices <= hidpp.MaxDeviceSlot {
			c.Logger().Debug("receiver identity from the cache: the same plugging-in", "path", info.Path, "serial", k.Serial)
			r.Serial, r.Firmware, r.Bootloader, r.MaxDevices = k.Serial, k.Firmware, k.Bootloader, k.MaxDevices
			return r, nil
		}
	}
	if err := r.identify(ctx); err != nil {
		return nil, err
	}
	if o.Cache != nil && key != "" {
		o.Cache.StoreReceiver(key, r.knownReceiver())
	}
	return r, nil
}

// cacheKey is where the receiver's entry is kept in a cache: its port, one
// entry a port. It is "" when the system names no plugging-in, which alone
// says whether the entry is still the receiver's.
func (r *Receiver) cacheKey() string {
	info := r.conn.Info()
	if r.plugging == "" || info.Phys == "" {
		return ""
	}
	return info.Backend + " " + info.Phys
}

// knownReceiver is what a cache keeps of the receiver, its devices not yet
// listed.
func (r *Receiver) knownReceiver() KnownReceiver {
	return KnownReceiver{Plugging: r.plugging, PID: r.PID, Serial: r.Serial, Firmware: r.Firmware,
		Bootloader: r.Bootloader, MaxDevices: r.MaxDevices, Identified: true}
}

// defaultMaxDevices is how many devices a receiver pairs when it does not
// say (0xB5 0x03 fails): Solaar's table gives the C534 Nano 2 and the
// Bolt 6 (hidpp.md §6.1). Any other receiver is scanned up to the 6 slots
// HID++ receivers have; the scan stops at the count of register 0x02.
func defaultMaxDevices(pid uint16) int {
	if pid == 0xC534 {
		return 2
	}
	return 6
}

// answered reports whether err is the receiver's error reply: it is
// there, and does not have what was asked.
func answered(err error) bool {
	var herr *hidpp.Error
	return errors.As(err, &herr)
}

// identify reads the receiver's serial, capacity and firmware. What a
// receiver answers with an error reply it does not have, and is left
// unknown; a receiver that does not answer at all is not opened.
func (r *Receiver) identify(ctx context.Context) error {
	info := r.conn.Info()
	if r.Family == transport.FamilyBolt {
		// Bolt keeps a 16-byte unique id in long register 0xFB instead of
		// 0xB5 0x03.
		v, err := r.dev.ReadLongRegister(ctx, 0xFB)
		switch {
		case answered(err):
			r.conn.Logger().Info("the Bolt receiver gives no unique id", "path", info.Path, "err", err)
		case err != nil:
			return fmt.Errorf("open receiver %s: %w", info.Path, err)
		default:
			r.Serial = fmt.Sprintf("%X", v[:16])
		}
	} else {
		v, err := r.dev.ReadLongRegister(ctx, 0xB5, 0x03)
		switch {
		case answered(err):
			// The C534 Nano answers no serial (Solaar shows "Serial:
			// None"): say none, never make one up.
			r.conn.Logger().Debug("the receiver gives no serial", "path", info.Path, "err", err)
		case err != nil:
			return fmt.Errorf("open receiver %s: %w", info.Path, err)
		default:
			r.Serial = fmt.Sprintf("%08X", binary.BigEndian.Uint32(v[1:5]))
			if v[6] >= 1 && v[6] <= hidpp.MaxDeviceSlot {
				r.MaxDevices = int(v[6])
			}
		}
	}
	fw, boot, err := r.firmware(ctx)
	if err != nil {
		return fmt.Errorf("open receiver %s: %w", info.Path, err)
	}
	r.Firmware, r.Bootloader = fw, boot
	return nil
}

// firmware reads the receiver's firmware version and bootloader: a Bolt's
// from 0xB5 0x02 (version, build and slot count in one long register, as
// fwupd reads it), else register 0xF1 selectors 1 and 2 (version and
// build) and 4 (bootloader). A selector the receiver answers with an
// error is left out: the C534 Nano has no bootloader entry, and a Bolt
// may answer no 0xF1 at all.
func (r *Receiver) firmware(ctx context.Context) (fw, boot string, err error) {
	if r.Family == transport.FamilyBolt {
		v, err := r.dev.ReadLongRegister(ctx, 0xB5, 0x02)
		switch {
		case err == nil:
			if v[8] >= 1 && v[8] <= hidpp.MaxDeviceSlot {
				r.MaxDevices = int(v[8])
			}
			return fmt.Sprintf("%02X.%02X.B%02X%02X", v[1], v[2], v[3], v[4]), "", nil
		case !answered(err):
			return "", "", fmt.Errorf("read firmware: %w", err)
		}
	}
	var v [3][]byte
	for i, sel := range []byte{0x01, 0x02, 0x04} {
		b, err := r.dev.ReadRegister(ctx, 0xF1, sel)
		switch {
		case answered(err) && i == 0:
			return "", "", nil // no firmware register: nothing more to ask
		case answered(err):
		case err != nil:
			return "", "", fmt.Errorf("read firmware: %w", err)
		default:
			v[i] = b
		}
	}
	if v[1] != nil {
		fw = fmt.Sprintf("%02X.%02X.B%02X%02X", v[0][1], v[0][2], v[1][1], v[1][2])
	} else {
		fw = fmt.Sprintf("%02X.%02X", v[0][1], v[0][2])
	}
	if v[2] != nil {
		boot = fmt.Sprintf("%02X.%02X", v[2][1], v[2][2])
	}
	return fw, boot, nil
}

// Conn is the HID++ connection the receiver talks through.
func (r *Receiver) Conn() *hidpp.Conn { return r.conn }

func (r *Receiver) String() string {
	switch {
	case r.Direct:
		return fmt.Sprintf("%s device %04x (%s)", r.conn.Info().Bus, r.PID, r.conn.Info().Path)
	case r.Serial == "":
		return fmt.Sprintf("%s receiver %04x without serial (%s)", r.Family, r.PID, r.conn.Info().Path)
	}
	return fmt.Sprintf("%s receiver %04x serial %s", r.Family, r.PID, r.Serial)
}

// errDirect is returned by the receiver register calls on a device's own
// node, which has no receiver.
var errDirect = errors.New("unifying: a device reached without a receiver has no receiver registers")

// Notifications reads register 0x00.
func (r *Receiver) Notifications(ctx context.Context) (uint32, error) {
	if r.Direct {
		return 0, errDirect
	}
	v, err := r.dev.ReadRegister(ctx, 0x00)
	if err != nil {
		return 0, err
	}
	return uint32(v[0])<<16 | uint32(v[1])<<8 | uint32(v[2]), nil
}

// EnableNotifications turns on connection notifications (wireless and
// software present, what the kernel sets too) and battery events of
// HID++ 1.0 devices, keeping whatever else is set. A device's own node has
// nothing to turn on: its device sends its events by itself.
func (r *Receiver) EnableNotifications(ctx context.Context) error {
	if r.Direct {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, err := r.Notifications(ctx)
	if err != nil {
		return fmt.Errorf("enable notifications on %s: %w", r, err)
	}
	want := cur | NotifyWireless | NotifySoftwarePresent | NotifyBatteryStatus
	if want == cur {
		return nil
	}
	if err := r.dev.WriteRegister(ctx, 0x00, byte(want>>16), byte(want>>8), byte(want)); err != nil {
		return fmt.Errorf("enable notifications on %s: %w", r, err)
	}
	return nil
}

// Count reads how many devices are paired (register 0x02, byte 1); a
// device's own node has its one.
func (r *Receiver) Count(ctx context.Context) (int, error) {
	if r.Direct {
		return 1, nil
	}
	v, err := r.dev.ReadRegister(ctx, 0x02)
	if err != nil {
		return 0, fmt.Errorf("count devices of %s: %w", r, err)
	}
	return int(v[1]), nil
}
