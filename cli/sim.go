package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/helio-linux/helio/emulator"
)

var simCmd = &command{
	name: "sim", args: "--list | --print NAME | --check FILE",
	summary: "work with emulated receiver profiles",
	help: `The emulated receiver (--backend sim) is described by a JSON profile;
the format is documented in the emulator package (go doc
github.com/helio-linux/helio/emulator) and in README.md. Start from a
built-in profile, change it, check it, and use it with
--backend sim:FILE.json.

Examples:
  helio sim --list
  helio sim --print default > my.json
  helio sim --check my.json && helio --backend sim:my.json query`,
	flags: func(fs *flag.FlagSet, a *app) {
		fs.BoolVar(&a.simList, "list", false, "list the built-in profiles")
		fs.StringVar(&a.simPrint, "print", "", "print built-in profile `NAME` as JSON")
		fs.StringVar(&a.simCheck, "check", "", "validate profile `FILE`")
	},
	run: runSim,
}

func runSim(_ context.Context, a *app, _ *flag.FlagSet, args []string) error {
	chosen := 0
	for _, on := range []bool{a.simList, a.simPrint != "", a.simCheck != ""} {
		if on {
			chosen++
		}
	}
	if chosen != 1 || len(args) > 0 {
		return exitf(ExitUsage, "choose one of --list, --print NAME, --check FILE")
	}
	switch {
	case a.simList:
		for _, n := range emulator.Builtin() {
			fmt.Fprintln(a.env.Stdout, n)
		}
	case a.simPrint != "":
		b, err := emulator.BuiltinJSON(a.simPrint)
		if err != nil {
			return exitf(ExitUsage, "%v", err)
		}
		_, err = a.env.Stdout.Write(b)
		return err
	default:
		p, err := emulator.LoadProfile(a.simCheck)
		if err != nil {
			return exitf(ExitUsage, "%v", err)
		}
		fmt.Fprintf(a.env.Stdout, "%s: a %s receiver with %d devices\n", a.simCheck, p.Receiver.PID, len(p.Devices))
	}
	return nil
}
