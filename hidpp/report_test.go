package hidpp_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/helio-linux/helio/hidpp"
)

// withID returns n bytes starting with report ID id and a recognisable body.
func withID(id byte, n int) []byte {
	b := make([]byte, n)
	if n > 0 {
		b[0] = id
	}
	for i := 1; i < n; i++ {
		b[i] = byte(i)
	}
	return b
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error // nil: valid
	}{
		{"short 7", withID(0x10, 7), nil},
		{"long 20", withID(0x11, 20), nil},
		{"very long 20", withID(0x12, 20), nil},
		{"very long 32", withID(0x12, 32), nil},
		{"very long 64", withID(0x12, 64), nil},
		{"recorded K800 connect", hx(k800LinkUp), nil},
		{"recorded solar capture", hx(solarCapture), nil},

		{"short 6", withID(0x10, 6), hidpp.ErrLength},
		{"short 8", withID(0x10, 8), hidpp.ErrLength},
		{"short 20", withID(0x10, 20), hidpp.ErrLength},
		{"long 7", withID(0x11, 7), hidpp.ErrLength},
		{"long 19", withID(0x11, 19), hidpp.ErrLength},
		{"long 21", withID(0x11, 21), hidpp.ErrLength},
		{"long 64", withID(0x11, 64), hidpp.ErrLength},
		{"very long 7", withID(0x12, 7), hidpp.ErrLength},
		{"very long 19", withID(0x12, 19), hidpp.ErrLength},
		{"very long 65", withID(0x12, 65), hidpp.ErrLength},

		{"DJ short 0x20", withID(0x20, 15), hidpp.ErrReportID},
		{"DJ long 0x21", withID(0x21, 32), hidpp.ErrReportID},
		{"keyboard 0x01", withID(0x01, 8), hidpp.ErrReportID},
		{"report ID 0", withID(0x00, 7), hidpp.ErrReportID},
		{"report ID 0xFF", withID(0xFF, 20), hidpp.ErrReportID},
		{"report ID 0x13", withID(0x13, 20), hidpp.ErrReportID},

		{"nil", nil, hidpp.ErrShortReport},
		{"empty", []byte{}, hidpp.ErrShortReport},
		{"1 byte", []byte{0x10}, hidpp.ErrShortReport},
		{"3 bytes", []byte{0x10, 0xFF, 0x81}, hidpp.ErrShortReport},
		{"3 bytes unknown ID", []byte{0x20, 0x01, 0x41}, hidpp.ErrShortReport},
	}
	sentinels := []error{hidpp.ErrShortReport, hidpp.ErrReportID, hidpp.ErrLength}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := hidpp.Parse(tt.in)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Parse(% x) = %v, want no error", tt.in, err)
				}
				if !bytes.Equal(r.Bytes(), tt.in) {
					t.Errorf("Parse(% x).Bytes() = % x, want the input", tt.in, r.Bytes())
				}
				if r.Len() != len(tt.in) {
					t.Errorf("Parse(% x).Len() = %d, want %d", tt.in, r.Len(), len(tt.in))
				}
				if r.ID() != tt.in[0] {
					t.Errorf("Parse(% x).ID() = %#x, want %#x", tt.in, r.ID(), tt.in[0])
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse(% x) = %v, want error %v", tt.in, r, tt.want)
			}
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == tt.want) {
					t.Errorf("errors.Is(Parse(% x) error %q, %v) = %v, want %v", tt.in, err, s, got, s == tt.want)
				}
			}
			if r != (hidpp.Report{}) {
				t.Errorf("Parse(% x) returned %v with its error, want the zero Report", tt.in, r)
			}
		})
	}
}

// TestParseCopies checks that a parsed report never aliases the input buffer,
// as transports reuse theirs.
func TestParseCopies(t *testing.T) {
	buf := hx(k800LinkUp)
	r, err := hidpp.Parse(buf)
	if err != nil {
		t.Fatal(err)
	}
	buf[1] = 0x05
	if r.Device() != 0x02 {
		t.Errorf("after changing the input, Parse(...).Device() = %d, want 2", r.Device())
	}
	// Reports are values: a copy does not share bytes either.
	c := r
	c.Bytes()[1] = 0x06
	if r.Device() != 0x02 || c.Device() != 0x06 {
		t.Errorf("copy shares bytes: original device %d, copy %d; want 2 and 6", r.Device(), c.Device())
	}
}

func TestShortLongEncoding(t *testing.T) {
	tests := []struct {
		name string
		got  hidpp.Report
		want string
	}{
		{
			"get register 0x02 of the receiver",
			hidpp.Short(0xFF, hidpp.SubGetRegister, 0x02),
			// 10: short | FF: receiver | 81: get short register | 02: connection state | 00 00 00: no params
			"10 FF 81 02 00 00 00",
		},
		{
			"kernel's notification flags write",
			hidpp.Short(0xFF, hidpp.SubSetRegister, 0x00, 0x00, 0x09, 0x00),
			// 10: short | FF: receiver | 80: set short register | 00: notification flags | 00 09 00: wireless + software present
			"10 FF 80 00 00 09 00",
		},
		{
			"kernel ping",
			hidpp.Short(0x01, 0x00, 0x11, 0x00, 0x00, 0x5A),
			// 10: short | 01: device 1 | 00: IRoot | 11: function 1, swid 1 | 00 00: unused | 5A: ping byte
			"10 01 00 11 00 00 5A",
		},
		{
			"long register read with sub-register in a long report",
			hidpp.Long(0xFF, hidpp.SubGetLongRegister, 0xB5, 0x03),
			// 11: long | FF: receiver | 83: get long register | B5: pairing info | 03: receiver info | 15 zero bytes
			"11 FF 83 B5 03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
		},
		{
			"K750 SetLightMeasure(1, 1) as the kernel sends it",
			hidpp.Long(0x02, 0x09, 0x01, 0x01, 0x01),
			// 11: long | 02: device 2 | 09: feature index of 0x4301 | 01: function 0, swid 1 | 01 01: params, then zeros
			"11 02 09 01 01 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
		},
		{
			"long report with all 16 parameter bytes",
			hidpp.Long(0x01, 0x03, 0x16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16),
			// 11: long | 01: device 1 | 03: feature index | 16: function 1, swid 6 | 01..10: params
			"11 01 03 16 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want := hx(tt.want); !bytes.Equal(tt.got.Bytes(), want) {
				t.Errorf("%s = % X, want % X", tt.name, tt.got.Bytes(), want)
			}
			// What Short/Long build must be what Parse accepts.
			p, err := hidpp.Parse(tt.got.Bytes())
			if err != nil || p != tt.got {
				t.Errorf("Parse(%v) = %v, %v; want the same report", tt.got, p, err)
			}
		})
	}
}

func TestShortLongPanicOnTooManyParams(t *testing.T) {
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"Short with 4 params", func() { hidpp.Short(1, 0x80, 0x00, 1, 2, 3, 4) }},
		{"Long with 17 params", func() { hidpp.Long(1, 0x80, 0x00, make([]byte, 17)...) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", tt.name)
				}
			}()
			tt.f()
		})
	}
}

func TestReportAccessors(t *testing.T) {
	// 2.0 reply: 11 | 02 device | 09 feature index | 16 = function 1, swid 6 | params
	r := rep(t, "11 02 09 16 A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 AA AB AC AD AE AF")
	checks := []struct {
		name      string
		got, want int
	}{
		{"ID", int(r.ID()), 0x11},
		{"Len", r.Len(), 20},
		{"Device", int(r.Device()), 0x02},
		{"SubID", int(r.SubID()), 0x09},
		{"Address", int(r.Address()), 0x16},
		{"Function", int(r.Function()), 1},
		{"SoftwareID", int(r.SoftwareID()), 6},
		{"len(Params)", len(r.Params()), 16},
		{"Param(0)", int(r.Param(0)), 0xA0},
		{"Param(15)", int(r.Param(15)), 0xAF},
		{"Param(16)", int(r.Param(16)), 0},
		{"Param(-1)", int(r.Param(-1)), 0},
		{"Param(1000)", int(r.Param(1000)), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s(%v) = %#x, want %#x", c.name, r, c.got, c.want)
		}
	}

	// 1.0 short: 10 | FF receiver | 81 get register | F1 firmware | 01 24 11
	s := rep(t, "10 FF 81 F1 01 24 11")
	checks = []struct {
		name      string
		got, want int
	}{
		{"Device", int(s.Device()), 0xFF},
		{"SubID", int(s.SubID()), 0x81},
		{"Address", int(s.Address()), 0xF1},
		{"len(Params)", len(s.Params()), 3},
		{"Param(2)", int(s.Param(2)), 0x11},
		{"Param(3)", int(s.Param(3)), 0},
		{"Param(15)", int(s.Param(15)), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s(%v) = %#x, want %#x", c.name, s, c.got, c.want)
		}
	}
	if got, want := s.String(), "10 ff 81 f1 01 24 11"; got != want {
		t.Errorf("String(%v) = %q, want %q", s, got, want)
	}
	// Params aliases the report.
	s.Params()[0] = 0x02
	if s.Param(0) != 0x02 {
		t.Errorf("Params() does not alias the report: Param(0) = %#x after writing 0x02", s.Param(0))
	}
}

func TestIsHIDPP(t *testing.T) {
	tests := []struct {
		in   []byte
		want bool
	}{
		{nil, false},
		{[]byte{}, false},
		{[]byte{0x10}, true}, // only the report ID is looked at
		{hx(k800LinkUp), true},
		{hx(solarCapture), true},
		{withID(0x12, 20), true},
		{withID(0x20, 15), false},
		{withID(0x21, 32), false},
		{withID(0x01, 8), false},
		{withID(0x02, 8), false},
	}
	for _, tt := range tests {
		if got := hidpp.IsHIDPP(tt.in); got != tt.want {
			t.Errorf("IsHIDPP(% x) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDecodeHex(t *testing.T) {
	want := []byte{0x10, 0xFF, 0x81, 0x00, 0x00, 0x09, 0x00}
	tests := []struct {
		in      string
		want    []byte
		wantErr bool
	}{
		{"10 ff 81 00 00 09 00", want, false},
		{"10 FF 81 00 00 09 00", want, false},
		{"10:ff:81:00:00:09:00", want, false},
		{"10-ff-81-00-00-09-00", want, false},
		{"10,ff,81,00,00,09,00", want, false},
		{"10ff8100000900", want, false},
		{"0x10ff8100000900", want, false},
		{"0X10FF8100000900", want, false},
		{" \t10 ff 81\n00 00 09 00\n", want, false},
		{"10ff 8100 0009 00", want, false},
		{"", []byte{}, false},
		{"1", nil, true},
		{"10 f", nil, true},
		{"10ff8100000900 0", nil, true},
		{"zz", nil, true},
		{"10 fg", nil, true},
		{"10 ff 81 00 00 09 0x", nil, true},
		{"10.ff", nil, true},
	}
	for _, tt := range tests {
		got, err := hidpp.DecodeHex(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("DecodeHex(%q) = % x, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("DecodeHex(%q) = % x, %v; want % x", tt.in, got, err, tt.want)
		}
	}
}

// TestDecodeHexPerByte0xPrefix: input pasted from C arrays or Python
// reprs, where every byte carries its own 0x.
func TestDecodeHexPerByte0xPrefix(t *testing.T) {
	in := "0x10, 0xff, 0x81, 0x00, 0x00, 0x09, 0x00"
	want := []byte{0x10, 0xFF, 0x81, 0x00, 0x00, 0x09, 0x00}
	if got, err := hidpp.DecodeHex(in); err != nil || !bytes.Equal(got, want) {
		t.Errorf("DecodeHex(%q) = % x, %v; want % x", in, got, err, want)
	}
}

func TestParseHex(t *testing.T) {
	tests := []struct {
		in      string
		want    []byte
		wantErr error // sentinel, or errAny for "some error"
	}{
		{k800LinkUp, hx(k800LinkUp), nil},
		{"10:02:41:04:a1:10:20", hx(k800LinkUp), nil},
		{"0x10024104a11020", hx(k800LinkUp), nil},
		{solarCapture, hx(solarCapture), nil},
		{"10 02 41 04 A1 10", nil, hidpp.ErrLength},
		{"20 02 42 00", nil, hidpp.ErrReportID},
		{"10 02", nil, hidpp.ErrShortReport},
		{"", nil, hidpp.ErrShortReport},
		{"10 02 41 04 A1 10 2", nil, errAny},
		{"10 02 41 04 A1 10 2g", nil, errAny},
	}
	for _, tt := range tests {
		r, err := hidpp.ParseHex(tt.in)
		switch {
		case tt.wantErr == nil:
			if err != nil || !bytes.Equal(r.Bytes(), tt.want) {
				t.Errorf("ParseHex(%q) = %v, %v; want % x", tt.in, r, err, tt.want)
			}
		case tt.wantErr == errAny:
			if err == nil {
				t.Errorf("ParseHex(%q) = %v, want an error", tt.in, r)
			}
		default:
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ParseHex(%q) = %v, %v; want an error wrapping %v", tt.in, r, err, tt.wantErr)
			}
		}
	}
}

var errAny = errors.New("any error")

// TestStringParseHexRoundTrip: what String prints, ParseHex reads back.
func TestStringParseHexRoundTrip(t *testing.T) {
	for _, s := range []string{k800LinkUp, solarCapture, b5Codename, k800PingError, m705Reg0D, err20InvalidIndex} {
		r := rep(t, s)
		back, err := hidpp.ParseHex(r.String())
		if err != nil || back != r {
			t.Errorf("ParseHex(%q) = %v, %v; want %v", r.String(), back, err, r)
		}
		if strings.ToLower(r.String()) != r.String() {
			t.Errorf("String(%v) is not lower-case hex", r)
		}
	}
}
