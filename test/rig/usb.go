package rig

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
)

// PluggedUSB is a set of emulated receivers on USB gadgets: on dummy_hcd's
// virtual controller, so that the VM's own USB stack enumerates them.
type PluggedUSB struct {
	Plugged                 // Emus; Infos are their hidraw nodes
	Gadgets []*emulator.USB // their presence on the bus, one per receiver
}

// PlugUSB plugs one receiver per profile (nil: the [DefaultProfile]) into
// the VM's USB device controllers as USB gadgets (dummy_hcd has one: one
// receiver at a time), and waits until the kernel has enumerated them and
// bound its drivers: every receiver's hidraw node and a power supply per
// device exist. The gadgets are removed when the test ends, and the test
// waits for the receivers to leave the bus.
func PlugUSB(t testing.TB, opts *PlugOpts, profiles ...*emulator.Profile) *PluggedUSB {
	t.Helper()
	if opts == nil {
		opts = &PlugOpts{}
	}
	if len(profiles) == 0 {
		profiles = []*emulator.Profile{DefaultProfile(t)}
	}
	WaitFor(t, 10*time.Second, "no receiver before plugging", func() bool { return len(Receivers()) == 0 })
	pl := &PluggedUSB{Plugged: Plugged{At: time.Now()}}
	t.Cleanup(func() {
		for i, g := range pl.Gadgets {
			if err := g.Close(); err != nil {
				t.Error(err)
			}
			pl.Emus[i].Close()
		}
		WaitFor(t, 10*time.Second, "the receivers to leave the bus", func() bool {
			_, ok := FindUSB(0x046D, 0)
			return !ok && len(Receivers()) == 0
		})
	})
	devices := 0
	for _, p := range profiles {
		emu := emulator.New(p, nil)
		g := emulator.NewUSB(emu, emulator.USBOpts{Logger: opts.Logger})
		pl.Emus = append(pl.Emus, emu)
		pl.Gadgets = append(pl.Gadgets, g)
		if err := g.Plug(); err != nil {
			t.Fatal(err)
		}
		devices += len(p.Devices)
	}
	pl.awaitBound(t, "usb_", len(profiles), devices)
	return pl
}

// waitKernel is [WaitFor] for what the kernel does: when it has not done
// it in time, the test fails with the kernel's last messages.
func waitKernel(t testing.TB, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			out, err := exec.Command("dmesg").CombinedOutput()
			if len(out) > 4000 {
				out = out[len(out)-4000:]
			}
			t.Fatalf("waited %v for %s; the kernel's last messages (%v):\n%s", d, what, err, out)
		}
	}
}

// USBDevice is a USB device as the kernel's usbcore shows it in sysfs.
type USBDevice struct {
	Name string // the device's name on the bus, such as 1-1
	Dir  string // its directory under /sys/bus/usb/devices
}

// sysUSB lists the USB devices and their interfaces.
const sysUSB = "/sys/bus/usb/devices"

// FindUSB finds the first USB device with vendor id vid and product id pid
// (0: any), root hubs aside.
func FindUSB(vid, pid uint16) (USBDevice, bool) {
	ents, _ := os.ReadDir(sysUSB)
	for _, e := range ents {
		if strings.Contains(e.Name(), ":") || strings.HasPrefix(e.Name(), "usb") {
			continue
		}
		d := USBDevice{Name: e.Name(), Dir: filepath.Join(sysUSB, e.Name())}
		v, _ := strconv.ParseUint(d.Attr("idVendor"), 16, 16)
		p, _ := strconv.ParseUint(d.Attr("idProduct"), 16, 16)
		if uint16(v) == vid && (pid == 0 || uint16(p) == pid) {
			return d, true
		}
	}
	return USBDevice{}, false
}

// Attr is the device's sysfs attribute name, spaces trimmed, "" if it has
// none.
func (d USBDevice) Attr(name string) string {
	b, _ := os.ReadFile(filepath.Join(d.Dir, name))
	return strings.TrimSpace(string(b))
}

// Interface is the sysfs name of the device's interface n in its active
// configuration, such as 1-1:1.2.
func (d USBDevice) Interface(n int) string {
	return fmt.Sprintf("%s:%s.%d", d.Name, d.Attr("bConfigurationValue"), n)
}

// Driver is the driver bound to interface n ("usbhid", "usbfs" while a
// program holds it), "" for none.
func (d USBDevice) Driver(n int) string {
	target, err := os.Readlink(filepath.Join(sysUSB, d.Interface(n), "driver"))
	if err != nil {
		return ""
	}
	return filepath.Base(target)
}

// Node is the device's node under /dev/bus/usb, what libusb opens.
func (d USBDevice) Node() string {
	bus, _ := strconv.Atoi(d.Attr("busnum"))
	dev, _ := strconv.Atoi(d.Attr("devnum"))
	return fmt.Sprintf("/dev/bus/usb/%03d/%03d", bus, dev)
}
