package emulator

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/escape"
)

// This file checks a profile, which is untrusted input, and fills in its
// defaults: whatever it accepts makes an emulator that answers every
// request without panicking (FuzzParseProfile).

func perr(path, format string, args ...any) error {
	return &ProfileError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

func parseHex16(s string) (uint16, bool) {
	if len(s) != 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 16, 16)
	return uint16(v), err == nil
}

func parseHex32(s string) (uint32, bool) {
	if len(s) != 8 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 16, 32)
	return uint32(v), err == nil
}

// isHexDigits reports whether s is n hex digits.
func isHexDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// parseVersion reads "24.11.B0036" (hex major, minor, build) or "02.09".
func parseVersion(s string) (major, minor byte, build uint16, err error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, fmt.Errorf("%s is not MM.mm or MM.mm.Bbbbb", escape.Quote(s))
	}
	ma, err1 := strconv.ParseUint(parts[0], 16, 8)
	mi, err2 := strconv.ParseUint(parts[1], 16, 8)
	if err1 != nil || err2 != nil {
		return 0, 0, 0, fmt.Errorf("%s is not MM.mm or MM.mm.Bbbbb (hex digits)", escape.Quote(s))
	}
	if len(parts) == 3 {
		bs := strings.TrimPrefix(parts[2], "B")
		bv, err := strconv.ParseUint(bs, 16, 16)
		if err != nil || len(bs) != 4 {
			return 0, 0, 0, fmt.Errorf("%s: build must be B and 4 hex digits", escape.Quote(s))
		}
		build = uint16(bv)
	}
	return byte(ma), byte(mi), build, nil
}

// entityKinds are the types of feature 0x0003's firmware entities, by
// their number.
var entityKinds = []string{"firmware", "bootloader", "hardware", "other"}

// maxExtras is how many bytes of a firmware entity's 16 follow its
// version: fn1's reply has the type, prefix, version and build in bytes
// 0..7, something in 8, and these in 9..15.
const maxExtras = 7

// parseEntity reads one firmware entity of feature 0x0003: "RQK
// 33.00.B0015", with its type before it when it is not the one its place
// gives ("bootloader: BL1 69.00.B0003"), extra bytes after it in hex
// ("... B03438FCA4E6"), or a type alone for an empty entity ("other:"). i
// is its place: entities 0, 1, 2 and the rest are firmware, bootloader,
// hardware and other unless they say.
func parseEntity(s string, i int) ([]byte, error) {
	e := make([]byte, 9)
	e[0] = byte(min(i, 3))
	f := strings.Fields(s)
	if len(f) > 0 && strings.HasSuffix(f[0], ":") {
		k := strings.TrimSuffix(f[0], ":")
		n := -1
		for j, name := range entityKinds {
			if strings.EqualFold(k, name) {
				n = j
			}
		}
		if n < 0 {
			return nil, fmt.Errorf("%s is not a firmware type (firmware, bootloader, hardware, other)", escape.Quote(k))
		}
		e[0], f = byte(n), f[1:]
		if len(f) == 0 {
			return e, nil
		}
	}
	if len(f) < 2 || len(f) > 3 || len(f[0]) > 3 {
		return nil, fmt.Errorf("%s is not like \"RQK 33.00.B0015\", \"bootloader: BL1 69.00.B0003 B03438FCA4E6\" or \"other:\"", escape.Quote(s))
	}
	major, minor, build, err := parseVersion(f[1])
	if err != nil {
		return nil, err
	}
	copy(e[1:4], f[0])
	e[4], e[5], e[6], e[7] = major, minor, byte(build>>8), byte(build)
	if len(f) == 3 {
		x, err := hex.DecodeString(f[2])
		if err != nil || len(x) > maxExtras {
			return nil, fmt.Errorf("%s is not at most %d bytes of hex after the version", escape.Quote(f[2]), maxExtras)
		}
		e = append(e, x...)
	}
	return e, nil
}

// feature is one entry of a device's feature table.
type feature struct {
	id      hidpp.FeatureID
	version byte
	flags   byte
}

// parseFeature reads a feature table entry: its id in 4 hex digits, then
// optionally its version ("1004v3") and its flags byte in hex ("1802[70]"),
// as docs/devices.md §6 writes the recorded tables.
func parseFeature(s string) (feature, bool) {
	if len(s) < 4 {
		return feature{}, false
	}
	id, ok := parseHex16(s[:4])
	f, rest := feature{id: hidpp.FeatureID(id)}, s[4:]
	if !ok {
		return feature{}, false
	}
	if v, ok := strings.CutPrefix(rest, "v"); ok {
		end := strings.IndexByte(v, '[')
		if end < 0 {
			end = len(v)
		}
		n, err := strconv.ParseUint(v[:end], 10, 8)
		if err != nil {
			return feature{}, false
		}
		f.version, rest = byte(n), v[end:]
	}
	if b, ok := strings.CutPrefix(rest, "["); ok {
		x, err := hex.DecodeString(strings.TrimSuffix(b, "]"))
		if err != nil || len(x) != 1 || !strings.HasSuffix(b, "]") {
			return feature{}, false
		}
		f.flags, rest = x[0], ""
	}
	return f, rest == ""
}

// parseMAC reads a Bluetooth address and returns it as bluetoothd writes
// it: six lower-case hex pairs separated by colons.
func parseMAC(s string) (string, bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 6 {
		return "", false
	}
	for _, p := range parts {
		if !isHexDigits(p, 2) {
			return "", false
		}
	}
	return strings.ToLower(s), true
}

func parseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%s is not a time of day HH:MM", escape.Quote(s))
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// maxBluetoothDevices bounds a profile of Bluetooth devices, as the slots
// bound a receiver's.
const maxBluetoothDevices = hidpp.MaxDeviceSlot

func (p *Profile) validate() error {
	if len(p.Description) > 200 || strings.ContainsAny(p.Description, "\r\n") {
		return perr("description", "must be one line of at most 200 characters")
	}
	if p.Bluetooth != nil {
		return p.validateBluetooth()
	}
	r := &p.Receiver
	if r.PID == "" {
		r.PID = "c52b"
	}
	pid, ok := parseHex16(r.PID)
	if !ok {
		return perr("receiver.pid", "%s is not 4 hex digits", escape.Quote(r.PID))
	}
	m, ok := modelOf(pid)
	if !ok {
		return perr("receiver.pid", "%s is not a receiver the emulator has a model of: %s", escape.Quote(r.PID), knownPIDs())
	}
	r.PID = fmt.Sprintf("%04x", pid)
	switch m.serial {
	case serialInfo:
		if r.Serial == "" {
			return perr("receiver.serial", "missing (8 hex digits)")
		}
		if _, ok := parseHex32(r.Serial); !ok {
			return perr("receiver.serial", "%s is not 8 hex digits", escape.Quote(r.Serial))
		}
	case serialUnique:
		// A Bolt's unique id is 16 characters, hex digits in every real
		// one seen; 8 hex digits are taken twice, as profiles written
		// before the unique id had its own form were read.
		if !isHexDigits(r.Serial, 16) && !isHexDigits(r.Serial, 8) {
			return perr("receiver.serial", "%s is not a %s unique id of 16 hex digits", escape.Quote(r.Serial), m.family)
		}
	case serialNone:
		if r.Serial != "" {
			return perr("receiver.serial", "a %04x keeps no serial (its register 0xB5 0x03 answers an error): remove it", m.pid)
		}
	}
	if r.Firmware == "" {
		r.Firmware = "12.11.B00B0"
	}
	if _, _, _, err := parseVersion(r.Firmware); err != nil {
		return perr("receiver.firmware", "%v", err)
	}
	if r.Bootloader == "" {
		r.Bootloader = m.defaultBootloader
	}
	for _, v := range []struct{ path, s string }{{"receiver.bootloader", r.Bootloader}, {"receiver.other", r.Other}} {
		if v.s == "" {
			continue
		}
		if !m.has(regFirmware) {
			return perr(v.path, "a %s receiver has no register 0xF1 to tell it", m.family)
		}
		if _, _, _, err := parseVersion(v.s); err != nil {
			return perr(v.path, "%v", err)
		}
	}
	if r.MaxDevices == 0 {
		r.MaxDevices = m.defaultSlots
	}
	if r.MaxDevices < 1 || r.MaxDevices > m.slots {
		return perr("receiver.max_devices", "%d is not in 1..%d (a %04x has %d slots)", r.MaxDevices, m.slots, m.pid, m.slots)
	}
	for i, w := range r.Without {
		g, ok := parseRegister(w)
		if !ok || !m.has(g) {
			return perr(fmt.Sprintf("receiver.without[%d]", i), "%s is not a register a %04x has (%s)", escape.Quote(w), m.pid, registerNames(m))
		}
		r.Without[i] = string(g)
	}
	seen := map[int]bool{}
	for i := range p.Devices {
		if err := p.Devices[i].validate(fmt.Sprintf("devices[%d]", i), r.MaxDevices, false); err != nil {
			return err
		}
		if seen[p.Devices[i].Index] {
			return perr(fmt.Sprintf("devices[%d].index", i), "slot %d is used twice", p.Devices[i].Index)
		}
		seen[p.Devices[i].Index] = true
	}
	sort.Slice(p.Devices, func(i, j int) bool { return p.Devices[i].Index < p.Devices[j].Index })
	return nil
}

// registerNames lists the registers of m, for messages.
func registerNames(m *model) string {
	s := make([]string, len(m.registers))
	for i, g := range m.registers {
		s[i] = string(g)
	}
	return strings.Join(s, ", ")
}

// validateBluetooth checks a profile of Bluetooth-direct devices.
func (p *Profile) validateBluetooth() error {
	r := p.Receiver
	if r.PID != "" || r.Serial != "" || r.Firmware != "" || r.Bootloader != "" || r.Other != "" || r.MaxDevices != 0 || len(r.Without) > 0 {
		return perr("receiver", "a profile of Bluetooth devices has no receiver: give \"receiver\" or \"bluetooth\", not both")
	}
	mac, ok := parseMAC(p.Bluetooth.Adapter)
	if !ok {
		return perr("bluetooth.adapter", "%s is not a Bluetooth address such as 00:1a:7d:da:71:13", escape.Quote(p.Bluetooth.Adapter))
	}
	p.Bluetooth.Adapter = mac
	if len(p.Devices) == 0 {
		return perr("devices", "a profile of Bluetooth devices needs at least one")
	}
	seen, macs := map[int]bool{}, map[string]bool{}
	for i := range p.Devices {
		d := &p.Devices[i]
		at := fmt.Sprintf("devices[%d]", i)
		if err := d.validate(at, maxBluetoothDevices, true); err != nil {
			return err
		}
		if seen[d.Index] {
			return perr(at+".index", "device %d is given twice", d.Index)
		}
		if macs[d.MAC] || d.MAC == mac {
			return perr(at+".mac", "%s is the address of another device or of the adapter", d.MAC)
		}
		seen[d.Index], macs[d.MAC] = true, true
	}
	sort.Slice(p.Devices, func(i, j int) bool { return p.Devices[i].Index < p.Devices[j].Index })
	return nil
}

// maxCodename bounds a codename: a receiver keeps 14 characters of it, a
// Bluetooth device's name is a HID name, and neither needs more.
const maxCodename = 64

func (d *DeviceProfile) validate(at string, maxDevices int, bt bool) error {
	if d.Index < 1 || d.Index > maxDevices {
		what := "a slot"
		if bt {
			what = "a device number"
		}
		return perr(at+".index", "%d is not %s in 1..%d", d.Index, what, maxDevices)
	}
	if err := d.validateTransport(at, bt); err != nil {
		return err
	}
	kind, err := hidpp.ParseKind(d.Kind)
	if err != nil || kind == hidpp.KindReceiver {
		return perr(at+".kind", "%s is not a device kind (keyboard, mouse, numpad, presenter, remote control, trackball, touchpad, ...)", escape.Quote(d.Kind))
	}
	if d.DeviceKind != "" {
		k, err := hidpp.ParseKind(d.DeviceKind)
		if _, ok := hidpp.KindTo20(k); err != nil || !ok || k == hidpp.KindReceiver {
			return perr(at+".device_kind", "%s is not a kind feature 0x0005 can say (keyboard, remote control, numpad, mouse, touchpad, trackball, presenter)", escape.Quote(d.DeviceKind))
		}
	}
	if n := len(d.Codename); n != 0 && (n < 4 || n > maxCodename) {
		return perr(at+".codename", "%s must be 4 to %d characters, or none (the kernel rejects fewer than 4)", escape.Quote(d.Codename), maxCodename)
	}
	for _, c := range []byte(d.Codename) {
		if c < 0x20 || c > 0x7E {
			return perr(at+".codename", "%s is not printable ASCII, which is what receivers store", escape.Quote(d.Codename))
		}
	}
	if d.Name == "" {
		d.Name = d.Codename
	}
	if d.Name == "" {
		return perr(at+".name", "a device needs a name or a codename")
	}
	if len(d.Name) > 255 {
		return perr(at+".name", "longer than 255 characters")
	}
	proto, err := hidpp.ParseProtocol(d.Protocol)
	if err != nil {
		return perr(at+".protocol", "%s is not 1.0, 2.0, 4.5, ...", escape.Quote(d.Protocol))
	}
	if _, ok := parseHex32(d.Serial); !ok {
		return perr(at+".serial", "%s is not 8 hex digits", escape.Quote(d.Serial))
	}
	if ids := d.IDs; ids != nil {
		for _, id := range []struct{ name, v string }{{"btid", ids.BTID}, {"btleid", ids.BTLEID}, {"wpid", ids.WPID}, {"usbid", ids.USBID}} {
			if id.v != "" && !isHexDigits(id.v, 4) {
				return perr(at+".ids."+id.name, "%s is not 4 hex digits", escape.Quote(id.v))
			}
		}
	}
	if proto.IsFeatureBased() {
		if len(d.Registers) > 0 {
			return perr(at+".registers", "a HID++ %s device has features, not registers", d.Protocol)
		}
		if err := d.validateFeatures(at); err != nil {
			return err
		}
	} else {
		if len(d.Features) > 0 || len(d.Replies) > 0 || d.Solar != nil || len(d.Firmware) > 0 || d.IDs != nil {
			return perr(at+".protocol", "a HID++ 1.0 device has registers only: remove features, replies, firmware, ids and solar")
		}
		for k, v := range d.Registers {
			if !isHexDigits(k, 2) {
				return perr(at+".registers", "%s is not a register address of 2 hex digits", escape.Quote(k))
			}
			if b, err := hex.DecodeString(v); err != nil || len(b) != 3 {
				return perr(at+".registers."+k, "%s is not 3 bytes of hex", escape.Quote(v))
			}
		}
	}
	for i, fw := range d.Firmware {
		if _, err := parseEntity(fw, i); err != nil {
			return perr(fmt.Sprintf("%s.firmware[%d]", at, i), "%v", err)
		}
	}
	if b := d.Battery; b != nil {
		if err := b.validate(at + ".battery"); err != nil {
			return err
		}
	}
	if s := d.Solar; s != nil {
		if err := s.validate(at + ".solar"); err != nil {
			return err
		}
	}
	return nil
}

// validateTransport checks what depends on how the device is reached:
// through a receiver (wpid, slot figures) or over Bluetooth (product id,
// address, reports).
func (d *DeviceProfile) validateTransport(at string, bt bool) error {
	if d.WPID != "" || !bt {
		if _, ok := parseHex16(d.WPID); !ok {
			return perr(at+".wpid", "%s is not 4 hex digits", escape.Quote(d.WPID))
		}
	}
	if !bt {
		for _, f := range []struct{ name, v string }{{"pid", d.PID}, {"mac", d.MAC}, {"reports", d.Reports}} {
			if f.v != "" {
				return perr(at+"."+f.name, "only a Bluetooth device has one; this one is paired to a receiver")
			}
		}
		if d.AnswersOn00 {
			return perr(at+".answers_on_00", "only a Bluetooth device answers on its own node; this one is paired to a receiver")
		}
		if d.PowerSwitch < 0 || d.PowerSwitch > 12 {
			return perr(at+".power_switch", "%d is not a location code 0..12", d.PowerSwitch)
		}
		if d.ReportIntervalMS < 0 || d.ReportIntervalMS > 255 {
			return perr(at+".report_interval_ms", "%d is not in 0..255", d.ReportIntervalMS)
		}
		if d.ReportTypes != "" {
			if _, ok := parseHex32(d.ReportTypes); !ok {
				return perr(at+".report_types", "%s is not 8 hex digits", escape.Quote(d.ReportTypes))
			}
		}
		return nil
	}
	if _, ok := parseHex16(d.PID); !ok {
		return perr(at+".pid", "%s is not a Bluetooth product id of 4 hex digits", escape.Quote(d.PID))
	}
	mac, ok := parseMAC(d.MAC)
	if !ok {
		return perr(at+".mac", "%s is not a Bluetooth address such as d4:4e:7a:35:2b:10", escape.Quote(d.MAC))
	}
	d.MAC = mac
	switch d.Reports {
	case "":
		d.Reports = reportsLong
	case reportsLong, reportsShortLong, reportsNone:
	default:
		return perr(at+".reports", "%s is not long, short+long or none", escape.Quote(d.Reports))
	}
	for _, f := range []struct {
		name string
		set  bool
	}{{"power_switch", d.PowerSwitch != 0}, {"report_interval_ms", d.ReportIntervalMS != 0}, {"report_types", d.ReportTypes != ""}} {
		if f.set {
			return perr(at+"."+f.name, "a receiver keeps it; a Bluetooth device has none")
		}
	}
	return nil
}

func (b *BatteryProfile) validate(at string) error {
	if b.Percent < 0 || b.Percent > 100 {
		return perr(at+".percent", "%d is not in 0..100", b.Percent)
	}
	if b.Status == "" {
		b.Status = "discharging"
	}
	if _, err := hidpp.ParseStatus(b.Status); err != nil {
		return perr(at+".status", "%s is not discharging, charging, full, not charging or error", escape.Quote(b.Status))
	}
	if b.VoltageMV != 0 && (b.VoltageMV < 1000 || b.VoltageMV > 5000) {
		return perr(at+".voltage_mv", "%d is not in 1000..5000", b.VoltageMV)
	}
	if b.Levels < 0 || b.Levels > 100 {
		return perr(at+".levels", "%d is not in 0..100", b.Levels)
	}
	if b.Next != nil && (*b.Next < 0 || *b.Next > 100) {
		return perr(at+".next", "%d is not in 0..100", *b.Next)
	}
	switch strings.ToLower(b.Register) {
	case "":
	case "07", "0d":
		b.Register = strings.ToLower(b.Register)
	default:
		return perr(at+".register", "%s is not 07 or 0d", escape.Quote(b.Register))
	}
	return nil
}

// maxFeatures bounds a feature table: its indexes are bytes.
const maxFeatures = 255

func (d *DeviceProfile) validateFeatures(at string) error {
	if len(d.Features) > maxFeatures {
		return perr(at+".features", "%d features; a device has at most %d", len(d.Features), maxFeatures)
	}
	for i, f := range d.Features {
		if _, ok := parseFeature(f); !ok {
			return perr(fmt.Sprintf("%s.features[%d]", at, i), "%s is not a feature id of 4 hex digits, with a version (v3) and flags ([70]) if any", escape.Quote(f))
		}
	}
	if len(d.Features) > 0 && !strings.HasPrefix(d.Features[0], "0000") {
		return perr(at+".features[0]", "index 0 must be the root feature 0000, not %s", escape.Quote(d.Features[0]))
	}
	for i, f := range d.HiddenFeatures {
		if _, ok := parseHex16(f); !ok {
			return perr(fmt.Sprintf("%s.hidden_features[%d]", at, i), "%s is not a feature id of 4 hex digits", escape.Quote(f))
		}
	}
	for k, v := range d.Replies {
		fs, fn, ok := strings.Cut(k, "/")
		_, okf := parseHex16(fs)
		n, err := strconv.Atoi(fn)
		if !ok || !okf || err != nil || n < 0 || n > 15 {
			return perr(at+".replies", "key %s is not FEATURE/FUNCTION such as \"1000/0\"", escape.Quote(k))
		}
		if b, err := hex.DecodeString(v); err != nil || len(b) > 16 {
			return perr(at+".replies."+k, "%s is not at most 16 bytes of hex", escape.Quote(v))
		}
	}
	return nil
}

func (s *SolarProfile) validate(at string) error {
	if s.Charge < 0 || s.Charge > 100 {
		return perr(at+".charge", "%d is not in 0..100", s.Charge)
	}
	if s.Lux != nil && (*s.Lux < 0 || *s.Lux > 0xFFFF) {
		return perr(at+".lux", "%d is not in 0..65535", *s.Lux)
	}
	if s.Lux != nil && len(s.Day) > 0 {
		return perr(at, "give either lux (constant light) or day (a schedule), not both")
	}
	if s.Lux == nil && len(s.Day) == 0 {
		return perr(at, "needs lux (constant light) or day (a schedule)")
	}
	last := time.Duration(-1)
	for i, p := range s.Day {
		t, err := parseClock(p.At)
		if err != nil {
			return perr(fmt.Sprintf("%s.day[%d].at", at, i), "%v", err)
		}
		if t <= last {
			return perr(fmt.Sprintf("%s.day[%d].at", at, i), "%s is not after the point before it", p.At)
		}
		last = t
		if p.Lux < 0 || p.Lux > 0xFFFF {
			return perr(fmt.Sprintf("%s.day[%d].lux", at, i), "%d is not in 0..65535", p.Lux)
		}
	}
	if s.Start == "" {
		s.Start = "12:00"
	}
	if _, err := parseClock(s.Start); err != nil {
		return perr(at+".start", "%v", err)
	}
	if s.Speed == 0 {
		s.Speed = 1
	}
	if s.Speed < 0 || s.Speed > 1e6 {
		return perr(at+".speed", "%g is not in (0, 1e6]", s.Speed)
	}
	if s.Drain != nil && (*s.Drain < 0 || *s.Drain > 100) {
		return perr(at+".drain_per_hour", "%g is not in 0..100", *s.Drain)
	}
	if s.Gain != nil && (*s.Gain < 0 || *s.Gain > 100) {
		return perr(at+".gain_per_hour_per_klux", "%g is not in 0..100", *s.Gain)
	}
	return nil
}
