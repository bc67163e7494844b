package emulator

import (
	"fmt"
	"sync"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
)

// This file is the emulator's control surface: what tests and demos change
// while a host talks to it, including faults on demand.

func (r *Receiver) device(ix byte) (*device, error) {
	d := r.devices[ix]
	if d == nil {
		return nil, fmt.Errorf("emulator: no device in slot %d", ix)
	}
	return d, nil
}

// DropReplies makes the receiver swallow its next n replies to requests, as
// a radio glitch would. Notifications and events still flow.
func (r *Receiver) DropReplies(n int) {
	r.mu.Lock()
	r.dropReplies = n
	r.mu.Unlock()
}

// DelayReplies holds each of the next n replies back for d.
func (r *Receiver) DelayReplies(n int, d time.Duration) {
	r.mu.Lock()
	r.delayReplies, r.delay = n, d
	r.mu.Unlock()
}

// DuplicateReplies sends each of the next n replies to requests twice, as a
// receiver that retries over a noisy radio can. n = 0 clears the fault.
func (r *Receiver) DuplicateReplies(n int) {
	r.mu.Lock()
	r.dupReplies = n
	r.mu.Unlock()
}

// Misaddress says how [Receiver.MisaddressReplies] corrupts a reply; the
// flags combine.
type Misaddress uint8

// Ways to misaddress a reply.
const (
	// WrongSoftwareID changes the software ID of a HID++ 2.0 reply (the low
	// nibble of byte 3, or of byte 4 in an error report) to another
	// non-zero one, as if another program had asked. HID++ 1.0 register
	// replies carry no software ID and are left as they are.
	WrongSoftwareID Misaddress = 1 << iota
	// WrongDevice sends the reply from the next slot up (6 wraps to 1; the
	// receiver's own replies come from slot 1), as if another device had
	// answered.
	WrongDevice
)

// Has reports whether m includes every flag of f.
func (m Misaddress) Has(f Misaddress) bool { return m&f == f }

// MisaddressReplies corrupts the address of the next n replies to requests
// as how says: the requests they answer then get no reply of their own,
// and the host sees a report meant for someone else. n = 0 clears the
// fault.
func (r *Receiver) MisaddressReplies(n int, how Misaddress) {
	r.mu.Lock()
	r.misReplies, r.misHow = n, how
	r.mu.Unlock()
}

// misaddress returns rep with the address corruption of how.
func misaddress(rep hidpp.Report, how Misaddress) hidpp.Report {
	b := append([]byte(nil), rep.Bytes()...)
	if how.Has(WrongSoftwareID) {
		// Byte 3 holds function<<4 | software ID in a 2.0 reply; an error
		// report echoes the request's sub-ID in byte 3 and that byte in 4.
		at := 3
		if b[2] == hidpp.SubError20 || b[2] == hidpp.SubError10 {
			at = 4
		}
		if b[at-1] < 0x80 {
			sw := b[at] & 0x0F
			b[at] = b[at]&0xF0 | (sw%15 + 1) // 1..15, never the same, never 0
		}
	}
	if how.Has(WrongDevice) {
		switch ix := b[1]; {
		case ix >= 1 && ix < 6:
			b[1] = ix + 1
		default:
			b[1] = 1
		}
	}
	out, err := hidpp.Parse(b)
	if err != nil { // cannot happen: the length is unchanged
		return rep
	}
	return out
}

// DisconnectMidRequest makes device ix go out of range at the next request
// addressed to it: that request gets no answer, and the device is offline
// from then on (announced with a 0x41 notification when the host enabled
// them), as if it had been switched off while the radio was busy with it.
// [Receiver.SetOnline] brings it back. Requests made while the device is
// already out of range fail as usual, and the fault waits for the first
// one after it is back. A Bluetooth device disconnects: the request gets
// no answer and its node goes, as when one drops off mid-request.
func (r *Receiver) DisconnectMidRequest(ix byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.device(ix); err != nil {
		return err
	}
	r.disconnect[ix] = true
	return nil
}

// goOffline takes d out of range as SetOnline(ix, false) does. r.mu must be
// held.
func (r *Receiver) goOffline(d *device) {
	if d.bt != nil {
		r.setLink(d, false)
		return
	}
	d.online = false
	if r.flags[1]&0x01 != 0 {
		r.emitReport(nil, r.connectNotification(d))
	}
}

// InjectRaw sends b to every open Conn as it is, whatever node it is open
// on and whatever its descriptor declares: garbage, truncated or otherwise
// malformed reports, to test what a host does with them.
func (r *Receiver) InjectRaw(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.conns {
		c.push(b)
	}
}

// SetOnline takes device ix out of range (false) or brings it back (true).
// While a device behind the receiver is away every request to it fails
// with HID++ 1.0 error 0x09. The receiver announces the change with a 0x41
// notification when the host has enabled wireless notifications (register
// 0x00); a solar keyboard coming back also broadcasts its battery, as the
// K750 does on power-up. A Bluetooth device disconnects instead: its node
// goes, and its Conns fail with transport.ErrGone, until it connects again
// and its node comes back.
func (r *Receiver) SetOnline(ix byte, online bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, err := r.device(ix)
	if err != nil {
		return err
	}
	if d.online == online {
		return nil
	}
	if d.bt != nil {
		r.setLink(d, online)
		return nil
	}
	d.online = online
	if r.flags[1]&0x01 != 0 {
		r.emitReport(nil, r.connectNotification(d))
	}
	if online && d.solar != nil {
		r.emitSolar(d, hidpp.SolarBattery)
	}
	return nil
}

// FailPairing makes the receiver answer every read of its information
// register 0xB5 (its serial, firmware and pairing information: Unifying's
// 0x03 and 0x2n to 0x4n, Bolt's 0x02, 0x5n and 0x6n) with HID++ 1.0 error
// code, as a receiver whose pairing memory fails would; 0 ends the fault.
func (r *Receiver) FailPairing(code byte) {
	r.mu.Lock()
	r.pairingError = code
	r.mu.Unlock()
}

// GarblePairing makes the receiver answer every read of register 0xB5 that
// it would answer with garbage: a long reply to the right sub-register
// whose 15 bytes are a pseudo-random sequence, the same for every
// receiver (so a kind, wpid, serial, length byte or name that make no
// sense). false ends the fault.
func (r *Receiver) GarblePairing(on bool) {
	r.mu.Lock()
	r.garble = nil
	if on {
		r.garble = &garbler{x: 0x9E3779B9}
	}
	r.mu.Unlock()
}

// SlotFault is how a receiver answers every read of one slot's pairing
// information (register 0xB5's 0x2n to 0x6n for that slot), as a
// receiver whose memory for that slot is damaged would, while the other
// slots answer as they should. One of its fields is set.
type SlotFault struct {
	// Error is the HID++ 1.0 error code answered (0x07: busy).
	Error byte
	// Garbage is what the 15 bytes after the sub-register hold (zeros
	// after it): a kind, wpid, serial or name that make no sense.
	Garbage []byte
	// Silent answers nothing: the host's request times out.
	Silent bool
}

// FaultSlot makes the receiver answer reads of slot's pairing
// information as f says; the zero SlotFault ends the fault. The
// receiver-wide faults ([Receiver.FailPairing], [Receiver.GarblePairing])
// come first.
func (r *Receiver) FaultSlot(slot byte, f SlotFault) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f.Error == 0 && f.Garbage == nil && !f.Silent {
		delete(r.slotFaults, slot)
		return
	}
	r.slotFaults[slot] = f
}

// SetBattery changes device ix's battery and sends the event the device
// would: event 0 of its battery feature (HID++ 2.0), or a register 0x07/0x0D
// event when the host enabled battery notifications (HID++ 1.0).
func (r *Receiver) SetBattery(ix byte, percent int, status hidpp.Status) error {
	if percent < 0 || percent > 100 {
		return fmt.Errorf("emulator: battery %d %% is not in 0..100", percent)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	d, err := r.device(ix)
	if err != nil {
		return err
	}
	if d.solar != nil {
		d.solar.charge = float64(percent)
		if d.online {
			r.emitSolar(d, hidpp.SolarBattery)
		}
		return nil
	}
	if d.battery == nil {
		reg := byte(0x0D)
		if _, ok := d.registers[0x07]; ok {
			reg = 0x07
		}
		delete(d.registers, reg)
		d.battery = &batteryState{register: reg}
	}
	d.battery.percent, d.battery.status, d.battery.voltageMV, d.battery.next = percent, status, 0, -1
	if !d.online {
		return nil
	}
	if !d.protocol.IsFeatureBased() {
		if d.flags[0]&0x10 != 0 {
			v := d.battery.registerValue(d.battery.register)
			r.emitReport(d, hidpp.Short(d.wireIndex(), d.battery.register, v[0], v[1], v[2]))
		}
		return nil
	}
	for _, f := range []hidpp.FeatureID{hidpp.FeatureUnifiedBattery, hidpp.FeatureBatteryStatus, hidpp.FeatureBatteryVoltage} {
		fi := d.featureIndex(f)
		if fi == 0 {
			continue
		}
		var v []byte
		switch f {
		case hidpp.FeatureUnifiedBattery:
			v = d.battery.battery1004()
		case hidpp.FeatureBatteryStatus:
			v = d.battery.battery1000()
		default:
			v = d.battery.battery1001()
		}
		r.emitReport(d, hidpp.Long(d.wireIndex(), fi, 0x00, v...))
		break
	}
	return nil
}

// SetLux pins the light on solar device ix, overriding its day schedule.
func (r *Receiver) SetLux(ix byte, lux int) error {
	if lux < 0 || lux > 0xFFFF {
		return fmt.Errorf("emulator: %d lux is not in 0..65535", lux)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	d, err := r.device(ix)
	if err != nil {
		return err
	}
	if d.solar == nil {
		return fmt.Errorf("emulator: device %d has no solar cells", ix)
	}
	d.solar.advance(r.opts.Now())
	d.solar.fixedLux, d.solar.pinned = lux, true
	return nil
}

// PressLightButton presses the light-check button of solar device ix: it
// sends the 0x4301 light-button event, which hosts answer with
// SetLightMeasure.
func (r *Receiver) PressLightButton(ix byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, err := r.device(ix)
	if err != nil {
		return err
	}
	if d.solar == nil {
		return fmt.Errorf("emulator: device %d has no light button", ix)
	}
	if d.online {
		r.emitSolar(d, hidpp.SolarLightButton)
	}
	return nil
}

// Unplug pulls the receiver out: every open Conn fails with
// transport.ErrGone and no new one can be opened until Replug.
func (r *Receiver) Unplug() {
	r.mu.Lock()
	was := r.plugged
	r.plugged = false
	conns := r.conns
	r.conns = map[*Conn]struct{}{}
	r.mu.Unlock()
	for c := range conns {
		c.end(transport.ErrGone)
	}
	if was {
		r.tellPlug(false)
	}
}

// Replug puts the receiver back, with its devices as they were.
func (r *Receiver) Replug() {
	r.mu.Lock()
	was := r.plugged
	r.plugged = true
	r.mu.Unlock()
	if !was {
		r.tellPlug(true)
	}
}

func (r *Receiver) tellPlug(in bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for ch := range r.plugWatch {
		select {
		case ch <- in:
		default: // a watcher that does not read loses the change, not the receiver
		}
	}
}

// watchPlug returns a channel told of every Unplug and Replug until stop.
func (r *Receiver) watchPlug() (ch <-chan bool, stop func()) {
	c := make(chan bool, 16)
	r.mu.Lock()
	r.plugWatch[c] = struct{}{}
	r.mu.Unlock()
	return c, func() {
		r.mu.Lock()
		delete(r.plugWatch, c)
		r.mu.Unlock()
	}
}

// Tap returns a channel that receives a copy of every report written to
// the receiver from now on, before the receiver handles it: what a host
// writes through a [Conn], and, for a receiver on uhid, what programs write
// on its hidraw node and what the kernel's drivers send it. Up to n reports
// wait in the channel; while it is full, further ones are not kept. stop
// ends the tap and closes the channel.
func (r *Receiver) Tap(n int) (reports <-chan []byte, stop func()) {
	c := make(chan []byte, n)
	r.mu.Lock()
	r.taps[c] = struct{}{}
	r.mu.Unlock()
	return c, sync.OnceFunc(func() {
		r.mu.Lock()
		delete(r.taps, c)
		r.mu.Unlock()
		close(c)
	})
}

// Plugged reports whether the receiver is plugged in.
func (r *Receiver) Plugged() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.plugged
}

// FloodInput sends n input reports on the receiver's HID++ interface, as
// typing and moving the mouse on its devices would where that input goes
// there: DJ keyboard and mouse reports on a Unifying receiver, mouse
// reports (report 2) on a Nano C534, whose HID++ interface is also its
// mouse's. Helio must drop them unread. Other receivers send their input
// on interfaces of their own; FloodInput sends them nothing. It returns
// how many reports it sent.
func (r *Receiver) FloodInput(n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.model == nil:
		return 0
	case r.model.dj:
		var kbd, mouse [15]byte
		kbd[0], kbd[1], kbd[2] = 0x20, 0x02, 0x01 // DJ keyboard report from slot 2
		mouse[0], mouse[1], mouse[2] = 0x20, 0x01, 0x02
		for i := 0; i < n; i++ {
			if i%2 == 0 {
				kbd[5] = byte(4 + i%26) // a key
				r.emit(nil, kbd[:])
			} else {
				mouse[5] = byte(i)
				r.emit(nil, mouse[:])
			}
		}
		return n
	case r.hidppIn[0x02] > 0:
		mouse := make([]byte, 1+r.hidppIn[0x02])
		mouse[0] = 0x02
		for i := 0; i < n; i++ {
			mouse[3] = byte(i) // X moves
			r.emit(nil, mouse)
		}
		return n
	}
	return 0
}
