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
	for _, name := range emulator.Builtin() {
		b, _ := emulator.BuiltinJSON(name)
		f.Add(b)
	}
	f.Add([]byte(`{"receiver":{"pid":"c534","without":["b5 2n"]},"devices":[{"index":2,"wpid":"4054","kind":"mouse","device_kind":"trackball","name":"M","protocol":"4.5","serial":"00000000","features":["0000","0003v4[70]","0007"],"firmware":["other:","bootloader: BOT 01.02.B0003 0102"]}]}`))
	f.Add([]byte(`{"bluetooth":{"adapter":"00:1a:7d:da:71:13"},"devices":[{"index":7,"pid":"b010","mac":"00:1f:20:aa:bb:01","kind":"mouse","codename":"M557","protocol":"1.0","serial":"00000001","reports":"short+long"}]}`))
	f.Add([]byte("{"))
	requests := []string{
		"10 ff 83 b5 03 00 00", "10 ff 81 02 00 00 00", "10 ff 80 02 02 00 00", "10 ff 83 b5 20 00 00",
		"10 ff 83 b5 51 00 00", "10 ff 83 fb 00 00 00", "10 01 00 16 00 00 01", "10 01 00 06 10 00 00",
		"10 01 01 06 00 00 00", "10 01 01 16 00 00 00", "10 01 02 16 00 00 00", "10 01 03 06 00 00 00",
		"10 01 81 0d 00 00 00", "10 01 81 07 00 00 00", "10 06 05 16 00 00 00", "10 ff 83 b5 61 01 00",
		"10 ff 83 b5 02 00 00", "10 ff 83 f4 01 00 00", "10 ff 81 f1 03 00 00", "10 ff 83 b3 00 00 00",
		"11 ff 00 16 00 00 5a 00 00 00 00 00 00 00 00 00 00 00 00 00", "11 ff 02 06 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
		"11 ff 02 16 05 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", "11 ff 04 16 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
		"11 ff 01 16 ff 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", "11 00 81 07 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := emulator.ParseProfile(b, "fuzz")
		if err != nil {
			return
		}
		r := emulator.New(p, nil)
		defer r.Close()
		var conns []*emulator.Conn
		if r.Bluetooth() {
			for _, l := range r.BluetoothLayouts() {
				c, err := r.OpenDevice(l.Index, transport.Info{})
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
			}
		} else {
			c, err := r.Open(transport.Info{})
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for _, c := range conns {
			defer c.Close()
			for _, s := range requests {
				req, _ := hidpp.ParseHex(s)
				for ix := byte(1); ix <= 7; ix++ {
					b := append([]byte(nil), req.Bytes()...)
					if b[1] != 0xFF && b[1] != 0x00 {
						b[1] = ix
					}
					c.Write(b)
				}
			}
		}
		r.FloodInput(3)
	})
}

// FuzzHandle: whatever a host writes, no emulated receiver of any family,
// nor a Bluetooth device, may panic.
func FuzzHandle(f *testing.F) {
	for _, s := range []string{"10 ff 83 b5 03 00 00", "10 02 09 06 01 01 00", "11 02 00 16 00 00 5a 00 00 00 00 00 00 00 00 00 00 00 00 00",
		"20 ff 81 00 00 00 00 00 00 00 00 00 00 00 00", "10 03 80 00 10 00 00", "10 02 0a 16 ff ff ff"} {
		b, _ := hidpp.DecodeHex(s)
		f.Add(b)
	}
	var conns []*emulator.Conn
	for _, name := range []string{"default", "bolt", "nano", "lightspeed"} {
		p, _ := emulator.BuiltinProfile(name)
		r := emulator.New(p, nil)
		f.Cleanup(r.Close)
		c, _ := r.Open(transport.Info{})
		conns = append(conns, c)
	}
	p, _ := emulator.BuiltinProfile("bluetooth")
	bt := emulator.New(p, nil)
	f.Cleanup(bt.Close)
	c, _ := bt.OpenDevice(1, transport.Info{})
	conns = append(conns, c)
	for _, c := range conns {
		go func() { // what they send back is read and dropped, as a host would
			buf := make([]byte, hidpp.MaxLen)
			for {
				if _, err := c.Read(buf); err != nil {
					return
				}
			}
		}()
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, c := range conns {
			c.Write(b)
		}
	})
}
