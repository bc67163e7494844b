package libusb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/helio-linux/helio/transport"
)

// sysUSB lists the USB devices and interfaces in sysfs; a variable so tests
// can point it at a fake tree.
var sysUSB = "/sys/bus/usb/devices"

// Detached is a receiver whose HID++ interface has no kernel driver while
// its keyboard interface has one: what a Helio killed (SIGKILL, a crash)
// while it held the receiver through libusb leaves behind, since the
// kernel gives an interface back to its driver only when asked. Until
// then the receiver has no HID++ hidraw node and, on a receiver in DJ
// mode, the keys and moves of its devices go nowhere.
type Detached struct {
	// Info is the receiver as Receivers lists it.
	Info transport.Info
	// Interface is the HID++ interface's name in sysfs, such as 1-1:1.2.
	Interface string
}

// Fix says how to give the interface back to the kernel.
func (d Detached) Fix() string {
	return fmt.Sprintf("the Logitech receiver %04x:%04x on USB %s has no kernel driver on its HID++ interface %s, "+
		"as a Helio killed while it held the receiver through libusb leaves it: its devices' keys and moves are lost, and no hidraw node shows it. "+
		"Give it back to the kernel with \"helio --backend libusb list\" (Helio gives the interface back when it lets go), "+
		"by replugging the receiver, or as root with: echo %s > /sys/bus/usb/drivers_probe",
		d.Info.VendorID, d.Info.ProductID, d.Info.Path, d.Interface, d.Interface)
}

// DetachedReceivers lists the receivers on USB in the state [Detached]
// describes, from sysfs. USB attributes never answer EAGAIN, so plain
// reads are safe here (unlike a registering power supply's; see hidraw's
// ReadSysfs).
func DetachedReceivers() ([]Detached, error) {
	ents, err := os.ReadDir(sysUSB)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // no USB at all
	}
	if err != nil {
		return nil, fmt.Errorf("libusb: %w", err)
	}
	var out []Detached
	for _, e := range ents {
		name := e.Name()
		if strings.Contains(name, ":") || strings.HasPrefix(name, "usb") {
			continue // an interface, or a root hub
		}
		dir := filepath.Join(sysUSB, name)
		vid, okV := hexAttr(dir, "idVendor")
		pid, okP := hexAttr(dir, "idProduct")
		if !okV || !okP || !transport.IsReceiver(vid, pid) || transport.FamilyOf(pid) == transport.FamilyNano {
			continue
		}
		cfg, okC := attr(dir, "bConfigurationValue")
		bus, okB := attr(dir, "busnum")
		addr, okA := attr(dir, "devnum")
		if !okC || !okB || !okA || cfg == "" {
			continue // not configured: no interfaces yet
		}
		intf := func(n int) string { return fmt.Sprintf("%s:%s.%d", name, cfg, n) }
		if !exists(filepath.Join(sysUSB, intf(hidppInterface))) || bound(intf(hidppInterface)) || !bound(intf(0)) {
			continue
		}
		b, _ := strconv.Atoi(bus)
		a, _ := strconv.Atoi(addr)
		out = append(out, Detached{
			Info:      transport.Info{Backend: "libusb", Path: nodePath(b, a), VendorID: vid, ProductID: pid, Bus: transport.BusUSB},
			Interface: intf(hidppInterface),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Interface < out[j].Interface })
	return out, nil
}

func attr(dir, name string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	return strings.TrimSpace(string(b)), err == nil
}

func hexAttr(dir, name string) (uint16, bool) {
	s, ok := attr(dir, name)
	v, err := strconv.ParseUint(s, 16, 16)
	return uint16(v), ok && err == nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// bound reports whether interface intf has a driver: its "driver" link.
func bound(intf string) bool {
	_, err := os.Lstat(filepath.Join(sysUSB, intf, "driver"))
	return err == nil
}
