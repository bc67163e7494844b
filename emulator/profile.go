package emulator

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/helio-linux/helio/internal/escape"
	"github.com/helio-linux/helio/internal/safefile"
)

//go:embed profiles/*.json
var builtin embed.FS

// Profile describes an emulated receiver and its paired devices, or
// Bluetooth devices connected to the computer without a receiver.
// Profiles are JSON; the format is documented in the package comment.
type Profile struct {
	// Description says in a line what the profile emulates.
	Description string `json:"description"`
	// Receiver is the receiver; Bluetooth, when set, says the devices are
	// Bluetooth-direct and there is no receiver.
	Receiver  ReceiverProfile   `json:"receiver"`
	Bluetooth *BluetoothProfile `json:"bluetooth"`
	Devices   []DeviceProfile   `json:"devices"`
}

// ReceiverProfile is the "receiver" object of a profile.
type ReceiverProfile struct {
	PID        string   `json:"pid"`         // USB product id, 4 hex digits (c52b): decides the family and layout
	Serial     string   `json:"serial"`      // 8 hex digits; Bolt: its 16-character unique id
	Firmware   string   `json:"firmware"`    // "24.11.B0036"
	Bootloader string   `json:"bootloader"`  // "02.09"
	Other      string   `json:"other"`       // register 0xF1 selector 3, "AA.BE"
	MaxDevices int      `json:"max_devices"` // slots, default and limit by product
	Without    []string `json:"without"`     // registers this receiver lacks: "B5 2n", "F1", ...
}

// BluetoothProfile is the "bluetooth" object of a profile of
// Bluetooth-direct devices.
type BluetoothProfile struct {
	// Adapter is the computer's Bluetooth address, which bluetoothd gives
	// its devices as their physical path (lower-case, colon-separated).
	Adapter string `json:"adapter"`
}

// DeviceProfile is one entry of "devices".
type DeviceProfile struct {
	Index            int               `json:"index"`       // slot 1..max_devices; a Bluetooth device's number in controls
	WPID             string            `json:"wpid"`        // wireless product id, 4 hex digits
	Kind             string            `json:"kind"`        // keyboard, mouse, numpad, presenter, trackball, touchpad, ...
	DeviceKind       string            `json:"device_kind"` // the kind feature 0x0005 says, when not the receiver's
	Codename         string            `json:"codename"`    // what the receiver stores (the first 14 characters); a Bluetooth device's name
	Name             string            `json:"name"`        // HID++ 2.0 name (feature 0x0005); defaults to the codename
	Protocol         string            `json:"protocol"`    // "1.0", "2.0", "4.5"
	Serial           string            `json:"serial"`      // 8 hex digits: the serial and unit id
	IDs              *ModelIDs         `json:"ids"`         // feature 0x0003's model id
	Online           *bool             `json:"online"`      // default true; false: asleep or out of range
	ReportIntervalMS int               `json:"report_interval_ms"`
	PowerSwitch      int               `json:"power_switch"` // location code 0..12
	ReportTypes      string            `json:"report_types"` // DJ report bitmap, 8 hex digits
	Features         []string          `json:"features"`     // 2.0: feature ids in index order ("1004", "1004v3", "1802[70]"); index 0 is 0000
	HiddenFeatures   []string          `json:"hidden_features"`
	Firmware         []string          `json:"firmware"`  // 0x0003 entities: firmware, bootloader, hardware
	Replies          map[string]string `json:"replies"`   // "1000/0": payload hex
	Registers        map[string]string `json:"registers"` // 1.0: "0d": 3 bytes hex
	Battery          *BatteryProfile   `json:"battery"`
	Solar            *SolarProfile     `json:"solar"`

	// Bluetooth devices only.
	PID     string `json:"pid"`     // Bluetooth product id, 4 hex digits (b023)
	MAC     string `json:"mac"`     // its address: HID_UNIQ
	Reports string `json:"reports"` // HID++ reports in its report map: long (default), short+long or none
	// AnswersOn00 makes its replies come on device index 0x00 whatever
	// index the request went to, as some HID++ 1.0-era Bluetooth devices
	// answer; hosts accept such a reply to a request to 0xFF.
	AnswersOn00 bool `json:"answers_on_00"`
}

// ModelIDs are a device's product ids on each of its transports, which
// feature 0x0003 reports as its model id (in this order) and transport
// bits. Each is 4 hex digits or empty.
type ModelIDs struct {
	BTID   string `json:"btid"`   // Bluetooth classic
	BTLEID string `json:"btleid"` // Bluetooth LE
	WPID   string `json:"wpid"`   // a receiver's wireless product id
	USBID  string `json:"usbid"`  // USB, corded
}

// Values of DeviceProfile.Reports.
const (
	reportsLong      = "long"
	reportsShortLong = "short+long"
	reportsNone      = "none"
)

// BatteryProfile is a device's battery, as state the emulator encodes in
// whatever feature or register the device has.
type BatteryProfile struct {
	Percent      int    `json:"percent"`
	Status       string `json:"status"`       // discharging (default), charging, full, not charging, error
	VoltageMV    int    `json:"voltage_mv"`   // 0x1001; default estimated from percent
	Levels       int    `json:"levels"`       // 0x1000 number of levels; 10 or more with mileage is precise
	Next         *int   `json:"next"`         // 0x1000's next level, %; default one level below percent
	Register     string `json:"register"`     // HID++ 1.0: "07" or "0d" (default)
	Rechargeable bool   `json:"rechargeable"` // 0x1004's capability flag
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
	slices.Sort(names) // by name, not by file name: "bluetooth" before "bluetooth-3s"
	return names
}

// BuiltinProfile returns the embedded profile name: "default" (a C52B with
// an MX Master 3 at 80 %, a K750 at 57 % and 12 lux, and an M705),
// "bolt", "lightspeed", "nano", "bluetooth" or "bluetooth-3s" (the package
// comment says what each holds).
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
