package backends_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/helio-linux/helio/emulator" // registers "sim"
	"github.com/helio-linux/helio/transport/backends"
)

func TestOpen(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("{\n  \"devices\": 3\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		spec, name string // name: the backend's Name(), or "" when Open fails
		err        string // part of the error
	}{
		{spec: "hidraw", name: "hidraw"},
		{spec: "hidapi", name: "hidapi"},
		{spec: "libusb", name: "libusb"},
		{spec: "sim", name: "sim"},
		{spec: "sim:default", name: "sim"},
		{spec: "sim:" + bad, err: "bad.json"},
		{spec: "sim:no-such-profile", err: "no-such-profile"},
		{spec: "usb", err: `unknown backend "usb" (have hidraw, hidapi, libusb, sim, sim:NAME, sim:FILE.json, sim:NAME+NAME...)`},
		{spec: "", err: "unknown backend"},
		{spec: "hidraw:x", err: "unknown backend"},
	}
	for _, tt := range tests {
		b, err := backends.Open(tt.spec)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Open(%q) error = %v, want one saying %q", tt.spec, err, tt.err)
			}
		case err != nil:
			t.Errorf("Open(%q): %v", tt.spec, err)
		case !strings.HasPrefix(b.Name(), tt.name):
			t.Errorf("Open(%q).Name() = %q, want %q", tt.spec, b.Name(), tt.name)
		}
	}
	if _, err := backends.Open("usb"); !errors.Is(err, backends.ErrUnknown) {
		t.Errorf("Open(usb) error %v does not wrap ErrUnknown", err)
	}
}
