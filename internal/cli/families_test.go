package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/transport"
)

// useFamilies makes every "sim" backend a system with a Unifying receiver
// (the built-in default profile), a Bolt receiver (bolt), a C534 Nano
// receiver (nano) and the bluetooth profile's MX Master 3 and MX Keys,
// the keyboard's report map without HID++ reports here, so that the
// backend says it cannot read it.
func useFamilies(t *testing.T) {
	t.Helper()
	def := useEmulator(t)
	bt := emulatortest.Variant(t, "bluetooth", func(p *emulator.Profile) { p.Devices[1].Reports = "none" })
	b, err := emulator.Join(def, emulatortest.Emulate(t, "bolt", "nano"), emulatortest.EmulateProfile(t, "bluetooth", bt))
	if err != nil {
		t.Fatal(err)
	}
	old := newBackend
	newBackend = func(spec string) (transport.Backend, error) {
		if spec == "sim" {
			return b, nil
		}
		return old(spec)
	}
	t.Cleanup(func() { newBackend = old })
}

// TestQuery_Families: one query prints every family and the Bluetooth
// mouse, which comes without a receiver and with its bus; the receiver
// without serial says so; the node that cannot be read is said on
// stderr, and the others are read.
func TestQuery_Families(t *testing.T) {
	useFamilies(t)
	out, errs, code := run(t, "", "--backend", "sim", "query")
	if code != 0 {
		t.Fatalf("query: exit %d, %s", code, errs)
	}
	golden(t, "query-families.txt", out)
	if !strings.Contains(errs, "sim:bluetooth/c8:6f:1d:80:4a:22") || !strings.Contains(errs, "no HID++ report") {
		t.Errorf("stderr %q does not say the node it cannot read", errs)
	}
	out, _, code = run(t, "", "--backend", "sim", "query", "--json")
	if code != 0 {
		t.Fatalf("query --json: exit %d", code)
	}
	golden(t, "query-families.json", confirmedTime.ReplaceAllString(out, `"confirmed": "TIME"`))
	var v struct {
		Receivers []struct {
			Family string
			Serial *string
		}
		Devices []struct {
			PID, Path, Bus, Serial string
			UnitID                 string `json:"unit_id"`
			Battery                *struct{ Percent *int }
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Receivers) != 3 || v.Receivers[2].Family != "Nano" || v.Receivers[2].Serial != nil {
		t.Errorf("receivers %+v: want Unifying, Bolt, and a Nano without serial", v.Receivers)
	}
	if len(v.Devices) != 1 || v.Devices[0].Bus != "bluetooth" || v.Devices[0].PID != "b023" || v.Devices[0].Serial != "d4:4e:7a:35:2b:10" ||
		v.Devices[0].UnitID != "198E3EB8" || v.Devices[0].Battery == nil || v.Devices[0].Battery.Percent == nil {
		t.Errorf("devices without receiver: %+v", v.Devices)
	}

	// One device, named, wherever it is.
	out, _, code = run(t, "", "--backend", "sim", "query", "MX Master 3S")
	if code != 0 || !strings.Contains(out, "Bolt receiver c548") || strings.Contains(out, "Unifying") || !strings.Contains(out, "25 %") {
		t.Errorf("query MX Master 3S: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "", "--backend", "sim", "query", "--json", "198E3EB8")
	if code != 0 || !strings.Contains(out, `"receivers": []`) || !strings.Contains(out, `"bus": "bluetooth"`) {
		t.Errorf("query by the Bluetooth mouse's unit id: exit %d\n%s", code, out)
	}
}

// TestList_Families: list says each receiver's family, a receiver's
// missing serial and bootloader, and the Bluetooth mouse as a device of
// its own.
func TestList_Families(t *testing.T) {
	useFamilies(t)
	out, errs, code := run(t, "", "--backend", "sim", "list")
	if code != 0 {
		t.Fatalf("list: exit %d, %s", code, errs)
	}
	for _, want := range []string{"Bolt receiver c548, serial 3141", "Nano receiver c534, no serial", "Bluetooth device b023, no receiver (sim:bluetooth/d4:4e:7a:35:2b:10)",
		"-  Wireless Mouse MX Master 3", "serial d4:4e:7a:35:2b:10"} {
		if !strings.Contains(out, want) {
			t.Errorf("list does not say %q:\n%s", want, out)
		}
	}
	out, _, code = run(t, "", "--backend", "sim", "list", "--json")
	if code != 0 || !strings.Contains(out, `"id": "4082-198E3EB8"`) || !strings.Contains(out, `"id": "b034-CD2A6BB7"`) || strings.Contains(out, `"percent"`) {
		t.Errorf("list --json: exit %d\n%s", code, out)
	}
}

// TestBackend_SimSeveral: --backend sim:A+B reads every profile named as
// one system; a profile named twice is a usage error.
func TestBackend_SimSeveral(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	out, errs, code := run(t, "", "--backend", "sim:bolt+bluetooth", "query", "--json")
	if code != 0 {
		t.Fatalf("query: exit %d, %s", code, errs)
	}
	var v struct {
		Receivers []struct{ Family string }
		Devices   []struct{ Bus string }
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Receivers) != 1 || v.Receivers[0].Family != "Bolt" || len(v.Devices) != 2 || v.Devices[0].Bus != "bluetooth" {
		t.Errorf("sim:bolt+bluetooth: %s", out)
	}
	if _, errs, code := run(t, "", "--backend", "sim:bolt+bolt", "query"); code == 0 || !strings.Contains(errs, "twice") {
		t.Errorf("sim:bolt+bolt: exit %d, %q", code, errs)
	}
}
