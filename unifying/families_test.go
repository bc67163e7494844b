package unifying_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/unifying"
)

// The Bluetooth nodes of the built-in profiles bluetooth (an MX Master 3)
// and bluetooth-3s (the bolt profile's MX Master 3S).
const (
	btMouse   = "sim:bluetooth/d4:4e:7a:35:2b:10"
	btMouse3S = "sim:bluetooth-3s/e4:5a:3c:19:8b:07"
)

// openNode opens the node b lists at path for HID++ and as a receiver (or
// a device's own node), with pairing saying what the system lists of it.
func openNode(t *testing.T, b transport.Backend, path string, cache unifying.Cache, pairing func() (transport.Pairing, error)) *unifying.Receiver {
	t.Helper()
	c := emulatortest.OpenNode(t, b, path)
	r, err := unifying.OpenWith(context.Background(), c, unifying.Opts{Cache: cache, Pairing: pairing})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// describe is each device as "index wpid kind serial unit codename ID".
func describe(devs []*unifying.Device) string {
	var out []string
	for _, d := range devs {
		out = append(out, fmt.Sprintf("%d %04x %s %q %q %q %s", d.Index(), d.WPID, d.Kind, d.Serial, d.UnitID, d.Codename, d.ID()))
	}
	return strings.Join(out, "\n")
}

// TestBolt_Families: a Bolt receiver's serial from 0xFB, firmware and
// slot count from 0xB5 0x02 (none said where it does not answer), and its
// devices from 0xB5 0x5n (kind, wpid least significant byte first, unit
// id) and 0x6n (codename); each device's identity is its wpid and unit id.
func TestBolt_Families(t *testing.T) {
	tests := []struct {
		name     string
		without  []string
		firmware string
		max      int
	}{
		{"0xB5 0x02 answered", nil, "05.01.B0010", 6},
		{"without 0xB5 0x02", []string{"B5 02"}, "", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := emulatortest.Variant(t, "bolt", func(p *emulator.Profile) { p.Receiver.Without = tt.without })
			b := emulatortest.EmulateProfile(t, "bolt", p)
			r := openNode(t, b, "sim:bolt", nil, nil)
			if r.Family != transport.FamilyBolt || r.Serial != "31414541443844453342444142383338" || r.Firmware != tt.firmware ||
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
// every request long on a node without the short report, its replies
// taken on 0xFF or 0x00; the cache then knows it, and listing it again
// asks nothing. Its identity is its wpid (from its model id) and unit id;
// its serial, its address.
func TestDirect(t *testing.T) {
	for _, on00 := range []bool{false, true} {
		t.Run(fmt.Sprintf("answers on 0x00: %v", on00), func(t *testing.T) {
			p := emulatortest.Variant(t, "bluetooth", func(p *emulator.Profile) { p.Devices[0].AnswersOn00 = on00 })
			b := emulatortest.EmulateProfile(t, "bluetooth", p)
			written := emulatortest.Written(t, b.Receiver)
			cache := newMemCache()
			r := openNode(t, b, btMouse, cache, nil)
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
			want := `255 4082 mouse "d4:4e:7a:35:2b:10" "198E3EB8" "" 4082-198E3EB8`
			if got := describe(devs); got != want {
				t.Errorf("device:\n%s\nwant\n%s", got, want)
			}
			if d := devs[0]; d.Name() != "Wireless Mouse MX Master 3" || !d.Online() || d.Protocol() != (hidpp.Protocol{Major: 4, Minor: 5}) {
				t.Errorf("device %q online %v protocol %v", d.Name(), d.Online(), d.Protocol())
			}
			w := written()
			for _, x := range w {
				if !strings.HasPrefix(x, "11 FF ") || len(x) != 59 {
					t.Errorf("written %s: not a long request to 0xFF", x)
				}
			}
			// Ping, GetFeature, length and two chunks of the name,
			// kind, GetFeature and function 0 of 0x0003.
			if len(w) != 8 {
				t.Errorf("%d requests to introduce the device, want 8:\n%s", len(w), strings.Join(w, "\n"))
			}
			// A second run asks nothing to list it.
			r2 := openNode(t, b, btMouse, cache, nil)
			devs, err = r2.Paired(context.Background(), cache)
			if err != nil || describe(devs) != want || devs[0].Name() != "Wireless Mouse MX Master 3" {
				t.Errorf("from the cache: %s, %v", describe(devs), err)
			}
			if w := written(); len(w) != 0 {
				t.Errorf("listing a known device sent %q", w)
			}
		})
	}
}

// TestDirect_Offline: a Bluetooth device whose node is there but which
// answers nothing (asleep) is listed offline under its node's identity,
// with no error.
func TestDirect_Offline(t *testing.T) {
	b := emulatortest.Emulate(t, "bluetooth")
	b.Receiver.DropReplies(1 << 20)
	r := openNode(t, b, btMouse, nil, nil)
	devs, err := r.Paired(context.Background(), nil)
	if err != nil || len(devs) != 1 {
		t.Fatalf("Paired = %v, %v; want the device, no error", devs, err)
	}
	if d := devs[0]; d.Online() || !d.Reached() || d.ID() != "b023-d4:4e:7a:35:2b:10" || d.Serial != "d4:4e:7a:35:2b:10" {
		t.Errorf("offline device: online %v reached %v id %s serial %s", d.Online(), d.Reached(), d.ID(), d.Serial)
	}
}

// TestDirect_Garbage: a Bluetooth device whose answer to who it is does
// not decode (a HID++ 1.0 version in a 2.0 reply) is listed with the
// node's identity, and the error says so.
func TestDirect_Garbage(t *testing.T) {
	p := emulatortest.Variant(t, "bluetooth", func(p *emulator.Profile) { p.Devices[0].Replies["0000/1"] = "010001" })
	b := emulatortest.EmulateProfile(t, "bluetooth", p)
	r := openNode(t, b, btMouse, nil, nil)
	devs, err := r.Paired(context.Background(), nil)
	if !errors.Is(err, hidpp.ErrMalformed) || len(devs) != 1 || devs[0].ID() != "b023-d4:4e:7a:35:2b:10" {
		t.Errorf("Paired = %s, %v; want the device under its node's identity and ErrMalformed", describe(devs), err)
	}
}

// TestIdentity_AcrossPaths: the MX Master 3S paired to a Bolt receiver and
// the same mouse on Bluetooth are one device: one ID, two cache entries.
func TestIdentity_AcrossPaths(t *testing.T) {
	b := emulatortest.Emulate(t, "bolt", "bluetooth-3s")
	onBolt, err := openNode(t, b, "sim:bolt", nil, nil).Paired(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	onBT, err := openNode(t, b, btMouse3S, nil, nil).Paired(context.Background(), nil)
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

// TestNano: a C534 says no serial and no bootloader, and holds at most 2
// devices; none is made up. Its devices' identities are its product id,
// their wpid and slot. Without pairing registers (older Nano receivers)
// the devices come from the system's list, or else from the connection
// notifications of a fake device arrival; their kind is then asked of
// each.
func TestNano(t *testing.T) {
	listed := func() (transport.Pairing, error) {
		return transport.Pairing{Plugging: "boot/0003:046D:C534.0002", Devices: []transport.Paired{{Index: 1, WPID: 0x4075}, {Index: 2, WPID: 0x4054}}}, nil
	}
	tests := []struct {
		name    string
		without []string
		sys     func() (transport.Pairing, error)
		want    string
	}{
		{"pairing registers", nil, nil, `1 4075 keyboard "00000000" "" "" c534-4075-1
2 4054 mouse "00000000" "" "" c534-4054-2`},
		{"the system's list", []string{"B5 2n", "B5 3n"}, listed, `1 4075 keyboard "" "" "" c534-4075-1
2 4054 mouse "" "" "" c534-4054-2`},
		{"fake arrival", []string{"B5 2n", "B5 3n"}, nil, `1 4075 keyboard "" "" "" c534-4075-1
2 4054 mouse "" "" "" c534-4054-2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := emulatortest.Variant(t, "nano", func(p *emulator.Profile) { p.Receiver.Without = tt.without })
			b := emulatortest.EmulateProfile(t, "nano", p)
			cache := newMemCache()
			r := openNode(t, b, "sim:nano", cache, tt.sys)
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

// TestPairing_Garbage: a receiver answering garbage, errors or nothing to
// one slot's pairing registers has that slot said, and the other devices
// read; nothing is made of the garbage.
func TestPairing_Garbage(t *testing.T) {
	tests := []struct {
		name string
		slot byte
		f    emulator.SlotFault
		want string
		err  func(error) bool
	}{
		{"a wpid of 0000", 1, emulator.SlotFault{Garbage: []byte{0x01, 0x00, 0x00, 0x48, 0x54, 0x84, 0x20}},
			`2 b034 mouse "CD2A6BB7" "CD2A6BB7" "MX Master 3S" b034-CD2A6BB7
3 b365 keyboard "D1F99582" "D1F99582" "Logi POP Keys" b365-D1F99582`, func(err error) bool { return errors.Is(err, unifying.ErrGarbage) }},
		{"busy", 2, emulator.SlotFault{Error: hidpp.Err10Busy},
			`1 b378 keyboard "48548420" "48548420" "MX KEYS S" b378-48548420
3 b365 keyboard "D1F99582" "D1F99582" "Logi POP Keys" b365-D1F99582`, func(err error) bool {
				var herr *hidpp.Error
				return errors.As(err, &herr) && herr.Code == hidpp.Err10Busy
			}},
		{"no answer", 3, emulator.SlotFault{Silent: true},
			`1 b378 keyboard "48548420" "48548420" "MX KEYS S" b378-48548420
2 b034 mouse "CD2A6BB7" "CD2A6BB7" "MX Master 3S" b034-CD2A6BB7`, func(err error) bool { return errors.Is(err, hidpp.ErrTimeout) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := emulatortest.Emulate(t, "bolt")
			b.Receiver.FaultSlot(tt.slot, tt.f)
			r := openNode(t, b, "sim:bolt", nil, nil)
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

// TestPairing_FailedFromSystem: a Nano whose pairing registers answer an
// error for one slot, or for all, still has the devices the system lists
// there read, with what the system knows (slot, wpid, serial) and what
// the devices say of themselves (kind, name); the error still names each
// failed slot. Without a system list
// (hid-generic), a failed slot is only said.
func TestPairing_FailedFromSystem(t *testing.T) {
	const plugging = "boot/0003:046D:C534.0002"
	listed := func() (transport.Pairing, error) {
		return transport.Pairing{Plugging: plugging, Devices: []transport.Paired{{Index: 1, WPID: 0x4075, Serial: "00000000"}, {Index: 2, WPID: 0x4054, Serial: "00000000"}}}, nil
	}
	tests := []struct {
		name   string
		faults []byte
		sys    func() (transport.Pairing, error)
		want   string
		slots  []string
	}{
		{"one slot, listed", []byte{1}, listed, `1 4075 keyboard "00000000" "" "" c534-4075-1
2 4054 mouse "00000000" "" "" c534-4054-2`, []string{"slot 1"}},
		{"every slot, listed", []byte{1, 2}, listed, `1 4075 keyboard "00000000" "" "" c534-4075-1
2 4054 mouse "00000000" "" "" c534-4054-2`, []string{"slot 1", "slot 2"}},
		{"every slot, no list", []byte{1, 2}, nil, ``, []string{"slot 1", "slot 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := emulatortest.Emulate(t, "nano")
			for _, s := range tt.faults {
				b.Receiver.FaultSlot(s, emulator.SlotFault{Error: hidpp.Err10Busy})
			}
			r := openNode(t, b, "sim:nano", nil, tt.sys)
			devs, err := r.Devices(context.Background(), nil)
			if err == nil {
				t.Fatal("Devices: no error for the failed slots")
			}
			for _, s := range tt.slots {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Devices error %q does not name %s", err, s)
				}
			}
			if tt.sys != nil && !strings.Contains(err.Error(), "system's list") {
				t.Errorf("Devices error %q does not say the devices came from the system's list", err)
			}
			if got := describe(devs); got != tt.want {
				t.Errorf("devices:\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestPairing_RepeatedError: a C534 answers its codename register 0xB5
// 0x4n with an error, and a HID++ 1.0 error names only the register
// (0xB5), so a repeat of that error, arriving late, reads as the answer to
// the next slot's 0xB5 0x2n: "empty". The count says two devices; the
// slot is asked again, and both are listed. The repeat lands on the next
// request only when the reader is slower than the emulator's second send,
// as under -race (make unit): there it failed before the retry.
func TestPairing_RepeatedError(t *testing.T) {
	for range 5 {
		b := emulatortest.Emulate(t, "nano")
		r := openNode(t, b, "sim:nano", nil, nil)
		b.Receiver.DelayReplies(1<<30, 5*time.Millisecond)
		b.Receiver.DuplicateReplies(1 << 30)
		devs, err := r.Paired(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := describe(devs), `1 4075 keyboard "00000000" "" "" c534-4075-1
2 4054 mouse "00000000" "" "" c534-4054-2`; got != want {
			t.Fatalf("devices:\n%s\nwant\n%s", got, want)
		}
	}
}

// TestLightspeed: a Lightspeed receiver reads as a Unifying one, its
// capacity from 0xB5 0x03 (one device on the C539).
func TestLightspeed(t *testing.T) {
	b := emulatortest.Emulate(t, "lightspeed")
	r := openNode(t, b, "sim:lightspeed", nil, nil)
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
