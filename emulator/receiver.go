package emulator

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/helio-linux/helio/hidpp"
)

// Opts tunes an emulated receiver for tests and demos.
type Opts struct {
	// Second is how long one second of device time lasts: the period of
	// SetLightMeasure reports. Default time.Second; tests shrink it.
	Second time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Receiver is an emulated Unifying receiver with its paired devices. It
// answers the host side of HID++ (every report written with [Receiver.Handle])
// and sends its answers, notifications and events to every open [Conn], as a
// real receiver does to every open hidraw node. It is safe for concurrent use.
type Receiver struct {
	mu      sync.Mutex
	prof    ReceiverProfile
	serial  uint32
	devices map[byte]*device
	flags   [3]byte // register 0x00: notification flags
	opts    Opts

	conns   map[*Conn]struct{}
	plugged bool

	dropReplies  int
	delayReplies int
	delay        time.Duration
	dupReplies   int           // replies still to send twice
	misReplies   int           // replies still to misaddress
	misHow       Misaddress    // how to misaddress them
	disconnect   map[byte]bool // devices to take out of range at their next request
	requests     map[byte]int
	timers       map[*time.Timer]struct{}
	plugWatch    map[chan bool]struct{}   // told of Unplug (false) and Replug (true)
	taps         map[chan []byte]struct{} // given every report written (Tap)
}

// New builds a receiver from a validated profile. opts may be nil.
func New(p *Profile, opts *Opts) *Receiver {
	r := &Receiver{prof: p.Receiver, devices: map[byte]*device{}, conns: map[*Conn]struct{}{},
		plugged: true, requests: map[byte]int{}, timers: map[*time.Timer]struct{}{},
		plugWatch: map[chan bool]struct{}{}, disconnect: map[byte]bool{}, taps: map[chan []byte]struct{}{}}
	if opts != nil {
		r.opts = *opts
	}
	if r.opts.Second <= 0 {
		r.opts.Second = time.Second
	}
	if r.opts.Now == nil {
		r.opts.Now = time.Now
	}
	r.serial, _ = parseHex32(p.Receiver.Serial)
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

// PID is the receiver's USB product id.
func (r *Receiver) PID() uint16 {
	v, _ := parseHex16(r.prof.PID)
	return v
}

// Serial is the receiver's serial as 8 hex digits.
func (r *Receiver) Serial() string { return fmt.Sprintf("%08X", r.serial) }

// Requests returns how many reports the host wrote, per device index
// (0xFF for the receiver).
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

// emit sends an input report to every open Conn. r.mu must be held.
func (r *Receiver) emit(b []byte) {
	for c := range r.conns {
		c.push(b)
	}
}

// answer sends a reply to a request, applying the reply faults. r.mu must be held.
func (r *Receiver) answer(rep hidpp.Report) {
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
				r.emit(b)
			}
		})
		return
	}
	for range times {
		r.emit(b)
	}
}

func err10(ix, sub, addr, code byte) hidpp.Report {
	return hidpp.Short(ix, hidpp.SubError10, sub, addr, code)
}

func err20(ix, fi, fs, code byte) hidpp.Report {
	return hidpp.Long(ix, hidpp.SubError20, fi, fs, code)
}

// Handle processes one report written by the host. Anything that is not a
// HID++ or DJ report is ignored, as by the real receiver.
func (r *Receiver) Handle(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for ch := range r.taps {
		select {
		case ch <- bytes.Clone(b):
		default: // a full tap loses the report, the receiver goes on
		}
	}
	if len(b) == 15 && b[0] == 0x20 {
		r.dj(b)
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
		r.answer(err10(req.Device(), req.SubID(), req.Address(), hidpp.Err10UnknownDevice))
	case !d.online:
		r.answer(err10(req.Device(), req.SubID(), req.Address(), hidpp.Err10ResourceError))
	case d.protocol.IsFeatureBased():
		r.featureRequest(d, &req)
	default:
		r.registerRequest(d, &req)
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

// connectNotification is the HID++ 0x41 report announcing d: Unifying
// protocol, its kind, encrypted, and link up or down.
func connectNotification(d *device) hidpp.Report {
	info := byte(d.kind)&0x0F | 0x20
	if !d.online {
		info |= 0x40
	}
	return hidpp.Short(d.index, hidpp.SubConnect, 0x04, info, byte(d.wpid), byte(d.wpid>>8))
}

func (r *Receiver) receiverRequest(req *hidpp.Report) {
	sub, reg, p := req.SubID(), req.Address(), req.Params()
	ok := func(v ...byte) { r.answer(hidpp.Short(hidpp.ReceiverIndex, sub, reg, v...)) }
	switch {
	case sub < 0x80: // a HID++ 2.0 request: the receiver speaks 1.0
		r.answer(err10(hidpp.ReceiverIndex, sub, reg, hidpp.Err10InvalidSubID))
	case sub == hidpp.SubGetRegister && reg == 0x00:
		ok(r.flags[:]...)
	case sub == hidpp.SubSetRegister && reg == 0x00:
		copy(r.flags[:], p)
		ok()
	case sub == hidpp.SubGetRegister && reg == 0x02:
		ok(0, byte(len(r.devices)), 0)
	case sub == hidpp.SubSetRegister && reg == 0x02:
		if p[0] == 0x02 { // fake device arrival: the 0x41s come before the ack
			for _, d := range r.sorted() {
				r.emitReport(connectNotification(d))
			}
		}
		ok()
	case sub == hidpp.SubGetRegister && reg == 0x03:
		ok()
	case sub == hidpp.SubSetRegister && reg == 0x03:
		ok()
	case sub == hidpp.SubGetRegister && reg == 0xF1:
		r.firmwareInfo(req)
	case sub == hidpp.SubGetLongRegister && reg == 0xB5 && r.bolt():
		r.boltPairingInfo(req)
	case sub == hidpp.SubGetLongRegister && reg == 0xB5:
		r.pairingInfo(req)
	case sub == hidpp.SubGetLongRegister && reg == 0xFB && r.bolt():
		// Bolt's unique id: 16 bytes, here the serial's hex digits twice.
		id := []byte(fmt.Sprintf("%08X%08X", r.serial, r.serial))
		r.answer(hidpp.Long(hidpp.ReceiverIndex, sub, reg, id...))
	default:
		r.answer(err10(hidpp.ReceiverIndex, sub, reg, hidpp.Err10InvalidAddress))
	}
}

func (r *Receiver) firmwareInfo(req *hidpp.Report) {
	fw := func(s string) []byte {
		ma, mi, build, _ := parseVersion(s)
		return []byte{ma, mi, byte(build >> 8), byte(build)}
	}
	var v []byte
	switch sel := req.Param(0); sel {
	case 0x01:
		v = []byte{sel, fw(r.prof.Firmware)[0], fw(r.prof.Firmware)[1]}
	case 0x02:
		v = []byte{sel, fw(r.prof.Firmware)[2], fw(r.prof.Firmware)[3]}
	case 0x04:
		v = []byte{sel, fw(r.prof.Bootloader)[0], fw(r.prof.Bootloader)[1]}
	default: // 0x03 ("other") answers invalid value on real receivers
		r.answer(err10(hidpp.ReceiverIndex, req.SubID(), req.Address(), hidpp.Err10InvalidValue))
		return
	}
	r.answer(hidpp.Short(hidpp.ReceiverIndex, req.SubID(), req.Address(), v...))
}

func (r *Receiver) pairingInfo(req *hidpp.Report) {
	s := req.Param(0)
	long := func(v ...byte) {
		r.answer(hidpp.Long(hidpp.ReceiverIndex, hidpp.SubGetLongRegister, 0xB5, append([]byte{s}, v...)...))
	}
	invalid := func() {
		r.answer(err10(hidpp.ReceiverIndex, req.SubID(), req.Address(), hidpp.Err10InvalidValue))
	}
	if s == 0x03 {
		var ser [4]byte
		binary.BigEndian.PutUint32(ser[:], r.serial)
		long(ser[0], ser[1], ser[2], ser[3], 0x05, byte(r.prof.MaxDevices), 0x0E)
		return
	}
	n := s & 0x0F
	if s < 0x20 || s > 0x4F || int(n) >= r.prof.MaxDevices {
		invalid()
		return
	}
	d := r.devices[n+1]
	if d == nil {
		invalid()
		return
	}
	switch s & 0xF0 {
	case 0x20:
		long(0x00, byte(d.prof.ReportIntervalMS), byte(d.wpid>>8), byte(d.wpid), 0, 0, byte(d.kind))
	case 0x30:
		var ser, rt [4]byte
		binary.BigEndian.PutUint32(ser[:], d.serial)
		binary.LittleEndian.PutUint32(rt[:], d.reportTypes())
		long(ser[0], ser[1], ser[2], ser[3], rt[0], rt[1], rt[2], rt[3], byte(d.prof.PowerSwitch))
	case 0x40:
		long(append([]byte{byte(len(d.prof.Codename))}, d.prof.Codename...)...)
	}
}

// bolt reports whether the receiver is a Bolt (c548), whose pairing
// registers differ from Unifying's.
func (r *Receiver) bolt() bool { return r.prof.PID == "c548" }

// boltPairingInfo answers Bolt's 0xB5 0x5n (n = slot: kind, wpid LSB first,
// serial) and 0x6n with parameter 1 (codename).
func (r *Receiver) boltPairingInfo(req *hidpp.Report) {
	s := req.Param(0)
	d := r.devices[s&0x0F]
	if d == nil || (s&0xF0 != 0x50 && s&0xF0 != 0x60) {
		r.answer(err10(hidpp.ReceiverIndex, req.SubID(), req.Address(), hidpp.Err10InvalidValue))
		return
	}
	var v []byte
	if s&0xF0 == 0x50 {
		v = []byte{s, byte(d.kind), byte(d.wpid), byte(d.wpid >> 8), 0, 0, 0, 0}
		binary.BigEndian.PutUint32(v[4:], d.serial)
	} else {
		v = append([]byte{s, 0x01, byte(len(d.prof.Codename))}, d.prof.Codename...)
	}
	r.answer(hidpp.Long(hidpp.ReceiverIndex, hidpp.SubGetLongRegister, 0xB5, v...))
}

// reportTypes is the DJ report bitmap: keyboards send keyboard, consumer and
// power keys reports; pointing devices mouse reports.
func (d *device) reportTypes() uint32 {
	if v, ok := parseHex32(d.prof.ReportTypes); ok {
		return v
	}
	if d.kind == hidpp.KindKeyboard || d.kind == hidpp.KindNumpad {
		return 0x1A
	}
	return 0x04
}

// dj answers the DJ commands on report 0x20: 0x80 switch mode (no answer),
// 0x81 get paired devices (one DJ 0x41 per device).
func (r *Receiver) dj(b []byte) {
	if b[1] != hidpp.ReceiverIndex || b[2] != 0x81 {
		return
	}
	ds := r.sorted()
	for i, d := range ds {
		var rep [15]byte
		rep[0], rep[1], rep[2] = 0x20, d.index, 0x41
		if i < len(ds)-1 {
			rep[3] = 0x01 // more follow
		}
		rep[4], rep[5] = byte(d.wpid), byte(d.wpid>>8)
		binary.LittleEndian.PutUint32(rep[6:], d.reportTypes())
		r.emit(rep[:])
	}
}

func (r *Receiver) registerRequest(d *device, req *hidpp.Report) {
	ix, sub, reg, p := d.index, req.SubID(), req.Address(), req.Params()
	switch {
	case sub < 0x80: // HID++ 2.0 request (the ping): "invalid sub-ID" says 1.0
		r.answer(err10(ix, sub, reg, hidpp.Err10InvalidSubID))
	case sub == hidpp.SubGetRegister && reg == 0x00 && !d.rawFlags():
		r.answer(hidpp.Short(ix, sub, reg, d.flags[:]...))
	case sub == hidpp.SubSetRegister && reg == 0x00 && !d.rawFlags():
		copy(d.flags[:], p)
		r.answer(hidpp.Short(ix, sub, reg))
	case sub == hidpp.SubGetRegister:
		v, ok := d.registerValue(reg)
		if !ok {
			r.answer(err10(ix, sub, reg, hidpp.Err10InvalidAddress))
			return
		}
		r.answer(hidpp.Short(ix, sub, reg, v[:]...))
	case sub == hidpp.SubSetRegister:
		if _, ok := d.registerValue(reg); ok {
			r.answer(err10(ix, sub, reg, hidpp.Err10InvalidValue)) // read-only
			return
		}
		r.answer(err10(ix, sub, reg, hidpp.Err10InvalidAddress))
	default:
		r.answer(err10(ix, sub, reg, hidpp.Err10InvalidAddress))
	}
}

// rawFlags reports whether the profile fixes register 0x00: the device then
// cannot be told to send battery events, and hosts must poll it.
func (d *device) rawFlags() bool {
	_, ok := d.registers[0x00]
	return ok
}

func (d *device) registerValue(reg byte) ([3]byte, bool) {
	if d.battery != nil && reg == d.battery.register {
		return d.battery.registerValue(reg), true
	}
	v, ok := d.registers[reg]
	return v, ok
}

func (r *Receiver) featureRequest(d *device, req *hidpp.Report) {
	ix, fi, fs := d.index, req.SubID(), req.Address()
	fn, p := req.Function(), req.Params()
	if int(fi) >= len(d.features) {
		r.answer(err20(ix, fi, fs, hidpp.Err20InvalidFeature))
		return
	}
	f := d.features[fi]
	ok := func(v ...byte) { r.answer(hidpp.Long(ix, fi, fs, v...)) }
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
				ok(i, d.featureFlags(id), 0)
			} else {
				ok(0, 0, 0)
			}
		case 1:
			ok(d.protocol.Major, d.protocol.Minor, p[2])
		default:
			r.answer(err20(ix, fi, fs, hidpp.Err20InvalidFunction))
		}
	case hidpp.FeatureSet:
		switch fn {
		case 0:
			ok(byte(len(d.features) - 1))
		case 1:
			i := int(p[0])
			if i >= len(d.features) {
				r.answer(err20(ix, fi, fs, hidpp.Err20OutOfRange))
				return
			}
			id := d.features[i]
			ok(byte(id>>8), byte(id), d.featureFlags(id), 0)
		default:
			r.answer(err20(ix, fi, fs, hidpp.Err20InvalidFunction))
		}
	case hidpp.FeatureFirmware:
		switch {
		case fn == 0:
			ok(byte(len(d.firmware)))
		case fn == 1 && int(p[0]) < len(d.firmware):
			ok(d.firmware[p[0]]...)
		case fn == 1:
			r.answer(err20(ix, fi, fs, hidpp.Err20OutOfRange))
		default:
			r.answer(err20(ix, fi, fs, hidpp.Err20InvalidFunction))
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
			k, _ := hidpp.KindTo20(d.kind)
			ok(k)
		default:
			r.answer(err20(ix, fi, fs, hidpp.Err20InvalidFunction))
		}
	case hidpp.FeatureBatteryStatus, hidpp.FeatureBatteryVoltage, hidpp.FeatureUnifiedBattery:
		r.batteryRequest(d, f, req)
	case hidpp.FeatureSolarDashboard:
		if fn != 0 || d.solar == nil {
			r.answer(err20(ix, fi, fs, hidpp.Err20InvalidFunction))
			return
		}
		ok(p[0], p[1])
		r.startLightReports(d, int(p[0]), int(p[1]))
	case hidpp.FeatureWirelessStatus, 0x1DF3:
		r.answer(err20(ix, fi, fs, hidpp.Err20InvalidFunction))
	default: // features Helio does not use answer zeros, as stubs
		ok()
	}
}

func (r *Receiver) batteryRequest(d *device, f hidpp.FeatureID, req *hidpp.Report) {
	ix, fi, fs, fn := d.index, req.SubID(), req.Address(), req.Function()
	b := d.battery
	if b == nil {
		r.answer(err20(ix, fi, fs, hidpp.Err20HardwareError))
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
		v = []byte{0x0F, 0x02} // all four levels; state of charge supported
	case f == hidpp.FeatureUnifiedBattery && fn == 1:
		v = b.battery1004()
	default:
		r.answer(err20(ix, fi, fs, hidpp.Err20InvalidFunction))
		return
	}
	r.answer(hidpp.Long(ix, fi, fs, v...))
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
	rep := hidpp.EncodeSolarEvent(d.index, fi, k, charge, lux, d.solar.aux)
	r.emitReport(rep)
}

func (r *Receiver) emitReport(rep hidpp.Report) { r.emit(rep.Bytes()) }
