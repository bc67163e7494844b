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
		g := receiverStates{ReceiverInfo: sensors.ReceiverInfo{Serial: r.Serial, PID: r.PID, Family: r.Family, Firmware: r.Firmware,
			Path: r.Info.Path}, direct: r.Direct, bus: r.Info.Bus}
		heading := groupHeading(g)
		if !r.Direct {
			boot := r.Bootloader
			if boot == "" {
				boot = "unknown"
			}
			heading = groupTitle(g) + fmt.Sprintf(", bootloader %s, %d slots (%s)", boot, r.MaxDevices, r.Info.Path)
		}
		fmt.Fprintln(tw, heading)
		for _, d := range r.Devices {
			st := sensors.Identify(d)
			state := "online"
			if !d.Online() {
				state = "offline"
			}
			serial := "serial " + escape.Text(d.Serial)
			if d.Serial == "" {
				serial = "no serial"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\twpid %04x\t%s\tHID++ %s\t%s\n",
				slot(st), escape.Text(d.Name()), escape.Text(d.Codename), d.Kind, d.WPID, serial, d.Protocol(), state)
		}
	}
	return tw.Flush()
}

// listJSON prints the receivers and their devices, then the devices
// reached without one, as query's JSON lays them out, each device with its
// ID and no battery.
func listJSON(w io.Writer, s *sensors.Session) error {
	type dev struct {
		jsonDevice
		ID string `json:"id"`
	}
	type rcv struct {
		PID        string  `json:"pid"`
		Serial     *string `json:"serial"`
		Family     string  `json:"family"`
		Firmware   *string `json:"firmware"`
		Bootloader *string `json:"bootloader"`
		Path       string  `json:"path"`
		MaxDevices int     `json:"max_devices"`
		Devices    []dev   `json:"devices"`
	}
	type direct struct {
		PID  string `json:"pid"`
		Path string `json:"path"`
		dev
	}
	out := struct {
		Receivers []rcv    `json:"receivers"`
		Devices   []direct `json:"devices"`
	}{Receivers: []rcv{}, Devices: []direct{}}
	for _, r := range s.Receivers {
		jr := rcv{PID: fmt.Sprintf("%04x", r.PID), Serial: optional(r.Serial), Family: string(r.Family), Firmware: optional(r.Firmware),
			Bootloader: optional(r.Bootloader), Path: r.Info.Path, MaxDevices: r.MaxDevices, Devices: []dev{}}
		for _, d := range r.Devices {
			jd := deviceJSON(sensors.Identify(d))
			jd.Battery = nil
			if r.Direct {
				out.Devices = append(out.Devices, direct{PID: jr.PID, Path: jr.Path, dev: dev{jsonDevice: jd, ID: d.ID()}})
				continue
			}
			jr.Devices = append(jr.Devices, dev{jsonDevice: jd, ID: d.ID()})
		}
		if !r.Direct {
			out.Receivers = append(out.Receivers, jr)
		}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
