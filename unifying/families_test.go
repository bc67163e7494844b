package unifying_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/nodetest"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/unifying"
)

const (
	boltProfile = nodetest.Bolt
	mxMaster3   = nodetest.MXMaster3
	nanoProfile = nodetest.Nano
)

var btMouse = nodetest.BluetoothMouse

// pad20 pads a report written in hex to the 20 bytes of a long one.
func pad20(s string) string {
	b, err := hidpp.DecodeHex(s)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("% X", append(b, make([]byte, 20-len(b))...))
}

func emulate(t *testing.T, js string) *emulator.Backend { return nodetest.Emulate(t, js) }

// openNode opens node n for HID++ and as a receiver (or a device's own
// node), with sys saying what the system lists of it.
func openNode(t *testing.T, n nodetest.Node, cache unifying.Cache, pairing func() (transport.Pairing, error)) (*nodetest.Conn, *unifying.Receiver) {
	t.Helper()
	tc, err := n.Open()
	if err != nil {
		t.Fatal(err)
	}
	c := hidpp.NewConn(tc, &hidpp.Opts{DeviceTimeout: 300 * time.Millisecond, ReceiverTimeout: 300 * time.Millisecond})
	t.Cleanup(func() { c.Close() })
	r, err := unifying.OpenWith(context.Background(), c, unifying.Opts{Cache: cache, Pairing: pairing})
	if err != nil {
		t.Fatal(err)
	}
	return tc.(*nodetest.Conn), r
}

// describe is each device as "index wpid kind serial unit codename ID".
func describe(devs []*unifying.Device) string {
	var out []string
	for _, d := range devs {
		out = append(out, fmt.Sprintf("%d %04x %s %q %q %q %s", d.Index(), d.WPID, d.Kind, d.Serial, d.UnitID, d.Codename, d.ID()))
	}
	return strings.Join(out, "\n")
}

// TestBolt_Families: a Bolt receiver's serial from 0xFB, firmware from
// 0xB5 0x02 or, where it answers none, register 0xF1, and its devices from
// 0xB5 0x5n (kind, wpid least significant byte first, unit id) and 0x6n
// (codename); each device's identity is its wpid and unit id.
func TestBolt_Families(t *testing.T) {
	tests := []struct {
		name     string
		rules    map[string][]string
		firmware string
		max      int
	}{
		{"0xB5 0x02 answered", map[string][]string{"10 FF 83 B5 02 00 00": {"11 FF 83 B5 02 05 01 00 10 01 B6 10 03 00 00 00 00 00 00 00"}}, "05.01.B0010", 3},
		{"0xF1 only", nil, "05.01.B0010", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := emulate(t, boltProfile)
			_, r := openNode(t, nodetest.Emulated(b, "/dev/hidraw3", tt.rules), nil, nil)
			if r.Family != transport.FamilyBolt || r.Serial != strings.Repeat("3338343233363338", 2) || r.Firmware != tt.firmware ||
				r.MaxDevices != tt.max || r.Direct {
				t.Errorf("Bolt receiver = %+v", r)
			}
			devs, err := r.Devices(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			want := `1 b378 keyboard "48548420" "48548420" "MX KEYS S" b378-48548420
2 b034 mouse "CD2A6BB7" "CD2A6BB7" "MX Master 3S" b034-CD2A6BB7
3 b365 keyboard "D1F99582" "D1F99582" "Logi POP Keys" b365-D1F99582`
			if got := describe(devs); got != want {
				t.Errorf("devices:\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestDirect: a Bluetooth device's own node is one device at 0xFF, asked
// who it is once: protocol, name, kind, and unit and model id (0x0003),
// every request long on a node without the short report; the cache then
// knows it, and listing it again asks nothing. Its identity is its wpid
// (from its model id) and unit id; its serial, its address.
func TestDirect(t *testing.T) {
	for _, replyZero := range []bool{false, true} {
		t.Run(fmt.Sprintf("replies on 0x00: %v", replyZero), func(t *testing.T) {
			b := emulate(t, mxMaster3)
			cache := newMemCache()
			n := nodetest.Node{Info: btMouse, Open: func() (transport.Conn, error) {
				c, err := b.Open(btMouse)
				if err != nil {
					return nil, err
				}
				return nodetest.Bluetooth(c, 1, btMouse, replyZero, nil), nil
			}}
			tc, r := openNode(t, n, cache, nil)
			if !r.Direct || r.PID != 0xB023 || r.Serial != "" || r.Family != "" {
				t.Errorf("direct node = %+v", r)
			}
			if err := r.EnableNotifications(context.Background()); err != nil {
				t.Errorf("EnableNotifications on a device's own node: %v", err)
			}
			if n, err := r.Count(context.Background()); n != 1 || err != nil {
				t.Errorf("Count = %d, %v", n, err)
			}
			devs, err := r.Paired(context.Background(), cache)
			if err != nil {
				t.Fatal(err)
			}
			want := `255 4082 mouse "d1:e2:f3:04:15:26" "198E3EB8" "" 4082-198E3EB8`
			if got := describe(devs); got != want {
				t.Errorf("device:\n%s\nwant\n%s", got, want)
			}
			if d := devs[0]; d.Name() != "Wireless Mouse MX Master 3" || !d.Online() || d.Protocol() != (hidpp.Protocol{Major: 4, Minor: 5}) {
				t.Errorf("device %q online %v protocol %v", d.Name(), d.Online(), d.Protocol())
			}
			written := tc.Written()
			for _, w := range written {
				if !strings.HasPrefix(w, "11 FF ") || len(w) != 59 {
					t.Errorf("written %s: not a long request to 0xFF", w)
				}
			}
			// Ping, GetFeature, length and two chunks of the name,
			// kind, GetFeature and function 0 of 0x0003.
			if len(written) != 8 {
				t.Errorf("%d requests to introduce the device, want 8:\n%s", len(written), strings.Join(written, "\n"))
			}
			// A second run asks nothing to list it.
			tc2, r2 := openNode(t, n, cache, nil)
			devs, err = r2.Paired(context.Background(), cache)
			if err != nil || describe(devs) != want || devs[0].Name() != "Wireless Mouse MX Master 3" {
				t.Errorf("from the cache: %s, %v", describe(devs), err)
			}
			if w := tc2.Written(); len(w) != 0 {
				t.Errorf("listing a known device sent %q", w)
			}
		})
	}
}

// TestDirect_Offline: a Bluetooth device that does not answer (its error
// reply is short, which its node cannot carry) is listed offline under
// its node's identity, with no error.
func TestDirect_Offline(t *testing.T) {
	b := emulate(t, mxMaster3)
	b.Receiver.SetOnline(1, false)
	_, r := openNode(t, nodetest.BluetoothNode(b, 1, btMouse, nil), nil, nil)
	devs, err := r.Paired(context.Background(), nil)
	if err != nil || len(devs) != 1 {
		t.Fatalf("Paired = %v, %v; want the device, no error", devs, err)
	}
	if d := devs[0]; d.Online() || !d.Reached() || d.ID() != "b023-d1:e2:f3:04:15:26" || d.Serial != btMouse.Uniq {
		t.Errorf("offline device: online %v reached %v id %s serial %s", d.Online(), d.Reached(), d.ID(), d.Serial)
	}
}

// TestDirect_Garbage: a Bluetooth device whose answer to who it is does
// not decode is listed with the node's identity, and the error says so.
func TestDirect_Garbage(t *testing.T) {
	b := emulate(t, mxMaster3)
	rules := map[string][]string{pad20("11 FF 00 16 00 00 01"): {pad20("11 FF 00 16 01 00 01")}} // "HID++ 1.0" in a 2.0 reply
	_, r := openNode(t, nodetest.BluetoothNode(b, 1, btMouse, rules), nil, nil)
	devs, err := r.Paired(context.Background(), nil)
	if !errors.Is(err, hidpp.ErrMalformed) || len(devs) != 1 || devs[0].ID() != "b023-d1:e2:f3:04:15:26" {
		t.Errorf("Paired = %s, %v; want the device under its node's identity and ErrMalformed", describe(devs), err)
	}
}

// TestIdentity_AcrossPaths: the MX Master 3S paired to a Bolt receiver and
// the same mouse on Bluetooth are one device: one ID.
func TestIdentity_AcrossPaths(t *testing.T) {
	b := emulate(t, boltProfile)
	_, bolt := openNode(t, nodetest.Emulated(b, "/dev/hidraw3", nil), nil, nil)
	onBolt, err := bolt.Paired(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	bt := transport.Info{Path: "/dev/hidraw8", VendorID: 0x046D, ProductID: 0xB034, Bus: transport.BusBluetooth,
		Uniq: "c4:1f:2e:3d:4c:5b", LongOnly: true}
	_, direct := openNode(t, nodetest.BluetoothNode(b, 2, bt, nil), nil, nil)
	onBT, err := direct.Paired(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if onBolt[1].ID() != "b034-CD2A6BB7" || onBT[0].ID() != onBolt[1].ID() {
		t.Errorf("on Bolt %s, on Bluetooth %s: want both b034-CD2A6BB7", onBolt[1].ID(), onBT[0].ID())
	}
	if onBT[0].CacheKey() == onBolt[1].CacheKey() {
		t.Errorf("the Bluetooth path shares the cache entry %s of the Bolt one", onBT[0].CacheKey())
	}
}

func nanoRules(pairing bool) map[string][]string { return nodetest.NanoRules(pairing) }

// TestNano: a C534 says no serial and no bootloader, and holds at most 2
// devices; none is made up. Its devices' identities are its product id,
// their wpid and slot. Without pairing registers the devices come from the
// system's list, or else from the connection notifications of a fake
// device arrival; their kind is then asked of each.
func TestNano(t *testing.T) {
	listed := func() (transport.Pairing, error) {
		return transport.Pairing{Plugging: "boot/0003:046D:C534.0002", Devices: []transport.Paired{{Index: 1, WPID: 0x4075}, {Index: 2, WPID: 0x4054}}}, nil
	}
	tests := []struct {
		name    string
		pairing bool
		sys     func() (transport.Pairing, error)
		want    string
	}{
		{"pairing registers", true, nil, `1 4075 keyboard "00000000" "" "K470" c534-4075-1
2 4054 mouse "00000000" "" "M185n" c534-4054-2`},
		{"the system's list", false, listed, `1 4075 keyboard "" "" "" c534-4075-1
2 4054 mouse "" "" "" c534-4054-2`},
		{"fake arrival", false, nil, `1 4075 keyboard "" "" "" c534-4075-1
2 4054 mouse "" "" "" c534-4054-2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := emulate(t, nanoProfile)
			cache := newMemCache()
			_, r := openNode(t, nodetest.Emulated(b, "/dev/hidraw1", nanoRules(tt.pairing)), cache, tt.sys)
			if r.Serial != "" || r.Firmware != "29.01.B0016" || r.Bootloader != "" || r.MaxDevices != 2 || r.Family != transport.FamilyNano {
				t.Errorf("C534 = serial %q firmware %q bootloader %q max %d family %s", r.Serial, r.Firmware, r.Bootloader, r.MaxDevices, r.Family)
			}
			devs, err := r.Devices(context.Background(), cache)
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(devs); got != tt.want {
				t.Errorf("devices:\n%s\nwant\n%s", got, tt.want)
			}
			if !strings.Contains(r.String(), "without serial") {
				t.Errorf("String() = %q", r)
			}
		})
	}
}

// TestPairing_Garbage: a receiver answering garbage or errors to one
// slot's pairing register has that slot said, and the other devices read;
// nothing is made of the garbage.
func TestPairing_Garbage(t *testing.T) {
	tests := []struct {
		name  string
		rules map[string][]string
		want  string
		err   func(error) bool
	}{
		{"a wpid of 0000", map[string][]string{"10 FF 83 B5 51 00 00": {"11 FF 83 B5 51 01 00 00 48 54 84 20 00 00 00 00 00 00 00 00"}},
			`2 b034 mouse "CD2A6BB7" "CD2A6BB7" "MX Master 3S" b034-CD2A6BB7
3 b365 keyboard "D1F99582" "D1F99582" "Logi POP Keys" b365-D1F99582`, func(err error) bool { return errors.Is(err, unifying.ErrGarbage) }},
		{"busy", map[string][]string{"10 FF 83 B5 52 00 00": {"10 FF 8F 83 B5 07 00"}},
			`1 b378 keyboard "48548420" "48548420" "MX KEYS S" b378-48548420
3 b365 keyboard "D1F99582" "D1F99582" "Logi POP Keys" b365-D1F99582`, func(err error) bool {
				var herr *hidpp.Error
				return errors.As(err, &herr) && herr.Code == hidpp.Err10Busy
			}},
		{"no answer", map[string][]string{"10 FF 83 B5 63 01 00": nil},
			`1 b378 keyboard "48548420" "48548420" "MX KEYS S" b378-48548420
2 b034 mouse "CD2A6BB7" "CD2A6BB7" "MX Master 3S" b034-CD2A6BB7`, func(err error) bool { return errors.Is(err, hidpp.ErrTimeout) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := emulate(t, boltProfile)
			_, r := openNode(t, nodetest.Emulated(b, "/dev/hidraw3", tt.rules), nil, nil)
			devs, err := r.Paired(context.Background(), nil)
			if !tt.err(err) || !strings.Contains(err.Error(), "slot") {
				t.Errorf("Paired error = %v", err)
			}
			if got := describe(devs); got != tt.want {
				t.Errorf("devices:\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestLightspeed: a Lightspeed receiver reads as a Unifying one, its
// capacity from 0xB5 0x03 (one device on the C539).
func TestLightspeed(t *testing.T) {
	b := emulate(t, `{"receiver":{"pid":"c539","serial":"C1469DD4","firmware":"39.06.B0040","bootloader":"02.09","max_devices":1},"devices":[
		{"index":1,"wpid":"4079","kind":"mouse","codename":"G Pro","name":"G Pro Wireless Gaming Mouse","protocol":"4.2","serial":"40B217C0",
		 "features":["0000","0001","0003","0005","1D4B","0020","1001"],"battery":{"percent":90,"voltage_mv":3926}}]}`)
	_, r := openNode(t, nodetest.Emulated(b, "/dev/hidraw2", nil), nil, nil)
	if r.Family != transport.FamilyLightspeed || r.Serial != "C1469DD4" || r.MaxDevices != 1 || r.Firmware != "39.06.B0040" || r.Bootloader != "02.09" {
		t.Errorf("C539 = %+v", r)
	}
	devs, err := r.Devices(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := describe(devs), `1 4079 mouse "40B217C0" "" "G Pro" 4079-40B217C0`; got != want {
		t.Errorf("devices:\n%s\nwant\n%s", got, want)
	}
}
