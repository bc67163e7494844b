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
// sub 0x03) and firmware (register 0xF1). The Conn stays owned by the
// caller.
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
	r := &Receiver{conn: c, dev: hidpp.NewDevice(c, hidpp.ReceiverIndex, nil),
		PID: info.ProductID, Family: transport.FamilyOf(info.ProductID), MaxDevices: 6, pairing: o.Pairing}
	if o.Pairing != nil {
		if p, err := o.Pairing(); err != nil {
			c.Logger().Debug("the system does not list the receiver's devices; asking the receiver", "path", info.Path, "err", err)
		} else {
			r.plugging = p.Plugging
		}
	}
	key := r.cacheKey()
	if o.Cache != nil && key != "" {
		if k, ok := o.Cache.LoadReceiver(key); ok && k.Plugging == r.plugging && k.PID == r.PID && k.Serial != "" &&
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
		Bootloader: r.Bootloader, MaxDevices: r.MaxDevices}
}

// identify reads the receiver's serial, capacity and firmware.
func (r *Receiver) identify(ctx context.Context) error {
	info := r.conn.Info()
	if r.Family == transport.FamilyBolt {
		// Bolt keeps a 16-byte unique id in long register 0xFB instead of
		// 0xB5 0x03, and always pairs up to 6 devices.
		v, err := r.dev.ReadLongRegister(ctx, 0xFB)
		if err != nil {
			return fmt.Errorf("open receiver %s: %w", info.Path, err)
		}
		r.Serial = fmt.Sprintf("%X", v[:16])
	} else {
		v, err := r.dev.ReadLongRegister(ctx, 0xB5, 0x03)
		if err != nil {
			return fmt.Errorf("open receiver %s: %w", info.Path, err)
		}
		r.Serial = fmt.Sprintf("%08X", binary.BigEndian.Uint32(v[1:5]))
		if v[6] >= 1 && v[6] <= hidpp.MaxDeviceSlot {
			r.MaxDevices = int(v[6])
		}
	}
	fw, err := r.firmware(ctx)
	if err != nil {
		return fmt.Errorf("open receiver %s: %w", info.Path, err)
	}
	r.Firmware, r.Bootloader = fw[0], fw[1]
	return nil
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

// Devices lists the paired devices ([Receiver.Paired]), then pings each
// for its protocol and whether it is in range ([Device.Refresh]). A device
// out of range is listed with Online false, not an error. cache may be
// nil; with it, what was learned about a device before (codename, feature
// table, name) is reused and what is learned now is stored.
func (r *Receiver) Devices(ctx context.Context, cache Cache) ([]*Device, error) {
	out, err := r.Paired(ctx, cache)
	var wg sync.WaitGroup
	errs := make([]error, len(out))
	for i, d := range out {
		wg.Go(func() { errs[i] = d.Refresh(ctx) })
	}
	wg.Wait()
	return out, errors.Join(append([]error{err}, errs...)...)
}

// Paired lists the paired devices, asking the devices nothing: from the
// system's list when it is the one the receiver's pairing registers gave
// in this plugging-in (kept in cache), else from the registers: the
// count, then pairing information (0xB5 0x2n: wpid, kind, report
// interval; 0x3n: serial, power switch; 0x4n: codename, when the cache
// does not know it) slot by slot until all are found. Each device comes
// with what the cache knows of it, not yet confirmed by the device, and
// not yet reached ([Device.Reached]). A slot that cannot be read does not
// hide the others: the error comes with every device found.
func (r *Receiver) Paired(ctx context.Context, cache Cache) ([]*Device, error) {
	out, ok := r.pairedFromSystem(cache)
	var err error
	if !ok {
		out, err = r.pairedFromRegisters(ctx, cache)
	}
	r.mu.Lock()
	r.devices = out
	r.mu.Unlock()
	return out, err
}

// pairedFromSystem lists the paired devices from the cache, when the
// system's list of them is the one the pairing registers gave in this
// plugging-in: same slots, same wpids, same serials. A device paired,
// unpaired or replaced since, a device the kernel has not finished probing
// (no serial yet), or one the cache has forgotten, sends the listing to
// the registers.
func (r *Receiver) pairedFromSystem(cache Cache) ([]*Device, bool) {
	key := r.cacheKey()
	if cache == nil || r.pairing == nil || key == "" {
		return nil, false
	}
	log := r.conn.Logger()
	k, ok := cache.LoadReceiver(key)
	if !ok || k.Plugging != r.plugging || !k.Listed || !validSlots(k.Slots) {
		return nil, false
	}
	p, err := r.pairing()
	switch {
	case err != nil:
		log.Debug("the system's list of paired devices is unreadable; reading the pairing registers", "err", err)
		return nil, false
	case p.Plugging != r.plugging:
		log.Debug("the receiver was replaced while open; reading the pairing registers", "was", r.plugging, "now", p.Plugging)
		return nil, false
	case !sameSlots(p.Devices, k.Slots):
		log.Debug("the system's list of paired devices is not the one remembered; reading the pairing registers",
			"system", p.Devices, "remembered", k.Slots)
		return nil, false
	}
	out := make([]*Device, 0, len(k.Slots))
	for _, s := range k.Slots {
		d := r.slotDevice(s, cache)
		if d.Codename == "" {
			return nil, false
		}
		out = append(out, d)
	}
	log.Debug("paired devices from the system's list, which is the one remembered", "devices", len(out))
	return out, true
}

// validSlots reports whether slots can be a receiver's: indexes in range,
// ascending, each once, with a serial.
func validSlots(slots []Slot) bool {
	for i, s := range slots {
		if s.Index < 1 || s.Index > hidpp.MaxDeviceSlot || i > 0 && s.Index <= slots[i-1].Index || s.Serial == "" {
			return false
		}
	}
	return true
}

// sameSlots reports whether the system lists the devices slots hold, and
// no other.
func sameSlots(sys []transport.Paired, slots []Slot) bool {
	if len(sys) != len(slots) {
		return false
	}
	for i, p := range sys {
		s := slots[i]
		if p.Index != s.Index || p.WPID != s.WPID || p.Serial != s.Serial {
			return false
		}
	}
	return true
}

// pairedFromRegisters reads the paired devices from the receiver's
// registers, and remembers the list for this plugging-in when it is whole.
func (r *Receiver) pairedFromRegisters(ctx context.Context, cache Cache) ([]*Device, error) {
	count, err := r.Count(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Device
	var slots []Slot
	var slotErrs []error
	// A slot that cannot be read (a reply lost on the radio) does not hide
	// the slots after it: the caller gets every device found and the error.
	for n := 0; n < r.MaxDevices && len(out) < count; n++ {
		d, s, err := r.pairedDevice(ctx, byte(n+1), cache)
		if errors.Is(err, errEmptySlot) {
			continue
		}
		if err != nil {
			slotErrs = append(slotErrs, fmt.Errorf("slot %d: %w", n+1, err))
			continue
		}
		out = append(out, d)
		slots = append(slots, s)
	}
	if key := r.cacheKey(); cache != nil && key != "" && len(slotErrs) == 0 && len(out) == count {
		k := r.knownReceiver()
		k.Listed, k.Slots = true, slots
		cache.StoreReceiver(key, k)
	}
	return out, errors.Join(slotErrs...)
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

func (r *Receiver) pairedDevice(ctx context.Context, ix byte, cache Cache) (*Device, Slot, error) {
	s := Slot{Index: ix}
	var err error
	if r.Family == transport.FamilyBolt {
		err = r.boltPairing(ctx, &s)
	} else {
		err = r.unifyingPairing(ctx, &s)
	}
	if err != nil {
		return nil, s, err
	}
	d := r.slotDevice(s, cache)
	if d.Codename == "" {
		if d.Codename, err = r.codename(ctx, ix); err != nil {
			return nil, s, err
		}
	}
	return d, s, nil
}

// slotDevice is the device in slot s, with what cache knows of it.
func (r *Receiver) slotDevice(s Slot, cache Cache) *Device {
	d := &Device{Receiver: r, cache: cache, WPID: s.WPID, Kind: s.Kind, Serial: s.Serial,
		ReportInterval: s.ReportInterval, PowerSwitch: s.PowerSwitch}
	var hk *hidpp.Known
	if cache != nil {
		if k, ok := cache.Load(d.ID()); ok {
			d.Codename, d.name, hk = k.Codename, k.Device.Name, &k.Device
		}
	}
	d.Device = hidpp.NewDevice(r.conn, s.Index, hk)
	return d
}

// unifyingPairing reads 0xB5 0x2n (wpid, kind, report interval) and 0x3n
// (serial, power switch), n = slot - 1.
func (r *Receiver) unifyingPairing(ctx context.Context, s *Slot) error {
	n := s.Index - 1
	v, err := r.pairingInfo(ctx, 0x20+n)
	if err != nil {
		return err
	}
	s.WPID, s.Kind, s.ReportInterval = binary.BigEndian.Uint16(v[3:5]), hidpp.Kind(v[7]&0x0F), int(v[2])
	if v, err = r.pairingInfo(ctx, 0x30+n); err != nil {
		return err
	}
	s.Serial = fmt.Sprintf("%08X", binary.BigEndian.Uint32(v[1:5]))
	s.PowerSwitch = int(v[9] & 0x0F)
	return nil
}

// boltPairing reads Bolt's 0xB5 0x5n, n = the slot itself: kind, wpid
// (least significant byte first) and serial in one register.
func (r *Receiver) boltPairing(ctx context.Context, s *Slot) error {
	v, err := r.pairingInfo(ctx, 0x50+s.Index)
	if err != nil {
		return err
	}
	s.Kind = hidpp.Kind(v[1] & 0x0F)
	s.WPID = binary.LittleEndian.Uint16(v[2:4])
	s.Serial = fmt.Sprintf("%08X", binary.BigEndian.Uint32(v[4:8]))
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
