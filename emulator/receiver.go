package emulator

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/hidraw"
)

// Opts tunes an emulated receiver for tests and demos.
type Opts struct {
	// Second is how long one second of device time lasts: the period of
	// SetLightMeasure reports. Default time.Second; tests shrink it.
	Second time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Receiver is the emulated hardware of one profile: a receiver with its
// paired devices, answering the host side of HID++ on the receiver's HID++
// interface (every report written with [Receiver.Handle] or through a
// [Conn] from [Receiver.Open]) and sending its answers, notifications and
// events to every Conn open on it, as a real receiver does to every open
// hidraw node; or, for a profile of Bluetooth-direct devices, those devices
// with no receiver, each answering on a node of its own
// ([Receiver.OpenDevice]). It is safe for concurrent use.
type Receiver struct {
	mu   sync.Mutex
	prof ReceiverProfile
	// model is the receiver's product; nil for a profile of Bluetooth
	// devices, which has no receiver.
	model *model
	// adapter is the Bluetooth adapter's address, for Bluetooth devices.
	adapter string
	// without are the registers the profile takes from the model.
	without  map[register]bool
	serial   uint32
	uniqueID string // Bolt's, 16 characters
	// hidppIn are the input reports the receiver's HID++ interface
	// declares, and their sizes: only those reach a host.
	hidppIn map[byte]int
	devices map[byte]*device
	flags   [3]byte // register 0x00: notification flags
	opts    Opts

	conns   map[*Conn]struct{}
	plugged bool

	dropReplies  int
	delayReplies int
	delay        time.Duration
	dupReplies   int                // replies still to send twice
	misReplies   int                // replies still to misaddress
	misHow       Misaddress         // how to misaddress them
	disconnect   map[byte]bool      // devices to take out of range at their next request
	pairingError byte               // FailPairing's error code, 0 for none
	garble       *garbler           // GarblePairing's, nil for none
	slotFaults   map[byte]SlotFault // FaultSlot's, by slot
	requests     map[byte]int
	timers       map[*time.Timer]struct{}
	plugWatch    map[chan bool]struct{}       // told of Unplug (false) and Replug (true)
	linkWatch    map[chan linkChange]struct{} // told when a Bluetooth device connects or disconnects
	taps         map[chan []byte]struct{}     // given every report written (Tap)
}

// New builds the emulated hardware of a validated profile. opts may be
// nil.
func New(p *Profile, opts *Opts) *Receiver {
	r := &Receiver{prof: p.Receiver, devices: map[byte]*device{}, conns: map[*Conn]struct{}{},
		plugged: true, requests: map[byte]int{}, timers: map[*time.Timer]struct{}{}, without: map[register]bool{},
		plugWatch: map[chan bool]struct{}{}, linkWatch: map[chan linkChange]struct{}{},
		disconnect: map[byte]bool{}, taps: map[chan []byte]struct{}{}, slotFaults: map[byte]SlotFault{}}
	if opts != nil {
		r.opts = *opts
	}
	if r.opts.Second <= 0 {
		r.opts.Second = time.Second
	}
	if r.opts.Now == nil {
		r.opts.Now = time.Now
	}
	if p.Bluetooth != nil {
		r.adapter = p.Bluetooth.Adapter
	} else {
		pid, _ := parseHex16(p.Receiver.PID)
		r.model, _ = modelOf(pid)
		for _, w := range p.Receiver.Without {
			r.without[register(w)] = true
		}
		r.serial, _ = parseHex32(p.Receiver.Serial)
		r.uniqueID = p.Receiver.Serial
		if len(r.uniqueID) == 8 { // the short form: the serial twice
			r.uniqueID = fmt.Sprintf("%08X%08X", r.serial, r.serial)
		}
		l := r.Layout()
		r.hidppIn, _ = hidraw.ReportSizes(l.Interfaces[l.HIDPP].Descriptor)
	}
	now := r.opts.Now()
	for _, dp := range p.Devices {
		d := newDevice(dp)
		if dp.Solar != nil {
			d.solar = newSolar(dp.Solar, now)
		}
		r.devices[d.index] = d
	}
	return r
}

// PID is the receiver's USB product id; 0 for Bluetooth devices.
func (r *Receiver) PID() uint16 {
	if r.model == nil {
		return 0
	}
	return r.model.pid
}

// Family is the receiver's family; "" for Bluetooth devices.
func (r *Receiver) Family() transport.Family {
	if r.model == nil {
		return ""
	}
	return r.model.family
}

// Bluetooth reports whether the profile is of Bluetooth-direct devices,
// with no receiver.
func (r *Receiver) Bluetooth() bool { return r.model == nil }

// Serial is the receiver's serial as 8 hex digits; for a Bolt receiver its
// 16-character unique id; "" for a receiver that keeps none (the Nano
// C534) and for Bluetooth devices.
func (r *Receiver) Serial() string {
	switch {
	case r.model == nil || r.model.serial == serialNone:
		return ""
	case r.model.serial == serialUnique:
		return r.uniqueID
	}
	return fmt.Sprintf("%08X", r.serial)
}

// Requests returns how many reports the host wrote, per device index
// (0xFF for the receiver). A Bluetooth device's are counted under its
// number in the profile.
func (r *Receiver) Requests() map[byte]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[byte]int, len(r.requests))
	for k, v := range r.requests {
		out[k] = v
	}
	return out
}

// TotalRequests is the sum of Requests.
func (r *Receiver) TotalRequests() int {
	n := 0
	for _, v := range r.Requests() {
		n += v
	}
	return n
}

// ResetRequests zeroes the request counters.
func (r *Receiver) ResetRequests() {
	r.mu.Lock()
	r.requests = map[byte]int{}
	r.mu.Unlock()
}

// Close stops pending timers (light reports, delayed replies) and closes
// every open Conn.
func (r *Receiver) Close() {
	r.mu.Lock()
	for t := range r.timers {
		t.Stop()
	}
	r.timers = map[*time.Timer]struct{}{}
	conns := r.conns
	r.conns = map[*Conn]struct{}{}
	r.mu.Unlock()
	for c := range conns {
		c.end(nil)
	}
}

// after runs f after d unless the receiver is closed first. r.mu must be held.
func (r *Receiver) after(d time.Duration, f func()) {
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		r.mu.Lock()
		_, live := r.timers[t]
		delete(r.timers, t)
		r.mu.Unlock()
		if live {
			f()
		}
	})
	r.timers[t] = struct{}{}
}

// emit sends an input report to every Conn open on the node it leaves
// from: the receiver's HID++ interface, or for a Bluetooth device d its own
// node. Only reports that node's descriptor declares leave it, as hid-core
// drops the others before hidraw sees them: a short report from a device
// that declares only long ones is sent long, as such devices answer, and
// any other undeclared report is dropped. r.mu must be held.
func (r *Receiver) emit(d *device, b []byte) {
	in := r.hidppIn
	if r.model == nil {
		in = d.bt.in
	}
	b, ok := fitReport(in, b)
	if !ok {
		return
	}
	for c := range r.conns {
		if r.model != nil || c.dev == d {
			c.push(b)
		}
	}
}

// fitReport returns b as a node whose input reports are in can send it.
func fitReport(in map[byte]int, b []byte) ([]byte, bool) {
	if len(b) == 0 {
		return nil, false
	}
	if _, ok := in[b[0]]; ok {
		return b, true
	}
	if b[0] == hidpp.ShortID && in[hidpp.LongID] == hidpp.LongLen-1 {
		long := make([]byte, hidpp.LongLen)
		copy(long, b)
		long[0] = hidpp.LongID
		return long, true
	}
	return nil, false
}

// answer sends d's reply to a request (d nil: the receiver's), applying the
// reply faults. r.mu must be held.
func (r *Receiver) answer(d *device, rep hidpp.Report) {
	if r.dropReplies > 0 {
		r.dropReplies--
		return
	}
	if r.misReplies > 0 {
		r.misReplies--
		rep = misaddress(rep, r.misHow)
	}
	b := append([]byte(nil), rep.Bytes()...)
	times := 1
	if r.dupReplies > 0 {
		r.dupReplies--
		times = 2
	}
	if r.delayReplies > 0 {
		r.delayReplies--
		r.after(r.delay, func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			for range times {
				r.emit(d, b)
			}
		})
		return
	}
	for range times {
		r.emit(d, b)
	}
}

func err10(ix, sub, addr, code byte) hidpp.Report {
	return hidpp.Short(ix, hidpp.SubError10, sub, addr, code)
}

func err20(ix, fi, fs, code byte) hidpp.Report {
	return hidpp.Long(ix, hidpp.SubError20, fi, fs, code)
}

// Handle processes one report written to the receiver's HID++ interface.
// Anything that is not a HID++ or DJ report is ignored, as by the real
// receiver; so is everything on a profile of Bluetooth devices, which
// has no receiver.
func (r *Receiver) Handle(b []byte) { r.handle(nil, b) }

// handle processes one report written to the receiver's HID++ interface
// (on nil) or to Bluetooth device on's node.
func (r *Receiver) handle(on *device, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for ch := range r.taps {
		select {
		case ch <- bytes.Clone(b):
		default: // a full tap loses the report, the receiver goes on
		}
	}
	if r.model == nil {
		if on != nil {
			r.btRequest(on, b)
		}
		return
	}
	if len(b) == 15 && b[0] == 0x20 {
		if r.model.dj {
			r.dj(b)
		}
		return
	}
	req, err := hidpp.Parse(b)
	if err != nil {
		return
	}
	r.requests[req.Device()]++
	if req.Device() == hidpp.ReceiverIndex {
		r.receiverRequest(&req)
		return
	}
	d := r.devices[req.Device()]
	if d != nil && d.online && r.disconnect[d.index] {
		// Out of range in the middle of the request: no answer, the link
		// goes down.
		delete(r.disconnect, d.index)
		r.goOffline(d)
		return
	}
	switch {
	case d == nil:
		r.answer(nil, err10(req.Device(), req.SubID(), req.Address(), hidpp.Err10UnknownDevice))
	case !d.online:
		r.answer(d, err10(req.Device(), req.SubID(), req.Address(), hidpp.Err10ResourceError))
	default:
		r.deviceRequest(d, &req)
	}
}

// deviceRequest answers a request that reached device d.
func (r *Receiver) deviceRequest(d *device, req *hidpp.Report) {
	if d.protocol.IsFeatureBased() {
		r.featureRequest(d, req)
	} else {
		r.registerRequest(d, req)
	}
}

func (r *Receiver) sorted() []*device {
	ds := make([]*device, 0, len(r.devices))
	for _, d := range r.devices {
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].index < ds[j].index })
	return ds
}

// wireIndex is the device index d's events carry: its slot behind a
// receiver, 0xFF for a Bluetooth device.
func (d *device) wireIndex() byte {
	if d.bt != nil {
		return hidpp.ReceiverIndex
	}
	return d.index
}

// featureRequest answers a HID++ 2.0 request. Replies carry the device
// index the request did: a device's slot, or 0xFF for a Bluetooth device.
func (r *Receiver) featureRequest(d *device, req *hidpp.Report) {
	ix, fi, fs := req.Device(), req.SubID(), req.Address()
	fn, p := req.Function(), req.Params()
	if int(fi) >= len(d.features) {
		r.answer(d, err20(ix, fi, fs, hidpp.Err20InvalidFeature))
		return
	}
	f := d.features[fi].id
	ok := func(v ...byte) { r.answer(d, hidpp.Long(ix, fi, fs, v...)) }
	fail := func(code byte) { r.answer(d, err20(ix, fi, fs, code)) }
	if v, found := d.reply(f, fn); found {
		ok(v...)
		return
	}
	switch f {
	case hidpp.FeatureRoot:
		switch fn {
		case 0:
			id := hidpp.FeatureID(binary.BigEndian.Uint16(p))
			if i := d.featureIndex(id); i != 0 || id == hidpp.FeatureRoot {
				ok(i, d.featureFlags(id), d.feature(id).version)
			} else {
				ok(0, 0, 0)
			}
		case 1:
			ok(d.protocol.Major, d.protocol.Minor, p[2])
		default:
			fail(hidpp.Err20InvalidFunction)
		}
	case hidpp.FeatureSet:
		switch fn {
		case 0:
			ok(byte(len(d.features) - 1))
		case 1:
			i := int(p[0])
			if i >= len(d.features) {
				fail(hidpp.Err20OutOfRange)
				return
			}
			e := d.features[i]
			ok(byte(e.id>>8), byte(e.id), d.featureFlags(e.id), e.version)
		default:
			fail(hidpp.Err20InvalidFunction)
		}
	case hidpp.FeatureFirmware:
		switch {
		case fn == 0:
			// Entity count, unit id, then the transport bits and model
			// id (hidpp.md §0x0003).
			v := []byte{byte(len(d.firmware)), 0, 0, 0, 0, 0}
			binary.BigEndian.PutUint32(v[1:], d.serial)
			ok(append(v, d.ids[:]...)...)
		case fn == 1 && int(p[0]) < len(d.firmware):
			ok(d.firmware[p[0]]...)
		case fn == 1:
			fail(hidpp.Err20OutOfRange)
		default:
			fail(hidpp.Err20InvalidFunction)
		}
	case hidpp.FeatureName:
		name := d.prof.Name
		switch fn {
		case 0:
			ok(byte(len(name)))
		case 1:
			start := min(int(p[0]), len(name))
			ok([]byte(name[start:min(start+16, len(name))])...)
		case 2:
			k, _ := hidpp.KindTo20(d.selfKind)
			ok(k)
		default:
			fail(hidpp.Err20InvalidFunction)
		}
	case featureFriendlyName:
		r.friendlyName(d, req)
	case hidpp.FeatureBatteryStatus, hidpp.FeatureBatteryVoltage, hidpp.FeatureUnifiedBattery:
		r.batteryRequest(d, f, req)
	case hidpp.FeatureSolarDashboard:
		if fn != 0 || d.solar == nil {
			fail(hidpp.Err20InvalidFunction)
			return
		}
		ok(p[0], p[1])
		r.startLightReports(d, int(p[0]), int(p[1]))
	case hidpp.FeatureWirelessStatus, 0x1DF3:
		fail(hidpp.Err20InvalidFunction)
	default:
		// Features the emulator does not model answer zeros, which a
		// host takes for "nothing there" (no keys, no hosts): real
		// devices' errors would stop Solaar 1.1.8's show, which raises
		// on them. Where zeros are not a valid answer (Solaar rejects a
		// pointer speed of 0), a profile's "replies" give one.
		ok()
	}
}

// featureFriendlyName is feature 0x0007, the name the user may give a
// device; Solaar shows it as the codename.
const featureFriendlyName hidpp.FeatureID = 0x0007

// friendlyName answers feature 0x0007 with the device's codename, which no
// one renames here: function 0 its length, the longest it may be (32) and
// the default's length; functions 1 and 2 (the name and the default name)
// up to 15 characters from an offset, after the offset echoed.
func (r *Receiver) friendlyName(d *device, req *hidpp.Report) {
	ix, fi, fs := req.Device(), req.SubID(), req.Address()
	name := d.prof.Codename
	switch req.Function() {
	case 0:
		r.answer(d, hidpp.Long(ix, fi, fs, byte(len(name)), 32, byte(len(name))))
	case 1, 2:
		off := req.Param(0)
		start := min(int(off), len(name))
		r.answer(d, hidpp.Long(ix, fi, fs, append([]byte{off}, name[start:min(start+15, len(name))]...)...))
	default:
		r.answer(d, err20(ix, fi, fs, hidpp.Err20InvalidFunction))
	}
}

func (r *Receiver) batteryRequest(d *device, f hidpp.FeatureID, req *hidpp.Report) {
	ix, fi, fs, fn := req.Device(), req.SubID(), req.Address(), req.Function()
	b := d.battery
	if b == nil {
		r.answer(d, err20(ix, fi, fs, hidpp.Err20HardwareError))
		return
	}
	var v []byte
	switch {
	case f == hidpp.FeatureBatteryStatus && fn == 0:
		v = b.battery1000()
	case f == hidpp.FeatureBatteryStatus && fn == 1:
		flags := byte(0)
		if b.levelsOr(10) >= 10 {
			flags |= 0x02 // mileage
		}
		v = []byte{byte(b.levelsOr(10)), flags}
	case f == hidpp.FeatureBatteryVoltage && fn == 0:
		v = b.battery1001()
	case f == hidpp.FeatureUnifiedBattery && fn == 0:
		// All four levels; state of charge supported; rechargeable if so.
		flags := byte(0x02)
		if b.rechargeable {
			flags |= 0x01
		}
		v = []byte{0x0F, flags}
	case f == hidpp.FeatureUnifiedBattery && fn == 1:
		v = b.battery1004()
	default:
		r.answer(d, err20(ix, fi, fs, hidpp.Err20InvalidFunction))
		return
	}
	r.answer(d, hidpp.Long(ix, fi, fs, v...))
}

// startLightReports answers SetLightMeasure(count, period): count light
// reports, period device-seconds apart, the first one period after the
// request (an event right behind the echo can be lost by the kernel). A new
// request cancels the chain running; count 0 only cancels.
func (r *Receiver) startLightReports(d *device, count, period int) {
	d.solar.gen++
	gen := d.solar.gen
	if period < 1 {
		period = 1
	}
	every := time.Duration(period) * r.opts.Second
	var next func(left int)
	next = func(left int) {
		if left <= 0 {
			return
		}
		r.after(every, func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			if d.solar.gen != gen || !d.online || !r.plugged {
				return
			}
			r.emitSolar(d, hidpp.SolarLightReport)
			next(left - 1)
		})
	}
	next(count)
}

// emitSolar sends a solar event of kind k with the keyboard's current charge
// and light. r.mu must be held.
func (r *Receiver) emitSolar(d *device, k hidpp.SolarEventKind) {
	charge, lux := d.solar.reading(r.opts.Now())
	fi := d.featureIndex(hidpp.FeatureSolarDashboard)
	rep := hidpp.EncodeSolarEvent(d.wireIndex(), fi, k, charge, lux, d.solar.aux)
	r.emitReport(d, rep)
}

func (r *Receiver) emitReport(d *device, rep hidpp.Report) { r.emit(d, rep.Bytes()) }
