package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/helio-linux/helio/emulator"
)

type simOpts struct {
	list, uhid, usb            bool
	print, check, profile, udc string
}

var simCmd = &command{
	name: "sim", args: "--uhid | --usb [--udc UDC] [--profile P] | --list | --print NAME | --check FILE",
	summary: "run the emulated receiver for the kernel, or work with its profiles",
	help: `With --uhid, the emulated receiver is plugged into this machine's kernel
through /dev/uhid, with its product's real layout (for the default C52B
three interfaces and the real HID++ descriptor): the kernel's drivers bind
to it as to the hardware (hid-logitech-dj and hid-logitech-hidpp for
Unifying, Lightspeed and Nano receivers, hid-generic for Bolt), /dev/hidrawN
nodes and power supplies appear, and any program (Helio with its default
backend, Solaar, upower) sees its devices until you press Ctrl-C. A
profile of Bluetooth devices (such as "bluetooth") plugs each device in as
bluetoothd does: a HID device on the Bluetooth bus, named as the device,
with the adapter's and the device's addresses. This needs root (or write
access to /dev/uhid) and the uhid module.

With --usb, the same receiver becomes a USB device (a USB gadget: 046d, the
receiver's product id, its three HID interfaces and their descriptors)
and is plugged into a USB device controller. With dummy_hcd, the kernel's
virtual controller, this machine's own USB stack enumerates it as it does
a receiver in a USB port: usbhid, the Logitech drivers, hidraw nodes,
power supplies, and a node under /dev/bus/usb, so that the libusb backend
(helio --backend libusb query) works on it too. On a board whose
controller is real, the receiver appears on the host at the other end of
its cable. It needs root, configfs mounted on /sys/kernel/config (systemd
mounts it), and the modules libcomposite, usb_f_hid, usb_f_fs and, for the
virtual controller, dummy_hcd:
  sudo modprobe -a libcomposite usb_f_hid usb_f_fs dummy_hcd
--udc names the controller (a name in /sys/class/udc) when there are
several; by default the first free one is taken. Ctrl-C pulls the
receiver out and removes the gadget. Should helio be killed, the kernel
pulls the receiver out, and the next "helio sim --usb" removes what is
left of its gadget.

The emulated receiver (--backend sim) is described by a JSON profile;
the format is documented in the emulator package (go doc
github.com/helio-linux/helio/emulator) and in README.md. --list shows the
built-in profiles: a Unifying receiver (default), Bolt, Lightspeed and
Nano receivers, and Bluetooth devices. Start from one, change it, check
it, and use it with --backend sim:FILE.json.

Examples:
  sudo helio sim --uhid
  sudo helio sim --uhid --profile my.json --debug
  sudo helio sim --uhid --profile bluetooth
  sudo helio sim --usb
  helio --backend libusb query         (as root, in another terminal)
  helio sim --list
  helio sim --print default > my.json
  helio sim --check my.json && helio --backend sim:my.json query`,
	bind: func(fs *flag.FlagSet) runFunc {
		o := &simOpts{}
		fs.BoolVar(&o.list, "list", false, "list the built-in profiles, with what each emulates")
		fs.StringVar(&o.print, "print", "", "print built-in profile `NAME` as JSON")
		fs.StringVar(&o.check, "check", "", "validate profile `FILE`")
		fs.BoolVar(&o.uhid, "uhid", false, "plug the emulated receiver into the kernel through /dev/uhid until Ctrl-C")
		fs.BoolVar(&o.usb, "usb", false, "plug the emulated receiver into a USB device controller as a USB gadget until Ctrl-C")
		fs.StringVar(&o.udc, "udc", "", "with --usb: the USB device controller `UDC` (default the first free one in /sys/class/udc)")
		fs.StringVar(&o.profile, "profile", "default", "with --uhid or --usb: built-in profile `NAME` or a JSON file")
		return func(ctx context.Context, a *app, args []string) error { return runSim(ctx, a, o, args) }
	},
}

func runSim(ctx context.Context, a *app, o *simOpts, args []string) error {
	chosen := 0
	for _, on := range []bool{o.list, o.print != "", o.check != "", o.uhid, o.usb} {
		if on {
			chosen++
		}
	}
	if chosen != 1 || len(args) > 0 {
		return exitf(ExitUsage, "choose one of --uhid, --usb, --list, --print NAME, --check FILE")
	}
	if o.udc != "" && !o.usb {
		return exitf(ExitUsage, "--udc goes with --usb")
	}
	switch {
	case o.uhid, o.usb:
		return runPlugged(ctx, a, o)
	case o.list:
		return listProfiles(a)
	case o.print != "":
		b, err := emulator.BuiltinJSON(o.print)
		if err != nil {
			return exitf(ExitUsage, "%v", err)
		}
		_, err = a.env.Stdout.Write(b)
		return err
	default:
		p, err := emulator.LoadProfile(o.check)
		if err != nil {
			return exitf(ExitUsage, "%v", err)
		}
		fmt.Fprintf(a.env.Stdout, "%s: %s\n", o.check, profileSummary(p))
	}
	return nil
}

// listProfiles prints the built-in profiles, one a line: the name, then
// what it emulates.
func listProfiles(a *app) error {
	w := tabwriter.NewWriter(a.env.Stdout, 0, 0, 2, ' ', 0)
	for _, n := range emulator.Builtin() {
		p, err := emulator.BuiltinProfile(n)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\t%s\n", n, p.Description)
	}
	return w.Flush()
}

// profileSummary says in words what profile p emulates.
func profileSummary(p *emulator.Profile) string {
	if p.Bluetooth != nil {
		return fmt.Sprintf("%d Bluetooth devices on adapter %s", len(p.Devices), p.Bluetooth.Adapter)
	}
	r := emulator.New(p, nil)
	defer r.Close()
	return fmt.Sprintf("a %s %s receiver with %d devices", p.Receiver.PID, r.Family(), len(p.Devices))
}

// runPlugged puts the emulated receiver in front of the kernel, on uhid or
// on a USB gadget, until ctx ends.
func runPlugged(ctx context.Context, a *app, o *simOpts) error {
	b, err := emulator.OpenBackend("sim:"+o.profile, nil)
	if err != nil {
		return exitf(ExitUsage, "%v", err)
	}
	defer b.Close()
	if len(b.Emulated) > 1 {
		return exitf(ExitUsage, "profile %s: plug in one profile at a time (one helio sim each)", o.profile)
	}
	if o.usb && b.Receiver.Bluetooth() {
		return exitf(ExitUsage, "profile %s is of Bluetooth devices, which are not USB devices: plug them in with --uhid", o.profile)
	}
	var how string
	var unplug func() error
	if o.usb {
		u := emulator.NewUSB(b.Receiver, emulator.USBOpts{UDC: o.udc, Logger: a.log})
		if err = u.Plug(); err != nil {
			err = errors.Join(err, u.Close())
		}
		how, unplug = fmt.Sprintf("as USB gadget %s on controller %s", u.Gadget(), u.UDC()), u.Close
	} else {
		u := emulator.NewUHID(b.Receiver, emulator.UHIDOpts{Logger: a.log})
		err = u.Plug()
		how, unplug = "through /dev/uhid", func() error { u.Unplug(); return nil }
	}
	if errors.Is(err, os.ErrPermission) {
		return &exitError{code: ExitPermission, err: err}
	} else if err != nil {
		return err
	}
	if b.Receiver.Bluetooth() {
		fmt.Fprintf(a.env.Stdout, "Emulated Bluetooth devices (profile %s) connected %s:\n", o.profile, how)
		for _, l := range b.Receiver.BluetoothLayouts() {
			fmt.Fprintf(a.env.Stdout, "  %d  %04x:%04x  %s  %s\n", l.Index, l.Vendor, l.Product, l.Uniq, l.Name)
		}
		fmt.Fprintf(a.env.Stdout, "Ctrl-C disconnects them.\n")
	} else {
		serial := b.Receiver.Serial()
		if serial == "" {
			serial = "none"
		}
		fmt.Fprintf(a.env.Stdout, "Emulated %s receiver %04x (serial %s, profile %s) plugged in %s.\n"+
			"Try \"helio query\" in another terminal. Ctrl-C unplugs it.\n", b.Receiver.Family(), b.Receiver.PID(), serial, o.profile, how)
	}
	<-ctx.Done()
	return unplug()
}
