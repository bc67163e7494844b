package unifying

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
)

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
// count, then pairing information slot by slot until all are found
// (Unifying, Lightspeed and Nano: 0xB5 0x2n for wpid, kind and report
// interval, 0x3n for serial and power switch, 0x4n for the codename when
// the cache does not know it; Bolt: 0xB5 0x5n for kind, wpid and unit id,
// 0x6n for the codename). A receiver that has no pairing registers (old
// Nano receivers) is listed from the system's list, or else from the
// connection notifications it sends for a "fake device arrival".
//
// Each device comes with what the cache knows of it, not yet confirmed by
// the device, and not yet reached ([Device.Reached]). A slot that cannot
// be read does not hide the others: the error comes with every device
// found.
//
// On a device's own node (Direct) the one device is the node's: it is
// asked who it is ([Receiver.Direct]), unless the cache knows.
func (r *Receiver) Paired(ctx context.Context, cache Cache) ([]*Device, error) {
	var out []*Device
	var err error
	if r.Direct {
		var d *Device
		d, err = r.directDevice(ctx, cache)
		out = []*Device{d}
	} else {
		var ok bool
		if out, ok = r.pairedFromSystem(cache); !ok {
			out, err = r.pairedFromRegisters(ctx, cache)
		}
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
		if d.Codename == "" && !d.noCodename {
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
// When the count says devices are paired but every slot answers that it
// is empty, the receiver has no pairing registers (older Nano receivers
// lack 0xB5 0x2n): the devices are listed without them.
func (r *Receiver) pairedFromRegisters(ctx context.Context, cache Cache) ([]*Device, error) {
	count, err := r.Count(ctx)
	if err != nil {
		return nil, err
	}
	if count > hidpp.MaxDeviceSlot {
		return nil, fmt.Errorf("count devices of %s: %w", r, hidpp.ErrMalformed)
	}
	if k, ok := r.remembered(cache); ok && k.NoPairing {
		return r.pairedWithoutRegisters(ctx, cache, count)
	}
	var out []*Device
	var slots []Slot
	var slotErrs []error
	failed := map[byte]int{} // slot: its error's place in slotErrs
	var empty []byte
	// A slot that cannot be read (a reply lost on the radio) does not hide
	// the slots after it: the caller gets every device found and the error.
	read := func(ix byte) {
		d, s, err := r.pairedDevice(ctx, ix, cache)
		switch {
		case errors.Is(err, errEmptySlot):
			empty = append(empty, ix)
		case err != nil:
			failed[ix] = len(slotErrs)
			slotErrs = append(slotErrs, fmt.Errorf("slot %d: %w", ix, err))
		default:
			out = append(out, d)
			slots = append(slots, s)
		}
	}
	for n := 0; n < r.MaxDevices && len(out) < count; n++ {
		read(byte(n + 1))
	}
	// Fewer devices than counted, from a receiver that has pairing
	// registers: an "empty" answer may have been a late or repeated
	// reply to the request before (a HID++ 1.0 error names the register,
	// not the sub-register it was asked for), so those slots are asked
	// once more.
	if retry := empty; len(out) > 0 && len(out) < count && len(slotErrs) == 0 {
		empty = nil
		for _, ix := range retry {
			read(ix)
		}
		slices.SortFunc(out, func(a, b *Device) int { return int(a.slot) - int(b.slot) })
		slices.SortFunc(slots, func(a, b Slot) int { return int(a.Index) - int(b.Index) })
	}
	out = r.pairedFromSystemFor(failed, slotErrs, out, cache)
	if count > 0 && len(out) == 0 && len(slotErrs) == 0 {
		r.conn.Logger().Info("the receiver answers no pairing register for the devices it counts; listing them without",
			"receiver", r, "count", count)
		return r.pairedWithoutRegisters(ctx, cache, count)
	}
	if key := r.cacheKey(); cache != nil && key != "" && len(slotErrs) == 0 && len(out) == count {
		k := r.knownReceiver()
		k.Listed, k.Slots = true, slots
		cache.StoreReceiver(key, k)
	}
	return out, errors.Join(slotErrs...)
}

// pairedFromSystemFor adds to out the devices the system lists in the
// slots whose registers failed: a receiver answering errors or garbage
// to its pairing registers still has its devices read where the kernel
// (hid-logitech-dj) knows them, with what the kernel knows (slot, wpid,
// serial) and nothing more. Each such slot's error in errs says so; it
// stays an error, as the receiver did fail. The result is in slot order.
func (r *Receiver) pairedFromSystemFor(failed map[byte]int, errs []error, out []*Device, cache Cache) []*Device {
	if len(failed) == 0 || r.pairing == nil {
		return out
	}
	p, err := r.pairing()
	if err != nil || p.Plugging != r.plugging {
		return out
	}
	added := false
	for _, pd := range p.Devices {
		i, ok := failed[pd.Index]
		if !ok || pd.WPID == 0 || pd.WPID == 0xFFFF {
			continue
		}
		out = append(out, r.slotDevice(Slot{Index: pd.Index, WPID: pd.WPID, Serial: pd.Serial}, cache))
		errs[i] = fmt.Errorf("%w; its device is listed from the system's list", errs[i])
		added = true
	}
	if added {
		slices.SortFunc(out, func(a, b *Device) int { return int(a.slot) - int(b.slot) })
	}
	return out
}

// remembered is what cache keeps of this plugging-in of the receiver.
func (r *Receiver) remembered(cache Cache) (KnownReceiver, bool) {
	key := r.cacheKey()
	if cache == nil || key == "" {
		return KnownReceiver{}, false
	}
	k, ok := cache.LoadReceiver(key)
	return k, ok && k.Plugging == r.plugging && k.PID == r.PID
}

// ErrUnlisted is returned for a receiver that answers no pairing register
// and whose devices neither the system lists nor its connection
// notifications announce: Helio cannot say which devices it holds.
var ErrUnlisted = errors.New("unifying: the receiver lists no paired devices (no pairing registers, no system list, no connection notification)")

// pairedWithoutRegisters lists the devices of a receiver that has no
// pairing registers, as Solaar does for such Nano receivers: from the
// system's list (hid-logitech-dj's devices below the receiver: slot and
// wpid), or else from the HID++ 0x41 notification the receiver sends for
// each paired device when asked to announce them ("fake device arrival",
// register 0x02 := 02: slot, kind and wpid). Neither gives a serial or a
// codename, and none is made up. The cache remembers, for the plugging-in,
// that the registers are missing, so they are not tried again.
func (r *Receiver) pairedWithoutRegisters(ctx context.Context, cache Cache, count int) ([]*Device, error) {
	var slots []Slot
	if r.pairing != nil {
		if p, err := r.pairing(); err == nil && len(p.Devices) > 0 {
			for _, pd := range p.Devices {
				slots = append(slots, Slot{Index: pd.Index, WPID: pd.WPID, Serial: pd.Serial})
			}
			r.conn.Logger().Debug("paired devices from the system's list", "receiver", r, "devices", len(slots))
		}
	}
	if slots == nil {
		var err error
		if slots, err = r.arrival(ctx, count); err != nil {
			return nil, err
		}
	}
	if len(slots) == 0 && count > 0 {
		return nil, fmt.Errorf("list the devices of %s: %w", r, ErrUnlisted)
	}
	if key := r.cacheKey(); cache != nil && key != "" {
		k := r.knownReceiver()
		k.NoPairing = true
		cache.StoreReceiver(key, k)
	}
	out := make([]*Device, 0, len(slots))
	for _, s := range slots {
		out = append(out, r.slotDevice(s, cache))
	}
	return out, nil
}

// arrivalQuiet is how long the connection notifications of a fake device
// arrival are awaited after the receiver's acknowledgement: a receiver
// sends them before it (hidpp.md §6.2), but they reach this process's
// subscribers on their own goroutine.
const arrivalQuiet = 100 * time.Millisecond

// arrival asks the receiver to announce its paired devices (register 0x02
// := 02 00 00) and reads the HID++ 0x41 notification of each: slot, kind
// and wpid. It stops at count devices, or arrivalQuiet after the
// acknowledgement.
func (r *Receiver) arrival(ctx context.Context, count int) ([]Slot, error) {
	events, cancel := r.conn.Subscribe()
	defer cancel()
	if err := r.dev.WriteRegister(ctx, 0x02, 0x02, 0x00, 0x00); err != nil {
		return nil, fmt.Errorf("list the devices of %s: %w", r, err)
	}
	found := map[byte]Slot{}
	quiet := time.NewTimer(arrivalQuiet)
	defer quiet.Stop()
	for len(found) < count {
		select {
		case rep, ok := <-events:
			if !ok {
				return nil, fmt.Errorf("list the devices of %s: %w", r, hidpp.ErrClosed)
			}
			if s, ok := arrivalSlot(&rep); ok {
				found[s.Index] = s
			}
		case <-quiet.C:
			count = 0
		case <-ctx.Done():
			return nil, fmt.Errorf("list the devices of %s: %w", r, ctx.Err())
		}
	}
	slots := make([]Slot, 0, len(found))
	for ix := byte(1); ix <= hidpp.MaxDeviceSlot; ix++ {
		if s, ok := found[ix]; ok {
			slots = append(slots, s)
		}
	}
	return slots, nil
}

// arrivalSlot reads a HID++ 0x41 connection notification: `10 ix 41 PROTO
// INFO wpidLSB wpidMSB`, the kind in INFO's low nibble. A 27 MHz device
// (PROTO 0x02) carries a device id, not a wpid, and a wpid of 0000 or
// FFFF is no device: neither is taken.
func arrivalSlot(rep *hidpp.Report) (Slot, bool) {
	if rep.ID() != hidpp.ShortID || rep.SubID() != hidpp.SubConnect || rep.Device() < 1 || rep.Device() > hidpp.MaxDeviceSlot ||
		rep.Address() == 0x02 {
		return Slot{}, false
	}
	wpid := uint16(rep.Param(2))<<8 | uint16(rep.Param(1))
	if wpid == 0 || wpid == 0xFFFF {
		return Slot{}, false
	}
	return Slot{Index: rep.Device(), WPID: wpid, Kind: hidpp.Kind(rep.Param(0) & 0x0F)}, true
}

var errEmptySlot = errors.New("unifying: empty slot")

// ErrGarbage is wrapped by the error for a pairing register whose answer
// cannot describe a device (a wpid of 0000 or FFFF): the slot is said to
// be unreadable, and nothing is made of it.
var ErrGarbage = errors.New("unifying: the receiver's pairing register answers what no device is")

func (r *Receiver) pairingInfo(ctx context.Context, sub byte, params ...byte) ([]byte, error) {
	v, err := r.dev.ReadLongRegister(ctx, 0xB5, append([]byte{sub}, params...)...)
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
	if s.WPID == 0 || s.WPID == 0xFFFF {
		return nil, s, fmt.Errorf("%w: wpid %04x", ErrGarbage, s.WPID)
	}
	d := r.slotDevice(s, cache)
	if d.Codename == "" && !d.noCodename {
		if d.Codename, err = r.codename(ctx, ix); err != nil {
			return nil, s, err
		}
		d.noCodename = d.Codename == ""
	}
	return d, s, nil
}

// slotDevice is the device in slot s, with what cache knows of it.
func (r *Receiver) slotDevice(s Slot, cache Cache) *Device {
	d := &Device{Receiver: r, cache: cache, slot: s.Index, WPID: s.WPID, Kind: s.Kind, Serial: s.Serial,
		ReportInterval: s.ReportInterval, PowerSwitch: s.PowerSwitch}
	if r.Family == transport.FamilyBolt {
		d.UnitID = s.Serial // Bolt's 0xB5 0x5n gives the device's unit id
	}
	var hk *hidpp.Known
	if cache != nil {
		if k, ok := cache.Load(d.CacheKey()); ok {
			d.Codename, d.noCodename, d.name, hk = k.Codename, k.NoCodename, k.Device.Name, &k.Device
			if d.Kind == hidpp.KindUnknown {
				d.Kind = k.Device.Kind
			}
		}
	}
	d.Device = hidpp.NewDevice(r.conn, s.Index, hk)
	return d
}

// unifyingPairing reads 0xB5 0x2n (wpid, kind, report interval) and 0x3n
// (serial, power switch), n = slot - 1. A receiver that answers 0x2n but
// not 0x3n (hid-logitech-hidpp tolerates that too) leaves the serial
// unknown.
func (r *Receiver) unifyingPairing(ctx context.Context, s *Slot) error {
	n := s.Index - 1
	v, err := r.pairingInfo(ctx, 0x20+n)
	if err != nil {
		return err
	}
	s.WPID, s.Kind, s.ReportInterval = binary.BigEndian.Uint16(v[3:5]), hidpp.Kind(v[7]&0x0F), int(v[2])
	v, err = r.pairingInfo(ctx, 0x30+n)
	switch {
	case errors.Is(err, errEmptySlot):
		return nil
	case err != nil:
		return err
	}
	s.Serial = fmt.Sprintf("%08X", binary.BigEndian.Uint32(v[1:5]))
	s.PowerSwitch = int(v[9] & 0x0F)
	return nil
}

// boltPairing reads Bolt's 0xB5 0x5n, n = the slot itself: kind, wpid
// (least significant byte first) and unit id in one register.
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
// ([2] length, [3..] name). A receiver that keeps none leaves it "": the
// device's own name, read from it, stands for it.
func (r *Receiver) codename(ctx context.Context, ix byte) (string, error) {
	var v []byte
	var err error
	start := 2
	if r.Family == transport.FamilyBolt {
		v, err = r.pairingInfo(ctx, 0x60+ix, 0x01)
		start = 3
	} else {
		v, err = r.pairingInfo(ctx, 0x40+ix-1)
	}
	switch {
	case errors.Is(err, errEmptySlot):
		return "", nil
	case err != nil:
		return "", err
	}
	l := min(int(v[start-1]), len(v)-start)
	return strings.TrimRight(string(v[start:start+l]), "\x00"), nil
}
