// Package gadget makes this machine a USB device of HID interfaces, through
// the Linux kernel's USB gadget framework: it describes the device in
// configfs (libcomposite's usb_gadget tree, one function per interface)
// and binds it to a USB device controller (UDC).
//
// Helio uses it to put its emulated receiver on a real USB stack. uhid
// hands the kernel a HID device and skips USB; a gadget bound to dummy_hcd,
// the kernel's virtual pair of a host and a device controller, is
// enumerated by usbcore as hardware is: usbhid binds its interfaces, the
// Logitech drivers bind to the HID++ one, and usbfs gives it a node under
// /dev/bus/usb, which is what libusb opens. That is the only way the
// libusb transport's path (detach the kernel driver, claim, SET_REPORT,
// interrupt IN, give the interface back) meets a real kernel on a machine
// without a receiver. On a board whose UDC is real, the device appears on
// the host at the other end of its cable instead.
//
// # Two kinds of interfaces
//
// An interface this process does not serve is the kernel's usb_f_hid
// function, with no_out_endpoint set: one interrupt IN endpoint, as
// Logitech receivers have, and the kernel answers its control requests
// (a receiver's keyboard and mouse interfaces: nothing there matters to
// Helio).
//
// An interface this process serves ([HIDFunction].Serve) is a FunctionFS
// function (usb_f_fs): the process gets every control request to it and
// answers the report descriptor requests, and each SET_REPORT's data
// reaches [HID.Read] before the host's control transfer ends, so the host
// sends the next one only after, as to a real receiver. usb_f_hid would
// do less well here: it keeps one SET_REPORT's data at a time, and one the
// process has not read when the next arrives is lost (two programs, or two
// threads of one, writing at once lose reports; measured in the VM).
//
// # What the kernel needs
//
// Root; configfs mounted on /sys/kernel/config (systemd mounts it; by hand:
// mount -t configfs none /sys/kernel/config); the modules libcomposite,
// usb_f_hid and usb_f_fs; and a UDC, such as dummy_hcd's. [Create] and
// [Gadget.Bind] name what is missing.
//
// The facts used here, from the kernel's documentation, its UAPI header
// linux/usb/functionfs.h and what Debian's 6.1 does in the rig's VM, are
// in docs/usb.md with their sources.
package gadget

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Device describes a USB device of HID interfaces.
type Device struct {
	Vendor, Product uint16
	// BCDDevice is the device release, in BCD.
	BCDDevice uint16
	// Manufacturer, ProductName and Configuration are the device's and its
	// configuration's strings (English). The kernel always gives the serial
	// number string an index; Serial may be empty.
	Manufacturer, ProductName, Serial, Configuration string
	// Attributes is the configuration's bmAttributes (bit 7 must be set);
	// MaxPowerMA its power draw in mA, at most 500.
	Attributes byte
	MaxPowerMA int
	// Functions are the HID interfaces, by interface number.
	Functions []HIDFunction
}

// HIDFunction is one HID interface.
type HIDFunction struct {
	// Subclass and Protocol are bInterfaceSubClass and bInterfaceProtocol.
	Subclass, Protocol byte
	// ReportLength is the wMaxPacketSize of the interrupt IN endpoint and
	// the longest input report: 1 to 64 (full speed).
	ReportLength int
	// Interval is the endpoint's polling interval at full speed, 1 to 255
	// ms; the kernel's usb_f_hid has its own (10 ms) and ignores it.
	Interval int
	// ReportDescriptor is the report descriptor.
	ReportDescriptor []byte
	// Serve makes the interface this process's, through [Gadget.HID];
	// otherwise the kernel answers for it.
	Serve bool
}

func (d Device) check() error {
	if len(d.Functions) == 0 {
		return errors.New("no functions")
	}
	if d.Attributes&0x80 == 0 {
		return fmt.Errorf("bmAttributes %#02x: bit 7 must be set", d.Attributes)
	}
	if d.MaxPowerMA < 0 || d.MaxPowerMA > 500 {
		return fmt.Errorf("MaxPower %d mA: not 0..500", d.MaxPowerMA)
	}
	for _, s := range []string{d.Manufacturer, d.ProductName, d.Serial, d.Configuration} {
		if len(s) > 126 || strings.ContainsAny(s, "\n\x00") {
			return fmt.Errorf("string %.40q: longer than 126 bytes or holds a newline or NUL", s)
		}
	}
	for i, f := range d.Functions {
		if f.ReportLength < 1 || f.ReportLength > 64 {
			return fmt.Errorf("function %d: report length %d, not 1..64", i, f.ReportLength)
		}
		if len(f.ReportDescriptor) == 0 || len(f.ReportDescriptor) > 4096 {
			return fmt.Errorf("function %d: report descriptor of %d bytes, not 1..4096", i, len(f.ReportDescriptor))
		}
		if f.Serve && (f.Interval < 1 || f.Interval > 255) {
			return fmt.Errorf("function %d: interval %d ms, not 1..255", i, f.Interval)
		}
	}
	return nil
}

// paths are where the kernel's interfaces live; tests point them at a
// directory of their own.
type paths struct {
	configfs string // configfs's mount point
	udc      string // the UDCs, one entry each
	mounts   string // the mount table
	tmp      string // where FunctionFS instances are mounted ("": os.TempDir)
}

var system = paths{configfs: "/sys/kernel/config", udc: "/sys/class/udc", mounts: "/proc/self/mounts"}

func (p paths) gadgets() string { return filepath.Join(p.configfs, "usb_gadget") }

// english is the language ID of the strings (US English).
const english = "0x409"

// Gadget is a USB device described in configfs. Its methods are safe for
// concurrent use.
type Gadget struct {
	p     paths
	name  string
	dir   string
	funcs []HIDFunction
	hids  []*HID // by function; nil where the kernel serves

	mu  sync.Mutex
	udc string // the UDC it is bound to, "" if none
}

// Create describes device d in configfs as gadget name (a directory under
// /sys/kernel/config/usb_gadget), not yet bound to any UDC, and prepares
// the interfaces this process serves. It fails if such a gadget exists.
// On an error it removes what it made.
func Create(name string, d Device) (*Gadget, error) { return create(system, name, d) }

func create(p paths, name string, d Device) (*Gadget, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/.\x00 \n") || len(name) > 32 {
		return nil, fmt.Errorf("gadget: %.40q is not a name of at most 32 bytes without '/', '.' or spaces", name)
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("gadget: %s: %w", name, err)
	}
	if err := p.ready(); err != nil {
		return nil, err
	}
	g := &Gadget{p: p, name: name, dir: filepath.Join(p.gadgets(), name), funcs: d.Functions,
		hids: make([]*HID, len(d.Functions))}
	if err := os.Mkdir(g.dir, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("gadget: %s exists already", g.dir)
		}
		return nil, fmt.Errorf("gadget: create %s: %w%s", name, err, rootHint(err))
	}
	if err := g.describe(d); err != nil {
		for _, h := range g.hids {
			if h != nil {
				h.Close()
			}
		}
		if rerr := remove(p, name); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return nil, fmt.Errorf("gadget: create %s: %w", name, err)
	}
	return g, nil
}

// ready says what is missing for gadgets: configfs and libcomposite.
func (p paths) ready() error {
	if _, err := os.Stat(p.configfs); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("gadget: %s does not exist: the configfs module is not loaded (modprobe libcomposite loads it)", p.configfs)
	}
	if _, err := os.Stat(p.gadgets()); err == nil {
		return nil
	}
	if !p.mounted("configfs", func(_, dir string) bool { return dir == p.configfs }) {
		return fmt.Errorf("gadget: configfs is not mounted on %s: mount -t configfs none %s", p.configfs, p.configfs)
	}
	return fmt.Errorf("gadget: no %s: the libcomposite module is not loaded: modprobe libcomposite", p.gadgets())
}

// mounted reports whether a file system of type fstype is mounted where
// match says (given its source and mount point).
func (p paths) mounted(fstype string, match func(source, dir string) bool) bool {
	return len(p.mountsOf(fstype, match)) > 0
}

// mountsOf lists the mount points of the file systems of type fstype that
// match says.
func (p paths) mountsOf(fstype string, match func(source, dir string) bool) []string {
	b, _ := os.ReadFile(p.mounts)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[2] == fstype && match(f[0], f[1]) {
			out = append(out, f[1])
		}
	}
	return out
}

func rootHint(err error) string {
	if errors.Is(err, fs.ErrPermission) {
		return " (making USB gadgets needs root)"
	}
	return ""
}

// describe writes the device, its strings, one configuration and the
// functions, linked into the configuration in interface order.
func (g *Gadget) describe(d Device) error {
	steps := []struct{ path, value string }{
		{"idVendor", fmt.Sprintf("0x%04x", d.Vendor)},
		{"idProduct", fmt.Sprintf("0x%04x", d.Product)},
		{"bcdDevice", fmt.Sprintf("0x%04x", d.BCDDevice)},
		{"bcdUSB", "0x0200"},
		{"strings/" + english + "/", ""},
		{"strings/" + english + "/manufacturer", d.Manufacturer},
		{"strings/" + english + "/product", d.ProductName},
		{"strings/" + english + "/serialnumber", d.Serial},
		{"configs/c.1/", ""},
		{"configs/c.1/bmAttributes", fmt.Sprintf("0x%02x", d.Attributes)},
		{"configs/c.1/MaxPower", strconv.Itoa(d.MaxPowerMA)},
		{"configs/c.1/strings/" + english + "/", ""},
		{"configs/c.1/strings/" + english + "/configuration", d.Configuration},
	}
	for _, s := range steps {
		path := filepath.Join(g.dir, s.path)
		switch {
		case strings.HasSuffix(s.path, "/"):
			// configfs makes strings/, configs/ and functions/ with the
			// gadget; a plain directory (the tests') needs them made.
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
		case s.value != "": // configfs refuses empty writes; an unwritten string is empty
			if err := writeAttr(path, []byte(s.value)); err != nil {
				return err
			}
		}
	}
	for i, f := range d.Functions {
		var dir string
		var err error
		if f.Serve {
			dir, err = g.describeServed(i, f)
		} else {
			dir, err = g.describeKernel(i, f)
		}
		if err != nil {
			return err
		}
		if err := os.Symlink(dir, filepath.Join(g.dir, "configs", "c.1", filepath.Base(dir))); err != nil {
			return err
		}
	}
	return nil
}

// describeKernel makes function i a usb_f_hid function.
func (g *Gadget) describeKernel(i int, f HIDFunction) (string, error) {
	dir := filepath.Join(g.dir, "functions", fmt.Sprintf("hid.%d", i))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%w: the usb_f_hid module is not loaded: modprobe usb_f_hid", err)
		}
		return "", err
	}
	attrs := []struct {
		name  string
		value []byte
	}{
		{"subclass", []byte(strconv.Itoa(int(f.Subclass)))},
		{"protocol", []byte(strconv.Itoa(int(f.Protocol)))},
		{"report_length", []byte(strconv.Itoa(f.ReportLength))},
		{"report_desc", f.ReportDescriptor},
		{"no_out_endpoint", []byte("1")},
	}
	for _, a := range attrs {
		if err := writeAttr(filepath.Join(dir, a.name), a.value); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// describeServed makes function i a FunctionFS function, mounts its file
// system and gives it the interface's descriptors.
func (g *Gadget) describeServed(i int, f HIDFunction) (string, error) {
	instance := fmt.Sprintf("%s-%d", g.name, i)
	dir := filepath.Join(g.dir, "functions", "ffs."+instance)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%w: the usb_f_fs module is not loaded: modprobe usb_f_fs", err)
		}
		return "", err
	}
	h, err := openHID(g.p, instance, f)
	if err != nil {
		return "", err
	}
	g.hids[i] = h
	return dir, nil
}

// writeAttr writes one configfs attribute in one write, as configfs wants.
func writeAttr(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Name is the gadget's directory name.
func (g *Gadget) Name() string { return g.name }

// HID is function i's end on the device's side, if this process serves
// it ([HIDFunction].Serve); nil otherwise. It lives until Remove.
func (g *Gadget) HID(i int) *HID {
	if i < 0 || i >= len(g.hids) {
		return nil
	}
	return g.hids[i]
}

// udcs maps the machine's USB device controllers to the gadget bound to
// each ("" if free).
func (p paths) udcs() (map[string]string, error) {
	ents, err := os.ReadDir(p.udc)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("gadget: list %s: %w", p.udc, err)
	}
	out := map[string]string{}
	for _, e := range ents {
		out[e.Name()] = ""
	}
	gadgets, _ := os.ReadDir(p.gadgets())
	for _, g := range gadgets {
		b, _ := os.ReadFile(filepath.Join(p.gadgets(), g.Name(), "UDC"))
		if u := strings.TrimSpace(string(b)); u != "" {
			out[u] = g.Name()
		}
	}
	return out, nil
}

// Bind binds the gadget to udc (a name in /sys/class/udc; "" picks the
// first free one): the host at the controller's other end sees the device
// plugged in.
func (g *Gadget) Bind(udc string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.udc != "" {
		return fmt.Errorf("gadget: %s is bound to %s already", g.name, g.udc)
	}
	udcs, err := g.p.udcs()
	if err != nil {
		return err
	}
	if len(udcs) == 0 {
		return fmt.Errorf("gadget: no USB device controller in %s: load dummy_hcd (modprobe dummy_hcd) for a virtual one", g.p.udc)
	}
	names := slices.Sorted(maps.Keys(udcs))
	if udc == "" {
		for _, n := range names {
			if udcs[n] == "" {
				udc = n
				break
			}
		}
		if udc == "" {
			return fmt.Errorf("gadget: every USB device controller is in use (%s): free one, or load dummy_hcd with more (modprobe dummy_hcd num=2)",
				strings.Join(names, ", "))
		}
	}
	switch owner, ok := udcs[udc]; {
	case !ok:
		return fmt.Errorf("gadget: no USB device controller %.40q; there are: %s", udc, strings.Join(names, ", "))
	case owner != "":
		return fmt.Errorf("gadget: the USB device controller %s is in use by gadget %s", udc, owner)
	}
	if err := writeAttr(filepath.Join(g.dir, "UDC"), []byte(udc)); err != nil {
		return fmt.Errorf("gadget: bind %s to %s: %w%s", g.name, udc, err, rootHint(err))
	}
	g.udc = udc
	return nil
}

// UDC is the controller the gadget is bound to, "" if none.
func (g *Gadget) UDC() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.udc
}

// Unbind takes the gadget off its UDC: the host sees the device pulled
// out. A HID's Write waiting for the host returns.
func (g *Gadget) Unbind() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.udc == "" {
		return nil
	}
	if err := unbind(g.dir); err != nil {
		return fmt.Errorf("gadget: unbind %s: %w", g.name, err)
	}
	g.udc = ""
	return nil
}

func unbind(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "UDC"))
	if err != nil || strings.TrimSpace(string(b)) == "" {
		return err
	}
	return writeAttr(filepath.Join(dir, "UDC"), []byte("\n"))
}

// Remove unbinds the gadget, closes its HIDs and removes its description
// from configfs.
func (g *Gadget) Remove() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	var errs []error
	if err := unbind(g.dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, fmt.Errorf("gadget: unbind %s: %w", g.name, err))
	}
	g.udc = ""
	for _, h := range g.hids {
		if h != nil {
			h.Close()
		}
	}
	if err := remove(g.p, g.name); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// List lists the gadgets described in configfs, by name.
func List() ([]string, error) {
	ents, err := os.ReadDir(system.gadgets())
	if err != nil {
		return nil, fmt.Errorf("gadget: %w", err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out, nil
}

// Remove unbinds gadget name, described by this or another process, and
// removes it from configfs with its FunctionFS mounts. The HIDs of a
// gadget of this process must be closed first ([Gadget.Remove] does).
func Remove(name string) error { return remove(system, name) }

// remove takes a gadget apart in the order configfs allows: unbound, its
// FunctionFS instances unmounted, its configurations' links to functions,
// the configurations' strings, the configurations, the functions, the
// device's strings, then the gadget.
func remove(p paths, name string) error {
	dir := filepath.Join(p.gadgets(), name)
	if err := unbind(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("gadget: unbind %s: %w", name, err)
	}
	var errs []error
	for _, m := range p.mountsOf("functionfs", func(source, _ string) bool { return strings.HasPrefix(source, name+"-") }) {
		if err := unix.Unmount(m, unix.MNT_DETACH); err != nil {
			errs = append(errs, fmt.Errorf("unmount %s: %w", m, err))
		} else if err := unix.Rmdir(m); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", m, err))
		}
	}
	rm := func(path string, link bool) {
		var err error
		if link {
			err = os.Remove(path)
		} else {
			err = unix.Rmdir(path)
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove %s: %w", path, err))
		}
	}
	each := func(pattern string, link bool) {
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			if fi, err := os.Lstat(m); err == nil && (fi.Mode()&fs.ModeSymlink != 0) == link && (link || fi.IsDir()) {
				rm(m, link)
			}
		}
	}
	each("configs/*/*", true)
	each("configs/*/strings/*", false)
	each("configs/*", false)
	each("functions/*", false)
	each("strings/*", false)
	rm(dir, false)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("gadget: remove %s: %w", name, err)
	}
	return nil
}
