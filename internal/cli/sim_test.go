package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helio-linux/helio/emulator"
)

// TestSim_Families: --list names every built-in profile with what it
// emulates, --check says the family or that the devices are Bluetooth
// ones, and a profile of Bluetooth devices is refused on USB before
// anything is made.
func TestSim_Families(t *testing.T) {
	out, _, code := run(t, "", "sim", "--list")
	if code != 0 {
		t.Fatalf("sim --list: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	names := emulator.Builtin()
	if len(lines) != len(names) {
		t.Fatalf("sim --list printed %d lines for %d profiles:\n%s", len(lines), len(names), out)
	}
	for i, n := range names {
		p, _ := emulator.BuiltinProfile(n)
		if f := strings.Fields(lines[i]); len(f) < 2 || f[0] != n || !strings.HasSuffix(lines[i], p.Description) {
			t.Errorf("sim --list line %q, want %s and %q", lines[i], n, p.Description)
		}
	}

	tests := []struct{ profile, want string }{
		{"default", "a c52b Unifying receiver with 3 devices"},
		{"bolt", "a c548 Bolt receiver with 3 devices"},
		{"lightspeed", "a c539 Lightspeed receiver with 1 devices"},
		{"nano", "a c534 Nano receiver with 2 devices"},
		{"bluetooth", "2 Bluetooth devices on adapter 00:1a:7d:da:71:13"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		b, _ := emulator.BuiltinJSON(tt.profile)
		path := filepath.Join(dir, tt.profile+".json")
		os.WriteFile(path, b, 0o644)
		out, _, code := run(t, "", "sim", "--check", path)
		if code != 0 || out != path+": "+tt.want+"\n" {
			t.Errorf("sim --check %s: exit %d, %q; want %q", tt.profile, code, out, tt.want)
		}
	}

	_, errs, code := run(t, "", "sim", "--usb", "--profile", "bluetooth")
	if code != ExitUsage || !strings.Contains(errs, "not USB devices: plug them in with --uhid") {
		t.Errorf("sim --usb --profile bluetooth: exit %d, %q", code, errs)
	}
}
