package hidpp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// ErrNoFeature is returned when a device lacks the feature a call needs.
var ErrNoFeature = errors.New("hidpp: device lacks feature")

// ErrNoBattery is returned when a device has no battery source Helio can read
// with a request (the K750 reports its battery only in solar events).
var ErrNoBattery = errors.New("hidpp: no battery readable by request")

// Device addresses one device index on a [Conn]. It is safe for concurrent
// use; the Conn serialises the requests.
type Device struct {
	conn  *Conn
	index byte

	mu       sync.Mutex
	known    Known
	pingByte byte
	// cached says known came from a cache and the device has not yet
	// confirmed it (Verify, a battery register read, a GetFeature that
	// agreed): an error reply to a remembered index then means the cache
	// is wrong.
	cached bool
}

// TrustFor is how long a feature table the device confirmed is used
// without asking it again while nothing it answers disagrees: a battery
// reading through it that repeats the last confirmed one is taken, and a
// request that changes something on the device (the K750's
// SetLightMeasure) goes through it. Past that, the table is checked first
// with IRoot.GetFeature. A feature index moves only with new firmware; the
// bound keeps an update from going unseen for longer than a day.
const TrustFor = 24 * time.Hour

// Known is what Helio has learned about a device that does not change while
// it stays paired: its feature table (complete or only the entries looked
// up), its name and kind, and where its battery is. Callers keep it across
// runs, keyed by the device's identity, so that a second query does not ask
// again.
type Known struct {
	Protocol        Protocol           `json:"protocol"`
	Features        map[FeatureID]byte `json:"features,omitempty"` // feature -> index; 0 means absent
	FeatureFlags    map[FeatureID]byte `json:"feature_flags,omitempty"`
	Complete        bool               `json:"complete,omitempty"` // Features holds the whole table
	Name            string             `json:"name,omitempty"`
	Kind            Kind               `json:"kind,omitempty"`
	BatteryRegister byte               `json:"battery_register,omitempty"` // HID++ 1.0: 0x07 or 0x0D
	BatteryCaps     []byte             `json:"battery_caps,omitempty"`     // 0x1000 fn1 or 0x1004 fn0 payload
	// Verified is when the device last confirmed the table: it was
	// learned from the device then, or the device answered
	// IRoot.GetFeature with the index kept. Zero: never.
	Verified time.Time `json:"verified,omitzero"`
	// Reading is the last battery reading taken through the table while
	// the device had confirmed it (HID++ 2.0 devices).
	Reading *Reading `json:"reading,omitempty"`
	// Identity is what feature 0x0003 said the device is, once read.
	Identity *Identity `json:"identity,omitempty"`
}

// ReadingAsks reports whether reading the battery of a device known as k
// sends it a request, whose answer also says whether it is in range: it
// speaks HID++ 1.0 (a register read), or its table holds a battery feature
// or a solar dashboard, or does not say yet whether it has one.
func (k Known) ReadingAsks() bool {
	if !k.Protocol.IsFeatureBased() {
		return true
	}
	for _, f := range batterySources {
		if ix, known := k.Features[f]; !known || ix != 0 {
			return true
		}
	}
	return false
}

// Reading is a battery reading as the device sent it: the feature it came
// from and the parameters of the reply.
type Reading struct {
	Feature FeatureID `json:"feature"`
	Payload []byte    `json:"payload"`
}

// NewDevice addresses device index ix on c. k seeds what is known (from a
// cache); nil starts from nothing.
func NewDevice(c *Conn, ix byte, k *Known) *Device {
	d := &Device{conn: c, index: ix}
	if k != nil {
		d.known = k.clone()
		d.cached = k.Protocol.Major != 0
	}
	return d
}

func (k Known) clone() Known {
	c := k
	c.Features = make(map[FeatureID]byte, len(k.Features))
	for id, ix := range k.Features {
		c.Features[id] = ix
	}
	c.FeatureFlags = make(map[FeatureID]byte, len(k.FeatureFlags))
	for id, f := range k.FeatureFlags {
		c.FeatureFlags[id] = f
	}
	c.BatteryCaps = append([]byte(nil), k.BatteryCaps...)
	if k.Reading != nil {
		c.Reading = &Reading{Feature: k.Reading.Feature, Payload: append([]byte(nil), k.Reading.Payload...)}
	}
	if k.Identity != nil {
		id := *k.Identity
		c.Identity = &id
	}
	return c
}

// Index is the device index the Device addresses.
func (d *Device) Index() byte { return d.index }

// Known returns a copy of what has been learned so far, for a cache.
func (d *Device) Known() Known {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.known.clone()
}

func (d *Device) String() string { return fmt.Sprintf("device %d", d.index) }

// Unconfirmed reports whether what is known of the device came from a
// cache and the device has not confirmed it yet in this run.
func (d *Device) Unconfirmed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cached
}

func (d *Device) now() time.Time { return d.conn.opts.Now() }

// freshLocked reports whether the device confirmed the table less than
// TrustFor ago. A date in the future (the clock was set back) is not
// trusted. d.mu must be held.
func (d *Device) freshLocked() bool {
	v, now := d.known.Verified, d.now()
	return !v.IsZero() && !v.After(now) && now.Sub(v) < TrustFor
}

// Ping asks the device for its protocol version with IRoot function 1:
// `10 ix 00 1s 00 00 PP`. A HID++ 2.0+ device answers with its version and
// the ping byte; a HID++ 1.0 device with error 0x01 (invalid sub-ID), which
// reads as version 1.0. A paired device that is asleep or out of range gives
// an error matching ErrOffline; an empty slot one matching ErrNoDevice.
func (d *Device) Ping(ctx context.Context) (Protocol, error) {
	d.mu.Lock()
	d.pingByte++
	if d.pingByte == 0 {
		d.pingByte = 1
	}
	pb := d.pingByte
	d.mu.Unlock()

	rep, err := d.conn.Request(ctx, Short(d.index, 0x00, 0x10|d.conn.SoftwareID(), 0, 0, pb))
	var p Protocol
	var herr *Error
	switch {
	case errors.As(err, &herr) && herr.Version == 1 && herr.Code == Err10InvalidSubID:
		p = Protocol10
	case err != nil:
		return Protocol{}, fmt.Errorf("ping %s: %w", d, err)
	default:
		p = Protocol{rep.Param(0), rep.Param(1)}
		if p.Major < 2 {
			return Protocol{}, fmt.Errorf("ping %s: %w", d, malformed("protocol version %s in ping reply", p))
		}
	}
	d.mu.Lock()
	if d.known.Protocol != p {
		if d.known.Protocol.Major != 0 {
			// Firmware changed under us: what we cached may be wrong.
			d.known, d.cached = Known{}, false
		}
		// What is learned of the device from now on is its own word.
		d.known.Verified = d.now()
	}
	d.known.Protocol = p
	d.mu.Unlock()
	return p, nil
}

// batterySources are the features a battery is read from, best first, and
// the solar dashboard, whose events carry the K750's charge.
var batterySources = []FeatureID{FeatureUnifiedBattery, FeatureBatteryStatus, FeatureBatteryVoltage, FeatureSolarDashboard}

// Verify asks the device to confirm what a cache said of it, for the one
// request a ping costs: IRoot.GetFeature of the feature its battery comes
// from (or its solar dashboard), which an offline device fails as it fails
// a ping. A device that answers with another index, or as a HID++ 1.0
// device, has changed under the cache (a firmware update, another device
// behind the same identity, an edited or damaged cache file): everything
// known of it is dropped and learned again, and a figure is never read
// through a stale table. With nothing cached to verify, Verify pings.
func (d *Device) Verify(ctx context.Context) (Protocol, error) {
	d.mu.Lock()
	p, cached := d.known.Protocol, d.cached
	var id FeatureID
	for _, f := range batterySources {
		if d.known.Features[f] != 0 {
			id = f
			break
		}
	}
	d.mu.Unlock()
	if !cached || !p.IsFeatureBased() || id == 0 {
		return d.Ping(ctx)
	}
	held, err := d.check(ctx, id)
	switch {
	case err != nil:
		return Protocol{}, fmt.Errorf("ping %s: %w", d, err)
	case !held:
		return d.Ping(ctx)
	}
	return p, nil
}

// CheckFeature asks the device where feature id is (IRoot.GetFeature) and
// compares the answer with the table it has from a cache. held is true
// when they agree: the table counts as confirmed, now. Otherwise the table
// is dropped, the device learned again from its protocol, and id kept at
// the index the device gave. A feature the table does not hold is only
// looked up. Call it when an answer through a cached index was not the
// one expected (a light report that never came).
func (d *Device) CheckFeature(ctx context.Context, id FeatureID) (held bool, err error) {
	d.mu.Lock()
	_, listed := d.known.Features[id]
	d.mu.Unlock()
	if !listed {
		if _, err := d.FeatureIndex(ctx, id); err != nil {
			return false, err
		}
		return true, nil
	}
	if held, err = d.check(ctx, id); err != nil {
		return false, fmt.Errorf("find feature %s on %s: %w", id, d, err)
	}
	if !held {
		if _, err := d.Ping(ctx); err != nil {
			return false, err
		}
	}
	return held, nil
}

// check asks the device where feature id is (IRoot.GetFeature), id being
// in the cached table. When the device agrees, held is true: the table is
// confirmed, dated now. When it does not (another index, or an answer as
// a HID++ 1.0 device), the table is dropped, the index the device gave is
// kept, and held is false. err, unwrapped, says the device did not
// answer.
func (d *Device) check(ctx context.Context, id FeatureID) (held bool, err error) {
	d.mu.Lock()
	ix := d.known.Features[id]
	d.mu.Unlock()
	rep, err := d.conn.Request(ctx, Short(d.index, 0x00, 0x00|d.conn.SoftwareID(), byte(id>>8), byte(id)))
	var herr *Error
	switch {
	case errors.As(err, &herr) && herr.Version == 1 && herr.Code == Err10InvalidSubID:
		d.distrust("it answers as a HID++ 1.0 device")
		return false, nil
	case err != nil:
		return false, err
	case rep.Param(0) != ix:
		d.distrust(fmt.Sprintf("feature %s is at index %d, not %d", id, rep.Param(0), ix))
		d.remember(id, rep.Param(0), rep.Param(1))
		return false, nil
	}
	d.mu.Lock()
	d.cached, d.known.Verified = false, d.now()
	d.mu.Unlock()
	return true, nil
}

// distrust drops everything known of the device: a cache said something
// the device contradicts.
func (d *Device) distrust(why string) {
	d.mu.Lock()
	d.known, d.cached = Known{}, false
	d.mu.Unlock()
	d.conn.log.Info("the device cache was wrong about a device; learning it again", "device", d.index, "why", why)
}

// Protocol is the version found by the last Ping (or the cache).
func (d *Device) Protocol() Protocol {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.known.Protocol
}

// FeatureIndex finds the index of feature id with IRoot.GetFeature, once:
// the answer, present or absent, is remembered. Index 0 means absent, as it
// does for every feature of a device found to speak HID++ 1.0.
func (d *Device) FeatureIndex(ctx context.Context, id FeatureID) (byte, error) {
	if id == FeatureRoot {
		return 0, nil
	}
	d.mu.Lock()
	ix, ok := d.known.Features[id]
	complete := d.known.Complete
	registers := d.known.Protocol.Major == 1
	d.mu.Unlock()
	if ok {
		return ix, nil
	}
	if complete || registers { // a HID++ 1.0 device has no features to ask for
		return 0, nil
	}
	rep, err := d.conn.Request(ctx, Short(d.index, 0x00, 0x00|d.conn.SoftwareID(), byte(id>>8), byte(id)))
	if err != nil {
		return 0, fmt.Errorf("find feature %s on %s: %w", id, d, err)
	}
	d.remember(id, rep.Param(0), rep.Param(1))
	return rep.Param(0), nil
}

func (d *Device) remember(id FeatureID, ix, flags byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.known.Features == nil {
		d.known.Features = map[FeatureID]byte{}
		d.known.FeatureFlags = map[FeatureID]byte{}
	}
	d.known.Features[id] = ix
	if flags != 0 {
		d.known.FeatureFlags[id] = flags
	}
}

func (d *Device) forget(id FeatureID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.known.Features, id)
	d.known.Complete = false
}

// Call invokes function fn of feature id with params and returns the reply.
// It fails with ErrNoFeature when the device lacks the feature. If the
// device rejects a remembered index as invalid (its firmware changed), the
// index is looked up again and the call retried once.
func (d *Device) Call(ctx context.Context, id FeatureID, fn byte, params ...byte) (Report, error) {
	for try := 0; ; try++ {
		ix, err := d.FeatureIndex(ctx, id)
		if err != nil {
			return Report{}, err
		}
		if ix == 0 && id != FeatureRoot {
			return Report{}, fmt.Errorf("%w %s: %s", ErrNoFeature, id, d)
		}
		req := Long(d.index, ix, fn<<4|d.conn.SoftwareID(), params...)
		if len(params) <= 3 {
			req = Short(d.index, ix, fn<<4|d.conn.SoftwareID(), params...)
		}
		rep, err := d.conn.Request(ctx, req)
		var herr *Error
		if try == 0 && errors.As(err, &herr) && herr.Version == 2 {
			d.mu.Lock()
			cached := d.cached
			d.mu.Unlock()
			switch {
			case cached:
				// An index from a cache the device has not confirmed:
				// the cache is what is wrong. Learn the device again,
				// its protocol first.
				d.distrust(fmt.Sprintf("%s at index %d: %v", id, ix, herr))
				if _, err := d.Ping(ctx); err != nil {
					return Report{}, fmt.Errorf("%s function %d on %s: %w", id, fn, d, err)
				}
				continue
			case herr.Code == Err20InvalidFeature:
				// The firmware changed while Helio ran.
				d.forget(id)
				continue
			}
		}
		if err != nil {
			return rep, fmt.Errorf("%s function %d on %s: %w", id, fn, d, err)
		}
		return rep, nil
	}
}

// Features enumerates the whole feature table with IFeatureSet (0x0001):
// GetCount, then GetFeatureID for each index. The table is remembered, so a
// device read once from a cache is not enumerated again.
func (d *Device) Features(ctx context.Context) ([]FeatureInfo, error) {
	d.mu.Lock()
	complete := d.known.Complete
	d.mu.Unlock()
	if !complete {
		rep, err := d.Call(ctx, FeatureSet, 0)
		if err != nil {
			return nil, fmt.Errorf("count features: %w", err)
		}
		// The count leaves out IRoot at index 0.
		count := int(rep.Param(0))
		for i := 1; i <= count; i++ {
			rep, err := d.Call(ctx, FeatureSet, 1, byte(i))
			if err != nil {
				return nil, fmt.Errorf("read feature table: %w", err)
			}
			id := FeatureID(uint16(rep.Param(0))<<8 | uint16(rep.Param(1)))
			d.remember(id, byte(i), rep.Param(2))
		}
		d.mu.Lock()
		d.known.Complete = true
		d.mu.Unlock()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	out := []FeatureInfo{{ID: FeatureRoot, Index: 0}}
	for id, ix := range d.known.Features {
		if ix != 0 {
			out = append(out, FeatureInfo{ID: id, Index: ix, Flags: d.known.FeatureFlags[id]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}

// ReadName reads the device's name with feature 0x0005: the length, then
// the characters 16 at a time. A name read before (or known from a cache)
// is returned without asking again.
func (d *Device) ReadName(ctx context.Context) (string, error) {
	d.mu.Lock()
	name := d.known.Name
	d.mu.Unlock()
	if name != "" {
		return name, nil
	}
	rep, err := d.Call(ctx, FeatureName, 0)
	if err != nil {
		return "", fmt.Errorf("read name length: %w", err)
	}
	n := int(rep.Param(0))
	var sb strings.Builder
	for sb.Len() < n {
		rep, err := d.Call(ctx, FeatureName, 1, byte(sb.Len()))
		if err != nil {
			return "", fmt.Errorf("read name: %w", err)
		}
		chunk := rep.Params()
		if len(chunk) > n-sb.Len() {
			chunk = chunk[:n-sb.Len()]
		}
		if i := strings.IndexByte(string(chunk), 0); i >= 0 {
			chunk = chunk[:i]
		}
		if len(chunk) == 0 {
			break // a device that stops short must not loop us forever
		}
		sb.Write(chunk)
	}
	name = sb.String()
	d.mu.Lock()
	d.known.Name = name
	d.mu.Unlock()
	return name, nil
}

// ReadKind reads the device's own idea of its kind with feature 0x0005
// function 2 (a receiver may say otherwise: the ERGO M575 pairs as a mouse
// and calls itself a trackball). A kind read before is not asked again.
func (d *Device) ReadKind(ctx context.Context) (Kind, error) {
	d.mu.Lock()
	k := d.known.Kind
	d.mu.Unlock()
	if k != KindUnknown {
		return k, nil
	}
	rep, err := d.Call(ctx, FeatureName, 2)
	if err != nil {
		return KindUnknown, fmt.Errorf("read kind: %w", err)
	}
	k = KindFrom20(rep.Param(0))
	d.mu.Lock()
	d.known.Kind = k
	d.mu.Unlock()
	return k, nil
}

// Firmware is one firmware entity: the application, the bootloader, the
// hardware revision.
type Firmware struct {
	Kind    string // "firmware", "bootloader", "hardware", "other"
	Version string // such as "RQK 33.00.B0015"
}

var firmwareKinds = [...]string{"firmware", "bootloader", "hardware", "other"}

// DecodeFirmware decodes feature 0x0003 function 1: [type, prefix(3),
// major, minor, build BE16, ...]. Major and minor print in hex, as
// Logitech's tools print them.
func DecodeFirmware(p []byte) (Firmware, error) {
	if len(p) < 8 {
		return Firmware{}, malformed("firmware entity needs 8 bytes, got %d", len(p))
	}
	kind := "other"
	if t := int(p[0] & 0x0F); t < len(firmwareKinds) {
		kind = firmwareKinds[t]
	}
	prefix := strings.TrimRight(string(p[1:4]), "\x00 ")
	v := fmt.Sprintf("%02X.%02X.B%04X", p[4], p[5], uint16(p[6])<<8|uint16(p[7]))
	if prefix != "" {
		v = prefix + " " + v
	}
	return Firmware{Kind: kind, Version: v}, nil
}

// Firmware reads every firmware entity with feature 0x0003.
func (d *Device) Firmware(ctx context.Context) ([]Firmware, error) {
	rep, err := d.Call(ctx, FeatureFirmware, 0)
	if err != nil {
		return nil, fmt.Errorf("count firmware entities: %w", err)
	}
	var out []Firmware
	for i := 0; i < int(rep.Param(0)); i++ {
		rep, err := d.Call(ctx, FeatureFirmware, 1, byte(i))
		if err != nil {
			return out, fmt.Errorf("read firmware entity %d: %w", i, err)
		}
		fw, err := DecodeFirmware(rep.Params())
		if err != nil {
			return out, err
		}
		out = append(out, fw)
	}
	return out, nil
}

// ReadRegister reads a HID++ 1.0 short register: `10 ix 81 RR p0 p1 p2`.
// It returns the 3 value bytes.
func (d *Device) ReadRegister(ctx context.Context, reg byte, params ...byte) ([]byte, error) {
	rep, err := d.conn.Request(ctx, Short(d.index, SubGetRegister, reg, params...))
	if err != nil {
		return nil, fmt.Errorf("read register 0x%02X of %s: %w", reg, d, err)
	}
	return append([]byte(nil), rep.Params()...), nil
}

// ReadLongRegister reads a HID++ 1.0 long register: a short request
// `10 ix 83 RR p0 p1 p2`, a long reply with 16 value bytes.
func (d *Device) ReadLongRegister(ctx context.Context, reg byte, params ...byte) ([]byte, error) {
	rep, err := d.conn.Request(ctx, Short(d.index, SubGetLongRegister, reg, params...))
	if err != nil {
		return nil, fmt.Errorf("read long register 0x%02X of %s: %w", reg, d, err)
	}
	if rep.ID() == ShortID {
		return nil, fmt.Errorf("read long register 0x%02X of %s: %w", reg, d, malformed("short reply to a long register read"))
	}
	return append([]byte(nil), rep.Params()...), nil
}

// WriteRegister sets a HID++ 1.0 short register to 3 value bytes.
func (d *Device) WriteRegister(ctx context.Context, reg byte, value ...byte) error {
	_, err := d.conn.Request(ctx, Short(d.index, SubSetRegister, reg, value...))
	if err != nil {
		return fmt.Errorf("write register 0x%02X of %s: %w", reg, d, err)
	}
	return nil
}

// Battery reads the battery with the best source the device has: for
// HID++ 1.0, register 0x0D (a percentage) or else 0x07 (levels); for
// HID++ 2.0, feature 0x1004, 0x1000 or 0x1001, in that order. The source
// found is remembered. It returns ErrNoBattery when nothing readable exists,
// as on the K750, whose charge comes only in solar events.
//
// A device known from a cache is read at once, without a ping: a device
// out of range fails the reading as it fails a ping. What it answers is
// judged before it is believed ([TrustFor]):
//   - HID++ 1.0: a HID++ 2.0 device answers a register read with an error,
//     and registers 0x07 and 0x0D are the battery on every device that has
//     them, so a reading confirms the cache, and an error reply drops it;
//   - HID++ 2.0: a reading through the cached table that repeats the last
//     one the device confirmed, within TrustFor of its confirmation, is
//     taken; a new figure, an error reply or a reply that does not decode
//     has the table checked first (IRoot.GetFeature of the battery
//     feature), and if it moved, the table is learned again and the
//     battery read through the new one.
func (d *Device) Battery(ctx context.Context) (Battery, error) {
	cached := d.Unconfirmed()
	b, got, err := d.battery(ctx)
	if cached && d.Unconfirmed() {
		var again bool
		if b, again, err = d.judge(ctx, b, got, err); again {
			b, got, err = d.battery(ctx)
		}
	}
	if err == nil && !d.Unconfirmed() && got.Feature != 0 {
		d.mu.Lock()
		d.known.Reading = &Reading{Feature: got.Feature, Payload: got.Payload}
		d.mu.Unlock()
	}
	return b, err
}

// judge decides what a battery reading through a cached table the device
// has not confirmed is worth (see [Device.Battery]). again says the cache
// was dropped and the battery must be read afresh.
func (d *Device) judge(ctx context.Context, b Battery, got Reading, err error) (_ Battery, again bool, _ error) {
	if err != nil && !Answered(err) {
		// Not a word from the device (out of range, no battery in the
		// cached table, the receiver gone): nothing to judge by.
		return b, false, err
	}
	if got.Feature == 0 { // a HID++ 1.0 register
		if err != nil {
			d.distrust(fmt.Sprintf("reading its battery register: %v", err))
			return Battery{}, true, nil
		}
		d.mu.Lock()
		d.cached = false
		d.mu.Unlock()
		return b, false, nil
	}
	d.mu.Lock()
	last := d.known.Reading
	repeats := err == nil && last != nil && last.Feature == got.Feature && bytes.Equal(last.Payload, got.Payload) && d.freshLocked()
	d.mu.Unlock()
	if repeats {
		d.conn.log.Debug("the battery reading repeats the last one the device confirmed; the cached table holds", "device", d.index)
		return b, false, nil
	}
	why := "a new reading"
	if err != nil {
		why = err.Error()
	}
	d.conn.log.Debug("checking the cached table before believing the battery reading", "device", d.index, "why", why)
	held, cerr := d.check(ctx, got.Feature)
	switch {
	case cerr != nil:
		return Battery{}, false, fmt.Errorf("read battery of %s: %w", d, cerr)
	case !held:
		return Battery{}, true, nil
	}
	return b, false, err
}

// Answered reports whether err is the device's own answer, an error reply
// or a reply that does not decode, rather than a sign that it could not be
// asked (asleep, out of range, unpaired, the receiver gone, no reply in
// time, the request cancelled). A device that answered is in range.
func Answered(err error) bool {
	var herr *Error
	if errors.As(err, &herr) {
		return !errors.Is(herr, ErrOffline) && !errors.Is(herr, ErrNoDevice)
	}
	return errors.Is(err, ErrMalformed)
}

// battery reads the battery (see [Device.Battery]) and returns, with it,
// the source's reply as the device sent it; Feature is 0 for a register.
func (d *Device) battery(ctx context.Context) (Battery, Reading, error) {
	p := d.Protocol()
	if p.Major == 0 {
		var err error
		if p, err = d.Ping(ctx); err != nil {
			return Battery{}, Reading{}, err
		}
	}
	if !p.IsFeatureBased() {
		b, v, err := d.registerBattery(ctx)
		return b, Reading{Payload: v}, err
	}
	for _, f := range []FeatureID{FeatureUnifiedBattery, FeatureBatteryStatus, FeatureBatteryVoltage} {
		ix, err := d.FeatureIndex(ctx, f)
		if err != nil {
			return Battery{}, Reading{}, fmt.Errorf("read battery of %s: %w", d, err)
		}
		if ix == 0 {
			continue
		}
		b, v, err := d.featureBattery(ctx, f)
		got := Reading{Feature: f, Payload: v}
		if err != nil {
			return Battery{}, got, fmt.Errorf("read battery of %s: %w", d, err)
		}
		return b, got, nil
	}
	return Battery{}, Reading{}, fmt.Errorf("%w: %s", ErrNoBattery, d)
}

// featureBattery reads battery feature f, and returns the status reply's
// parameters with the battery. The capability that tells how to read the
// status is taken after the status: a cache the status request proved
// wrong (and [Device.Call] dropped) must not lend it its own.
func (d *Device) featureBattery(ctx context.Context, f FeatureID) (Battery, []byte, error) {
	status, capsFn := byte(0), byte(1) // the functions that read them
	if f == FeatureUnifiedBattery {
		status, capsFn = 1, 0
	}
	rep, err := d.Call(ctx, f, status)
	if err != nil {
		return Battery{}, nil, err
	}
	v := append([]byte(nil), rep.Params()...)
	if f == FeatureBatteryVoltage {
		b, err := DecodeBatteryVoltage(v)
		return b, v, err
	}
	caps, err := d.batteryCaps(ctx, f, capsFn)
	if err != nil {
		return Battery{}, nil, err
	}
	if f == FeatureUnifiedBattery {
		uc, err := DecodeUnifiedCapability(caps)
		if err != nil {
			d.forgetCaps()
			return Battery{}, v, err
		}
		b, err := DecodeUnifiedBattery(v, &uc)
		return b, v, err
	}
	bc, err := DecodeBatteryCapability(caps)
	if err != nil {
		d.forgetCaps()
		return Battery{}, v, err
	}
	b, err := DecodeBatteryStatus(v, &bc)
	return b, v, err
}

// forgetCaps drops a battery capability that does not decode, so that the
// next reading asks for it again instead of failing on it for ever.
func (d *Device) forgetCaps() {
	d.mu.Lock()
	d.known.BatteryCaps = nil
	d.mu.Unlock()
}

// batteryCaps returns the capability payload of battery feature f (function
// fn), read once and remembered.
func (d *Device) batteryCaps(ctx context.Context, f FeatureID, fn byte) ([]byte, error) {
	d.mu.Lock()
	caps := d.known.BatteryCaps
	d.mu.Unlock()
	if len(caps) > 0 {
		return caps, nil
	}
	rep, err := d.Call(ctx, f, fn)
	if err != nil {
		return nil, err
	}
	caps = append([]byte(nil), rep.Params()...)
	d.mu.Lock()
	d.known.BatteryCaps = caps
	d.mu.Unlock()
	return caps, nil
}

func (d *Device) registerBattery(ctx context.Context) (Battery, []byte, error) {
	d.mu.Lock()
	known := d.known.BatteryRegister
	d.mu.Unlock()
	if known != 0 {
		b, v, err := d.batteryRegister(ctx, known)
		if !errors.Is(err, errNoRegister) {
			return b, v, err
		}
		// The register remembered is gone: a cache that was wrong, or
		// new firmware. Look for either again.
		d.mu.Lock()
		d.known.BatteryRegister = 0
		d.mu.Unlock()
	}
	for _, reg := range []byte{0x0D, 0x07} {
		b, v, err := d.batteryRegister(ctx, reg)
		if errors.Is(err, errNoRegister) {
			continue // the device has the other register
		}
		return b, v, err
	}
	return Battery{}, nil, fmt.Errorf("%w: %s has neither register 0x0D nor 0x07", ErrNoBattery, d)
}

// errNoRegister: the device answered that it has no such register.
var errNoRegister = errors.New("hidpp: no such register")

// batteryRegister reads battery register reg (0x0D or 0x07) and remembers
// it as the device's.
func (d *Device) batteryRegister(ctx context.Context, reg byte) (Battery, []byte, error) {
	v, err := d.ReadRegister(ctx, reg)
	var herr *Error
	switch {
	case errors.As(err, &herr) && herr.Version == 1 && herr.Code == Err10InvalidAddress:
		return Battery{}, nil, errNoRegister
	case err != nil:
		return Battery{}, nil, fmt.Errorf("read battery of %s: %w", d, err)
	}
	d.mu.Lock()
	d.known.BatteryRegister = reg
	d.mu.Unlock()
	var b Battery
	if reg == 0x0D {
		b, err = DecodeRegister0D(v)
	} else {
		b, err = DecodeRegister07(v)
	}
	return b, v, err
}

// SetLightMeasure asks a solar keyboard (feature 0x4301 function 0) to send
// count light reports, period seconds apart. The reports arrive as
// notifications; decode them with [DecodeSolarEvent].
//
// It is a request that changes what the keyboard does, so it goes through
// a cached index only while the table is one the device confirmed in this
// run or less than TrustFor ago; past that the index is checked first
// (IRoot.GetFeature), so that it never reaches a feature that moved there
// with new firmware. A reading can be judged by its answer; a write cannot
// be taken back.
func (d *Device) SetLightMeasure(ctx context.Context, count, period byte) error {
	d.mu.Lock()
	_, listed := d.known.Features[FeatureSolarDashboard]
	stale := d.cached && listed && !d.freshLocked()
	d.mu.Unlock()
	if stale {
		d.conn.log.Debug("checking the cached index before writing to it: the device last confirmed it too long ago", "device", d.index)
		if _, err := d.CheckFeature(ctx, FeatureSolarDashboard); err != nil {
			return fmt.Errorf("ask %s for light reports: %w", d, err)
		}
	}
	if _, err := d.Call(ctx, FeatureSolarDashboard, 0, count, period); err != nil {
		return fmt.Errorf("ask %s for light reports: %w", d, err)
	}
	return nil
}

// EventBattery decodes r as a battery event of this device, using what is
// known of its feature table: 0x1000/0x1001/0x1004 event 0, HID++ 1.0
// register events 0x07/0x0D, or a solar event. ok is false when r is not a
// battery event of this device; err is set when it is one but malformed.
func (d *Device) EventBattery(r *Report) (b Battery, ok bool, err error) {
	if r.Device() != d.index {
		return Battery{}, false, nil
	}
	if r.ID() == ShortID && (r.SubID() == SubBatteryStatus || r.SubID() == SubBatteryMileage) && !d.Protocol().IsFeatureBased() {
		if r.SubID() == SubBatteryStatus {
			b, err = DecodeRegister07(RegisterEventPayload(r))
		} else {
			b, err = DecodeRegister0D(RegisterEventPayload(r))
		}
		return b, true, err
	}
	if r.SoftwareID() != 0 || r.SubID() == 0 || r.ID() == ShortID {
		return Battery{}, false, nil
	}
	d.mu.Lock()
	var f FeatureID
	found := false
	for id, ix := range d.known.Features {
		if ix == r.SubID() {
			f, found = id, true
			break
		}
	}
	caps := d.known.BatteryCaps
	d.mu.Unlock()
	if !found {
		return Battery{}, false, nil
	}
	switch {
	case f == FeatureSolarDashboard:
		ev, err := DecodeSolarEvent(r)
		return ev.Battery(), true, err
	case r.Function() != 0:
		return Battery{}, false, nil
	case f == FeatureBatteryStatus:
		var bc *BatteryCapability
		if c, err := DecodeBatteryCapability(caps); err == nil {
			bc = &c
		}
		b, err = DecodeBatteryStatus(r.Params(), bc)
	case f == FeatureUnifiedBattery:
		var uc *UnifiedCapability
		if c, err := DecodeUnifiedCapability(caps); err == nil {
			uc = &c
		}
		b, err = DecodeUnifiedBattery(r.Params(), uc)
	case f == FeatureBatteryVoltage:
		b, err = DecodeBatteryVoltage(r.Params())
	default:
		return Battery{}, false, nil
	}
	return b, true, err
}
