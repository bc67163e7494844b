package emulator

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/helio-linux/helio/hidpp"
)

// device is one emulated device: paired to the receiver, or a Bluetooth
// device of its own.
type device struct {
	prof     DeviceProfile
	index    byte
	wpid     uint16
	serial   uint32
	kind     hidpp.Kind // what the receiver says it is
	selfKind hidpp.Kind // what it says it is (feature 0x0005)
	protocol hidpp.Protocol
	online   bool
	// bt is its Bluetooth side; nil for a device paired to a receiver.
	bt *btDevice

	// HID++ 2.0
	features []feature
	hidden   map[hidpp.FeatureID]bool
	replies  map[string][]byte
	firmware [][]byte // 0x0003 entity payloads
	ids      [7]byte  // 0x0003: transport bits, then the model id
	battery  *batteryState
	solar    *solarState

	// HID++ 1.0
	registers map[byte][3]byte
	flags     [3]byte // register 0x00 notification flags
}

type batteryState struct {
	percent      int
	status       hidpp.Status
	voltageMV    int
	levels       int
	register     byte // HID++ 1.0 battery register
	rechargeable bool
	next         int // 0x1000's next level as recorded; -1: one level below
}

func newDevice(p DeviceProfile) *device {
	d := &device{prof: p, index: byte(p.Index), online: p.Online == nil || *p.Online,
		hidden: map[hidpp.FeatureID]bool{}, replies: map[string][]byte{}, registers: map[byte][3]byte{}}
	d.wpid, _ = parseHex16(p.WPID)
	d.serial, _ = parseHex32(p.Serial)
	d.kind, _ = hidpp.ParseKind(p.Kind)
	d.selfKind = d.kind
	if p.DeviceKind != "" {
		d.selfKind, _ = hidpp.ParseKind(p.DeviceKind)
	}
	d.protocol, _ = hidpp.ParseProtocol(p.Protocol)
	if b := p.Battery; b != nil {
		st, _ := hidpp.ParseStatus(b.Status)
		d.battery = &batteryState{percent: b.Percent, status: st, voltageMV: b.VoltageMV, levels: b.Levels, register: 0x0D,
			rechargeable: b.Rechargeable, next: -1}
		if b.Next != nil {
			d.battery.next = *b.Next
		}
		if b.Register == "07" {
			d.battery.register = 0x07
		}
	}
	if p.MAC != "" {
		d.bt = newBTDevice(p)
	}
	if d.protocol.IsFeatureBased() {
		for _, s := range p.Features {
			f, _ := parseFeature(s)
			d.features = append(d.features, f)
		}
		if len(d.features) == 0 {
			d.features = defaultFeatures(d)
		}
		for _, f := range p.HiddenFeatures {
			v, _ := parseHex16(f)
			d.hidden[hidpp.FeatureID(v)] = true
		}
		for k, v := range p.Replies {
			b, _ := hex.DecodeString(v)
			d.replies[strings.ToUpper(k)] = b
		}
		for i, fw := range p.Firmware {
			e, _ := parseEntity(fw, i)
			d.firmware = append(d.firmware, e)
		}
		if ids := p.IDs; ids != nil {
			// Feature 0x0003's transport bits say which ids the model id
			// holds, in this order (Solaar's get_ids reads them so).
			at := 1
			for bit, id := range []string{ids.BTID, ids.BTLEID, ids.WPID, ids.USBID} {
				if v, ok := parseHex16(id); ok {
					d.ids[0] |= 1 << bit
					binary.BigEndian.PutUint16(d.ids[at:], v)
					at += 2
				}
			}
		}
	} else {
		for k, v := range p.Registers {
			a, _ := strconv.ParseUint(k, 16, 8)
			b, _ := hex.DecodeString(v)
			d.registers[byte(a)] = [3]byte(b)
		}
		if d.battery == nil {
			if _, ok := d.registers[0x0D]; !ok {
				if _, ok := d.registers[0x07]; !ok {
					// A register device without a battery register would be
					// unusual; give it a full 0x0D battery.
					d.battery = &batteryState{percent: 100, status: hidpp.StatusDischarging, register: 0x0D, next: -1}
				}
			}
		}
	}
	return d
}

// defaultFeatures is the table of a 2.0 device whose profile lists none:
// the basics, its battery feature and the solar dashboard if it has one.
func defaultFeatures(d *device) []feature {
	ids := []hidpp.FeatureID{hidpp.FeatureRoot, hidpp.FeatureSet, hidpp.FeatureFirmware, hidpp.FeatureName, hidpp.FeatureWirelessStatus}
	if d.battery != nil {
		switch {
		case d.battery.voltageMV != 0:
			ids = append(ids, hidpp.FeatureBatteryVoltage)
		default:
			ids = append(ids, hidpp.FeatureBatteryStatus)
		}
	}
	if d.prof.Solar != nil {
		ids = append(ids, hidpp.FeatureSolarDashboard)
	}
	fs := make([]feature, len(ids))
	for i, id := range ids {
		fs[i] = feature{id: id}
	}
	return fs
}

// featureIndex is where feature f is in d's table, 0 if it is not.
func (d *device) featureIndex(f hidpp.FeatureID) byte {
	for i, e := range d.features {
		if e.id == f {
			return byte(i)
		}
	}
	return 0
}

// feature is the table's entry for f; a feature not in the table has
// version and flags 0.
func (d *device) feature(f hidpp.FeatureID) feature {
	for _, e := range d.features {
		if e.id == f {
			return e
		}
	}
	return feature{id: f}
}

func (d *device) featureFlags(f hidpp.FeatureID) byte {
	flags := d.feature(f).flags
	if d.hidden[f] {
		flags |= hidpp.FeatureHidden
	}
	return flags
}

func (d *device) reply(f hidpp.FeatureID, fn byte) ([]byte, bool) {
	b, ok := d.replies[strings.ToUpper(hex.EncodeToString([]byte{byte(f >> 8), byte(f)}))+"/"+strconv.Itoa(int(fn))]
	return b, ok
}

// battery1000 is the payload of feature 0x1000 function 0 and event 0.
func (b *batteryState) battery1000() []byte {
	status := byte(0)
	level := b.percent
	switch b.status {
	case hidpp.StatusCharging:
		status = 1
	case hidpp.StatusFull:
		status, level = 3, 100
	case hidpp.StatusError:
		status = 7
	case hidpp.StatusNotCharging:
		status = 4
	}
	next := 0
	if n := b.levelsOr(10); n > 0 {
		step := 100 / n
		next = max((level-1)/step*step, 0)
	}
	if b.next >= 0 {
		next = b.next
	}
	return []byte{byte(level), byte(next), status}
}

func (b *batteryState) levelsOr(def int) int {
	if b.levels > 0 {
		return b.levels
	}
	return def
}

func (b *batteryState) battery1001() []byte {
	mV := b.voltageMV
	if mV == 0 {
		mV = voltageOf(b.percent)
	}
	var flags byte
	switch b.status {
	case hidpp.StatusCharging:
		flags = 0x80
	case hidpp.StatusFull:
		flags = 0x81
	case hidpp.StatusNotCharging:
		flags = 0x82
	case hidpp.StatusError:
		flags = 0x83
	}
	if b.percent <= 5 {
		flags |= 0x20
	}
	return []byte{byte(mV >> 8), byte(mV), flags}
}

// voltageOf inverts hidpp.PercentFromVoltage by search, so the emulator and
// the host agree on the curve.
func voltageOf(percent int) int {
	for mV := 3500; mV <= 4200; mV++ {
		if hidpp.PercentFromVoltage(mV) >= percent {
			return mV
		}
	}
	return 4200
}

func (b *batteryState) battery1004() []byte {
	var mask, charging byte
	switch hidpp.LevelOf(b.percent) {
	case hidpp.LevelFull:
		mask = 8
	case hidpp.LevelGood:
		mask = 4
	case hidpp.LevelLow:
		mask = 2
	default:
		mask = 1
	}
	switch b.status {
	case hidpp.StatusCharging:
		charging = 1
	case hidpp.StatusFull:
		charging = 3
	case hidpp.StatusError:
		charging = 4
	}
	ext := byte(0)
	if charging != 0 {
		ext = 1
	}
	return []byte{byte(b.percent), mask, charging, ext}
}

// register returns a HID++ 1.0 battery register's value.
func (b *batteryState) registerValue(reg byte) [3]byte {
	if reg == 0x07 {
		lv := byte(1)
		switch hidpp.LevelOf(b.percent) {
		case hidpp.LevelFull:
			lv = 7
		case hidpp.LevelGood:
			lv = 5
		case hidpp.LevelLow:
			lv = 3
		}
		st := byte(0x00)
		switch b.status {
		case hidpp.StatusCharging:
			st = 0x25
		case hidpp.StatusFull:
			st = 0x22
		case hidpp.StatusError:
			st = 0x23
		case hidpp.StatusNotCharging:
			st = 0x27
		}
		return [3]byte{lv, st, 0}
	}
	st := byte(0x30)
	switch b.status {
	case hidpp.StatusCharging:
		st = 0x50
	case hidpp.StatusFull:
		st = 0x90
	case hidpp.StatusError:
		st = 0xD0
	}
	return [3]byte{byte(b.percent), 0x47, st}
}
