package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/helio-linux/helio/internal/escape"
	"github.com/helio-linux/helio/sensors"
)

type listOpts struct{ json bool }

var listCmd = &command{
	name: "list", args: "",
	summary: "list receivers and their paired devices, without reading batteries",
	help: `Each device is pinged once, to learn its protocol and whether it is in
range; nothing else is asked.

Examples:
  helio list
  helio list --json`,
	bind: func(fs *flag.FlagSet) runFunc {
		o := &listOpts{}
		fs.BoolVar(&o.json, "json", false, "print JSON")
		return func(ctx context.Context, a *app, args []string) error { return runList(ctx, a, o, args) }
	},
}

func runList(ctx context.Context, a *app, o *listOpts, args []string) error {
	if len(args) > 0 {
		return exitf(ExitUsage, "list takes no arguments")
	}
	s, done, err := a.open(ctx, false)
	if err != nil {
		return err
	}
	defer done()
	if o.json {
		return listJSON(a.env.Stdout, s)
	}
	tw := tabwriter.NewWriter(a.env.Stdout, 0, 0, 2, ' ', 0)
	for i, r := range s.Receivers {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintf(tw, "%s receiver %04x, serial %s, firmware %s, bootloader %s, %d slots (%s)\n",
			r.Family, r.PID, r.Serial, r.Firmware, r.Bootloader, r.MaxDevices, r.Info.Path)
		for _, d := range r.Devices {
			state := "online"
			if !d.Online() {
				state = "offline"
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\twpid %04x\tserial %s\tHID++ %s\t%s\n",
				d.Index(), escape.Text(d.Name()), escape.Text(d.Codename), d.Kind, d.WPID, escape.Text(d.Serial), d.Protocol(), state)
		}
	}
	return tw.Flush()
}

func listJSON(w io.Writer, s *sensors.Session) error {
	type dev struct {
		jsonDevice
		Serial string `json:"serial"`
		ID     string `json:"id"`
	}
	type rcv struct {
		PID        string `json:"pid"`
		Serial     string `json:"serial"`
		Family     string `json:"family"`
		Firmware   string `json:"firmware"`
		Bootloader string `json:"bootloader"`
		Path       string `json:"path"`
		MaxDevices int    `json:"max_devices"`
		Devices    []dev  `json:"devices"`
	}
	out := struct {
		Receivers []rcv `json:"receivers"`
	}{Receivers: []rcv{}}
	for _, r := range s.Receivers {
		jr := rcv{PID: fmt.Sprintf("%04x", r.PID), Serial: r.Serial, Family: string(r.Family), Firmware: r.Firmware,
			Bootloader: r.Bootloader, Path: r.Info.Path, MaxDevices: r.MaxDevices, Devices: []dev{}}
		for _, d := range r.Devices {
			jd := deviceJSON(sensors.Identify(d))
			jd.Battery = nil
			jr.Devices = append(jr.Devices, dev{jsonDevice: jd, Serial: d.Serial, ID: d.ID()})
		}
		out.Receivers = append(out.Receivers, jr)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
