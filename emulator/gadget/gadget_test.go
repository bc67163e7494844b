package gadget

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSystem is a directory laid out as the kernel's interfaces are, with
// configfs mounted and libcomposite loaded. Plain files stand in for
// configfs attributes, so Create can be checked but not a removal (configfs
// removes a directory with its attributes; a plain file system does not).
func fakeSystem(t *testing.T, udcs ...string) paths {
	t.Helper()
	root := t.TempDir()
	p := paths{configfs: filepath.Join(root, "config"), udc: filepath.Join(root, "udc"),
		mounts: filepath.Join(root, "mounts"), tmp: root}
	for _, d := range []string{p.gadgets(), p.udc} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range udcs {
		if err := os.WriteFile(filepath.Join(p.udc, u), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(p.mounts, []byte("configfs "+p.configfs+" configfs rw 0 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var keyboard = HIDFunction{Subclass: 1, Protocol: 1, ReportLength: 8, ReportDescriptor: []byte{0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0xC0}}

func device(fs ...HIDFunction) Device {
	return Device{Vendor: 0x046D, Product: 0xC52B, BCDDevice: 0x2411, Manufacturer: "Logitech", ProductName: "USB Receiver",
		Configuration: "RQR24.11_B0036", Attributes: 0xA0, MaxPowerMA: 98, Functions: fs}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The configfs tree of a device: its descriptors' figures, its strings (an
// empty one unwritten: configfs refuses empty writes), one configuration,
// and one usb_f_hid function per interface, linked in interface order.
func TestCreate_Tree(t *testing.T) {
	p := fakeSystem(t)
	mouse := HIDFunction{Subclass: 1, Protocol: 2, ReportLength: 8, ReportDescriptor: []byte{0x05, 0x01, 0x09, 0x02, 0xC0}}
	g, err := create(p, "helio-1-1", device(keyboard, mouse))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(p.gadgets(), "helio-1-1")
	for file, want := range map[string]string{
		"idVendor": "0x046d", "idProduct": "0xc52b", "bcdDevice": "0x2411", "bcdUSB": "0x0200",
		"strings/0x409/manufacturer": "Logitech", "strings/0x409/product": "USB Receiver",
		"configs/c.1/bmAttributes": "0xa0", "configs/c.1/MaxPower": "98",
		"configs/c.1/strings/0x409/configuration": "RQR24.11_B0036",
		"functions/hid.0/subclass":                "1", "functions/hid.0/protocol": "1", "functions/hid.0/report_length": "8",
		"functions/hid.0/no_out_endpoint": "1", "functions/hid.1/protocol": "2",
		"functions/hid.0/report_desc": string(keyboard.ReportDescriptor),
		"functions/hid.1/report_desc": string(mouse.ReportDescriptor),
	} {
		if got := read(t, filepath.Join(dir, file)); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "strings/0x409/serialnumber")); !os.IsNotExist(err) {
		t.Errorf("an empty serial number was written: %v", err)
	}
	for i, want := range []string{"hid.0", "hid.1"} {
		link := filepath.Join(dir, "configs", "c.1", want)
		target, err := os.Readlink(link)
		if err != nil || target != filepath.Join(dir, "functions", want) {
			t.Errorf("link %d: %s -> %q, %v", i, link, target, err)
		}
	}
	if g.Name() != "helio-1-1" || g.UDC() != "" || g.HID(0) != nil || g.HID(5) != nil {
		t.Errorf("gadget %q on %q, HID(0) %v", g.Name(), g.UDC(), g.HID(0))
	}
	if _, err := create(p, "helio-1-1", device(keyboard)); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("a second gadget of the same name: %v", err)
	}
}

// What is missing is said by name: the module, or the mount.
func TestCreate_SaysWhatIsMissing(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(p paths)
		want    string
	}{
		{"no configfs", func(p paths) { os.RemoveAll(p.configfs) }, "modprobe libcomposite"},
		{"configfs not mounted", func(p paths) { os.RemoveAll(p.gadgets()); os.WriteFile(p.mounts, nil, 0o644) }, "mount -t configfs none"},
		{"no libcomposite", func(p paths) { os.RemoveAll(p.gadgets()) }, "libcomposite module is not loaded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fakeSystem(t)
			tt.breakIt(p)
			if _, err := create(p, "g", device(keyboard)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("create = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestCreate_BadInput(t *testing.T) {
	long := device(keyboard)
	long.ProductName = strings.Repeat("x", 127)
	served := keyboard
	served.Serve = true // without an interval
	tests := []struct {
		name, gadget string
		d            Device
		want         string
	}{
		{"empty name", "", device(keyboard), "not a name"},
		{"a path", "../x", device(keyboard), "not a name"},
		{"a dot", "a.b", device(keyboard), "not a name"},
		{"too long a name", strings.Repeat("g", 33), device(keyboard), "not a name"},
		{"no functions", "g", device(), "no functions"},
		{"bmAttributes", "g", func() Device { d := device(keyboard); d.Attributes = 0x20; return d }(), "bit 7"},
		{"power", "g", func() Device { d := device(keyboard); d.MaxPowerMA = 600; return d }(), "MaxPower"},
		{"long string", "g", long, "126"},
		{"report length", "g", device(HIDFunction{ReportLength: 65, ReportDescriptor: []byte{1}}), "report length 65"},
		{"no descriptor", "g", device(HIDFunction{ReportLength: 8}), "report descriptor of 0 bytes"},
		{"served without interval", "g", device(served), "interval 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fakeSystem(t)
			_, err := create(p, tt.gadget, tt.d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("create = %v, want an error saying %q", err, tt.want)
			}
			if ents, _ := os.ReadDir(p.gadgets()); len(ents) != 0 {
				t.Errorf("a refused gadget left %d entries", len(ents))
			}
		})
	}
}

// An interface the process serves needs FunctionFS; without it, the error
// says so.
func TestCreate_ServedNeedsFunctionFS(t *testing.T) {
	p := fakeSystem(t)
	served := keyboard
	served.Serve, served.Interval = true, 2
	_, err := create(p, "g", device(served))
	if err == nil || !strings.Contains(err.Error(), "functionfs") {
		t.Errorf("create = %v, want an error about functionfs", err)
	}
	if ents, _ := filepath.Glob(filepath.Join(p.tmp, "helio-ffs-*")); len(ents) != 0 {
		t.Errorf("mount points left: %q", ents)
	}
}

// Bind takes the named controller, or the first free one, and says why
// it cannot.
func TestBind(t *testing.T) {
	p := fakeSystem(t, "dummy_udc.0", "dummy_udc.1")
	other, err := create(p, "other", device(keyboard))
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Bind("dummy_udc.0"); err != nil {
		t.Fatal(err)
	}
	g, err := create(p, "g", device(keyboard))
	if err != nil {
		t.Fatal(err)
	}
	for udc, want := range map[string]string{
		"dummy_udc.0": "in use by gadget other",
		"nope":        "there are: dummy_udc.0, dummy_udc.1",
	} {
		if err := g.Bind(udc); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Bind(%q) = %v, want an error saying %q", udc, err, want)
		}
	}
	if err := g.Bind(""); err != nil || g.UDC() != "dummy_udc.1" || read(t, filepath.Join(g.dir, "UDC")) != "dummy_udc.1" {
		t.Fatalf("Bind(\"\") = %v, on %q", err, g.UDC())
	}
	if err := g.Bind(""); err == nil || !strings.Contains(err.Error(), "bound to dummy_udc.1 already") {
		t.Errorf("a second Bind = %v", err)
	}
	third, err := create(p, "third", device(keyboard))
	if err != nil {
		t.Fatal(err)
	}
	if err := third.Bind(""); err == nil || !strings.Contains(err.Error(), "modprobe dummy_hcd num=2") {
		t.Errorf("Bind with every controller taken = %v", err)
	}
	if err := g.Unbind(); err != nil || g.UDC() != "" || read(t, filepath.Join(g.dir, "UDC")) != "\n" {
		t.Errorf("Unbind = %v, on %q", err, g.UDC())
	}
	if err := g.Unbind(); err != nil {
		t.Errorf("a second Unbind = %v", err)
	}
	none := fakeSystem(t)
	g, err = create(none, "g", device(keyboard))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Bind(""); err == nil || !strings.Contains(err.Error(), "modprobe dummy_hcd") {
		t.Errorf("Bind without a controller = %v", err)
	}
}

// The FunctionFS descriptor block of the C52B's HID++ interface: the
// interface, its HID descriptor (HID 1.11, a 93-byte report descriptor)
// and an interrupt IN endpoint of 32 bytes polled every 2 ms at full
// speed, 1 ms at high speed.
func TestFFSDescriptors(t *testing.T) {
	f := HIDFunction{ReportLength: 32, Interval: 2, ReportDescriptor: make([]byte, 93), Serve: true}
	b := ffsDescriptors(f, hidDescriptor(93))
	le := binary.LittleEndian
	if le.Uint32(b) != 3 || int(le.Uint32(b[4:])) != len(b) || le.Uint32(b[8:]) != 3 || le.Uint32(b[12:]) != 3 || le.Uint32(b[16:]) != 3 {
		t.Fatalf("header % x", b[:20])
	}
	fs := []byte{
		9, 4, 0, 0, 1, 3, 0, 0, 0, // interface: one endpoint, class HID
		9, 0x21, 0x11, 0x01, 0, 1, 0x22, 93, 0, // HID 1.11, one report descriptor of 93 bytes
		7, 5, 0x81, 3, 32, 0, 2, // endpoint 1 IN, interrupt, 32 bytes, 2 ms
	}
	hs := bytes.Clone(fs)
	hs[len(hs)-1] = 4
	if want := append(bytes.Clone(fs), hs...); !bytes.Equal(b[20:], want) {
		t.Errorf("descriptors\n% x, want\n% x", b[20:], want)
	}
	if s := ffsNoStrings(); !bytes.Equal(s, []byte{2, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}) {
		t.Errorf("strings % x", s)
	}
}

// What the served interface does with each control request.
func TestAnswerTo(t *testing.T) {
	tests := []struct {
		name  string
		setup setup
		want  answer
	}{
		{"GET_DESCRIPTOR report", setup{0x81, 0x06, 0x2200, 0, 93}, sendReport},
		{"GET_DESCRIPTOR HID", setup{0x81, 0x06, 0x2100, 0, 9}, sendHID},
		{"GET_DESCRIPTOR string", setup{0x81, 0x06, 0x0300, 0, 255}, stall},
		{"SET_REPORT", setup{0x21, 0x09, 0x0210, 0, 7}, takeReport},
		{"SET_REPORT without data", setup{0x21, 0x09, 0x0210, 0, 0}, stall},
		{"SET_IDLE", setup{0x21, 0x0A, 0, 0, 0}, ack},
		{"SET_PROTOCOL", setup{0x21, 0x0B, 1, 0, 0}, ack},
		{"GET_REPORT", setup{0xA1, 0x01, 0x0110, 0, 7}, stall},
		{"GET_IDLE", setup{0xA1, 0x02, 0, 0, 1}, stall},
		{"vendor", setup{0x41, 0x01, 0, 0, 0}, stall},
	}
	for _, tt := range tests {
		if got := answerTo(tt.setup); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if s := parseSetup([]byte{0x21, 0x09, 0x10, 0x02, 0x02, 0x00, 0x07, 0x00}); s != (setup{0x21, 0x09, 0x0210, 2, 7}) {
		t.Errorf("parseSetup = %+v", s)
	}
}
