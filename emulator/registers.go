package emulator

import (
	"encoding/binary"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
)

// This file answers the HID++ 1.0 registers: the receiver's, which depend
// on its product (model.go), and those of HID++ 1.0 devices.

// answers reports whether the receiver answers register g: its product
// has it and the profile did not take it away.
func (r *Receiver) answers(g register) bool { return r.model.has(g) && !r.without[g] }

// Answers reports whether the receiver answers register reg, named as a
// profile's "without" names them ("F1", "B5 3n"): its product has it, and
// the profile did not take it away. Bluetooth devices have no receiver
// and answer no receiver register.
func (r *Receiver) Answers(reg string) bool {
	g, ok := parseRegister(reg)
	return ok && r.model != nil && r.answers(g)
}

func (r *Receiver) receiverRequest(req *hidpp.Report) {
	sub, reg, p := req.SubID(), req.Address(), req.Params()
	ok := func(v ...byte) { r.answer(nil, hidpp.Short(hidpp.ReceiverIndex, sub, reg, v...)) }
	long := func(v ...byte) { r.answer(nil, hidpp.Long(hidpp.ReceiverIndex, sub, reg, v...)) }
	switch {
	case sub < 0x80: // a HID++ 2.0 request: the receiver speaks 1.0
		r.answer(nil, err10(hidpp.ReceiverIndex, sub, reg, hidpp.Err10InvalidSubID))
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
				r.emitReport(nil, r.connectNotification(d))
			}
		}
		ok()
	case (sub == hidpp.SubGetRegister || sub == hidpp.SubSetRegister) && reg == 0x03:
		ok()
	case sub == hidpp.SubGetRegister && reg == 0xF1 && r.answers(regFirmware):
		r.firmwareInfo(req)
	case sub == hidpp.SubGetLongRegister && reg == 0xB5:
		r.infoRegister(req)
	case sub == hidpp.SubGetLongRegister && reg == 0xFB && r.answers(regUniqueID):
		long([]byte(r.uniqueID)...)
	case sub == hidpp.SubGetLongRegister && reg == 0xF4 && r.answers(regEntities):
		r.firmwareEntity(req)
	case sub == hidpp.SubGetLongRegister && reg == 0xB3 && r.answers(regActivity):
		// One counter a slot. What they count is not documented (EXO saw
		// them change between reads); a receiver nobody used has zeros,
		// as Solaar's C539 recording shows ("(empty)").
		long()
	default:
		r.answer(nil, err10(hidpp.ReceiverIndex, sub, reg, hidpp.Err10InvalidAddress))
	}
}

// connectNotification is the HID++ 0x41 report announcing d: the
// receiver's protocol byte, then d's kind with the link bits the receiver
// sets (docs/devices.md §1 for their meaning).
func (r *Receiver) connectNotification(d *device) hidpp.Report {
	info := byte(d.kind) & 0x0F
	if r.model.encrypted {
		info |= 0x20
	}
	if r.model.swEcho && r.flags[1]&0x08 != 0 {
		info |= 0x10
	}
	if !d.online {
		info |= 0x40
	}
	return hidpp.Short(d.index, hidpp.SubConnect, r.model.proto, info, byte(d.wpid), byte(d.wpid>>8))
}

// firmwareInfo answers register 0xF1: selector 1 the firmware's major and
// minor version, 2 its build, 3 the "other" version and 4 the bootloader's
// where the profile gives them; any other selector, and those it does not
// give, answer invalid value as real receivers do.
func (r *Receiver) firmwareInfo(req *hidpp.Report) {
	version := func(s string) []byte {
		ma, mi, build, _ := parseVersion(s)
		return []byte{ma, mi, byte(build >> 8), byte(build)}
	}
	sel := req.Param(0)
	var v []byte
	switch {
	case sel == 0x01:
		v = version(r.prof.Firmware)[:2]
	case sel == 0x02:
		v = version(r.prof.Firmware)[2:]
	case sel == 0x03 && r.prof.Other != "":
		v = version(r.prof.Other)[:2]
	case sel == 0x04 && r.prof.Bootloader != "":
		v = version(r.prof.Bootloader)[:2]
	default:
		r.answer(nil, err10(hidpp.ReceiverIndex, req.SubID(), req.Address(), hidpp.Err10InvalidValue))
		return
	}
	r.answer(nil, hidpp.Short(hidpp.ReceiverIndex, req.SubID(), req.Address(), append([]byte{sel}, v...)...))
}

// firmwareEntity answers Bolt's register 0xF4: entity 0 the firmware, 1
// the bootloader if the profile gives one, each as its type, major, minor
// and build (FWUPD).
func (r *Receiver) firmwareEntity(req *hidpp.Report) {
	n := req.Param(0)
	s := r.prof.Firmware
	if n == 1 {
		s = r.prof.Bootloader
	}
	if n > 1 || s == "" {
		r.answer(nil, err10(hidpp.ReceiverIndex, req.SubID(), req.Address(), hidpp.Err10InvalidValue))
		return
	}
	ma, mi, build, _ := parseVersion(s)
	r.answer(nil, hidpp.Long(hidpp.ReceiverIndex, req.SubID(), req.Address(), n, ma, mi, byte(build>>8), byte(build)))
}

// infoSub says which group of register 0xB5 sub-register s belongs to, and
// for a slot's sub-registers which slot.
func infoSub(s byte) (g register, slot byte, ok bool) {
	n := s & 0x0F
	switch s & 0xF0 {
	case 0x00:
		switch s {
		case 0x02:
			return regFirmware02, 0, true
		case 0x03:
			return regInfo, 0, true
		}
	case 0x20:
		return regPairing, n + 1, true
	case 0x30:
		return regExtended, n + 1, true
	case 0x40:
		return regName, n + 1, true
	case 0x50: // Bolt numbers its slots from 1 here (docs/devices.md §2)
		return regBoltPairing, n, true
	case 0x60:
		return regBoltName, n, true
	}
	return "", 0, false
}

// infoRegister answers long register 0xB5, the receiver's information and
// its pairing information, with what the receiver's product has. A
// sub-register it lacks, or a slot that is empty or beyond its count,
// answers error 0x03 (invalid value), as a Lightspeed receiver that lacks
// 0xB5 0x2n did (Solaar issue #949: "10 FF 8F 83 B5 03 00").
func (r *Receiver) infoRegister(req *hidpp.Report) {
	sub, s := req.SubID(), req.Param(0)
	long := func(v ...byte) {
		r.answer(nil, hidpp.Long(hidpp.ReceiverIndex, sub, 0xB5, append([]byte{s}, v...)...))
	}
	invalid := func() { r.answer(nil, err10(hidpp.ReceiverIndex, sub, 0xB5, hidpp.Err10InvalidValue)) }
	g, slot, ok := infoSub(s)
	var d *device
	if ok && slot != 0 {
		d = r.devices[slot]
		if d == nil || int(slot) > r.prof.MaxDevices {
			ok = false
		}
	} else if ok && slot == 0 && (g != regFirmware02 && g != regInfo) {
		ok = false // Bolt's slot 0
	}
	if !ok || !r.answers(g) {
		invalid()
		return
	}
	switch {
	case r.pairingError != 0:
		r.answer(nil, err10(hidpp.ReceiverIndex, sub, 0xB5, r.pairingError))
		return
	case r.garble != nil:
		long(r.garble.bytes(15)...)
		return
	}
	if f, ok := r.slotFaults[slot]; ok && slot != 0 {
		switch {
		case f.Silent:
		case f.Error != 0:
			r.answer(nil, err10(hidpp.ReceiverIndex, sub, 0xB5, f.Error))
		default:
			v := make([]byte, 15)
			copy(v, f.Garbage)
			long(v...)
		}
		return
	}
	switch g {
	case regFirmware02:
		ma, mi, build, _ := parseVersion(r.prof.Firmware)
		v := []byte{ma, mi, byte(build >> 8), byte(build), 0, 0, 0, 0}
		if r.model.family == transport.FamilyBolt {
			v[7] = byte(r.prof.MaxDevices) // FWUPD reads Bolt's slot count here
		}
		long(v...)
	case regInfo:
		var ser [4]byte
		binary.BigEndian.PutUint32(ser[:], r.serial)
		// Bytes 5 and 7 are not documented; they are what receivers of
		// each family answer (a C547 and a G613's receiver: 01 and 07).
		b5, b7 := byte(0x05), byte(0x0E)
		if r.model.family == transport.FamilyLightspeed {
			b5, b7 = 0x01, 0x07
		}
		long(ser[0], ser[1], ser[2], ser[3], b5, byte(r.prof.MaxDevices), b7)
	case regPairing:
		// Byte 5 is the protocol on a Lightspeed receiver (a G604's:
		// "20 07 08 40 85 0C 00 02"); a Unifying receiver leaves it 0.
		var proto byte
		if r.model.family == transport.FamilyLightspeed {
			proto = r.model.proto
		}
		long(0x00, byte(d.prof.ReportIntervalMS), byte(d.wpid>>8), byte(d.wpid), proto, 0, byte(d.kind))
	case regExtended:
		var ser, rt [4]byte
		binary.BigEndian.PutUint32(ser[:], d.serial)
		binary.LittleEndian.PutUint32(rt[:], d.reportTypes())
		long(ser[0], ser[1], ser[2], ser[3], rt[0], rt[1], rt[2], rt[3], byte(d.prof.PowerSwitch))
	case regName:
		name := d.codename(14)
		long(append([]byte{byte(len(name))}, name...)...)
	case regBoltPairing:
		info := byte(d.kind) & 0x0F
		if !d.online {
			info |= 0x40
		}
		v := []byte{info, byte(d.wpid), byte(d.wpid >> 8), 0, 0, 0, 0}
		binary.BigEndian.PutUint32(v[3:], d.serial)
		long(v...)
	case regBoltName:
		if req.Param(1) != 0x01 {
			invalid()
			return
		}
		name := d.codename(13) // what the 16 bytes hold after 6n, 01 and the length
		long(append([]byte{0x01, byte(len(name))}, name...)...)
	}
}

// codename is what a receiver's register keeps of d's codename: at most n
// characters.
func (d *device) codename(n int) string { return d.prof.Codename[:min(n, len(d.prof.Codename))] }

// garbler makes the bytes of GarblePairing's answers: the same sequence
// for every receiver, so that a test sees the same garbage each run.
type garbler struct{ x uint32 }

// bytes returns the next n bytes of the sequence (xorshift32).
func (g *garbler) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		g.x ^= g.x << 13
		g.x ^= g.x >> 17
		g.x ^= g.x << 5
		b[i] = byte(g.x >> 24)
	}
	return b
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
		r.emit(nil, rep[:])
	}
}

// registerRequest answers a request to a HID++ 1.0 device.
func (r *Receiver) registerRequest(d *device, req *hidpp.Report) {
	ix, sub, reg, p := req.Device(), req.SubID(), req.Address(), req.Params()
	switch {
	case sub < 0x80: // HID++ 2.0 request (the ping): "invalid sub-ID" says 1.0
		r.answer(d, err10(ix, sub, reg, hidpp.Err10InvalidSubID))
	case sub == hidpp.SubGetRegister && reg == 0x00 && !d.rawFlags():
		r.answer(d, hidpp.Short(ix, sub, reg, d.flags[:]...))
	case sub == hidpp.SubSetRegister && reg == 0x00 && !d.rawFlags():
		copy(d.flags[:], p)
		r.answer(d, hidpp.Short(ix, sub, reg))
	case sub == hidpp.SubGetRegister:
		v, ok := d.registerValue(reg)
		if !ok {
			r.answer(d, err10(ix, sub, reg, hidpp.Err10InvalidAddress))
			return
		}
		r.answer(d, hidpp.Short(ix, sub, reg, v[:]...))
	case sub == hidpp.SubSetRegister:
		if _, ok := d.registerValue(reg); ok {
			r.answer(d, err10(ix, sub, reg, hidpp.Err10InvalidValue)) // read-only
			return
		}
		r.answer(d, err10(ix, sub, reg, hidpp.Err10InvalidAddress))
	default:
		r.answer(d, err10(ix, sub, reg, hidpp.Err10InvalidAddress))
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
