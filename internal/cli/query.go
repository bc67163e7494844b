package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/bus"
	"github.com/helio-linux/helio/internal/escape"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/unifying"
	"github.com/helio-linux/helio/upower"
)

type queryOpts struct {
	json   bool
	format string
	fresh  bool
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
		fs.BoolVar(&o.json, "json", false, "print JSON: {\"receivers\":[{\"pid\",\"serial\",\"devices\":[...]}],\"devices\":[...]} (same as --format json)")
		fs.StringVar(&o.format, "format", "text", "text, json, upower (the layout of upower -i, luminosity included) or waybar (a custom module's JSON)")
		fs.BoolVar(&o.fresh, "fresh", false, "ask the devices even when a running Helio (the tray, helio export) knows their figures")
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
	var groups []receiverStates
	var source *residentSource
	if !o.fresh {
		var err error
		if groups, source, err = a.fromResident(ctx, args); err != nil {
			return err
		}
	}
	if source == nil {
		var err error
		if groups, err = a.fromDevices(ctx, args); err != nil {
			return err
		}
	}
	var all []sensors.State
	for _, g := range groups {
		all = append(all, g.states...)
	}
	// One write for the whole answer, not one per field.
	out := bufio.NewWriter(a.env.Stdout)
	var err error
	switch o.format {
	case "json":
		err = writeJSON(out, groups, source)
	case "upower":
		err = formatUPower(out, all, time.Now())
	case "waybar":
		err = formatWaybar(out, all)
	default:
		err = writeText(out, groups, source, time.Now())
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		return err
	}
	if len(args) == 1 {
		for _, st := range all {
			if !st.Online {
				return exitf(ExitOffline, "%s is asleep or out of range", escape.Text(st.Name))
			}
		}
	}
	return nil
}

// receiverStates are the devices of one receiver, as query prints them,
// or the one device of a node of its own (direct).
type receiverStates struct {
	sensors.ReceiverInfo
	direct bool
	bus    transport.Bus
	states []sensors.State
}

// residentSource is the running Helio a query took its figures from.
type residentSource struct {
	pid uint32
}

// fromDevices reads the devices themselves: every one, or the one q (the
// only argument, if any) names.
func (a *app) fromDevices(ctx context.Context, args []string) ([]receiverStates, error) {
	s, done, err := a.open(ctx, true)
	if err != nil {
		return nil, err
	}
	defer done()
	if len(args) == 1 {
		d, err := match(s, args[0])
		if err != nil {
			return nil, err
		}
		for _, r := range s.Receivers {
			if r.Receiver == d.Receiver {
				r.Devices = []*unifying.Device{d}
			} else {
				r.Devices = nil
			}
		}
	}
	var out []receiverStates
	for i, states := range s.Read(ctx, nil) {
		r := s.Receivers[i]
		if len(args) == 1 && len(states) == 0 {
			continue // not where the device asked for is
		}
		out = append(out, receiverStates{ReceiverInfo: sensors.ReceiverInfo{Serial: r.Serial, PID: r.PID, Family: r.Family,
			Firmware: r.Firmware, Path: r.Info.Path}, direct: r.Direct, bus: r.Info.Bus, states: states})
	}
	return out, nil
}

// residentTimeout bounds the whole exchange with a running Helio: it
// answers from memory, within milliseconds.
const residentTimeout = 2 * time.Second

// fromResident takes the figures from a Helio already running on the
// session bus (the tray, helio export) that reads the same backend: it
// knows them, and asks no device. It returns a nil *residentSource when there is
// none to ask, and says why under --debug; the query then asks the
// devices.
func (a *app) fromResident(ctx context.Context, args []string) ([]receiverStates, *residentSource, error) {
	conn, _, err := bus.Session(a.env.Getenv)
	if err != nil {
		a.log.Debug("no running Helio to ask: no session bus; asking the devices", "err", err)
		return nil, nil, nil
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, residentTimeout)
	defer cancel()
	served, err := upower.Fetch(ctx, conn, upower.DefaultOpts.Name)
	switch {
	case errors.Is(err, upower.ErrNoService):
		a.log.Debug("no running Helio on the session bus; asking the devices")
		return nil, nil, nil
	case err != nil:
		a.log.Debug("the running Helio did not answer; asking the devices", "err", err)
		return nil, nil, nil
	case served.Backend != a.g.backend:
		a.log.Debug("the running Helio reads another backend; asking the devices", "its", served.Backend, "asked", a.g.backend)
		return nil, nil, nil
	}
	a.log.Debug("figures from the running Helio, which asks the devices itself", "pid", served.PID, "devices", len(served.States))
	states := served.States
	if len(args) == 1 {
		st, err := pick(args[0], states, "",
			func(st sensors.State) []string {
				return []string{strconv.Itoa(int(st.Index)), fmt.Sprintf("%04x", st.WPID), st.Serial, st.UnitID, st.Codename, st.Name, st.ID}
			},
			func(st sensors.State) string {
				return fmt.Sprintf("%d  %s  (%s, wpid %04x, serial %s)", st.Index, escape.Text(st.Name), escape.Text(st.Codename), st.WPID, escape.Text(st.Serial))
			})
		if err != nil {
			return nil, nil, err
		}
		states = []sensors.State{st}
	}
	var groups []receiverStates
	for _, st := range states {
		i := slices.IndexFunc(groups, func(g receiverStates) bool { return g.Path == st.Receiver.Path })
		if i < 0 {
			groups = append(groups, receiverStates{ReceiverInfo: st.Receiver, direct: st.Direct, bus: st.Bus})
			i = len(groups) - 1
		}
		groups[i].states = append(groups[i].states, st)
	}
	return groups, &residentSource{pid: served.PID}, nil
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
	Index    int     `json:"index"`
	WPID     string  `json:"wpid"`
	Kind     string  `json:"kind"`
	Name     string  `json:"name"`
	Codename string  `json:"codename"`
	Serial   *string `json:"serial"`  // null when the receiver gives none
	UnitID   *string `json:"unit_id"` // null where nothing gives it as such
	// Bus is how the device reaches the computer: its receiver's bus
	// ("usb"), or its own ("bluetooth"); null when the backend does not
	// say.
	Bus      *string      `json:"bus"`
	Protocol *string      `json:"protocol"`
	Online   bool         `json:"online"`
	Battery  *jsonBattery `json:"battery"`
	Light    **jsonLight  `json:"light,omitempty"` // present only for solar devices; null when unmeasured
	// Confirmed is when the figures were last confirmed (RFC 3339); null
	// when never.
	Confirmed *string `json:"confirmed"`
	Error     string  `json:"error,omitempty"`
}

type jsonReceiver struct {
	PID      string       `json:"pid"`
	Serial   *string      `json:"serial"` // null when the receiver has none (the C534 Nano)
	Family   string       `json:"family"`
	Firmware *string      `json:"firmware"` // null when the receiver does not say
	Path     string       `json:"path"`
	Devices  []jsonDevice `json:"devices"`
}

// jsonDirect is a device reached without a receiver (a Bluetooth device),
// at the top level of query's JSON: its node's product id and path, then
// the device as in a receiver's list.
type jsonDirect struct {
	PID  string `json:"pid"`
	Path string `json:"path"`
	jsonDevice
}

// optional is s, or nil for "": null in JSON.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
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
		Name: st.Name, Codename: st.Codename, Serial: optional(st.Serial), UnitID: optional(st.UnitID), Bus: optional(st.Bus.String()),
		Online: st.Online, Battery: batteryJSON(st.Battery)}
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
	if t := st.Confirmed(); !t.IsZero() {
		c := t.Format(time.RFC3339)
		jd.Confirmed = &c
	}
	if st.Err != nil {
		jd.Error = st.Err.Error()
	}
	return jd
}

// writeJSON prints what query found: the receivers with their devices,
// then the devices reached without one (Bluetooth), each with its node.
func writeJSON(w io.Writer, groups []receiverStates, from *residentSource) error {
	out := struct {
		Source    jsonSource     `json:"source"`
		Receivers []jsonReceiver `json:"receivers"`
		Devices   []jsonDirect   `json:"devices"`
	}{Source: jsonSource{From: "devices"}, Receivers: []jsonReceiver{}, Devices: []jsonDirect{}}
	if from != nil {
		out.Source = jsonSource{From: "resident", PID: int(from.pid)}
	}
	for _, g := range groups {
		if g.direct {
			for _, st := range g.states {
				out.Devices = append(out.Devices, jsonDirect{PID: fmt.Sprintf("%04x", g.PID), Path: g.Path, jsonDevice: deviceJSON(st)})
			}
			continue
		}
		jr := jsonReceiver{PID: fmt.Sprintf("%04x", g.PID), Serial: optional(g.Serial),
			Family: string(g.Family), Firmware: optional(g.Firmware), Path: g.Path, Devices: []jsonDevice{}}
		for _, st := range g.states {
			jr.Devices = append(jr.Devices, deviceJSON(st))
		}
		out.Receivers = append(out.Receivers, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// jsonSource says where query's figures come from: "devices", read now,
// or "resident", the running Helio of process pid, which keeps them
// current itself (each device's "confirmed" says since when).
type jsonSource struct {
	From string `json:"from"`
	PID  int    `json:"pid,omitempty"`
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

func writeText(w io.Writer, groups []receiverStates, from *residentSource, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if from != nil {
		fmt.Fprintf(tw, "From the running Helio (process %d), which keeps these figures current; --fresh asks the devices.\n\n", from.pid)
	}
	for i, g := range groups {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintln(tw, groupHeading(g))
		if len(g.states) == 0 {
			fmt.Fprintln(tw, "  no paired devices")
		}
		for _, st := range g.states {
			protocol := st.Protocol
			if protocol == "" {
				protocol = "unknown"
			}
			text := stateText(st)
			if t := st.Confirmed(); from != nil && !t.IsZero() {
				text += "; confirmed " + ago(now.Sub(t))
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\tHID++ %s\t%s\n", slot(st), escape.Text(st.Name), st.Kind, protocol, text)
		}
	}
	return tw.Flush()
}

// groupHeading is the line above a receiver's devices, or above a device
// reached without one: "Unifying receiver c52b, serial E0662192, firmware
// 24.11.B0036 (/dev/hidraw0)", "Nano receiver c534, no serial, firmware
// 29.01.B0016 (/dev/hidraw1)", "Bluetooth device b023, no receiver
// (/dev/hidraw7)".
func groupHeading(g receiverStates) string {
	return groupTitle(g) + " (" + g.Path + ")"
}

// groupTitle is groupHeading without the node, for list, which puts more
// of the receiver before it.
func groupTitle(g receiverStates) string {
	if g.direct {
		return fmt.Sprintf("%s device %04x, no receiver", busTitle(g.bus), g.PID)
	}
	serial, firmware := "serial "+escape.Text(g.Serial), "firmware "+g.Firmware
	if g.Serial == "" {
		serial = "no serial"
	}
	if g.Firmware == "" {
		firmware = "firmware unknown"
	}
	return fmt.Sprintf("%s receiver %04x, %s, %s", g.Family, g.PID, serial, firmware)
}

// busTitle names a device's own bus in a heading: "Bluetooth".
func busTitle(b transport.Bus) string {
	switch b {
	case transport.BusBluetooth:
		return "Bluetooth"
	case transport.BusUSB:
		return "USB"
	case 0:
		return "Direct"
	}
	return b.String()
}

// slot is a device's place in a text listing: its slot on the receiver,
// or "-" for a device on its own node.
func slot(st sensors.State) string {
	if st.Direct {
		return "-"
	}
	return strconv.Itoa(int(st.Index))
}

// ago says how long ago something was, as people say it.
func ago(d time.Duration) string {
	if d < time.Minute {
		return "just now"
	}
	return roundDuration(d) + " ago"
}
