package hidpp

import (
	"encoding/binary"
	"fmt"
	"strings"
)

var registerNames = map[byte]string{
	0x00: "notification flags",
	0x01: "features",
	0x02: "connection state",
	0x03: "device configuration",
	0x07: "battery status",
	0x0D: "battery mileage",
	0xB2: "pairing",
	0xB3: "device activity",
	0xB5: "pairing information",
	0xF1: "firmware information",
	0xFB: "unique ID",
}

var connectProtocols = map[byte]string{
	0x01: "Bluetooth", 0x02: "27 MHz", 0x03: "eQUAD", 0x04: "Unifying (eQUAD step 4 DJ)",
	0x05: "DFU Lite", 0x06: "eQUAD step 4 Lite", 0x07: "eQUAD step 4 Gaming",
	0x08: "eQUAD step 4 gamepads", 0x0A: "eQUAD nano Lite", 0x0C: "Lightspeed 1",
	0x0D: "Lightspeed 1.1", 0x0F: "Lightspeed 1.2", 0x11: "Lightspeed 1.2", 0x10: "Bolt",
}

// Describe puts a report into words, for people debugging devices and for
// --debug logs: the report type, the device, the register or feature
// function, an error's name, and battery, solar, connection and pairing
// payloads. features maps feature indexes to IDs when the device's table is
// known; without it a solar event is still recognised by its GOOD marker.
//
// A report alone does not say whether it is a request or a reply. Describe
// takes an all-zero payload as a request, and names payloads by what a
// reply with those bytes would mean.
func Describe(r *Report, features map[byte]FeatureID) string {
	return describe(r, features, false)
}

// describe is Describe; direct says the report travels on a device's own
// node (Bluetooth), where index 0xFF is that device, not a receiver.
func describe(r *Report, features map[byte]FeatureID, direct bool) string {
	var sb strings.Builder
	switch r.ID() {
	case ShortID:
		sb.WriteString("short")
	case LongID:
		sb.WriteString("long")
	default:
		sb.WriteString("very long")
	}
	switch {
	case direct:
		sb.WriteString(", the device on its own node: ")
	case r.Device() == ReceiverIndex:
		sb.WriteString(", receiver: ")
	default:
		fmt.Fprintf(&sb, ", device %d: ", r.Device())
	}
	sb.WriteString(describeBody(r, features, direct))
	return sb.String()
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func describeBody(r *Report, features map[byte]FeatureID, direct bool) string {
	p := r.Params()
	if e := errorFromReport(r); e != nil {
		target := fmt.Sprintf("sub-ID 0x%02X address 0x%02X", e.SubID, e.Address)
		if e.Version == 2 {
			target = fmt.Sprintf("feature index %d function %d software ID %d", e.SubID, e.Address>>4, e.Address&0x0F)
		}
		return fmt.Sprintf("HID++ %d.0 error 0x%02X (%s) for %s", e.Version, e.Code, e.CodeName(), target)
	}
	sub := r.SubID()
	switch {
	case sub >= SubSetRegister && sub <= SubGetLongRegister:
		return describeRegister(r)
	case sub == SubConnect && r.ID() == ShortID:
		return describeConnect(r)
	case sub == SubDisconnect && r.ID() == ShortID:
		if r.Address() == 0x02 {
			return "device unpaired"
		}
		return fmt.Sprintf("device disconnection 0x%02X", r.Address())
	case sub == SubPairingLock && r.ID() == ShortID:
		state := "closed"
		if r.Address()&0x01 != 0 {
			state = "open"
		}
		return fmt.Sprintf("pairing lock %s, error %d", state, p[0])
	case (sub == SubBatteryStatus || sub == SubBatteryMileage) && r.ID() == ShortID && (direct || r.Device() != ReceiverIndex):
		return "HID++ 1.0 battery event: " + describeRegisterValue(sub, RegisterEventPayload(r))
	case sub == 0x00:
		return describeRoot(r)
	}
	return describeFeature(r, features)
}

func describeRegister(r *Report) string {
	p := r.Params()
	verb := map[byte]string{SubSetRegister: "set register", SubGetRegister: "get register",
		SubSetLongRegister: "set long register", SubGetLongRegister: "get long register"}[r.SubID()]
	reg := r.Address()
	s := fmt.Sprintf("%s 0x%02X", verb, reg)
	if n, ok := registerNames[reg]; ok {
		s += " (" + n + ")"
	}
	switch {
	case reg == 0xB5 && r.SubID() == SubGetLongRegister:
		return s + ": " + describePairingInfo(p, r.ID() == ShortID)
	case reg == 0xF1:
		if r.ID() == ShortID && p[1] == 0 && p[2] == 0 {
			return fmt.Sprintf("%s, selector 0x%02X", s, p[0])
		}
		return fmt.Sprintf("%s: selector 0x%02X value %02X.%02X", s, p[0], p[1], p[2])
	case allZero(p):
		return s
	case r.SubID() == SubGetRegister:
		return s + ": " + describeRegisterValue(reg, p)
	}
	return fmt.Sprintf("%s: % x", s, p)
}

func describeRegisterValue(reg byte, p []byte) string {
	var b Battery
	var err error
	switch reg {
	case 0x07:
		b, err = DecodeRegister07(p)
	case 0x0D:
		b, err = DecodeRegister0D(p)
	case 0x00:
		return fmt.Sprintf("flags 0x%02X%02X%02X", p[0], p[1], p[2])
	case 0x02:
		return fmt.Sprintf("%d devices connected", p[1])
	default:
		return fmt.Sprintf("% x", p[:3])
	}
	if err != nil {
		return fmt.Sprintf("% x (%v)", p[:3], err)
	}
	return describeBattery(b)
}

// describeBattery says everything a battery payload holds, as decode
// shows it: the figure, and the level, voltage and status besides it.
func describeBattery(b Battery) string {
	var parts []string
	if f := b.Figure(); f != "" && b.HasPercent {
		parts = append(parts, f)
	}
	if b.Level != LevelUnknown {
		parts = append(parts, "level "+b.Level.String())
	}
	if b.VoltageMV != 0 {
		parts = append(parts, fmt.Sprintf("%d mV", b.VoltageMV))
	}
	parts = append(parts, b.Status.String())
	return strings.Join(parts, ", ")
}

func describePairingInfo(p []byte, request bool) string {
	sub := p[0]
	if request {
		return fmt.Sprintf("sub-register 0x%02X", sub)
	}
	switch {
	case sub == 0x03:
		return fmt.Sprintf("receiver info: serial %X, max devices %d", p[1:5], p[6])
	case sub >= 0x20 && sub <= 0x2F:
		return fmt.Sprintf("device %d pairing: wpid %04X, %s, report interval %d ms",
			sub-0x1F, binary.BigEndian.Uint16(p[3:5]), Kind(p[7]&0x0F), p[2])
	case sub >= 0x30 && sub <= 0x3F:
		return fmt.Sprintf("device %d extended pairing: serial %X, power switch %d", sub-0x2F, p[1:5], p[9]&0x0F)
	case sub >= 0x40 && sub <= 0x4F:
		n := int(p[1])
		if n > len(p)-2 {
			n = len(p) - 2
		}
		return fmt.Sprintf("device %d codename %q", sub-0x3F, p[2:2+n])
	}
	return fmt.Sprintf("sub-register 0x%02X: % x", sub, p[1:])
}

// describeConnect reads a 0x41 notification: 10 ix 41 PT DI LL MM, with PT
// the protocol type, DI the device info bits, LL MM the wpid.
func describeConnect(r *Report) string {
	p := r.Params()
	proto := connectProtocols[r.Address()]
	if proto == "" {
		proto = fmt.Sprintf("protocol 0x%02X", r.Address())
	}
	link := "link up"
	if p[0]&0x40 != 0 {
		link = "link down"
	}
	enc := ""
	if p[0]&0x20 != 0 {
		enc = ", encrypted"
	}
	return fmt.Sprintf("device connection: %s, %s, %s%s, wpid %02X%02X", proto, Kind(p[0]&0x0F), link, enc, p[2], p[1])
}

func describeRoot(r *Report) string {
	p := r.Params()
	fn, sw := r.Function(), r.SoftwareID()
	switch fn {
	case 0:
		if r.ID() == ShortID {
			return fmt.Sprintf("IRoot.GetFeature(%s), software ID %d", FeatureID(binary.BigEndian.Uint16(p)), sw)
		}
		if p[0] == 0 {
			return fmt.Sprintf("IRoot.GetFeature reply: feature absent, software ID %d", sw)
		}
		return fmt.Sprintf("IRoot.GetFeature reply: index %d, flags 0x%02X, version %d, software ID %d", p[0], p[1], p[2], sw)
	case 1:
		if r.ID() == ShortID {
			return fmt.Sprintf("ping (IRoot.GetProtocolVersion), ping byte 0x%02X, software ID %d", p[2], sw)
		}
		return fmt.Sprintf("ping reply: HID++ %d.%d, ping byte 0x%02X, software ID %d", p[0], p[1], p[2], sw)
	}
	return fmt.Sprintf("IRoot function %d, software ID %d: % x", fn, sw, p)
}

func describeFeature(r *Report, features map[byte]FeatureID) string {
	p := r.Params()
	fi, fn, sw := r.SubID(), r.Function(), r.SoftwareID()
	f, known := features[fi]
	what := "function"
	if sw == 0 {
		what = "event"
	}
	head := fmt.Sprintf("feature index %d %s %d", fi, what, fn)
	if known {
		head = fmt.Sprintf("feature index %d (%s) %s %d", fi, f, what, fn)
	}
	if sw != 0 {
		head += fmt.Sprintf(", software ID %d", sw)
	}
	// A solar event is recognised by its marker even without the table.
	if sw == 0 && (!known || f == FeatureSolarDashboard) && r.ID() != ShortID && string(p[5:9]) == "GOOD" {
		ev, err := DecodeSolarEvent(r)
		if err != nil {
			return fmt.Sprintf("%s: %v", head, err)
		}
		s := fmt.Sprintf("%s: solar %s, charge %d %%", head, ev.Kind, ev.Charge)
		if ev.HasLux {
			s += fmt.Sprintf(", %d lux", ev.Lux)
		}
		if !known {
			s += " (solar dashboard 0x4301, recognised by its GOOD marker)"
		}
		return s
	}
	if known && (fn == 0 && sw == 0 || r.ID() != ShortID) {
		var b Battery
		var err error
		switch {
		case f == FeatureBatteryStatus && fn == 0:
			b, err = DecodeBatteryStatus(p, nil)
		case f == FeatureBatteryVoltage && fn == 0:
			b, err = DecodeBatteryVoltage(p)
		case f == FeatureUnifiedBattery && (fn == 1 || sw == 0):
			b, err = DecodeUnifiedBattery(p, nil)
		default:
			return withParams(head, p)
		}
		if err != nil {
			return fmt.Sprintf("%s: %v", head, err)
		}
		return fmt.Sprintf("%s: battery %s", head, describeBattery(b))
	}
	return withParams(head, p)
}

// withParams appends the parameters with trailing zero padding cut off.
func withParams(head string, p []byte) string {
	n := len(p)
	for n > 0 && p[n-1] == 0 {
		n--
	}
	if n == 0 {
		return head
	}
	return fmt.Sprintf("%s: % x", head, p[:n])
}
