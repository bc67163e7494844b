package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

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
through /dev/uhid, with the real C52B layout (three interfaces, the real
HID++ descriptor): the kernel's hid-logitech-dj and hid-logitech-hidpp bind
to it, /dev/hidrawN nodes and power supplies appear, and any program (Helio
with its default backend, Solaar, upower) sees a K750 until you press
Ctrl-C. This needs root (or write access to /dev/uhid) and the uhid module.

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
github.com/helio-linux/helio/emulator) and in README.md. Start from a
built-in profile, change it, check it, and use it with
--backend sim:FILE.json.

Examples:
  sudo helio sim --uhid
  sudo helio sim --uhid --profile my.json --debug
  sudo helio sim --usb
  helio --backend libusb query         (as root, in another terminal)
  helio sim --list
  helio sim --print default > my.json
  helio sim --check my.json && helio --backend sim:my.json query`,
	bind: func(fs *flag.FlagSet) runFunc {
		o := &simOpts{}
		fs.BoolVar(&o.list, "list", false, "list the built-in profiles")
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
		for _, n := range emulator.Builtin() {
			fmt.Fprintln(a.env.Stdout, n)
		}
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
		fmt.Fprintf(a.env.Stdout, "%s: a %s receiver with %d devices\n", o.check, p.Receiver.PID, len(p.Devices))
	}
	return nil
}

// runPlugged puts the emulated receiver in front of the kernel, on uhid or
// on a USB gadget, until ctx ends.
func runPlugged(ctx context.Context, a *app, o *simOpts) error {
	b, err := emulator.OpenBackend("sim:"+o.profile, nil)
	if err != nil {
		return exitf(ExitUsage, "%v", err)
	}
	defer b.Receiver.Close()
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
	fmt.Fprintf(a.env.Stdout, "Emulated receiver %04x (serial %s, profile %s) plugged in %s.\n"+
		"Try \"helio query\" in another terminal. Ctrl-C unplugs it.\n", b.Receiver.PID(), b.Receiver.Serial(), o.profile, how)
	<-ctx.Done()
	return unplug()
}
