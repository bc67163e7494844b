package hidpp

import (
	"encoding/binary"
	"fmt"
)

// SolarEventKind tells the three events of the solar dashboard (0x4301)
// apart; it is the function nibble of byte 3.
type SolarEventKind uint8

// Solar dashboard events.
const (
	SolarBattery     SolarEventKind = 0 // battery broadcast, sent on power-up; carries no lux
	SolarLightReport SolarEventKind = 1 // answer to SetLightMeasure; carries lux
	SolarLightButton SolarEventKind = 2 // the keyboard's light-check button was pressed
)

func (k SolarEventKind) String() string {
	switch k {
	case SolarBattery:
		return "battery broadcast"
	case SolarLightReport:
		return "light report"
	case SolarLightButton:
		return "light button"
	}
	return fmt.Sprintf("solar event %d", uint8(k))
}

// SolarChargingLux is the light above which a solar keyboard charges. The
// kernel, Solaar and UPower all use 200 lux.
const SolarChargingLux = 200

// SolarEvent is one decoded event of feature 0x4301.
type SolarEvent struct {
	Kind   SolarEventKind
	Charge int // battery charge, percent
	Lux    int // light on the cells; valid when HasLux
	HasLux bool
}

// solarMarker is the ASCII "GOOD" every valid solar event carries in bytes 9..12.
var solarMarker = [4]byte{'G', 'O', 'O', 'D'}

// DecodeSolarEvent decodes a solar dashboard event. r must be the long report
// from the device's 0x4301 feature index (the caller checks the index):
//
//	11 ix FI E0 CC LH LL AH AL 'G' 'O' 'O' 'D' 00...
//
// E = event (0 battery, 1 light report, 2 light button), CC = charge %,
// LH LL = lux big-endian, AH AL = a value of unknown meaning. A report with a
// software ID (a reply, not an event), without the GOOD marker or with a
// charge over 100 % is rejected rather than misread.
func DecodeSolarEvent(r *Report) (SolarEvent, error) {
	if r.ID() != LongID && r.ID() != VeryLongID {
		return SolarEvent{}, malformed("solar event in a short report")
	}
	if r.SoftwareID() != 0 {
		return SolarEvent{}, malformed("solar report with software ID %d is a reply, not an event", r.SoftwareID())
	}
	kind := SolarEventKind(r.Function())
	if kind > SolarLightButton {
		return SolarEvent{}, malformed("unknown solar event %d", kind)
	}
	p := r.Params()
	if [4]byte(p[5:9]) != solarMarker {
		return SolarEvent{}, malformed("solar event without its GOOD marker: % x", p[5:9])
	}
	ev := SolarEvent{Kind: kind, Charge: int(p[0])}
	if ev.Charge > 100 {
		return SolarEvent{}, malformed("solar charge %d %%", ev.Charge)
	}
	if kind == SolarLightReport {
		ev.Lux, ev.HasLux = int(binary.BigEndian.Uint16(p[1:3])), true
	}
	return ev, nil
}

// Battery turns the event into a battery reading. With lux, the status
// follows the light (above 200 lux charging); a full charge reads full.
// Without lux the status is unknown here: only the previous charge can tell
// whether it rises or falls, which is the caller's to compare.
func (e SolarEvent) Battery() Battery {
	b := Battery{Source: "feature 0x4301", Percent: e.Charge, HasPercent: true}
	switch {
	case e.Charge == 100:
		b.Status = StatusFull
	case !e.HasLux:
		b.Status = StatusUnknown
	case e.Lux > SolarChargingLux:
		b.Status = StatusCharging
	default:
		b.Status = StatusDischarging
	}
	return b
}

// EncodeSolarEvent builds the event the K750 sends from feature index fi of
// device ix; aux fills the two bytes of unknown meaning. The emulator uses it.
func EncodeSolarEvent(ix, fi byte, kind SolarEventKind, charge, lux int, aux uint16) Report {
	var p [16]byte
	p[0] = byte(charge)
	binary.BigEndian.PutUint16(p[1:], uint16(lux))
	binary.BigEndian.PutUint16(p[3:], aux)
	copy(p[5:], solarMarker[:])
	return Long(ix, fi, byte(kind)<<4, p[:]...)
}
