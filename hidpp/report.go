package hidpp

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/helio-linux/helio/internal/escape"
)

// Report IDs and lengths of the three HID++ report formats.
const (
	ShortID    = 0x10 // short report: 7 bytes, 3 parameter bytes
	LongID     = 0x11 // long report: 20 bytes, 16 parameter bytes
	VeryLongID = 0x12 // very long report: length from the report descriptor

	ShortLen       = 7
	LongLen        = 20
	VeryLongMinLen = 20 // the kernel accepts 20..64 bytes for 0x12
	MaxLen         = 64
)

// Device indexes with a fixed meaning.
const (
	ReceiverIndex = 0xFF // the receiver itself (also corded devices)
	MaxDeviceSlot = 7    // paired devices use 1..6; the kernel allows 7
)

// HID++ 1.0 sub-IDs.
const (
	SubSetRegister     = 0x80 // set short register
	SubGetRegister     = 0x81 // get short register
	SubSetLongRegister = 0x82 // set long register
	SubGetLongRegister = 0x83 // get long register (short request, long reply)
	SubError10         = 0x8F // HID++ 1.0 error report
	SubError20         = 0xFF // HID++ 2.0 error report (in byte 2)

	SubDisconnect     = 0x40 // device unpaired (Bolt, HID++ short)
	SubConnect        = 0x41 // device connection notification
	SubPairingLock    = 0x4A // pairing lock opened or closed
	SubBatteryStatus  = 0x07 // HID++ 1.0 battery status event (register 0x07 payload)
	SubBatteryMileage = 0x0D // HID++ 1.0 battery mileage event (register 0x0D payload)
)

// Errors returned by [Parse].
var (
	ErrShortReport = errors.New("hidpp: report too short")
	ErrReportID    = errors.New("hidpp: not a HID++ report")
	ErrLength      = errors.New("hidpp: wrong length for report ID")
)

// Report is one HID++ report, report ID included. The zero value is not a
// valid report; build one with [Short], [Long] or [Parse]. Reports are
// values: copying one copies its bytes, so a decoded report never aliases a
// transport buffer.
type Report struct {
	b [MaxLen]byte
	n uint8
}

// Parse validates b as one HID++ report and copies it. A short or long
// report must have exactly its length; a very long report 20..64 bytes.
func Parse(b []byte) (Report, error) {
	var r Report
	if len(b) < 4 {
		return r, fmt.Errorf("%w: %d bytes", ErrShortReport, len(b))
	}
	switch b[0] {
	case ShortID:
		if len(b) != ShortLen {
			return r, fmt.Errorf("%w: short report of %d bytes, want %d", ErrLength, len(b), ShortLen)
		}
	case LongID:
		if len(b) != LongLen {
			return r, fmt.Errorf("%w: long report of %d bytes, want %d", ErrLength, len(b), LongLen)
		}
	case VeryLongID:
		if len(b) < VeryLongMinLen || len(b) > MaxLen {
			return r, fmt.Errorf("%w: very long report of %d bytes, want %d..%d", ErrLength, len(b), VeryLongMinLen, MaxLen)
		}
	default:
		return r, fmt.Errorf("%w: report ID 0x%02X", ErrReportID, b[0])
	}
	r.n = uint8(copy(r.b[:], b))
	return r, nil
}

// IsHIDPP reports whether b starts like a HID++ report. Transports and
// readers use it to drop keyboard, mouse and DJ input before any other work.
func IsHIDPP(b []byte) bool {
	return len(b) > 0 && (b[0] == ShortID || b[0] == LongID || b[0] == VeryLongID)
}

// Short builds a short report. Parameters beyond 3 bytes are an error of the
// caller and panic, like an out-of-range slice.
func Short(device, subID, address byte, params ...byte) Report {
	return build(ShortID, ShortLen, device, subID, address, params)
}

// Long builds a long report with up to 16 parameter bytes.
func Long(device, subID, address byte, params ...byte) Report {
	return build(LongID, LongLen, device, subID, address, params)
}

func build(id byte, n int, device, subID, address byte, params []byte) Report {
	if len(params) > n-4 {
		panic(fmt.Sprintf("hidpp: %d parameter bytes do not fit a %d-byte report", len(params), n))
	}
	var r Report
	r.b[0], r.b[1], r.b[2], r.b[3] = id, device, subID, address
	copy(r.b[4:], params)
	r.n = uint8(n)
	return r
}

// Bytes returns the whole report. The slice aliases r and stays valid as long
// as r does.
func (r *Report) Bytes() []byte { return r.b[:r.n] }

// Len is the report's length in bytes, report ID included.
func (r *Report) Len() int { return int(r.n) }

// ID is the report ID (0x10, 0x11 or 0x12).
func (r *Report) ID() byte { return r.b[0] }

// Device is the device index: 0xFF for the receiver, 1..7 for paired devices.
func (r *Report) Device() byte { return r.b[1] }

// SubID is byte 2: a HID++ 1.0 sub-ID, or a HID++ 2.0 feature index.
func (r *Report) SubID() byte { return r.b[2] }

// Address is byte 3: a HID++ 1.0 register address, or function<<4 | software ID.
func (r *Report) Address() byte { return r.b[3] }

// Function is the HID++ 2.0 function (or event) number: the high nibble of byte 3.
func (r *Report) Function() byte { return r.b[3] >> 4 }

// SoftwareID is the HID++ 2.0 software ID: the low nibble of byte 3. Events
// carry 0; replies carry the requester's.
func (r *Report) SoftwareID() byte { return r.b[3] & 0x0F }

// Params returns the bytes after the 4-byte header. The slice aliases r.
func (r *Report) Params() []byte { return r.b[4:r.n] }

// Param returns parameter i, or 0 when the report is too short to have it.
func (r *Report) Param(i int) byte {
	if 4+i < int(r.n) && i >= 0 {
		return r.b[4+i]
	}
	return 0
}

// String prints the report as hex bytes separated by spaces.
func (r Report) String() string {
	var sb strings.Builder
	for i, c := range r.b[:r.n] {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(hex.EncodeToString([]byte{c}))
	}
	return sb.String()
}

// ParseHex parses a report written as hex, with or without separators
// (spaces, colons, dashes), as people paste them from logs and captures.
func ParseHex(s string) (Report, error) {
	b, err := DecodeHex(s)
	if err != nil {
		return Report{}, err
	}
	return Parse(b)
}

// DecodeHex turns "10 ff 81 00", "10:ff:81:00", "10ff8100" or
// "0x10, 0xff, 0x81, 0x00" into bytes.
func DecodeHex(s string) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', ':', '-', ',':
			return -1
		}
		return r
	}, s)
	clean = stripHexPrefixes(clean)
	if len(clean)%2 != 0 {
		return nil, fmt.Errorf("hidpp: odd number of hex digits in %s", escape.Quote(s))
	}
	b, err := hex.DecodeString(clean)
	if err != nil {
		return nil, fmt.Errorf("hidpp: bad hex in %s: %w", escape.Quote(s), err)
	}
	return b, nil
}

// stripHexPrefixes removes each "0x" that introduces hex digits; a "0x"
// with nothing after it is left to fail as bad hex.
func stripHexPrefixes(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '0' && i+2 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') && isHexDigit(s[i+2]) {
			i++
			continue
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
