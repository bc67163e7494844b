package emulator

import (
	"bytes"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/escape"
	"github.com/helio-linux/helio/internal/safefile"
)

//go:embed profiles/*.json
var builtin embed.FS

// Profile describes an emulated receiver and its paired devices. Profiles
// are JSON; the format is documented in the package comment.
type Profile struct {
	Receiver ReceiverProfile `json:"receiver"`
	Devices  []DeviceProfile `json:"devices"`
}

// ReceiverProfile is the "receiver" object of a profile.
type ReceiverProfile struct {
	PID        string `json:"pid"`         // USB product id, 4 hex digits (c52b)
	Serial     string `json:"serial"`      // 8 hex digits
	Firmware   string `json:"firmware"`    // "24.11.B0036"
	Bootloader string `json:"bootloader"`  // "02.09"
	MaxDevices int    `json:"max_devices"` // 1..7, default 6
}

// DeviceProfile is one entry of "devices".
type DeviceProfile struct {
	Index            int               `json:"index"`    // slot 1..max_devices
	WPID             string            `json:"wpid"`     // wireless product id, 4 hex digits
	Kind             string            `json:"kind"`     // keyboard, mouse, numpad, presenter, trackball, touchpad, ...
	Codename         string            `json:"codename"` // what the receiver stores: 4..14 characters
	Name             string            `json:"name"`     // HID++ 2.0 name (feature 0x0005); defaults to the codename
	Protocol         string            `json:"protocol"` // "1.0", "2.0", "4.5"
	Serial           string            `json:"serial"`   // 8 hex digits
	Online           *bool             `json:"online"`   // default true; false: asleep or out of range
	ReportIntervalMS int               `json:"report_interval_ms"`
	PowerSwitch      int               `json:"power_switch"` // location code 0..12
	ReportTypes      string            `json:"report_types"` // DJ report bitmap, 8 hex digits
	Features         []string          `json:"features"`     // 2.0: feature ids in index order; index 0 is 0000
	HiddenFeatures   []string          `json:"hidden_features"`
	Firmware         []string          `json:"firmware"`  // 0x0003 entities: firmware, bootloader, hardware
	Replies          map[string]string `json:"replies"`   // "1000/0": payload hex
	Registers        map[string]string `json:"registers"` // 1.0: "0d": 3 bytes hex
	Battery          *BatteryProfile   `json:"battery"`
	Solar            *SolarProfile     `json:"solar"`
}

// BatteryProfile is a device's battery, as state the emulator encodes in
// whatever feature or register the device has.
type BatteryProfile struct {
	Percent   int    `json:"percent"`
	Status    string `json:"status"`     // discharging (default), charging, full, not charging, error
	VoltageMV int    `json:"voltage_mv"` // 0x1001; default estimated from percent
	Levels    int    `json:"levels"`     // 0x1000 number of levels; 10 or more with mileage is precise
	Register  string `json:"register"`   // HID++ 1.0: "07" or "0d" (default)
}

// SolarProfile is a solar keyboard's charge and light.
type SolarProfile struct {
	Charge int      `json:"charge"` // percent at start
	Lux    *int     `json:"lux"`    // a constant light; or use day
	Day    []LuxAt  `json:"day"`    // light over a day, interpolated, repeating every 24 h
	Start  string   `json:"start"`  // time of day the emulator starts at, "HH:MM" (default 12:00)
	Speed  float64  `json:"speed"`  // simulated seconds per real second (default 1)
	Drain  *float64 `json:"drain_per_hour"`
	Gain   *float64 `json:"gain_per_hour_per_klux"`
}

// LuxAt is one point of a day's light.
type LuxAt struct {
	At  string `json:"at"` // "HH:MM"
	Lux int    `json:"lux"`
}

// Builtin returns the names of the embedded profiles.
func Builtin() []string {
	ents, _ := builtin.ReadDir("profiles")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	return names
}

// BuiltinProfile returns the embedded profile name ("default": a C52B with
// an MX Master 3 at 80 %, a K750 at 57 % and 12 lux, and an M705).
func BuiltinProfile(name string) (*Profile, error) {
	b, err := builtin.ReadFile("profiles/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("emulator: no built-in profile %s (have %s)", escape.Quote(name), strings.Join(Builtin(), ", "))
	}
	return ParseProfile(b, "built-in "+name)
}

// BuiltinJSON returns the JSON text of an embedded profile, a starting point
// for writing one's own.
func BuiltinJSON(name string) ([]byte, error) {
	b, err := builtin.ReadFile("profiles/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("emulator: no built-in profile %s (have %s)", escape.Quote(name), strings.Join(Builtin(), ", "))
	}
	return b, nil
}

// maxProfileSize bounds a profile file: the built-in one takes 3 KiB,
// and a path that leads to a huge or endless file must not fill the
// memory.
const maxProfileSize = 1 << 20

// LoadProfile reads and validates a profile file: a regular file of at
// most 1 MiB.
func LoadProfile(path string) (*Profile, error) {
	b, err := safefile.Read(path, maxProfileSize)
	if err != nil {
		return nil, fmt.Errorf("emulator: read profile: %w", err)
	}
	return ParseProfile(b, path)
}

// ProfileError says what is wrong in a profile and where: a file, a line and
// column for syntax errors, a JSON path for bad values.
type ProfileError struct {
	File string
	Line int    // 0 when not known
	Col  int    // 0 when not known
	Path string // such as devices[1].wpid
	Msg  string
}

func (e *ProfileError) Error() string {
	where := e.File
	if e.Line > 0 {
		where += fmt.Sprintf(":%d:%d", e.Line, e.Col)
	}
	if e.Path != "" {
		// A path holds the file's own keys: escaped and cut, as values
		// are.
		where += ": " + escape.Text(e.Path)
		if len(where) > 200 {
			cut := 200
			for !utf8.RuneStart(where[cut]) {
				cut--
			}
			where = where[:cut] + "…"
		}
	}
	return fmt.Sprintf("profile %s: %s", where, e.Msg)
}

func lineCol(b []byte, off int64) (int, int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	before := b[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// ParseProfile decodes and validates a profile. name is used in errors.
func ParseProfile(b []byte, name string) (*Profile, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Profile
	if err := dec.Decode(&p); err != nil {
		pe := &ProfileError{File: name, Msg: strings.TrimPrefix(err.Error(), "json: ")}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			pe.Line, pe.Col = lineCol(b, se.Offset)
		case errors.As(err, &te):
			pe.Line, pe.Col = lineCol(b, te.Offset)
			pe.Path = te.Field
			pe.Msg = fmt.Sprintf("%s where %s is needed", te.Value, te.Type)
		case errors.Is(err, io.EOF):
			pe.Msg = "empty file"
		default:
			pe.Line, pe.Col = lineCol(b, dec.InputOffset())
		}
		return nil, pe
	}
	if dec.More() {
		l, c := lineCol(b, dec.InputOffset())
		return nil, &ProfileError{File: name, Line: l, Col: c, Msg: "text after the profile object"}
	}
	if err := p.validate(); err != nil {
		if pe, ok := err.(*ProfileError); ok {
			pe.File = name
		}
		return nil, err
	}
	return &p, nil
}

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

// parseFirmware reads "RQK 33.00.B0015".
func parseFirmware(s string) (prefix string, major, minor byte, build uint16, err error) {
	f := strings.Fields(s)
	if len(f) != 2 || len(f[0]) > 3 {
		return "", 0, 0, 0, fmt.Errorf("%s is not like \"RQK 33.00.B0015\"", escape.Quote(s))
	}
	major, minor, build, err = parseVersion(f[1])
	return f[0], major, minor, build, err
}

func parseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%s is not a time of day HH:MM", escape.Quote(s))
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

func (p *Profile) validate() error {
	r := &p.Receiver
	if r.PID == "" {
		r.PID = "c52b"
	}
	if _, ok := parseHex16(r.PID); !ok {
		return perr("receiver.pid", "%s is not 4 hex digits", escape.Quote(r.PID))
	}
	if r.Serial == "" {
		return perr("receiver.serial", "missing (8 hex digits)")
	}
	if _, ok := parseHex32(r.Serial); !ok {
		return perr("receiver.serial", "%s is not 8 hex digits", escape.Quote(r.Serial))
	}
	if r.Firmware == "" {
		r.Firmware = "12.11.B00B0"
	}
	if _, _, _, err := parseVersion(r.Firmware); err != nil {
		return perr("receiver.firmware", "%v", err)
	}
	if r.Bootloader == "" {
		r.Bootloader = "02.14"
	}
	if _, _, _, err := parseVersion(r.Bootloader); err != nil {
		return perr("receiver.bootloader", "%v", err)
	}
	if r.MaxDevices == 0 {
		r.MaxDevices = 6
	}
	if r.MaxDevices < 1 || r.MaxDevices > hidpp.MaxDeviceSlot {
		return perr("receiver.max_devices", "%d is not in 1..7", r.MaxDevices)
	}
	seen := map[int]bool{}
	for i := range p.Devices {
		if err := p.Devices[i].validate(fmt.Sprintf("devices[%d]", i), r.MaxDevices); err != nil {
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

func (d *DeviceProfile) validate(at string, maxDevices int) error {
	if d.Index < 1 || d.Index > maxDevices {
		return perr(at+".index", "%d is not a slot in 1..%d", d.Index, maxDevices)
	}
	if _, ok := parseHex16(d.WPID); !ok {
		return perr(at+".wpid", "%s is not 4 hex digits", escape.Quote(d.WPID))
	}
	if _, err := hidpp.ParseKind(d.Kind); err != nil || d.Kind == "receiver" {
		return perr(at+".kind", "%s is not a device kind (keyboard, mouse, numpad, presenter, remote control, trackball, touchpad, ...)", escape.Quote(d.Kind))
	}
	if n := len(d.Codename); n < 4 || n > 14 {
		return perr(at+".codename", "%s must be 4 to 14 characters (the receiver stores at most 14; the kernel rejects fewer than 4)", escape.Quote(d.Codename))
	}
	if d.Name == "" {
		d.Name = d.Codename
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
	if proto.IsFeatureBased() {
		if len(d.Registers) > 0 {
			return perr(at+".registers", "a HID++ %s device has features, not registers", d.Protocol)
		}
		if err := d.validateFeatures(at); err != nil {
			return err
		}
	} else {
		if len(d.Features) > 0 || len(d.Replies) > 0 || d.Solar != nil || len(d.Firmware) > 0 {
			return perr(at+".protocol", "a HID++ 1.0 device has registers only: remove features, replies, firmware and solar")
		}
		for k, v := range d.Registers {
			if len(k) != 2 {
				return perr(at+".registers", "%s is not a register address of 2 hex digits", escape.Quote(k))
			}
			if _, err := strconv.ParseUint(k, 16, 8); err != nil {
				return perr(at+".registers", "%s is not a register address of 2 hex digits", escape.Quote(k))
			}
			if b, err := hex.DecodeString(v); err != nil || len(b) != 3 {
				return perr(at+".registers."+k, "%s is not 3 bytes of hex", escape.Quote(v))
			}
		}
	}
	for i, fw := range d.Firmware {
		if _, _, _, _, err := parseFirmware(fw); err != nil {
			return perr(fmt.Sprintf("%s.firmware[%d]", at, i), "%v", err)
		}
	}
	if b := d.Battery; b != nil {
		if b.Percent < 0 || b.Percent > 100 {
			return perr(at+".battery.percent", "%d is not in 0..100", b.Percent)
		}
		if b.Status == "" {
			b.Status = "discharging"
		}
		if _, err := hidpp.ParseStatus(b.Status); err != nil {
			return perr(at+".battery.status", "%s is not discharging, charging, full, not charging or error", escape.Quote(b.Status))
		}
		if b.VoltageMV != 0 && (b.VoltageMV < 1000 || b.VoltageMV > 5000) {
			return perr(at+".battery.voltage_mv", "%d is not in 1000..5000", b.VoltageMV)
		}
		if b.Levels < 0 || b.Levels > 100 {
			return perr(at+".battery.levels", "%d is not in 0..100", b.Levels)
		}
		switch strings.ToLower(b.Register) {
		case "":
		case "07", "0d":
			b.Register = strings.ToLower(b.Register)
		default:
			return perr(at+".battery.register", "%s is not 07 or 0d", escape.Quote(b.Register))
		}
	}
	if s := d.Solar; s != nil {
		if err := s.validate(at + ".solar"); err != nil {
			return err
		}
	}
	return nil
}

func (d *DeviceProfile) validateFeatures(at string) error {
	for i, f := range d.Features {
		if _, ok := parseHex16(f); !ok {
			return perr(fmt.Sprintf("%s.features[%d]", at, i), "%s is not a feature id of 4 hex digits", escape.Quote(f))
		}
	}
	if len(d.Features) > 0 && d.Features[0] != "0000" {
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
