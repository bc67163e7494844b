package nodetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/transport"
)

// Profiles of the devices of docs/devices.md §6, as the emulator takes
// them today, for the tests of the layers above.
const (
	// Bolt is a Bolt receiver with the three devices Solaar's recordings
	// show on Bolt: MX Keys S (75 %), MX Master 3S (25 %; its 0x0003
	// function 0 gives unit CD2A6BB7 and model B03400000000, Bluetooth LE
	// b034 alone) and POP Keys (100 %), all on feature 0x1004.
	Bolt = `{"receiver":{"pid":"c548","serial":"38423638","firmware":"05.01.B0010"},"devices":[
	{"index":1,"wpid":"B378","kind":"keyboard","codename":"MX KEYS S","name":"MX Keys S","protocol":"4.5","serial":"48548420",
	 "features":["0000","0001","0003","0005","1D4B","0020","0007","0011","1004"],"battery":{"percent":75}},
	{"index":2,"wpid":"B034","kind":"mouse","codename":"MX Master 3S","protocol":"4.5","serial":"CD2A6BB7",
	 "features":["0000","0001","0003","0005","1D4B","0020","0021","0007","1004"],"battery":{"percent":25},
	 "replies":{"0003/0":"03CD2A6BB70002B03400000000"}},
	{"index":3,"wpid":"B365","kind":"keyboard","codename":"Logi POP Keys","protocol":"4.5","serial":"D1F99582",
	 "features":["0000","0001","0003","0005","1D4B","0020","0007","1004"],"battery":{"percent":100}}]}`

	// MXMaster3 holds, in slot 1, the MX Master 3 as Solaar recorded it
	// over Bluetooth: unit 198E3EB8, model B02340820000 (Bluetooth LE
	// b023, wireless 4082), feature 0x1000 at 100 %.
	MXMaster3 = `{"receiver":{"pid":"c52b","serial":"E0662192"},"devices":[
	{"index":1,"wpid":"4082","kind":"mouse","codename":"MX Master 3","name":"Wireless Mouse MX Master 3","protocol":"4.5","serial":"198E3EB8",
	 "features":["0000","0001","0003","0005","1D4B","0020","0021","0007","1000"],"battery":{"percent":100,"levels":4},
	 "replies":{"0003/0":"02198E3EB80006B02340820000"}}]}`

	// Nano is a C534 Nano receiver with the keyboard 4075 (30 %) and the
	// mouse 4054 (no battery feature) Solaar recorded on it, both serial
	// 00000000. Its register answers need NanoRules to be the C534's.
	Nano = `{"receiver":{"pid":"c534","serial":"00000000","firmware":"29.01.B0016","max_devices":2},"devices":[
	{"index":1,"wpid":"4075","kind":"keyboard","codename":"K470","name":"Wireless Keyboard","protocol":"4.5","serial":"00000000",
	 "features":["0000","0001","0003","0005","0020","1000"],"battery":{"percent":30}},
	{"index":2,"wpid":"4054","kind":"mouse","codename":"M185n","name":"Wireless Mouse","protocol":"4.5","serial":"00000000",
	 "features":["0000","0001","0003","0005","0020","1B04"]}]}`
)

// BluetoothMouse is the MX Master 3's own node on Bluetooth, declaring
// the long report alone.
var BluetoothMouse = transport.Info{Path: "/dev/hidraw7", VendorID: 0x046D, ProductID: 0xB023, Name: "Logitech Wireless Mouse MX Master 3",
	Bus: transport.BusBluetooth, Uniq: "d1:e2:f3:04:15:26", LongOnly: true}

// NanoRules make the emulated C534 answer as the real one: no serial
// (0xB5 0x03), no bootloader (0xF1 04), and, without pairing, no pairing
// registers (0xB5 0x2n, 0x3n, 0x4n), as older Nano receivers.
func NanoRules(pairing bool) map[string][]string {
	rules := map[string][]string{
		"10 FF 83 B5 03 00 00": {"10 FF 8F 83 B5 02 00"},
		"10 FF 81 F1 04 00 00": {"10 FF 8F 81 F1 02 00"},
	}
	if !pairing {
		for n := range 2 {
			for _, sub := range []int{0x20, 0x30, 0x40} {
				rules[fmt.Sprintf("10 FF 83 B5 %02X 00 00", sub+n)] = []string{"10 FF 8F 83 B5 03 00"}
			}
		}
	}
	return rules
}

// Emulate starts the emulated receiver of profile js, with light reports
// 10 ms apart, until the test ends.
func Emulate(t testing.TB, js string) *emulator.Backend {
	t.Helper()
	p, err := emulator.ParseProfile([]byte(js), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	b := emulator.NewBackend(p, "test", &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(b.Receiver.Close)
	return b
}
