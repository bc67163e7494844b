package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/escape"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/unifying"
)

type queryOpts struct {
	json   bool
	format string
}

var queryCmd = &command{
	name: "query", args: "[DEVICE]",
	summary: "print the battery of every device, and the light on solar keyboards",
	help: `DEVICE picks one device by slot number, wpid, serial, codename or name
(case-insensitive; a unique prefix of a name is enough). Without it, every
device on every receiver is shown.

A solar keyboard (K750) reports its charge only with its light, so Helio asks
it for a light report and waits for it: about one second.

Percentages are shown as the device gives them: "about 50 %" when the device
reports coarse steps or Helio estimates from a voltage, a level word
(critical, low, good, full) when the device reports only levels, and
"charging" without a number when a charging device does not say.

The upower format prints what "upower -i" would print if UPower still read
these devices itself, the K750's luminosity included. The waybar format is
one JSON object for a waybar custom module ("return-type": "json"):
  "custom/helio": {"exec": "helio query --format waybar", "return-type": "json", "interval": 300}

Examples:
  helio query
  helio query K750
  helio --backend sim query --json
  helio query --format upower
  helio query --format waybar`,
	bind: func(fs *flag.FlagSet) runFunc {
		o := &queryOpts{}
		fs.BoolVar(&o.json, "json", false, "print JSON: {\"receivers\":[{\"pid\",\"serial\",\"devices\":[...]}]} (same as --format json)")
		fs.StringVar(&o.format, "format", "text", "text, json, upower (the layout of upower -i, luminosity included) or waybar (a custom module's JSON)")
		return func(ctx context.Context, a *app, args []string) error { return runQuery(ctx, a, o, args) }
	},
}

func runQuery(ctx context.Context, a *app, o *queryOpts, args []string) error {
	if len(args) > 1 {
		return exitf(ExitUsage, "query takes at most one DEVICE, got %d arguments", len(args))
	}
	if o.json {
		o.format = "json"
	}
	switch o.format {
	case "text", "json", "upower", "waybar":
	default:
		return exitf(ExitUsage, "--format %s is not text, json, upower or waybar", escape.Quote(o.format))
	}
	s, done, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if len(args) == 1 {
		d, err := match(s, args[0])
		if err != nil {
			return err
		}
		for _, r := range s.Receivers {
			if r.Receiver == d.Receiver {
				r.Devices = []*unifying.Device{d}
			} else {
				r.Devices = nil
			}
		}
	}
	states := s.Read(ctx, nil)
	var all []sensors.State
	for _, ss := range states {
		all = append(all, ss...)
	}
	switch o.format {
	case "json":
		err = writeJSON(a.env.Stdout, s, states)
	case "upower":
		err = formatUPower(a.env.Stdout, all, time.Now())
	case "waybar":
		err = formatWaybar(a.env.Stdout, all)
	default:
		err = writeText(a.env.Stdout, s, states)
	}
	if err != nil {
		return err
	}
	if len(args) == 1 {
		for _, ss := range states {
			for _, st := range ss {
				if !st.Online {
					return exitf(ExitOffline, "%s is asleep or out of range", escape.Text(st.Name))
				}
			}
		}
	}
	return nil
}

// jsonBattery and friends fix the JSON layout: absent values are null.
type jsonBattery struct {
	Percent     *int    `json:"percent"`
	Level       *string `json:"level"`
	Status      string  `json:"status"`
	VoltageMV   *int    `json:"voltage_mv"`
	Approximate bool    `json:"approximate"`
}

type jsonLight struct {
	Lux int `json:"lux"`
}

type jsonDevice struct {
	Index    int          `json:"index"`
	WPID     string       `json:"wpid"`
	Kind     string       `json:"kind"`
	Name     string       `json:"name"`
	Codename string       `json:"codename"`
	Protocol *string      `json:"protocol"`
	Online   bool         `json:"online"`
	Battery  *jsonBattery `json:"battery"`
	Light    **jsonLight  `json:"light,omitempty"` // present only for solar devices; null when unmeasured
	Error    string       `json:"error,omitempty"`
}

type jsonReceiver struct {
	PID      string       `json:"pid"`
	Serial   string       `json:"serial"`
	Family   string       `json:"family"`
	Firmware string       `json:"firmware"`
	Path     string       `json:"path"`
	Devices  []jsonDevice `json:"devices"`
}

func batteryJSON(b *hidpp.Battery) *jsonBattery {
	if b == nil {
		return nil
	}
	j := &jsonBattery{Status: b.Status.String(), Approximate: b.Approximate}
	if b.HasPercent {
		j.Percent = &b.Percent
	}
	if b.Level != hidpp.LevelUnknown {
		s := b.Level.String()
		j.Level = &s
	}
	if b.VoltageMV != 0 {
		j.VoltageMV = &b.VoltageMV
	}
	return j
}

// deviceJSON is a device's state in the layout query, list and watch print.
func deviceJSON(st sensors.State) jsonDevice {
	jd := jsonDevice{Index: int(st.Index), WPID: fmt.Sprintf("%04x", st.WPID), Kind: st.Kind.String(),
		Name: st.Name, Codename: st.Codename, Online: st.Online, Battery: batteryJSON(st.Battery)}
	if st.Protocol != "" {
		p := st.Protocol
		jd.Protocol = &p
	}
	if st.Solar {
		var l *jsonLight
		if st.Light != nil {
			l = &jsonLight{Lux: st.Light.Lux}
		}
		jd.Light = &l
	}
	if st.Err != nil {
		jd.Error = st.Err.Error()
	}
	return jd
}

func writeJSON(w io.Writer, s *sensors.Session, states [][]sensors.State) error {
	out := struct {
		Receivers []jsonReceiver `json:"receivers"`
	}{Receivers: []jsonReceiver{}}
	for i, r := range s.Receivers {
		jr := jsonReceiver{PID: fmt.Sprintf("%04x", r.PID), Serial: r.Serial,
			Family: string(r.Family), Firmware: r.Firmware, Path: r.Info.Path, Devices: []jsonDevice{}}
		for _, st := range states[i] {
			jr.Devices = append(jr.Devices, deviceJSON(st))
		}
		out.Receivers = append(out.Receivers, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// stateText is a device's figures in the words every front end uses
// ([sensors.State.Figures]), with what went wrong reading it, if anything,
// safe to print ([escape.Text]).
func stateText(st sensors.State) string {
	text := st.Figures()
	if !st.Online {
		text += " (asleep or out of range)"
	}
	if st.Err != nil {
		text += "; " + st.Err.Error()
	}
	return escape.Text(text)
}

func writeText(w io.Writer, s *sensors.Session, states [][]sensors.State) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, r := range s.Receivers {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintf(tw, "%s receiver %04x, serial %s, firmware %s (%s)\n", r.Family, r.PID, r.Serial, r.Firmware, r.Info.Path)
		if len(states[i]) == 0 {
			fmt.Fprintln(tw, "  no paired devices")
		}
		for _, st := range states[i] {
			protocol := st.Protocol
			if protocol == "" {
				protocol = "unknown"
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\tHID++ %s\t%s\n", st.Index, escape.Text(st.Name), st.Kind, protocol, stateText(st))
		}
	}
	return tw.Flush()
}
