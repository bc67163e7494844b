package emulator

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/helio-linux/helio/hidpp"
)

// device is one emulated paired device.
type device struct {
	prof     DeviceProfile
	index    byte
	wpid     uint16
	serial   uint32
	kind     hidpp.Kind
	protocol hidpp.Protocol
	online   bool

	// HID++ 2.0
	features []hidpp.FeatureID
	hidden   map[hidpp.FeatureID]bool
	replies  map[string][]byte
	firmware [][]byte // 0x0003 entity payloads
	battery  *batteryState
	solar    *solarState

	// HID++ 1.0
	registers map[byte][3]byte
	flags     [3]byte // register 0x00 notification flags
}

type batteryState struct {
	percent   int
	status    hidpp.Status
	voltageMV int
	levels    int
	register  byte // HID++ 1.0 battery register
}

func newDevice(p DeviceProfile) *device {
	d := &device{prof: p, index: byte(p.Index), online: p.Online == nil || *p.Online,
		hidden: map[hidpp.FeatureID]bool{}, replies: map[string][]byte{}, registers: map[byte][3]byte{}}
	d.wpid, _ = parseHex16(p.WPID)
	d.serial, _ = parseHex32(p.Serial)
	d.kind, _ = hidpp.ParseKind(p.Kind)
	d.protocol, _ = hidpp.ParseProtocol(p.Protocol)
	if b := p.Battery; b != nil {
		st, _ := hidpp.ParseStatus(b.Status)
		d.battery = &batteryState{percent: b.Percent, status: st, voltageMV: b.VoltageMV, levels: b.Levels, register: 0x0D}
		if b.Register == "07" {
			d.battery.register = 0x07
		}
	}
	if d.protocol.IsFeatureBased() {
		for _, f := range p.Features {
			v, _ := parseHex16(f)
			d.features = append(d.features, hidpp.FeatureID(v))
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
			prefix, ma, mi, build, _ := parseFirmware(fw)
			e := make([]byte, 9)
			e[0] = byte(min(i, 3))
			copy(e[1:4], prefix)
			e[4], e[5] = ma, mi
			binary.BigEndian.PutUint16(e[6:], build)
			d.firmware = append(d.firmware, e)
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
					d.battery = &batteryState{percent: 100, status: hidpp.StatusDischarging, register: 0x0D}
				}
			}
		}
	}
	return d
}

// defaultFeatures is the table of a 2.0 device whose profile lists none:
// the basics, its battery feature and the solar dashboard if it has one.
func defaultFeatures(d *device) []hidpp.FeatureID {
	fs := []hidpp.FeatureID{hidpp.FeatureRoot, hidpp.FeatureSet, hidpp.FeatureFirmware, hidpp.FeatureName, hidpp.FeatureWirelessStatus}
	if d.battery != nil {
		switch {
		case d.battery.voltageMV != 0:
			fs = append(fs, hidpp.FeatureBatteryVoltage)
		default:
			fs = append(fs, hidpp.FeatureBatteryStatus)
		}
	}
	if d.prof.Solar != nil {
		fs = append(fs, hidpp.FeatureSolarDashboard)
	}
	return fs
}

func (d *device) featureIndex(f hidpp.FeatureID) byte {
	for i, id := range d.features {
		if id == f {
			return byte(i)
		}
	}
	return 0
}

func (d *device) featureFlags(f hidpp.FeatureID) byte {
	if d.hidden[f] {
		return hidpp.FeatureHidden
	}
	return 0
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
