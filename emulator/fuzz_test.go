package emulator_test

import (
	"testing"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
)

// FuzzParseProfile: no profile text may panic the parser, and a profile it
// accepts must make a receiver that answers requests without panicking.
func FuzzParseProfile(f *testing.F) {
	def, _ := emulator.BuiltinJSON("default")
	f.Add(def)
	f.Add([]byte(`{"receiver":{"serial":"00000001"},"devices":[{"index":1,"wpid":"4002","kind":"keyboard","codename":"K750","protocol":"2.0","serial":"00000001","solar":{"charge":5,"lux":3}}]}`))
	f.Add([]byte(`{"receiver":{"pid":"c548","serial":"00000001"},"devices":[{"index":6,"wpid":"101b","kind":"mouse","codename":"M705","protocol":"1.0","serial":"00000001","registers":{"07":"052100"}}]}`))
	f.Add([]byte(`{"receiver":{"serial":"00000001"},"devices":[{"index":1,"wpid":"4002","kind":"mouse","codename":"Abcd","protocol":"4.5","serial":"00000001","features":["0000","1004"],"replies":{"1004/1":"ff"}}]}`))
	f.Add([]byte("{"))
	requests := []string{
		"10 ff 83 b5 03 00 00", "10 ff 81 02 00 00 00", "10 ff 80 02 02 00 00", "10 ff 83 b5 20 00 00",
		"10 ff 83 b5 51 00 00", "10 ff 83 fb 00 00 00", "10 01 00 16 00 00 01", "10 01 00 06 10 00 00",
		"10 01 01 06 00 00 00", "10 01 01 16 00 00 00", "10 01 02 16 00 00 00", "10 01 03 06 00 00 00",
		"10 01 81 0d 00 00 00", "10 01 81 07 00 00 00", "10 06 05 16 00 00 00",
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := emulator.ParseProfile(b, "fuzz")
		if err != nil {
			return
		}
		r := emulator.New(p, nil)
		defer r.Close()
		c, err := r.Open(transport.Info{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for _, s := range requests {
			req, _ := hidpp.ParseHex(s)
			for ix := byte(1); ix <= 7; ix++ {
				b := append([]byte(nil), req.Bytes()...)
				if b[1] != 0xFF {
					b[1] = ix
				}
				c.Write(b)
			}
		}
	})
}

// FuzzHandle: whatever a host writes, the emulated receiver must not panic.
func FuzzHandle(f *testing.F) {
	for _, s := range []string{"10 ff 83 b5 03 00 00", "10 02 09 06 01 01 00", "11 02 00 16 00 00 5a 00 00 00 00 00 00 00 00 00 00 00 00 00",
		"20 ff 81 00 00 00 00 00 00 00 00 00 00 00 00", "10 03 80 00 10 00 00", "10 02 0a 16 ff ff ff"} {
		b, _ := hidpp.DecodeHex(s)
		f.Add(b)
	}
	p, _ := emulator.BuiltinProfile("default")
	r := emulator.New(p, nil)
	f.Cleanup(r.Close)
	f.Fuzz(func(t *testing.T, b []byte) {
		r.Handle(b)
	})
}
