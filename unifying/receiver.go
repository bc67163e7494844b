// Package unifying knows Logitech receivers and the devices paired to them:
// which receiver a product id is, its serial, firmware and capacity, its
// notification flags, and the paired devices read from its pairing
// registers, each with a [hidpp.Device] to talk to it.
//
// Devices are found by reading register 0xB5 (pairing information) slot by
// slot, not by "fake device arrival" (register 0x02 := 02): the 0x41
// notifications that arrival produces reach the kernel's hid-logitech-hidpp
// too, which takes each as a reconnect and probes the device again, radio
// traffic for nothing.
package unifying

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
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

// Receiver is an open receiver. It is safe for concurrent use.
type Receiver struct {
	conn *hidpp.Conn
	dev  *hidpp.Device // the receiver itself, index 0xFF

	PID        uint16
	Family     transport.Family
	Serial     string // 8 hex digits
	Firmware   string // "24.11.B0036"
	Bootloader string // "02.09"
	MaxDevices int

	mu      sync.Mutex
	devices []*Device // from the last Devices
}

// Open identifies the receiver on c: its serial and capacity (register 0xB5
// sub 0x03) and firmware (register 0xF1). The Conn stays owned by the
// caller.
func Open(ctx context.Context, c *hidpp.Conn) (*Receiver, error) {
	info := c.Info()
	r := &Receiver{conn: c, dev: hidpp.NewDevice(c, hidpp.ReceiverIndex, nil),
		PID: info.ProductID, Family: transport.FamilyOf(info.ProductID), MaxDevices: 6}
	if r.Family == transport.FamilyBolt {
		// Bolt keeps a 16-byte unique id in long register 0xFB instead of
		// 0xB5 0x03, and always pairs up to 6 devices.
		v, err := r.dev.ReadLongRegister(ctx, 0xFB)
		if err != nil {
			return nil, fmt.Errorf("open receiver %s: %w", info.Path, err)
		}
		r.Serial = fmt.Sprintf("%X", v[:16])
	} else {
		v, err := r.dev.ReadLongRegister(ctx, 0xB5, 0x03)
		if err != nil {
			return nil, fmt.Errorf("open receiver %s: %w", info.Path, err)
		}
		r.Serial = fmt.Sprintf("%08X", binary.BigEndian.Uint32(v[1:5]))
		if v[6] >= 1 && v[6] <= hidpp.MaxDeviceSlot {
			r.MaxDevices = int(v[6])
		}
	}
	fw, err := r.firmware(ctx)
	if err != nil {
		return nil, fmt.Errorf("open receiver %s: %w", info.Path, err)
	}
	r.Firmware, r.Bootloader = fw[0], fw[1]
	return r, nil
}

// firmware reads register 0xF1 selectors 1 and 2 (version and build) and 4
// (bootloader).
func (r *Receiver) firmware(ctx context.Context) ([2]string, error) {
	var out [2]string
	var v [3][]byte
	for i, sel := range []byte{0x01, 0x02, 0x04} {
		b, err := r.dev.ReadRegister(ctx, 0xF1, sel)
		if err != nil {
			return out, fmt.Errorf("read firmware: %w", err)
		}
		v[i] = b
	}
	out[0] = fmt.Sprintf("%02X.%02X.B%02X%02X", v[0][1], v[0][2], v[1][1], v[1][2])
	out[1] = fmt.Sprintf("%02X.%02X", v[2][1], v[2][2])
	return out, nil
}

// Conn is the HID++ connection the receiver talks through.
func (r *Receiver) Conn() *hidpp.Conn { return r.conn }

func (r *Receiver) String() string {
	return fmt.Sprintf("%s receiver %04x serial %s", r.Family, r.PID, r.Serial)
}

// Notifications reads register 0x00.
func (r *Receiver) Notifications(ctx context.Context) (uint32, error) {
	v, err := r.dev.ReadRegister(ctx, 0x00)
	if err != nil {
		return 0, err
	}
	return uint32(v[0])<<16 | uint32(v[1])<<8 | uint32(v[2]), nil
}

// EnableNotifications turns on connection notifications (wireless and
// software present, what the kernel sets too) and battery events of
// HID++ 1.0 devices, keeping whatever else is set.
func (r *Receiver) EnableNotifications(ctx context.Context) error {
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

// Count reads how many devices are paired (register 0x02, byte 1).
func (r *Receiver) Count(ctx context.Context) (int, error) {
	v, err := r.dev.ReadRegister(ctx, 0x02)
	if err != nil {
		return 0, fmt.Errorf("count devices of %s: %w", r, err)
	}
	return int(v[1]), nil
}

// Devices reads the paired devices: the count, then pairing information
// (0xB5 0x2n: wpid, kind, report interval; 0x3n: serial, power switch;
// 0x4n: codename) slot by slot until all are found, then a ping each for
// its protocol and whether it is in range. A device out of range is listed
// with Online false, not an error. cache may be nil; with it, what was
// learned about a device before (codename, feature table, name) is reused
// and what is learned now is stored.
func (r *Receiver) Devices(ctx context.Context, cache Cache) ([]*Device, error) {
	count, err := r.Count(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Device
	var slotErrs []error
	// A slot that cannot be read (a reply lost on the radio) does not hide
	// the slots after it: the caller gets every device found and the error.
	for n := 0; n < r.MaxDevices && len(out) < count; n++ {
		d, err := r.pairedDevice(ctx, byte(n+1), cache)
		if errors.Is(err, errEmptySlot) {
			continue
		}
		if err != nil {
			slotErrs = append(slotErrs, fmt.Errorf("slot %d: %w", n+1, err))
			continue
		}
		out = append(out, d)
	}
	r.mu.Lock()
	r.devices = out
	r.mu.Unlock()
	var wg sync.WaitGroup
	errs := make([]error, len(out))
	for i, d := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.Refresh(ctx)
		}()
	}
	wg.Wait()
	return out, errors.Join(append(slotErrs, errs...)...)
}

var errEmptySlot = errors.New("unifying: empty slot")

func (r *Receiver) pairingInfo(ctx context.Context, sub byte) ([]byte, error) {
	v, err := r.dev.ReadLongRegister(ctx, 0xB5, sub)
	var herr *hidpp.Error
	if errors.As(err, &herr) && herr.Version == 1 && (herr.Code == hidpp.Err10InvalidValue || herr.Code == hidpp.Err10InvalidAddress) {
		return nil, errEmptySlot
	}
	return v, err
}

func (r *Receiver) pairedDevice(ctx context.Context, ix byte, cache Cache) (*Device, error) {
	d := &Device{Receiver: r, cache: cache}
	var err error
	if r.Family == transport.FamilyBolt {
		err = r.boltPairing(ctx, ix, d)
	} else {
		err = r.unifyingPairing(ctx, ix, d)
	}
	if err != nil {
		return nil, err
	}
	var known *Known
	if cache != nil {
		if k, ok := cache.Load(d.ID()); ok {
			known = &k
			d.Codename = k.Codename
		}
	}
	if d.Codename == "" {
		if d.Codename, err = r.codename(ctx, ix); err != nil {
			return nil, err
		}
	}
	var hk *hidpp.Known
	if known != nil {
		hk = &known.Device
	}
	d.Device = hidpp.NewDevice(r.conn, ix, hk)
	return d, nil
}

// unifyingPairing reads 0xB5 0x2n (wpid, kind, report interval) and 0x3n
// (serial, power switch), n = slot - 1.
func (r *Receiver) unifyingPairing(ctx context.Context, ix byte, d *Device) error {
	n := ix - 1
	v, err := r.pairingInfo(ctx, 0x20+n)
	if err != nil {
		return err
	}
	d.WPID, d.Kind, d.ReportInterval = binary.BigEndian.Uint16(v[3:5]), hidpp.Kind(v[7]&0x0F), int(v[2])
	if v, err = r.pairingInfo(ctx, 0x30+n); err != nil {
		return err
	}
	d.Serial = fmt.Sprintf("%08X", binary.BigEndian.Uint32(v[1:5]))
	d.PowerSwitch = int(v[9] & 0x0F)
	return nil
}

// boltPairing reads Bolt's 0xB5 0x5n, n = the slot itself: kind, wpid
// (least significant byte first) and serial in one register.
func (r *Receiver) boltPairing(ctx context.Context, ix byte, d *Device) error {
	v, err := r.pairingInfo(ctx, 0x50+ix)
	if err != nil {
		return err
	}
	d.Kind = hidpp.Kind(v[1] & 0x0F)
	d.WPID = binary.LittleEndian.Uint16(v[2:4])
	d.Serial = fmt.Sprintf("%08X", binary.BigEndian.Uint32(v[4:8]))
	return nil
}

// codename reads the name the receiver keeps for a slot: Unifying's
// 0xB5 0x4n ([1] length, [2..] name), Bolt's 0xB5 0x6n with parameter 1
// ([2] length, [3..] name).
func (r *Receiver) codename(ctx context.Context, ix byte) (string, error) {
	var v []byte
	var err error
	start := 2
	if r.Family == transport.FamilyBolt {
		v, err = r.dev.ReadLongRegister(ctx, 0xB5, 0x60+ix, 0x01)
		start = 3
	} else {
		v, err = r.pairingInfo(ctx, 0x40+ix-1)
	}
	if err != nil {
		return "", err
	}
	l := min(int(v[start-1]), len(v)-start)
	return strings.TrimRight(string(v[start:start+l]), "\x00"), nil
}
