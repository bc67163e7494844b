package emulator_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
)

// builtin returns built-in profile name.
func builtin(t *testing.T, name string) *emulator.Profile {
	t.Helper()
	p, err := emulator.BuiltinProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// parse returns profile text js, which must be valid.
func parse(t *testing.T, js string) *emulator.Profile {
	t.Helper()
	p, err := emulator.ParseProfile([]byte(js), "test.json")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pump reads everything c receives into a channel, until c ends.
func pump(t *testing.T, c *emulator.Conn) <-chan []byte {
	t.Helper()
	in := make(chan []byte, 64)
	go func() {
		defer close(in)
		for {
			buf := make([]byte, hidpp.MaxLen)
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			in <- buf[:n]
		}
	}()
	return in
}

// receiverOf emulates profile p and opens a plain handle on its receiver.
func receiverOf(t *testing.T, p *emulator.Profile) (*emulator.Receiver, *emulator.Conn, <-chan []byte) {
	t.Helper()
	r := emulator.New(p, &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(r.Close)
	c, err := r.Open(transport.Info{Path: "raw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return r, c, pump(t, c)
}

// hexOf is b as the tests write reports: lower-case hex bytes, spaced.
func hexOf(b []byte) string { return fmt.Sprintf("% x", b) }

// nothing fails if a report arrives within d.
func nothing(t *testing.T, in <-chan []byte, d time.Duration) {
	t.Helper()
	select {
	case b, ok := <-in:
		if ok {
			t.Errorf("unexpected report %s", hexOf(b))
		}
	case <-time.After(d):
	}
}

// TestFamilies_Registers asks each family's receiver its registers, as
// Solaar, the kernel and fwupd do, and checks the bytes: what each product
// answers, and the errors where it has no such register (docs/devices.md
// §2 to §4).
func TestFamilies_Registers(t *testing.T) {
	const pad = " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
	long := func(s string) string { return (s + pad)[:59] }
	tests := []struct {
		profile, name, req, want string
	}{
		// Bolt C548: unique id, 0xB5 0x5n/0x6n, 0x02, 0xF4, 0xB3; no
		// 0xF1, no 0xB5 0x03 and no Unifying pairing registers.
		{"bolt", "unique id", "10 ff 83 fb 00 00 00", "11 ff 83 fb 31 41 45 41 44 38 44 45 33 42 44 41 42 38 33 38"},
		{"bolt", "slot 1 pairing", "10 ff 83 b5 51 00 00", long("11 ff 83 b5 51 01 78 b3 48 54 84 20")},
		{"bolt", "slot 2 pairing", "10 ff 83 b5 52 00 00", long("11 ff 83 b5 52 02 34 b0 cd 2a 6b b7")},
		{"bolt", "slot 1 codename", "10 ff 83 b5 61 01 00", long("11 ff 83 b5 61 01 09 4d 58 20 4b 45 59 53 20 53")},
		{"bolt", "slot 3 codename fills the report", "10 ff 83 b5 63 01 00", "11 ff 83 b5 63 01 0d 4c 6f 67 69 20 50 4f 50 20 4b 65 79 73"},
		{"bolt", "codename without parameter 1", "10 ff 83 b5 61 00 00", "10 ff 8f 83 b5 03 00"},
		{"bolt", "slot 0", "10 ff 83 b5 50 00 00", "10 ff 8f 83 b5 03 00"},
		{"bolt", "empty slot", "10 ff 83 b5 54 00 00", "10 ff 8f 83 b5 03 00"},
		{"bolt", "firmware and slots", "10 ff 83 b5 02 00 00", long("11 ff 83 b5 02 05 01 00 10 00 00 00 06")},
		{"bolt", "no 0xB5 0x03", "10 ff 83 b5 03 00 00", "10 ff 8f 83 b5 03 00"},
		{"bolt", "no Unifying pairing", "10 ff 83 b5 21 00 00", "10 ff 8f 83 b5 03 00"},
		{"bolt", "no 0xF1", "10 ff 81 f1 01 00 00", "10 ff 8f 81 f1 02 00"},
		{"bolt", "firmware entity", "10 ff 83 f4 00 00 00", long("11 ff 83 f4 00 05 01 00 10")},
		{"bolt", "no bootloader entity", "10 ff 83 f4 01 00 00", "10 ff 8f 83 f4 03 00"},
		{"bolt", "activity", "10 ff 83 b3 00 00 00", long("11 ff 83 b3")},
		{"bolt", "count", "10 ff 81 02 00 00 00", "10 ff 81 02 00 03 00"},
		// Lightspeed C539: Unifying's registers, the protocol in 0x2n.
		{"lightspeed", "receiver info", "10 ff 83 b5 03 00 00", long("11 ff 83 b5 03 c1 46 9d d4 01 01 07")},
		{"lightspeed", "pairing", "10 ff 83 b5 20 00 00", long("11 ff 83 b5 20 00 02 40 79 0c 00 02")},
		{"lightspeed", "extended pairing", "10 ff 83 b5 30 00 00", long("11 ff 83 b5 30 40 b2 17 c0 04 00 00 00 01")},
		{"lightspeed", "codename", "10 ff 83 b5 40 00 00", long("11 ff 83 b5 40 05 47 20 50 72 6f")},
		{"lightspeed", "slot beyond its one", "10 ff 83 b5 21 00 00", "10 ff 8f 83 b5 03 00"},
		{"lightspeed", "firmware", "10 ff 81 f1 01 00 00", "10 ff 81 f1 01 39 06"},
		{"lightspeed", "build", "10 ff 81 f1 02 00 00", "10 ff 81 f1 02 00 40"},
		{"lightspeed", "other", "10 ff 81 f1 03 00 00", "10 ff 81 f1 03 aa be"},
		{"lightspeed", "bootloader", "10 ff 81 f1 04 00 00", "10 ff 81 f1 04 02 09"},
		{"lightspeed", "firmware 0xB5 0x02", "10 ff 83 b5 02 00 00", long("11 ff 83 b5 02 39 06 00 40")},
		{"lightspeed", "no unique id", "10 ff 83 fb 00 00 00", "10 ff 8f 83 fb 02 00"},
		// Nano C534: no serial, 0x2n and 0x3n only, firmware without
		// bootloader.
		{"nano", "no serial", "10 ff 83 b5 03 00 00", "10 ff 8f 83 b5 03 00"},
		{"nano", "keyboard pairing", "10 ff 83 b5 20 00 00", long("11 ff 83 b5 20 00 14 40 75 00 00 01")},
		{"nano", "mouse pairing", "10 ff 83 b5 21 00 00", long("11 ff 83 b5 21 00 00 40 54 00 00 02")},
		{"nano", "no third slot", "10 ff 83 b5 22 00 00", "10 ff 8f 83 b5 03 00"},
		{"nano", "extended pairing", "10 ff 83 b5 30 00 00", long("11 ff 83 b5 30 00 00 00 00 1a 00 00 00")},
		{"nano", "mouse's power switch", "10 ff 83 b5 31 00 00", long("11 ff 83 b5 31 00 00 00 00 04 00 00 00 01")},
		{"nano", "no codename", "10 ff 83 b5 40 00 00", "10 ff 8f 83 b5 03 00"},
		{"nano", "firmware", "10 ff 81 f1 01 00 00", "10 ff 81 f1 01 29 01"},
		{"nano", "build", "10 ff 81 f1 02 00 00", "10 ff 81 f1 02 00 16"},
		{"nano", "no bootloader", "10 ff 81 f1 04 00 00", "10 ff 8f 81 f1 03 00"},
		{"nano", "no activity", "10 ff 83 b3 00 00 00", "10 ff 8f 83 b3 02 00"},
		// Unifying C52B: activity counters as Solaar's recording shows.
		{"default", "activity", "10 ff 83 b3 00 00 00", long("11 ff 83 b3")},
		{"default", "no Bolt pairing", "10 ff 83 b5 51 00 00", "10 ff 8f 83 b5 03 00"},
	}
	conns := map[string]*emulator.Conn{}
	ins := map[string]<-chan []byte{}
	for _, tt := range tests {
		if conns[tt.profile] == nil {
			_, conns[tt.profile], ins[tt.profile] = receiverOf(t, builtin(t, tt.profile))
		}
		t.Run(tt.profile+"/"+tt.name, func(t *testing.T) {
			writeHex(t, conns[tt.profile], tt.req)
			if got := next(t, ins[tt.profile]); got != tt.want {
				t.Errorf("%s: %s\n got  %s\n want %s", tt.profile, tt.req, got, tt.want)
			}
		})
	}
}

// TestFamilies_Arrival: each family announces its devices with its own
// protocol byte and link bits, in slot order, before the ack (real 0x41s:
// Bolt "10 02 41 10 01 78 B3", Lightspeed "10 01 41 0C 32 7F 40"); only
// Unifying receivers answer DJ's "get paired devices".
func TestFamilies_Arrival(t *testing.T) {
	tests := []struct {
		profile string
		flags   bool // the host enabled wireless and software-present notifications first
		want    []string
	}{
		{"bolt", true, []string{"10 01 41 10 01 78 b3", "10 02 41 10 02 34 b0", "10 03 41 10 01 65 b3"}},
		{"lightspeed", false, []string{"10 01 41 0c 22 79 40"}},
		{"lightspeed", true, []string{"10 01 41 0c 32 79 40"}},
		{"nano", true, []string{"10 01 41 0a 21 75 40", "10 02 41 0a 22 54 40"}},
		{"default", true, []string{"10 01 41 04 22 82 40", "10 02 41 04 21 02 40", "10 03 41 04 22 1b 10"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/flags=%v", tt.profile, tt.flags), func(t *testing.T) {
			_, c, in := receiverOf(t, builtin(t, tt.profile))
			if tt.flags {
				writeHex(t, c, "10 ff 80 00 00 09 00")
				if got := next(t, in); got != "10 ff 80 00 00 00 00" {
					t.Fatalf("flags ack = %s", got)
				}
			}
			writeHex(t, c, "10 ff 80 02 02 00 00")
			for _, w := range append(tt.want, "10 ff 80 02 00 00 00") {
				if got := next(t, in); got != w {
					t.Errorf("got %s, want %s", got, w)
				}
			}
			dj := make([]byte, 15)
			dj[0], dj[1], dj[2] = 0x20, 0xFF, 0x81
			c.Write(dj)
			if tt.profile == "default" {
				if got := <-in; got[0] != 0x20 || got[2] != 0x41 {
					t.Errorf("DJ answer % x", got)
				}
				return
			}
			nothing(t, in, 50*time.Millisecond)
		})
	}
}

// TestFeatures_Tables: feature tables carry the recorded versions and
// flags ("1806v8[70]"); feature 0x0003 says the unit id, transport bits
// and model id, and the firmware entities in the recorded order with
// their extras; 0x0007 the friendly name.
func TestFeatures_Tables(t *testing.T) {
	const pad = " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
	long := func(s string) string { return (s + pad)[:59] }
	_, c, in := receiverOf(t, builtin(t, "bolt"))
	tests := []struct{ name, req, want string }{
		{"0x0003 at 2, version 4", "10 02 01 16 02 00 00", long("11 02 01 16 00 03 00 04")},
		{"1806 at 21, flags 70, version 8", "10 02 01 16 15 00 00", long("11 02 01 16 18 06 70 08")},
		{"getFeature 1891", "10 02 00 06 18 91 00", long("11 02 00 06 19 68 07")},
		{"unit and model ids", "10 02 02 06 00 00 00", long("11 02 02 06 03 cd 2a 6b b7 00 02 b0 34")},
		{"bootloader entity first", "10 02 02 16 00 00 00", long("11 02 02 16 01 42 4c 31 69 00 00 03 00 b0 34 38 fc a4 e6")},
		{"then the firmware", "10 02 02 16 01 00 00", long("11 02 02 16 00 52 42 4d 22 00 00 03 00 b0 34 38 fc a4 e6")},
		{"an empty other", "10 02 02 16 02 00 00", long("11 02 02 16 03")},
		{"no fourth", "10 02 02 16 03 00 00", long("11 02 ff 02 16 03")},
		{"friendly name length", "10 02 07 06 00 00 00", long("11 02 07 06 0c 20 0c")},
		{"friendly name", "10 02 07 16 00 00 00", long("11 02 07 16 00 4d 58 20 4d 61 73 74 65 72 20 33 53")},
		{"friendly name from 8", "10 02 07 16 08 00 00", long("11 02 07 16 08 72 20 33 53")},
		{"unified battery capabilities", "10 02 08 06 00 00 00", long("11 02 08 06 0f 03")},
		{"unified battery", "10 02 08 16 00 00 00", long("11 02 08 16 19 02 00 00")},
		{"POP Keys: not rechargeable", "10 03 07 06 00 00 00", long("11 03 07 06 0f 02")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeHex(t, c, tt.req)
			if got := next(t, in); got != tt.want {
				t.Errorf("%s\n got  %s\n want %s", tt.req, got, tt.want)
			}
		})
	}
}

// TestIdentity_BoltAndBluetooth: the MX Master 3S of the bolt profile and
// that of bluetooth-3s are the same unit: the same answers to feature
// 0x0003 (unit id, model, firmware) and 0x0005 (name, kind), whichever
// way it is reached.
func TestIdentity_BoltAndBluetooth(t *testing.T) {
	_, c, in := receiverOf(t, builtin(t, "bolt"))
	bt := emulator.New(builtin(t, "bluetooth-3s"), nil)
	defer bt.Close()
	bc, err := bt.OpenDevice(1, transport.Info{})
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close()
	bin := pump(t, bc)
	for _, q := range []string{"02 06 00 00 00", "02 16 00 00 00", "02 16 01 00 00", "03 06 00 00 00", "03 16 00 00 00", "03 26 00 00 00", "07 16 00 00 00"} {
		writeHex(t, c, "10 02 "+q)
		viaBolt := next(t, in)
		writeHex(t, bc, "11 ff "+q+" 00 00 00 00 00 00 00 00 00 00 00 00 00")
		viaBT := next(t, bin)
		if viaBolt[6:] != viaBT[6:] {
			t.Errorf("request %s: over Bolt %s, over Bluetooth %s", q, viaBolt, viaBT)
		}
	}
}

// TestLimits: what profiles could not say before the families came: a
// codename longer than the receiver keeps, a device whose kind to itself
// differs from its kind to the receiver (the ERGO M575), a Bolt unique id
// of its own, a receiver without Unifying's pairing registers.
func TestLimits(t *testing.T) {
	p := parse(t, `{"receiver":{"pid":"c52b","serial":"0BADCAFE","without":["b5 2n","F1"]},"devices":[
		{"index":1,"wpid":"4096","kind":"mouse","device_kind":"trackball","codename":"ERGO M575 Trackball","name":"ERGO M575 Trackball",
		 "protocol":"4.5","serial":"460DFDC2","features":["0000","0001","0003","0005","0007"]}]}`)
	_, c, in := receiverOf(t, p)
	for _, tt := range []struct{ req, want string }{
		{"10 ff 83 b5 40 00 00", "11 ff 83 b5 40 0e 45 52 47 4f 20 4d 35 37 35 20 54 72 61 63"}, // 14 characters kept
		{"10 01 03 26 00 00 00", "11 01 03 26 05 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"}, // 0x0005: trackball
		{"10 01 04 06 00 00 00", "11 01 04 06 13 20 13 00 00 00 00 00 00 00 00 00 00 00 00 00"}, // 0x0007: all 19
		{"10 ff 83 b5 20 00 00", "10 ff 8f 83 b5 03 00"},                                        // without 0x2n
		{"10 ff 81 f1 01 00 00", "10 ff 8f 81 f1 02 00"},                                        // without 0xF1
	} {
		writeHex(t, c, tt.req)
		if got := next(t, in); got != tt.want {
			t.Errorf("%s\n got  %s\n want %s", tt.req, got, tt.want)
		}
	}
	writeHex(t, c, "10 ff 80 02 02 00 00")
	if got := next(t, in); got != "10 01 41 04 22 96 40" { // a mouse to the receiver
		t.Errorf("0x41 = %s, want the M575 announced as a mouse", got)
	}
	r := emulator.New(builtin(t, "bolt"), nil)
	defer r.Close()
	if r.Serial() != "1AEAD8DE3BDAB838" || r.Family() != transport.FamilyBolt {
		t.Errorf("Bolt: %s, serial %s", r.Family(), r.Serial())
	}
}

// TestPairingFaults: a receiver whose information register answers errors
// or garbage, for the hosts' tests.
func TestPairingFaults(t *testing.T) {
	for _, name := range []string{"bolt", "nano", "lightspeed", "default"} {
		t.Run(name, func(t *testing.T) {
			r, c, in := receiverOf(t, builtin(t, name))
			req := map[string]string{"bolt": "10 ff 83 b5 51 00 00", "nano": "10 ff 83 b5 20 00 00",
				"lightspeed": "10 ff 83 b5 20 00 00", "default": "10 ff 83 b5 21 00 00"}[name]
			writeHex(t, c, req)
			good := next(t, in)
			r.FailPairing(hidpp.Err10ResourceError)
			writeHex(t, c, req)
			if got, want := next(t, in), "10 ff 8f 83 b5 09 00"; got != want {
				t.Errorf("failing: %s, want %s", got, want)
			}
			writeHex(t, c, "10 ff 81 02 00 00 00") // other registers keep working
			if got := next(t, in); !strings.HasPrefix(got, "10 ff 81 02") {
				t.Errorf("register 0x02 while pairing fails: %s", got)
			}
			r.FailPairing(0)
			r.GarblePairing(true)
			writeHex(t, c, req)
			g1 := next(t, in)
			writeHex(t, c, req)
			g2 := next(t, in)
			if g1[:14] != good[:14] || g1 == good || g1 == g2 {
				t.Errorf("garbled answers %s then %s; the good one %s", g1, g2, good)
			}
			r.GarblePairing(false)
			writeHex(t, c, req)
			if got := next(t, in); got != good {
				t.Errorf("after the faults: %s, want %s", got, good)
			}
		})
	}
	// The garbage is the same for every receiver, so tests can rely on it.
	a, ca, ina := receiverOf(t, builtin(t, "bolt"))
	b, cb, inb := receiverOf(t, builtin(t, "bolt"))
	a.GarblePairing(true)
	b.GarblePairing(true)
	writeHex(t, ca, "10 ff 83 b5 52 00 00")
	writeHex(t, cb, "10 ff 83 b5 52 00 00")
	if x, y := next(t, ina), next(t, inb); x != y {
		t.Errorf("two receivers' garbage differs: %s, %s", x, y)
	}
}

// TestFaultSlot: one slot's pairing information answering an error,
// garbage or nothing, the other slots as they should, until cleared.
func TestFaultSlot(t *testing.T) {
	tests := []struct {
		name string
		f    emulator.SlotFault
		want string // to slot 2's pairing read; "" nothing
	}{
		{"error", emulator.SlotFault{Error: hidpp.Err10Busy}, "10 ff 8f 83 b5 07 00"},
		{"garbage", emulator.SlotFault{Garbage: []byte{0x01, 0x00, 0x00}}, "11 ff 83 b5 52 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"silent", emulator.SlotFault{Silent: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, c, in := receiverOf(t, builtin(t, "bolt"))
			writeHex(t, c, "10 ff 83 b5 52 00 00")
			good := next(t, in)
			r.FaultSlot(2, tt.f)
			writeHex(t, c, "10 ff 83 b5 52 00 00")
			if tt.want == "" {
				nothing(t, in, 50*time.Millisecond)
			} else if got := next(t, in); got != tt.want {
				t.Errorf("slot 2: %s, want %s", got, tt.want)
			}
			writeHex(t, c, "10 ff 83 b5 51 00 00")
			if got := next(t, in); !strings.HasPrefix(got, "11 ff 83 b5 51 01 78 b3") {
				t.Errorf("slot 1 while slot 2 fails: %s", got)
			}
			r.FaultSlot(2, emulator.SlotFault{})
			writeHex(t, c, "10 ff 83 b5 52 00 00")
			if got := next(t, in); got != good {
				t.Errorf("after the fault: %s, want %s", got, good)
			}
		})
	}
}

// TestFloodInput: input reaches the HID++ interface only where the
// receiver's devices send it there, in reports it declares.
func TestFloodInput(t *testing.T) {
	for _, tt := range []struct {
		profile string
		id      byte
		n       int
	}{{"default", 0x20, 10}, {"nano", 0x02, 10}, {"bolt", 0, 0}, {"lightspeed", 0, 0}} {
		r, _, in := receiverOf(t, builtin(t, tt.profile))
		if n := r.FloodInput(10); n != tt.n {
			t.Errorf("%s: FloodInput(10) sent %d, want %d", tt.profile, n, tt.n)
		}
		for range tt.n {
			if b := <-in; b[0] != tt.id {
				t.Errorf("%s: input report % x, want report %#x", tt.profile, b, tt.id)
			}
		}
		nothing(t, in, 20*time.Millisecond)
	}
}

// btDevice opens Bluetooth device ix of r.
func btDevice(t *testing.T, r *emulator.Receiver, ix byte) (*emulator.Conn, <-chan []byte) {
	t.Helper()
	c, err := r.OpenDevice(ix, transport.Info{Path: fmt.Sprint("bt", ix)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, pump(t, c)
}

// TestBluetooth_Answers: a Bluetooth device answers on its own node as
// device 0xFF, only the long reports its descriptor declares, and
// nothing else; the other device's node hears none of it.
func TestBluetooth_Answers(t *testing.T) {
	r := emulator.New(builtin(t, "bluetooth"), &emulator.Opts{Second: 10 * time.Millisecond})
	defer r.Close()
	mouse, min := btDevice(t, r, 1)
	_, kin := btDevice(t, r, 2)
	if _, err := r.Open(transport.Info{}); err == nil {
		t.Error("Open on a profile of Bluetooth devices did not fail")
	}
	if r.Bluetooth() != true || r.PID() != 0 || r.Serial() != "" || len(r.Layout().Interfaces) != 0 {
		t.Errorf("a profile of Bluetooth devices: %v %04x %q %+v", r.Bluetooth(), r.PID(), r.Serial(), r.Layout())
	}
	for _, tt := range []struct{ name, req, want string }{
		{"ping", "11 ff 00 1a 00 00 5a 00 00 00 00 00 00 00 00 00 00 00 00 00", "11 ff 00 1a 04 05 5a 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"battery", "11 ff 08 0a 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", "11 ff 08 0a 64 32 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"battery capability: 4 levels", "11 ff 08 1a 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", "11 ff 08 1a 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"HID++ 1.0 index 0x00", "11 00 00 1a 00 00 5a 00 00 00 00 00 00 00 00 00 00 00 00 00", "11 00 00 1a 04 05 5a 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"an error, long", "11 ff 40 0a 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", "11 ff ff 40 0a 06 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
	} {
		writeHex(t, mouse, tt.req)
		if got := next(t, min); got != tt.want {
			t.Errorf("%s: %s\n got  %s\n want %s", tt.name, tt.req, got, tt.want)
		}
	}
	// Not for it: a short report its descriptor lacks, another index.
	writeHex(t, mouse, "10 ff 00 1a 00 00 5a")
	writeHex(t, mouse, "11 01 00 1a 00 00 5a 00 00 00 00 00 00 00 00 00 00 00 00 00")
	nothing(t, min, 50*time.Millisecond)
	nothing(t, kin, 0)
	if got := r.Requests(); got[1] != 5 || got[2] != 0 {
		t.Errorf("Requests() = %v, want the 5 requests device 1 heard", got)
	}
	// An event goes to its own node, from 0xFF.
	if err := r.SetBattery(2, 40, hidpp.StatusDischarging); err != nil {
		t.Fatal(err)
	}
	if got, want := next(t, kin), "11 ff 07 00 28 19 00 00 00 00 00 00 00 00 00 00 00 00 00 00"; got != want {
		t.Errorf("MX Keys battery event %s, want %s", got, want)
	}
	nothing(t, min, 20*time.Millisecond)
}

// TestBluetooth_ShortAnswersGoLong: a long-only device's HID++ 1.0
// answers, short by nature, leave as long reports; a device that declares
// both sends them short; one without HID++ reports answers nothing.
func TestBluetooth_ShortAnswersGoLong(t *testing.T) {
	p := parse(t, `{"bluetooth":{"adapter":"00:1a:7d:da:71:13"},"devices":[
		{"index":1,"pid":"B010","mac":"00:1f:20:aa:bb:01","kind":"mouse","codename":"M557","protocol":"1.0","serial":"00000001","registers":{"07":"052100"}},
		{"index":2,"pid":"B010","mac":"00:1f:20:aa:bb:02","kind":"mouse","codename":"M557","protocol":"1.0","serial":"00000002","registers":{"07":"052100"},"reports":"short+long"},
		{"index":3,"pid":"B023","mac":"00:1f:20:aa:bb:03","kind":"mouse","codename":"MX Master 3","protocol":"4.5","serial":"00000003","reports":"none"}]}`)
	r := emulator.New(p, nil)
	defer r.Close()
	long, lin := btDevice(t, r, 1)
	both, bin := btDevice(t, r, 2)
	none, nin := btDevice(t, r, 3)
	writeHex(t, long, "11 ff 81 07 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00")
	if got, want := next(t, lin), "11 ff 81 07 05 21 00 00 00 00 00 00 00 00 00 00 00 00 00 00"; got != want {
		t.Errorf("long-only: %s, want %s", got, want)
	}
	writeHex(t, both, "10 ff 81 07 00 00 00")
	if got, want := next(t, bin), "10 ff 81 07 05 21 00"; got != want {
		t.Errorf("short and long: %s, want %s", got, want)
	}
	writeHex(t, none, "11 ff 00 1a 00 00 5a 00 00 00 00 00 00 00 00 00 00 00 00 00")
	writeHex(t, none, "10 ff 00 1a 00 00 5a")
	nothing(t, nin, 50*time.Millisecond)
}

// TestBluetooth_Links: a Bluetooth device disconnecting takes its node
// away (its Conns fail with ErrGone, none opens) and connecting brings it
// back; one dropping off mid-request answers nothing and goes; the
// backend lists the devices connected with the receivers, as hidraw lists
// their nodes (bus, address, reports), and Watch reports each change.
func TestBluetooth_Links(t *testing.T) {
	b := emulator.NewBackend(builtin(t, "bluetooth"), "bluetooth", nil)
	r := b.Receiver
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes, err := b.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	change := func() transport.Change {
		t.Helper()
		select {
		case ch := <-changes:
			return ch
		case <-time.After(time.Second):
			t.Fatal("no change reported")
		}
		return transport.Change{}
	}
	infos, _ := b.Receivers()
	if len(infos) != 2 || infos[0].Path != "sim:bluetooth/c8:6f:1d:80:4a:22" || infos[0].ProductID != 0xB35B ||
		infos[1].Path != "sim:bluetooth/d4:4e:7a:35:2b:10" || infos[1].ProductID != 0xB023 || infos[1].Name != "MX Master 3" ||
		infos[1].Phys != "00:1a:7d:da:71:13" || infos[1].Bus != transport.BusBluetooth || infos[1].Uniq != "d4:4e:7a:35:2b:10" ||
		!infos[1].LongOnly || !infos[1].Direct() {
		t.Fatalf("Receivers() = %+v", infos)
	}
	infos[0], infos[1] = infos[1], infos[0] // by number: the mouse, the keyboard
	tc, err := b.Open(infos[1])
	if err != nil {
		t.Fatal(err)
	}
	c := tc.(*emulator.Conn)
	if c.Info() != infos[1] {
		t.Errorf("Conn.Info() = %+v, want %+v", c.Info(), infos[1])
	}
	r.SetOnline(2, false)
	if _, err := c.Read(make([]byte, 64)); !errors.Is(err, transport.ErrGone) {
		t.Errorf("read on a disconnected device: %v, want ErrGone", err)
	}
	if _, err := b.Open(infos[1]); !errors.Is(err, transport.ErrGone) {
		t.Errorf("open of a disconnected device: %v, want ErrGone", err)
	}
	if ch := change(); ch.Added || ch.Info.Path != infos[1].Path {
		t.Errorf("change %+v, want %s gone", ch, infos[1].Path)
	}
	if now, _ := b.Receivers(); len(now) != 1 {
		t.Errorf("Receivers() while one is away = %+v", now)
	}
	r.SetOnline(2, true)
	if ch := change(); !ch.Added || ch.Info != infos[1] {
		t.Errorf("change %+v, want %+v back", ch, infos[1])
	}
	// Mid-request: no answer, and the node goes.
	mouse, min := btDevice(t, r, 1)
	if err := r.DisconnectMidRequest(1); err != nil {
		t.Fatal(err)
	}
	writeHex(t, mouse, "11 ff 00 1a 00 00 5a 00 00 00 00 00 00 00 00 00 00 00 00 00")
	if b, ok := <-min; ok {
		t.Errorf("an answer % x from a device that dropped off", b)
	}
	if ch := change(); ch.Added || ch.Info.Path != infos[0].Path {
		t.Errorf("change %+v, want %s gone", ch, infos[0].Path)
	}
	// The whole profile unplugged: every node goes.
	r.SetOnline(1, true)
	change()
	r.Unplug()
	got := []string{change().Info.Path, change().Info.Path} // in the order of their paths
	if !(got[0] == infos[1].Path && got[1] == infos[0].Path) {
		t.Errorf("changes on unplugging %q", got)
	}
	if l := r.BluetoothLayouts(); len(l) != 0 {
		t.Errorf("layouts while unplugged: %+v", l)
	}
}

// TestBluetooth_Layout: what bluetoothd would give uhid for each device.
func TestBluetooth_Layout(t *testing.T) {
	r := emulator.New(builtin(t, "bluetooth"), nil)
	defer r.Close()
	l, err := r.BluetoothLayout(1)
	if err != nil {
		t.Fatal(err)
	}
	if l.Vendor != 0x046D || l.Product != 0xB023 || l.Version != 0x1901 || l.Name != "MX Master 3" ||
		l.Phys != "00:1a:7d:da:71:13" || l.Uniq != "d4:4e:7a:35:2b:10" {
		t.Errorf("layout %+v", l)
	}
	if !bytes.Contains(l.Descriptor, []byte{0x06, 0x43, 0xFF, 0x0A, 0x02, 0x02}) {
		t.Errorf("no HID++ collection on page FF43 in % x", l.Descriptor)
	}
	if _, err := r.BluetoothLayout(9); err == nil {
		t.Error("BluetoothLayout(9) did not fail")
	}
	u := emulator.New(builtin(t, "default"), nil)
	defer u.Close()
	if _, err := u.BluetoothLayout(1); err == nil {
		t.Error("BluetoothLayout of a receiver's device did not fail")
	}
}

func TestProfile_FamilyErrors(t *testing.T) {
	dev := `{"index":1,"wpid":"4002","kind":"mouse","codename":"Abcd","protocol":"4.5","serial":"00000001"`
	bt := `{"index":1,"pid":"B023","mac":"d4:4e:7a:35:2b:10","kind":"mouse","codename":"Abcd","protocol":"4.5","serial":"00000001"`
	adapter := `"bluetooth":{"adapter":"00:1a:7d:da:71:13"}`
	tests := []struct{ name, json, want string }{
		{"unknown product", `{"receiver":{"pid":"c5ff","serial":"00000001"}}`, "receiver.pid"},
		{"C534 with a serial", `{"receiver":{"pid":"c534","serial":"00000001"}}`, "keeps no serial"},
		{"Bolt id of 12", `{"receiver":{"pid":"c548","serial":"0123456789AB"}}`, "16 hex digits"},
		{"C534 with 3 slots", `{"receiver":{"pid":"c534","max_devices":3}}`, "receiver.max_devices"},
		{"Bolt has no 0xF1", `{"receiver":{"pid":"c548","serial":"00000001","other":"AA.BE"}}`, "receiver.other"},
		{"without what it lacks", `{"receiver":{"pid":"c548","serial":"00000001","without":["B5 2n"]}}`, "receiver.without[0]"},
		{"receiver and bluetooth", `{"receiver":{"pid":"c52b"},` + adapter + `,"devices":[` + bt + `}]}`, "not both"},
		{"no devices", `{` + adapter + `}`, "at least one"},
		{"bad adapter", `{"bluetooth":{"adapter":"00:1a:7d"},"devices":[` + bt + `}]}`, "bluetooth.adapter"},
		{"no pid", `{` + adapter + `,"devices":[` + strings.Replace(bt, `"pid":"B023",`, "", 1) + `}]}`, "devices[0].pid"},
		{"bad mac", `{` + adapter + `,"devices":[` + strings.Replace(bt, "d4:4e:7a:35:2b:10", "d4-4e", 1) + `}]}`, "devices[0].mac"},
		{"same mac", `{` + adapter + `,"devices":[` + bt + `},` + strings.Replace(bt, `"index":1`, `"index":2`, 1) + `}]}`, "devices[1].mac"},
		{"bad reports", `{` + adapter + `,"devices":[` + bt + `,"reports":"short"}]}`, "devices[0].reports"},
		{"power switch on Bluetooth", `{` + adapter + `,"devices":[` + bt + `,"power_switch":1}]}`, "devices[0].power_switch"},
		{"mac behind a receiver", `{"receiver":{"serial":"00000001"},"devices":[` + dev + `,"mac":"d4:4e:7a:35:2b:10"}]}`, "devices[0].mac"},
		{"device kind", `{"receiver":{"serial":"00000001"},"devices":[` + dev + `,"device_kind":"gamepad"}]}`, "devices[0].device_kind"},
		{"codename not ASCII", `{"receiver":{"serial":"00000001"},"devices":[` + strings.Replace(dev, "Abcd", "Abcdé", 1) + `}]}`, "devices[0].codename"},
		{"codename of 65", `{"receiver":{"serial":"00000001"},"devices":[` + strings.Replace(dev, "Abcd", strings.Repeat("A", 65), 1) + `}]}`, "devices[0].codename"},
		{"no name", `{"receiver":{"serial":"00000001"},"devices":[` + strings.Replace(dev, `"codename":"Abcd",`, "", 1) + `}]}`, "devices[0].name"},
		{"feature notation", `{"receiver":{"serial":"00000001"},"devices":[` + dev + `,"features":["0000","1004v"]}]}`, "devices[0].features[1]"},
		{"feature flags", `{"receiver":{"serial":"00000001"},"devices":[` + dev + `,"features":["0000","1004[7]"]}]}`, "devices[0].features[1]"},
		{"firmware type", `{"receiver":{"serial":"00000001"},"devices":[` + dev + `,"firmware":["boot: BL1 01.00.B0001"]}]}`, "devices[0].firmware[0]"},
		{"firmware extras", `{"receiver":{"serial":"00000001"},"devices":[` + dev + `,"firmware":["BL1 01.00.B0001 0102030405060708"]}]}`, "devices[0].firmware[0]"},
		{"ids", `{"receiver":{"serial":"00000001"},"devices":[` + dev + `,"ids":{"wpid":"40"}}]}`, "devices[0].ids.wpid"},
		{"next", `{"receiver":{"serial":"00000001"},"devices":[` + dev + `,"battery":{"percent":5,"next":101}}]}`, "devices[0].battery.next"},
		{"description", `{"description":"two\nlines","receiver":{"serial":"00000001"}}`, "description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := emulator.ParseProfile([]byte(tt.json), "x.json")
			var pe *emulator.ProfileError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseProfile = %v, want a *ProfileError about %q", err, tt.want)
			}
		})
	}
}

// TestBackend_Several: "sim:A+B+C" is one system with every profile's
// nodes, each opened and watched as when alone; a profile named twice, or
// an empty name, is refused; a Bluetooth device whose report map declares
// no HID++ report is not listed but said, as hidraw says it.
func TestBackend_Several(t *testing.T) {
	b, err := emulator.OpenBackend("sim:default+bolt+bluetooth", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	infos, _ := b.Receivers()
	var got []string
	for _, i := range infos {
		got = append(got, fmt.Sprintf("%s %04x %s %q %v", i.Path, i.ProductID, i.Bus, i.Uniq, i.LongOnly))
	}
	want := `sim:bluetooth/c8:6f:1d:80:4a:22 b35b bluetooth "c8:6f:1d:80:4a:22" true
sim:bluetooth/d4:4e:7a:35:2b:10 b023 bluetooth "d4:4e:7a:35:2b:10" true
sim:bolt c548 usb "" false
sim:default c52b usb "" false`
	if strings.Join(got, "\n") != want {
		t.Errorf("Receivers():\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	if len(b.Emulated) != 3 || b.Receiver != b.Emulated[0] || b.Emulated[1].Family() != transport.FamilyBolt {
		t.Errorf("Emulated = %v", b.Emulated)
	}
	for _, i := range infos {
		c, err := b.Open(i)
		if err != nil {
			t.Errorf("open %s: %v", i.Path, err)
			continue
		}
		c.Close()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes, _ := b.Watch(ctx)
	b.Emulated[1].Unplug()
	b.Emulated[2].SetOnline(2, false)
	seen := map[string]bool{}
	for range 2 {
		select {
		case c := <-changes:
			seen[fmt.Sprintf("%s %v", c.Info.Path, c.Added)] = true
		case <-time.After(time.Second):
			t.Fatalf("changes: %v so far", seen)
		}
	}
	if !seen["sim:bolt false"] || !seen["sim:bluetooth/c8:6f:1d:80:4a:22 false"] {
		t.Errorf("changes %v", seen)
	}

	for _, spec := range []string{"sim:bolt+bolt", "sim:bolt+", "sim:bolt+nosuch"} {
		if b, err := emulator.OpenBackend(spec, nil); err == nil {
			b.Close()
			t.Errorf("%s: no error", spec)
		}
	}

	none := emulator.NewBackend(parse(t, `{"bluetooth":{"adapter":"00:1a:7d:da:71:13"},"devices":[
		{"index":1,"pid":"B35B","mac":"c8:6f:1d:80:4a:22","kind":"keyboard","codename":"MX Keys","protocol":"4.5","serial":"EC96CD5C","reports":"none"}]}`), "none", nil)
	defer none.Close()
	if infos, _ := none.Receivers(); len(infos) != 0 {
		t.Errorf("a device without HID++ reports listed: %+v", infos)
	}
	if errs := none.Skipped(); len(errs) != 1 || !errors.Is(errs[0], transport.ErrNotHIDPP) || !strings.Contains(errs[0].Error(), "sim:none/c8:6f:1d:80:4a:22") {
		t.Errorf("Skipped() = %v", errs)
	}
}

// TestBluetooth_AnswersOn00: a device with "answers_on_00" replies on
// index 0x00 to a request to 0xFF.
func TestBluetooth_AnswersOn00(t *testing.T) {
	r := emulator.New(parse(t, `{"bluetooth":{"adapter":"00:1a:7d:da:71:13"},"devices":[
		{"index":1,"pid":"B023","mac":"d4:4e:7a:35:2b:10","kind":"mouse","codename":"MX Master 3","protocol":"4.5","serial":"198E3EB8","answers_on_00":true}]}`), nil)
	defer r.Close()
	c, in := btDevice(t, r, 1)
	writeHex(t, c, "11 ff 00 1a 00 00 5a 00 00 00 00 00 00 00 00 00 00 00 00 00")
	if got, want := next(t, in), "11 00 00 1a 04 05 5a 00 00 00 00 00 00 00 00 00 00 00 00 00"; got != want {
		t.Errorf("ping reply %s, want %s", got, want)
	}
	if _, err := emulator.ParseProfile([]byte(`{"receiver":{"pid":"c52b","serial":"E0662192"},"devices":[
		{"index":1,"wpid":"4082","kind":"mouse","protocol":"4.5","serial":"198E3EB8","answers_on_00":true}]}`), "x"); err == nil {
		t.Error("answers_on_00 on a receiver's device: no error")
	}
}
