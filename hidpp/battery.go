package hidpp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Status is what a battery is doing.
type Status uint8

// Battery states.
const (
	StatusUnknown Status = iota
	StatusDischarging
	StatusCharging
	StatusFull
	StatusNotCharging // on external power but not charging
	StatusError       // charging error, thermal error, invalid battery
)

var statusNames = [...]string{"unknown", "discharging", "charging", "full", "not charging", "error"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status %d", uint8(s))
}

// ParseStatus is the inverse of Status.String.
func ParseStatus(s string) (Status, error) {
	for i, n := range statusNames {
		if n == s {
			return Status(i), nil
		}
	}
	return 0, fmt.Errorf("hidpp: unknown battery status %q", s)
}

// Level is a coarse battery level, for devices that report levels rather
// than percentages.
type Level uint8

// Battery levels.
const (
	LevelUnknown Level = iota
	LevelCritical
	LevelLow
	LevelGood
	LevelFull
)

var levelNames = [...]string{"unknown", "critical", "low", "good", "full"}

func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("level %d", uint8(l))
}

// ParseLevel is the inverse of Level.String.
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if n == s {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("hidpp: unknown battery level %q", s)
}

// LevelOf puts a percentage in a level: up to 10 % critical, up to 30 % low,
// below 80 % good, else full. It names coarse readings (a device reporting
// 4 steps such as 90/50/30/5 %), never replaces a measured percentage.
func LevelOf(percent int) Level {
	switch {
	case percent <= 10:
		return LevelCritical
	case percent <= 30:
		return LevelLow
	case percent < 80:
		return LevelGood
	}
	return LevelFull
}

// Battery is what a device reported about its battery, and no more: a
// percentage only when the device gave one, a level when it reports levels,
// a voltage when it measures one.
type Battery struct {
	Percent     int  // 0..100, valid when HasPercent
	HasPercent  bool // the device reported a usable percentage
	Approximate bool // Percent is a coarse step or an estimate from voltage
	Level       Level
	Status      Status
	VoltageMV   int    // millivolts, 0 when not reported
	Source      string // where it came from: "feature 0x1000", "register 0x0D", ...
}

// Figure is how much charge b holds, in the words every front end shows,
// as precisely as the device says it: "57 %" when it measures a
// percentage, "about 50 %" for a coarse step or an estimate from its
// voltage, a level word ("good") when it reports only levels, "charging"
// or "full" when that is all it says, and "" when it says nothing of its
// charge.
func (b Battery) Figure() string {
	switch {
	case b.HasPercent && b.Approximate:
		return fmt.Sprintf("about %d %%", min(max(b.Percent, 0), 100))
	case b.HasPercent:
		return fmt.Sprintf("%d %%", min(max(b.Percent, 0), 100))
	case b.Level != LevelUnknown:
		return b.Level.String()
	case b.Status == StatusCharging, b.Status == StatusFull:
		return b.Status.String()
	}
	return ""
}

// ErrMalformed is wrapped by every decoder error: the payload is too short
// or holds values a device cannot send. No reading is made from it.
var ErrMalformed = errors.New("hidpp: malformed payload")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// BatteryCapability is feature 0x1000 function 1 (GetBatteryCapability).
type BatteryCapability struct {
	Levels       int  // number of levels the device reports
	Mileage      bool // levels are a real percentage scale
	Rechargeable bool
}

// DecodeBatteryCapability decodes feature 0x1000 function 1: [levels, flags].
func DecodeBatteryCapability(p []byte) (BatteryCapability, error) {
	if len(p) < 2 {
		return BatteryCapability{}, malformed("battery capability needs 2 bytes, got %d", len(p))
	}
	return BatteryCapability{Levels: int(p[0]), Mileage: p[1]&0x02 != 0, Rechargeable: p[1]&0x04 != 0}, nil
}

// Precise reports whether a 0x1000 percentage is a real measurement: ten or
// more levels with the mileage flag, the rule the kernel uses too.
func (c BatteryCapability) Precise() bool { return c.Levels >= 10 && c.Mileage }

// DecodeBatteryStatus decodes feature 0x1000 function 0 or event 0:
// [level %, next level %, status]. capability, when known, tells a
// measured percentage from a coarse step.
func DecodeBatteryStatus(p []byte, capability *BatteryCapability) (Battery, error) {
	if len(p) < 3 {
		return Battery{}, malformed("battery status needs 3 bytes, got %d", len(p))
	}
	level, status := int(p[0]), p[2]
	if level > 100 {
		return Battery{}, malformed("battery level %d %%", level)
	}
	b := Battery{Source: "feature 0x1000", Percent: level, HasPercent: true}
	switch status {
	case 0:
		b.Status = StatusDischarging
	case 1, 2, 4: // recharging, final stage, below optimal speed
		b.Status = StatusCharging
	case 3:
		b.Status, b.Percent = StatusFull, 100
	case 5, 6, 7: // invalid battery type, thermal error, other charging error
		b.Status = StatusError
	default:
		return Battery{}, malformed("battery status byte 0x%02X", status)
	}
	// Devices report level 0 while charging: that means "unknown", not empty.
	if level == 0 && b.Status != StatusDischarging && b.Status != StatusFull {
		b.HasPercent, b.Percent = false, 0
	}
	if capability != nil && !capability.Precise() && b.HasPercent {
		b.Approximate = true
		b.Level = LevelOf(b.Percent)
	}
	return b, nil
}

// dischargeCurve maps the voltage of a single Li-ion/LiPo cell under the
// light load of a keyboard or mouse to its remaining charge. The points
// follow the usual open-circuit curve of such cells: a steep drop from
// 4.19 V, a long plateau around 3.7-3.8 V and a knee under 3.65 V. The
// result is an estimate and is marked Approximate.
var dischargeCurve = [...]struct{ mV, percent int }{
	{4186, 100}, {4080, 90}, {3990, 80}, {3920, 70}, {3860, 60},
	{3815, 50}, {3780, 40}, {3750, 30}, {3720, 20}, {3680, 10},
	{3600, 5}, {3500, 0},
}

// PercentFromVoltage estimates the charge of a Li-ion cell from its voltage
// with [dischargeCurve], interpolating linearly between its points.
func PercentFromVoltage(mV int) int {
	c := dischargeCurve
	if mV >= c[0].mV {
		return 100
	}
	for i := 1; i < len(c); i++ {
		if mV >= c[i].mV {
			hi, lo := c[i-1], c[i]
			return lo.percent + (mV-lo.mV)*(hi.percent-lo.percent)/(hi.mV-lo.mV)
		}
	}
	return 0
}

// DecodeBatteryVoltage decodes feature 0x1001 function 0 or event 0:
// [voltage mV big-endian, flags].
func DecodeBatteryVoltage(p []byte) (Battery, error) {
	if len(p) < 3 {
		return Battery{}, malformed("battery voltage needs 3 bytes, got %d", len(p))
	}
	mV, flags := int(binary.BigEndian.Uint16(p)), p[2]
	if mV < 1000 || mV > 5000 {
		return Battery{}, malformed("battery voltage %d mV", mV)
	}
	b := Battery{Source: "feature 0x1001", VoltageMV: mV, Status: StatusDischarging}
	if flags&0x80 != 0 { // external power
		switch flags & 0x07 {
		case 0:
			b.Status = StatusCharging
		case 1:
			b.Status = StatusFull
		case 2:
			b.Status = StatusNotCharging
		default:
			b.Status = StatusError
		}
	}
	b.Percent, b.HasPercent, b.Approximate = PercentFromVoltage(mV), true, true
	if b.Status == StatusFull {
		b.Percent = 100
	}
	if flags&0x20 != 0 {
		b.Level = LevelCritical
	}
	return b, nil
}

// UnifiedCapability is feature 0x1004 function 0 (GetCapabilities).
type UnifiedCapability struct {
	Levels        byte // bitmask: 1 critical, 2 low, 4 good, 8 full
	Rechargeable  bool
	StateOfCharge bool // the device reports a percentage
}

// DecodeUnifiedCapability decodes feature 0x1004 function 0: [levels, flags].
func DecodeUnifiedCapability(p []byte) (UnifiedCapability, error) {
	if len(p) < 2 {
		return UnifiedCapability{}, malformed("unified battery capabilities need 2 bytes, got %d", len(p))
	}
	return UnifiedCapability{Levels: p[0] & 0x0F, Rechargeable: p[1]&0x01 != 0, StateOfCharge: p[1]&0x02 != 0}, nil
}

// DecodeUnifiedBattery decodes feature 0x1004 function 1 or event 0:
// [state of charge %, level bitmask, charging status, external power].
// capability, when known, says whether the percentage is real; without it a
// non-zero percentage is taken.
func DecodeUnifiedBattery(p []byte, capability *UnifiedCapability) (Battery, error) {
	if len(p) < 3 {
		return Battery{}, malformed("unified battery status needs 3 bytes, got %d", len(p))
	}
	soc, mask, charging := int(p[0]), p[1], p[2]
	if soc > 100 {
		return Battery{}, malformed("state of charge %d %%", soc)
	}
	b := Battery{Source: "feature 0x1004"}
	switch {
	case mask&0x08 != 0:
		b.Level = LevelFull
	case mask&0x04 != 0:
		b.Level = LevelGood
	case mask&0x02 != 0:
		b.Level = LevelLow
	case mask&0x01 != 0:
		b.Level = LevelCritical
	}
	switch charging {
	case 0:
		b.Status = StatusDischarging
	case 1, 2:
		b.Status = StatusCharging
	case 3:
		b.Status = StatusFull
	case 4:
		b.Status = StatusError
	default:
		return Battery{}, malformed("unified battery charging status 0x%02X", charging)
	}
	hasSoC := soc > 0 || b.Status == StatusDischarging
	if capability != nil {
		hasSoC = capability.StateOfCharge && hasSoC
	}
	if hasSoC {
		b.Percent, b.HasPercent = soc, true
	}
	if b.Status == StatusFull {
		b.Percent, b.HasPercent = 100, true
	}
	return b, nil
}

// RegisterEventPayload returns the 3 value bytes of a HID++ 1.0 register
// event such as `10 ix 0D v0 v1 v2 00`: the event puts the register's value
// where a reply has the address, in bytes 3..5.
func RegisterEventPayload(r *Report) []byte {
	return r.b[3:6:6]
}

// DecodeRegister07 decodes HID++ 1.0 register 0x07 (battery status), read or
// event: [level, charging status]. The level counts LED bars: 1 critical,
// 3 low, 5 good, 7 full; 0 means the device does not know.
func DecodeRegister07(p []byte) (Battery, error) {
	if len(p) < 2 {
		return Battery{}, malformed("register 0x07 needs 2 bytes, got %d", len(p))
	}
	lv, st := p[0], p[1]
	if lv > 7 {
		return Battery{}, malformed("register 0x07 level %d", lv)
	}
	b := Battery{Source: "register 0x07"}
	switch {
	case lv == 0:
	case lv <= 2:
		b.Level = LevelCritical
	case lv <= 4:
		b.Level = LevelLow
	case lv <= 6:
		b.Level = LevelGood
	default:
		b.Level = LevelFull
	}
	switch st {
	case 0x00:
		b.Status = StatusDischarging
	case 0x21, 0x24, 0x25:
		b.Status = StatusCharging
	case 0x22, 0x26:
		b.Status = StatusFull
	case 0x20:
		b.Status = StatusUnknown
	case 0x23:
		b.Status = StatusError
	default:
		b.Status = StatusNotCharging
	}
	return b, nil
}

// DecodeRegister0D decodes HID++ 1.0 register 0x0D (battery mileage), read or
// event: [charge %, unknown, status]. The status is in the top two bits of
// the third byte: 0 discharging, 1 charging, 2 full, 3 error.
//
// For events this takes the charge from the first parameter byte (byte 3 of
// the report), as the recorded M705 documentation describes it; the kernel
// reads byte 4 instead, but both put the status in byte 5.
func DecodeRegister0D(p []byte) (Battery, error) {
	if len(p) < 3 {
		return Battery{}, malformed("register 0x0D needs 3 bytes, got %d", len(p))
	}
	if p[0] > 100 {
		return Battery{}, malformed("register 0x0D charge %d %%", p[0])
	}
	b := Battery{Source: "register 0x0D", Percent: int(p[0]), HasPercent: true}
	switch p[2] >> 6 {
	case 0:
		b.Status = StatusDischarging
	case 1:
		b.Status = StatusCharging
	case 2:
		b.Status, b.Percent = StatusFull, 100
	case 3:
		b.Status = StatusError
	}
	if b.Percent == 0 && b.Status == StatusCharging {
		b.HasPercent = false
	}
	return b, nil
}
