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
	list, uhid            bool
	print, check, profile string
}

var simCmd = &command{
	name: "sim", args: "--uhid [--profile P] | --list | --print NAME | --check FILE",
	summary: "run the emulated receiver for the kernel, or work with its profiles",
	help: `With --uhid, the emulated receiver is plugged into this machine's kernel
through /dev/uhid, with the real C52B layout (three interfaces, the real
HID++ descriptor): the kernel's hid-logitech-dj and hid-logitech-hidpp bind
to it, /dev/hidrawN nodes and power supplies appear, and any program (Helio
with its default backend, Solaar, upower) sees a K750 until you press
Ctrl-C. This needs root (or write access to /dev/uhid) and the uhid module.

The emulated receiver (--backend sim) is described by a JSON profile;
the format is documented in the emulator package (go doc
github.com/helio-linux/helio/emulator) and in README.md. Start from a
built-in profile, change it, check it, and use it with
--backend sim:FILE.json.

Examples:
  sudo helio sim --uhid
  sudo helio sim --uhid --profile my.json --debug
  helio sim --list
  helio sim --print default > my.json
  helio sim --check my.json && helio --backend sim:my.json query`,
	bind: func(fs *flag.FlagSet) runFunc {
		o := &simOpts{}
		fs.BoolVar(&o.list, "list", false, "list the built-in profiles")
		fs.StringVar(&o.print, "print", "", "print built-in profile `NAME` as JSON")
		fs.StringVar(&o.check, "check", "", "validate profile `FILE`")
		fs.BoolVar(&o.uhid, "uhid", false, "plug the emulated receiver into the kernel through /dev/uhid until Ctrl-C")
		fs.StringVar(&o.profile, "profile", "default", "with --uhid: built-in profile `NAME` or a JSON file")
		return func(ctx context.Context, a *app, args []string) error { return runSim(ctx, a, o, args) }
	},
}

func runSim(ctx context.Context, a *app, o *simOpts, args []string) error {
	chosen := 0
	for _, on := range []bool{o.list, o.print != "", o.check != "", o.uhid} {
		if on {
			chosen++
		}
	}
	if chosen != 1 || len(args) > 0 {
		return exitf(ExitUsage, "choose one of --uhid, --list, --print NAME, --check FILE")
	}
	switch {
	case o.uhid:
		return runUHID(ctx, a, o.profile)
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

func runUHID(ctx context.Context, a *app, profile string) error {
	b, err := emulator.OpenBackend("sim:"+profile, nil)
	if err != nil {
		return exitf(ExitUsage, "%v", err)
	}
	u := emulator.NewUHID(b.Receiver, emulator.UHIDOpts{Logger: a.log})
	if err := u.Plug(); err != nil {
		if errors.Is(err, os.ErrPermission) {
			return &exitError{code: ExitPermission, err: err}
		}
		return err
	}
	fmt.Fprintf(a.env.Stdout, "Emulated receiver %04x (serial %s, profile %s) plugged in through /dev/uhid.\n"+
		"Try \"helio query\" in another terminal. Ctrl-C unplugs it.\n", b.Receiver.PID(), b.Receiver.Serial(), profile)
	<-ctx.Done()
	u.Unplug()
	b.Receiver.Close()
	return nil
}
