package emulator

import (
	"fmt"
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

// InjectRaw sends b to every open Conn as it is: garbage, truncated or
// otherwise malformed reports, to test what a host does with them.
func (r *Receiver) InjectRaw(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.emit(b)
}

// SetOnline takes device ix out of range (false) or brings it back (true).
// While it is away every request to it fails with HID++ 1.0 error 0x09. The
// receiver announces the change with a 0x41 notification when the host has
// enabled wireless notifications (register 0x00); a solar keyboard coming
// back also broadcasts its battery, as the K750 does on power-up.
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
	d.online = online
	if r.flags[1]&0x01 != 0 {
		r.emitReport(connectNotification(d))
	}
	if online && d.solar != nil {
		r.emitSolar(d, hidpp.SolarBattery)
	}
	return nil
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
	d.battery.percent, d.battery.status, d.battery.voltageMV = percent, status, 0
	if !d.online {
		return nil
	}
	if !d.protocol.IsFeatureBased() {
		if d.flags[0]&0x10 != 0 {
			v := d.battery.registerValue(d.battery.register)
			r.emitReport(hidpp.Short(ix, d.battery.register, v[0], v[1], v[2]))
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
		r.emitReport(hidpp.Long(ix, fi, 0x00, v...))
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

// Plugged reports whether the receiver is plugged in.
func (r *Receiver) Plugged() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.plugged
}
