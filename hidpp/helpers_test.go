package hidpp_test

import (
	"testing"

	"github.com/helio-linux/helio/hidpp"
)

// hx decodes a hex string written the way hidpp.md writes bytes
// ("10 02 41 04 A1 10 20"). It panics on bad input: the strings are constants
// of the tests.
func hx(s string) []byte {
	b, err := hidpp.DecodeHex(s)
	if err != nil {
		panic(err)
	}
	return b
}

// rep parses a report from hex, failing the test when it is not a valid one.
func rep(t testing.TB, s string) hidpp.Report {
	t.Helper()
	r, err := hidpp.ParseHex(s)
	if err != nil {
		t.Fatalf("ParseHex(%q): %v", s, err)
	}
	return r
}

// long20 pads a hex prefix with zero bytes to a 20-byte long report.
func long20(s string) []byte {
	b := hx(s)
	if len(b) > hidpp.LongLen {
		panic("long20: too many bytes")
	}
	return append(b, make([]byte, hidpp.LongLen-len(b))...)
}

// Recorded bytes from hidpp.md, shared by the table tests, the fuzz seeds and
// the benchmarks.
const (
	// §9 0x4301 / JD: the 2012 USB capture of Logitech's Solar App.
	solarCapture = "11 02 09 10 39 00 0c 06 1d 47 4f 4f 44 00 00 00 00 00 00 00"
	// §6.3 / §10: K800 powering on (link up) and while pairing (link down).
	k800LinkUp   = "10 02 41 04 A1 10 20"
	k800LinkDown = "10 02 41 04 61 10 20"
	// §10 raw traces: 0xB5 sub-registers 0x40 (codename), 0x03 (receiver info),
	// 0x30 (extended pairing info).
	b5Codename     = "11 FF 83 B5 40 04 4B 38 30 30 00 00 00 00 00 00 00 00 00 00"
	b5ReceiverInfo = "11 FF 83 B5 03 AF 4F 95 EA 05 06 0E 00 00 00 00 00 00 00 00"
	b5ExtPairing   = "11 FF 83 B5 30 FB 84 1B 86 1A 40 00 00 07 00 00 00 00 00 00"
	// §5 / LTU: a K800 (HID++ 1.0) answering a 2.0 ping with "invalid sub-ID".
	k800PingError = "10 01 8F 00 12 01 00"
	// §10 M705 101B: register 0x0D read reply.
	m705Reg0D = "10 03 81 0D 64 47 34"
	// §4: a HID++ 2.0 error "invalid feature index".
	err20InvalidIndex = "11 02 FF 09 16 06 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
)

// bytesOf returns a report's bytes; Bytes has a pointer receiver, so it cannot
// be called on the value Short or Long returns.
func bytesOf(r hidpp.Report) []byte { return r.Bytes() }
