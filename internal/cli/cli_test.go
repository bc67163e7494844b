package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/transport"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// run runs the CLI in-process with a private cache directory.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return "" }})
	return out.String(), errb.String(), code
}

// useEmulator makes every "sim" backend the given one, so a test can drive
// its faults, and shortens the light report period.
func useEmulator(t *testing.T) *emulator.Backend {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	p, _ := emulator.BuiltinProfile("default")
	b := emulator.NewBackend(p, "default", &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(b.Receiver.Close)
	old := newBackend
	newBackend = func(spec string) (transport.Backend, error) {
		if spec == "sim" {
			return b, nil
		}
		return old(spec)
	}
	t.Cleanup(func() { newBackend = old })
	return b
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

var confirmedTime = regexp.MustCompile(`"confirmed": "[^"]+"`)

func TestQuery_Golden(t *testing.T) {
	useEmulator(t)
	for _, tt := range []struct {
		golden string
		args   []string
	}{
		{"query.txt", []string{"--backend", "sim", "query"}},
		{"query.json", []string{"query", "--json", "--backend=sim"}},
		{"query-k750.json", []string{"--backend", "sim", "query", "k750", "--json"}},
	} {
		out, errs, code := run(t, "", tt.args...)
		if code != 0 || errs != "" {
			t.Fatalf("%v: exit %d, stderr %q", tt.args, code, errs)
		}
		// The times are now's.
		out = confirmedTime.ReplaceAllString(out, `"confirmed": "TIME"`)
		golden(t, tt.golden, out)
	}
}

// TestQuery_JSONShape checks the documented JSON layout, independent of the
// golden file.
func TestQuery_JSONShape(t *testing.T) {
	b := useEmulator(t)
	b.Receiver.SetOnline(1, false)
	out, _, code := run(t, "", "--backend", "sim", "query", "--json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var v struct {
		Receivers []struct {
			PID, Serial string
			Devices     []map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	r := v.Receivers[0]
	if r.PID != "c52b" || r.Serial != "E0662192" || len(r.Devices) != 3 {
		t.Fatalf("receiver = %+v", r)
	}
	mx, k750, m705 := r.Devices[0], r.Devices[1], r.Devices[2]
	checks := []struct {
		got  json.RawMessage
		want string
	}{
		{mx["online"], "false"}, {mx["battery"], "null"}, {mx["wpid"], `"4082"`},
		{k750["light"], `{"lux":12}`}, {k750["protocol"], `"2.0"`}, {k750["codename"], `"K750"`},
		{m705["wpid"], `"101b"`}, {m705["protocol"], `"1.0"`},
	}
	for i, c := range checks {
		var compact bytes.Buffer
		json.Compact(&compact, c.got)
		if compact.String() != c.want {
			t.Errorf("check %d: got %s, want %s", i, c.got, c.want)
		}
	}
	if _, ok := m705["light"]; ok {
		t.Error("a mouse has a light key")
	}
	var bat map[string]any
	json.Unmarshal(m705["battery"], &bat)
	if bat["percent"] != 100.0 || bat["level"] != nil || bat["status"] != "discharging" || bat["voltage_mv"] != nil {
		t.Errorf("M705 battery = %v", bat)
	}
}

func TestQuery_Offline(t *testing.T) {
	b := useEmulator(t)
	b.Receiver.SetOnline(2, false)
	out, errs, code := run(t, "", "--backend", "sim", "query", "K750")
	if code != ExitOffline || !strings.Contains(out, "offline") || !strings.Contains(errs, "asleep or out of range") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestQuery_Match(t *testing.T) {
	useEmulator(t)
	for _, q := range []string{"2", "4002", "750c0de2", "k750", "wireless solar", "Wireless Solar Keyboard K750"} {
		out, _, code := run(t, "", "--backend", "sim", "query", q)
		if code != 0 || !strings.Contains(out, "K750") || strings.Contains(out, "M705") {
			t.Errorf("query %q: exit %d, %q", q, code, out)
		}
	}
	for _, q := range []string{"m", "nothing"} {
		_, errs, code := run(t, "", "--backend", "sim", "query", q)
		if code != ExitUsage || !strings.Contains(errs, "M705") || !strings.Contains(errs, "MX Master 3") {
			t.Errorf("query %q: exit %d, stderr %q; want the candidates listed", q, code, errs)
		}
	}
}

// TestQuery_Requests counts the HID++ requests of a cold and a warm query:
// warm, one a device; the receiver is asked who it is and what is paired
// unless the system lists its devices (emulatortest.Listing, as
// hid-logitech-dj does on hidraw; the sim backend does not).
func TestQuery_Requests(t *testing.T) {
	b := useEmulator(t)
	for _, tt := range []struct {
		name       string
		listed     bool
		cold, warm int
	}{
		{name: "sim", cold: 35, warm: 11 + 3},
		{name: "the system lists the devices", listed: true, cold: 35, warm: 3},
	} {
		t.Setenv("XDG_CACHE_HOME", t.TempDir())
		if tt.listed {
			p, _ := emulator.BuiltinProfile("default")
			l := &emulatortest.Listing{Backend: b, Plugging: "boot1/0003:046D:C52B.0003", Devices: emulatortest.Listed(p)}
			old := newBackend
			newBackend = func(string) (transport.Backend, error) { return l, nil }
			t.Cleanup(func() { newBackend = old })
		}
		b.Receiver.ResetRequests()
		run(t, "", "--backend", "sim", "query")
		cold := b.Receiver.TotalRequests()
		b.Receiver.ResetRequests()
		run(t, "", "--backend", "sim", "query")
		warm := b.Receiver.Requests()
		b.Receiver.ResetRequests()
		run(t, "", "--backend", "sim", "--no-cache", "query")
		nocache := b.Receiver.TotalRequests()
		t.Logf("%s: HID++ requests: cold %d, warm %v, --no-cache %d", tt.name, cold, warm, nocache)
		total := 0
		for ix, n := range warm {
			total += n
			if ix != 0xFF && n != 1 {
				t.Errorf("%s: warm: %d requests to device %d, want 1", tt.name, n, ix)
			}
		}
		if cold != tt.cold || total != tt.warm || nocache != cold {
			t.Errorf("%s: requests: cold %d, warm %d, --no-cache %d; want %d, %d, %d", tt.name, cold, total, nocache, tt.cold, tt.warm, tt.cold)
		}
	}
}

func TestQuery_CorruptCache(t *testing.T) {
	useEmulator(t)
	dir := filepath.Join(os.Getenv("XDG_CACHE_HOME"), "helio")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "devices.json"), []byte("\x00garbage{"), 0o644)
	out, errs, code := run(t, "", "--backend", "sim", "query")
	if code != 0 || !strings.Contains(out, "57 %") || !strings.Contains(errs, "damaged") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, errs, _ := run(t, "", "--backend", "sim", "query"); errs != "" {
		t.Errorf("the cache was not rebuilt: %q", errs)
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		args []string
		in   string
		want []string
	}{
		{[]string{"11", "02", "09", "10", "39", "00", "0c", "06", "1d", "47", "4f", "4f", "44", "00", "00", "00", "00", "00", "00", "00"}, "",
			[]string{"light report", "charge 57 %", "12 lux"}},
		{[]string{"10:03:81:0d:64:47:34", "10ff8f8107020" + "0"}, "", []string{"100 %, discharging", "invalid address"}},
		{[]string{"-"}, "# a comment\n10 02 41 04 a1 10 20\n\n11 01 05 00 50 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n", []string{"link up", "wpid 2010", "feature index 5"}},
		{[]string{"--feature", "5=1000", "11 01 05 00 50 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00"}, "", []string{"battery status", "80 %"}},
	}
	for _, tt := range tests {
		out, errs, code := run(t, tt.in, append([]string{"decode"}, tt.args...)...)
		if code != 0 {
			t.Errorf("decode %v: exit %d: %s", tt.args, code, errs)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("decode %v = %q, want it to contain %q", tt.args, out, w)
			}
		}
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{\n  \"receiver\": {\"serial\": \"xyz\"}\n}\n"), 0o644)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, ExitUsage, "Usage:"},
		{[]string{"frobnicate"}, ExitUsage, `unknown command "frobnicate"`},
		{[]string{"query", "--nope"}, ExitUsage, "flag provided but not defined"},
		{[]string{"--backend", "floppy", "query"}, ExitUsage, `unknown backend "floppy"`},
		{[]string{"--backend", "sim:" + bad, "query"}, ExitUsage, "bad.json: receiver.serial"},
		{[]string{"--backend", "sim:" + filepath.Join(dir, "missing.json"), "query"}, ExitUsage, "missing.json"},
		{[]string{"--backend", "sim:nosuch", "query"}, ExitUsage, `no built-in profile "nosuch"`},
		{[]string{"decode"}, ExitUsage, "give reports in hex"},
		{[]string{"decode", "10 ff 8"}, ExitUsage, "odd number of hex digits"},
		{[]string{"decode", "zz"}, ExitUsage, "bad hex"},
		{[]string{"decode", "10 ff 81 00"}, ExitUsage, "short report of 4 bytes"},
		{[]string{"decode", "10ff810000000000", "77"}, ExitUsage, "report 1: hidpp: wrong length"},
		{[]string{"decode", "--feature", "x", "10"}, ExitUsage, "INDEX=FEATURE"},
		{[]string{"sim"}, ExitUsage, "choose one of"},
		{[]string{"sim", "--check", bad}, ExitUsage, "receiver.serial"},
		{[]string{"sim", "--usb", "--uhid"}, ExitUsage, "choose one of --uhid, --usb"},
		{[]string{"sim", "--udc", "dummy_udc.0", "--uhid"}, ExitUsage, "--udc goes with --usb"},
		{[]string{"sim", "--usb", "--profile", "nosuch"}, ExitUsage, `no built-in profile "nosuch"`},
		{[]string{"query", "a", "b"}, ExitUsage, "at most one DEVICE"},
	}
	for _, tt := range tests {
		_, errs, code := run(t, "", tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("helio %v: exit %d, stderr %q; want exit %d and %q", tt.args, code, errs, tt.code, tt.want)
		}
		if n := strings.Count(strings.TrimSpace(errs), "\n"); tt.want != "Usage:" && n > 1 {
			t.Errorf("helio %v: error is %d lines, want one (or one and a hint)", tt.args, n+1)
		}
	}
}

func TestNoReceiver(t *testing.T) {
	useEmulator(t).Receiver.Unplug()
	_, errs, code := run(t, "", "--backend", "sim", "query")
	if code != ExitNoReceiver || !strings.Contains(errs, "no Logitech receiver found") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"help", "query"}, {"query", "--help"}, {"decode", "-h"}, {"sim", "--help"}} {
		out, _, code := run(t, "", args...)
		if code != 0 || !strings.Contains(out, "Example") {
			t.Errorf("helio %v: exit %d, no example in %q", args, code, out)
		}
	}
}

func TestSim(t *testing.T) {
	out, _, code := run(t, "", "sim", "--print", "default")
	if code != 0 {
		t.Fatal(code)
	}
	path := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(path, []byte(out), 0o644)
	if out, _, code := run(t, "", "sim", "--check", path); code != 0 || !strings.Contains(out, "3 devices") {
		t.Errorf("sim --check of the printed default: exit %d, %q", code, out)
	}
	if out, _, _ := run(t, "", "sim", "--list"); !strings.Contains(out, "default") {
		t.Errorf("sim --list = %q", out)
	}
}

// TestDebug checks that --debug logs reports in hex and decoded.
func TestDebug(t *testing.T) {
	useEmulator(t)
	_, errs, code := run(t, "", "--debug", "--backend", "sim", "query", "M705")
	if code != 0 || !strings.Contains(errs, `report="10 03 81 0d 64 47 34"`) || !strings.Contains(errs, "battery mileage") {
		t.Errorf("exit %d, debug log:\n%s", code, errs)
	}
}
