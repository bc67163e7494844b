package hidpp_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/helio-linux/helio/hidpp"
)

// Seed reports: the recorded bytes of hidpp.md and the table cases.
var seedReports = []string{
	k800LinkUp, k800LinkDown, b5Codename, b5ReceiverInfo, b5ExtPairing,
	k800PingError, m705Reg0D, err20InvalidIndex, solarCapture,
	"10 FF 81 00 00 09 00", "10 FF 80 00 00 09 00", "10 FF 81 02 00 01 00",
	"10 FF 81 F1 01 12 01", "10 FF 8F 81 F1 03 00", "10 FF 4A 01 00 00 00",
	"10 01 40 02 00 00 00", "10 01 00 11 00 00 5A", "10 01 00 06 43 01 00",
	"10 02 07 05 21 00 00", "10 02 0D 44 00 50 00", "10 FF 83 B5 40 00 00",
	"11 FF 83 B5 20 20 08 40 82 04 02 02 07 00 00 00 00 00 00 00",
	"11 01 00 11 04 05 5A 00 00 00 00 00 00 00 00 00 00 00 00 00",
	"11 01 06 00 32 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
	"11 02 09 00 39 01 2C 06 1D 47 4F 4F 44 00 00 00 00 00 00 00",
	"11 02 09 20 39 01 2C 06 1D 47 4F 4F 44 00 00 00 00 00 00 00",
	"12 01 0C 20 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
	"20 01 41 00 10 20 1A 40 00 00 00 00 00 00 00",
}

func FuzzParse(f *testing.F) {
	for _, s := range seedReports {
		f.Add(hx(s))
	}
	for _, n := range []int{0, 3, 4, 6, 8, 19, 21, 64, 65} {
		f.Add(withID(0x10, n))
		f.Add(withID(0x12, n))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := hidpp.Parse(b)
		if err != nil {
			if !errors.Is(err, hidpp.ErrShortReport) && !errors.Is(err, hidpp.ErrReportID) && !errors.Is(err, hidpp.ErrLength) {
				t.Fatalf("Parse(% x) = %v, want an error wrapping one of ErrShortReport, ErrReportID, ErrLength", b, err)
			}
			if r != (hidpp.Report{}) {
				t.Fatalf("Parse(% x) = %v with an error, want the zero Report", b, r)
			}
			return
		}
		if !bytes.Equal(r.Bytes(), b) {
			t.Fatalf("Parse(% x).Bytes() = % x, want the input", b, r.Bytes())
		}
		if !hidpp.IsHIDPP(b) {
			t.Fatalf("Parse(% x) succeeded but IsHIDPP = false", b)
		}
		switch n := r.Len(); r.ID() {
		case hidpp.ShortID:
			if n != hidpp.ShortLen {
				t.Fatalf("Parse(% x): short report of %d bytes", b, n)
			}
		case hidpp.LongID:
			if n != hidpp.LongLen {
				t.Fatalf("Parse(% x): long report of %d bytes", b, n)
			}
		case hidpp.VeryLongID:
			if n < hidpp.VeryLongMinLen || n > hidpp.MaxLen {
				t.Fatalf("Parse(% x): very long report of %d bytes", b, n)
			}
		default:
			t.Fatalf("Parse(% x): report ID %#x accepted", b, r.ID())
		}
		if len(r.Params()) != r.Len()-4 {
			t.Fatalf("Parse(% x): %d params, want %d", b, len(r.Params()), r.Len()-4)
		}
		r2, err := hidpp.Parse(r.Bytes())
		if err != nil || r2 != r {
			t.Fatalf("Parse(Parse(% x).Bytes()) = %v, %v; want %v", b, r2, err, r)
		}
		// The String form reads back too.
		r3, err := hidpp.ParseHex(r.String())
		if err != nil || r3 != r {
			t.Fatalf("ParseHex(%q) = %v, %v; want %v", r.String(), r3, err, r)
		}
	})
}

// checkBattery checks what every decoded reading must satisfy.
func checkBattery(t *testing.T, name string, in []byte, b hidpp.Battery, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, hidpp.ErrMalformed) {
			t.Fatalf("%s(% x) = %v, want an error wrapping ErrMalformed", name, in, err)
		}
		if b != (hidpp.Battery{}) {
			t.Fatalf("%s(% x) = %+v with an error, want the zero Battery", name, in, b)
		}
		return
	}
	if b.HasPercent && (b.Percent < 0 || b.Percent > 100) {
		t.Fatalf("%s(% x) = %+v, percent out of 0..100", name, in, b)
	}
	if !b.HasPercent && (b.Percent != 0 || b.Approximate) {
		t.Fatalf("%s(% x) = %+v, a percent or Approximate without HasPercent", name, in, b)
	}
	if b.Status > hidpp.StatusError {
		t.Fatalf("%s(% x) = %+v, status %d out of range", name, in, b, b.Status)
	}
	if b.Level > hidpp.LevelFull {
		t.Fatalf("%s(% x) = %+v, level %d out of range", name, in, b, b.Level)
	}
	if b.VoltageMV != 0 && (b.VoltageMV < 1000 || b.VoltageMV > 5000) {
		t.Fatalf("%s(% x) = %+v, voltage out of 1000..5000", name, in, b)
	}
	if b.Status == hidpp.StatusFull && b.HasPercent && b.Percent != 100 {
		t.Fatalf("%s(% x) = %+v, full but not 100 %%", name, in, b)
	}
	if b.Source == "" {
		t.Fatalf("%s(% x) = %+v, no Source", name, in, b)
	}
}

func FuzzDecodeBatteryStatus(f *testing.F) {
	for _, s := range []string{"50 20 00", "32 14 00", "00 00 01", "00 00 03", "5A 00 03", "00 00 07", "65 00 00", "32 00 08", "50 20"} {
		for _, caps := range []string{"", "04 00", "0A 02", "0A 06"} {
			f.Add(hx(s), hx(caps))
		}
	}
	f.Fuzz(func(t *testing.T, p, caps []byte) {
		var c *hidpp.BatteryCapability
		if bc, err := hidpp.DecodeBatteryCapability(caps); err == nil {
			c = &bc
		}
		b, err := hidpp.DecodeBatteryStatus(p, c)
		checkBattery(t, "DecodeBatteryStatus", p, b, err)
		if err == nil && b.Approximate && b.Level == hidpp.LevelUnknown {
			t.Fatalf("DecodeBatteryStatus(% x, %+v) = %+v, approximate without a level", p, c, b)
		}
		if err == nil && c != nil && c.Precise() && b.Approximate {
			t.Fatalf("DecodeBatteryStatus(% x, %+v) = %+v, approximate with a precise capability", p, c, b)
		}
	})
}

func FuzzDecodeBatteryVoltage(f *testing.F) {
	for _, s := range []string{"0F A0 00", "10 5A 80", "10 04 81", "0E 74 82", "0E 74 83", "0D AC 20", "03 E7 00", "13 89 00", "0F A0"} {
		f.Add(hx(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		b, err := hidpp.DecodeBatteryVoltage(p)
		checkBattery(t, "DecodeBatteryVoltage", p, b, err)
		if err == nil && (b.VoltageMV == 0 || !b.HasPercent) {
			t.Fatalf("DecodeBatteryVoltage(% x) = %+v, want a voltage and an estimated percent", p, b)
		}
	})
}

func FuzzDecodeUnifiedBattery(f *testing.F) {
	for _, s := range []string{"32 04 00 00", "5A 08 00 00", "00 04 01 01", "00 08 03 01", "00 00 04 01", "65 08 00 00", "32 04 05 00", "32 04"} {
		for _, caps := range []string{"", "0F 02", "0F 00", "0F 03"} {
			f.Add(hx(s), hx(caps))
		}
	}
	f.Fuzz(func(t *testing.T, p, caps []byte) {
		var c *hidpp.UnifiedCapability
		if uc, err := hidpp.DecodeUnifiedCapability(caps); err == nil {
			c = &uc
			if uc.Levels > 0x0F {
				t.Fatalf("DecodeUnifiedCapability(% x) = %+v, levels beyond the 4-bit mask", caps, uc)
			}
		}
		b, err := hidpp.DecodeUnifiedBattery(p, c)
		checkBattery(t, "DecodeUnifiedBattery", p, b, err)
		if err == nil && c != nil && !c.StateOfCharge && b.HasPercent && b.Status != hidpp.StatusFull {
			t.Fatalf("DecodeUnifiedBattery(% x, %+v) = %+v, a percent from a device without state of charge", p, c, b)
		}
	})
}

func FuzzDecodeRegister07(f *testing.F) {
	for _, s := range []string{"07 22 00", "05 21 00", "03 22 00", "01 01 00", "00 00 00", "00 22 00", "07 00 00", "03 00 00", "08 00 00", "07"} {
		f.Add(hx(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		b, err := hidpp.DecodeRegister07(p)
		checkBattery(t, "DecodeRegister07", p, b, err)
		if err == nil && b.HasPercent {
			t.Fatalf("DecodeRegister07(% x) = %+v, a percent from a level register", p, b)
		}
	})
}

func FuzzDecodeRegister0D(f *testing.F) {
	for _, s := range []string{"64 47 34", "55 00 30", "44 00 50", "60 00 90", "00 00 50", "32 00 C0", "65 00 30", "64 47"} {
		f.Add(hx(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		b, err := hidpp.DecodeRegister0D(p)
		checkBattery(t, "DecodeRegister0D", p, b, err)
	})
}

func FuzzDecodeSolarEvent(f *testing.F) {
	for _, s := range seedReports {
		f.Add(hx(s))
	}
	for _, s := range []string{
		"11 02 09 16 39 00 0C 06 1D 47 4F 4F 44", // a reply, swid 6
		"11 02 09 30 39 00 0C 06 1D 47 4F 4F 44", // event 3
		"11 02 09 10 65 00 0C 06 1D 47 4F 4F 44", // charge 101
		"11 02 09 10 39 00 0C 06 1D 00 00 00 00", // no marker
	} {
		f.Add(long20(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := hidpp.Parse(b)
		if err != nil {
			return
		}
		ev, err := hidpp.DecodeSolarEvent(&r)
		if err != nil {
			if !errors.Is(err, hidpp.ErrMalformed) {
				t.Fatalf("DecodeSolarEvent(%v) = %v, want an error wrapping ErrMalformed", r, err)
			}
			return
		}
		if r.ID() == hidpp.ShortID || r.SoftwareID() != 0 || !bytes.Equal(r.Params()[5:9], []byte("GOOD")) {
			t.Fatalf("DecodeSolarEvent(%v) = %+v, want only long reports with software ID 0 and the GOOD marker", r, ev)
		}
		if ev.Kind > hidpp.SolarLightButton || ev.Charge < 0 || ev.Charge > 100 || ev.Lux < 0 || ev.Lux > 65535 {
			t.Fatalf("DecodeSolarEvent(%v) = %+v, out of range", r, ev)
		}
		if ev.HasLux != (ev.Kind == hidpp.SolarLightReport) || (!ev.HasLux && ev.Lux != 0) {
			t.Fatalf("DecodeSolarEvent(%v) = %+v, lux only with light reports", r, ev)
		}
		checkBattery(t, "DecodeSolarEvent(...).Battery", b, ev.Battery(), nil)
		// What the emulator encodes from it decodes the same.
		back := hidpp.EncodeSolarEvent(r.Device(), r.SubID(), ev.Kind, ev.Charge, ev.Lux, 0)
		if ev2, err := hidpp.DecodeSolarEvent(&back); err != nil || ev2 != ev {
			t.Fatalf("DecodeSolarEvent(EncodeSolarEvent(%+v)) = %+v, %v", ev, ev2, err)
		}
	})
}

func FuzzDescribe(f *testing.F) {
	for _, s := range seedReports {
		f.Add(hx(s))
	}
	features := map[byte]hidpp.FeatureID{
		1: hidpp.FeatureSet, 3: hidpp.FeatureName, 5: hidpp.FeatureWirelessStatus,
		6: hidpp.FeatureBatteryStatus, 7: hidpp.FeatureBatteryVoltage, 8: hidpp.FeatureUnifiedBattery,
		9: hidpp.FeatureSolarDashboard,
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := hidpp.Parse(b)
		if err != nil {
			return
		}
		for _, m := range []map[byte]hidpp.FeatureID{nil, features} {
			if s := hidpp.Describe(&r, m); s == "" {
				t.Fatalf("Describe(%v) = \"\"", r)
			}
		}
	})
}

func FuzzParseHex(f *testing.F) {
	for _, s := range seedReports {
		f.Add(s)
	}
	for _, s := range []string{"", "1", "zz", "0x10ff8100000900", "10:ff:81:00:00:09:00", "10-ff-81-00-00-09-00", "0x", "0x1", " 10 ff\t81\n00 00 09 00 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, derr := hidpp.DecodeHex(s)
		r, err := hidpp.ParseHex(s)
		if derr != nil {
			if err == nil {
				t.Fatalf("ParseHex(%q) = %v, but DecodeHex failed with %v", s, r, derr)
			}
			return
		}
		if len(b)*2 > len(s) {
			t.Fatalf("DecodeHex(%q) = % x: more bytes than digits", s, b)
		}
		p, perr := hidpp.Parse(b)
		if (err == nil) != (perr == nil) || p != r {
			t.Fatalf("ParseHex(%q) = %v, %v; Parse(DecodeHex) = %v, %v", s, r, err, p, perr)
		}
		if err == nil {
			if back, err := hidpp.ParseHex(r.String()); err != nil || back != r {
				t.Fatalf("ParseHex(%q) = %v, %v; want %v", r.String(), back, err, r)
			}
		}
	})
}

// FuzzDecodeIdentity: any bytes decode to an identity or ErrMalformed,
// and the product ids read stay inside the model id.
func FuzzDecodeIdentity(f *testing.F) {
	for _, s := range []string{"02 19 8E 3E B8 00 06 B0 23 40 82 00 00", "03 CD 2A 6B B7 00 02 B0 34 00 00 00 00",
		"01 00 00 00 00 00 00 00 00 00 00 00 00", "01 00 00 00 01 00 0F 01 02 03 04 05 06 07 08", "02 19 8E"} {
		f.Add(hx(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		id, err := hidpp.DecodeIdentity(p)
		if err != nil {
			if !errors.Is(err, hidpp.ErrMalformed) {
				t.Fatalf("DecodeIdentity(% x) = %v, want ErrMalformed", p, err)
			}
			return
		}
		if len(id.UnitID) != 8 || id.Transports > 0x0F {
			t.Fatalf("DecodeIdentity(% x) = %+v", p, id)
		}
		n := 0
		for _, bit := range []byte{hidpp.TransportBluetooth, hidpp.TransportBluetoothLE, hidpp.TransportWireless, hidpp.TransportUSB} {
			if pid, ok := id.ProductID(bit); ok {
				if pid != uint16(p[7+2*n])<<8|uint16(p[8+2*n]) {
					t.Fatalf("DecodeIdentity(% x).ProductID(%d) = %04x, not the model id's pair %d", p, bit, pid, n)
				}
			}
			if id.Transports&bit != 0 {
				n++
			}
		}
	})
}
