package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/internal/bus"
	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/internal/resident"
	"github.com/helio-linux/helio/upower"
)

// exportOpts are the options of helio export.
type exportOpts struct {
	name    string
	address string
	system  bool
	metrics string
}

var exportCmd = &command{
	name: "export", args: "",
	summary: "publish the devices on D-Bus as UPower does, until interrupted",
	help: `Publishes every device on D-Bus the way UPower publishes batteries: one
org.freedesktop.UPower.Device object per device under
/org/freedesktop/UPower/devices/ (keyboard_hidpp_battery_SERIAL, ...), with
UPower's properties, types and enums (Percentage, State, BatteryLevel,
WarningLevel, IconName, Model, Serial, UpdateTime, IsPresent, ... and
Luminosity, the K750's light in lux), and a root object
/org/freedesktop/UPower with EnumerateDevices, GetDisplayDevice (the lowest
battery) and the DeviceAdded signal. Every change is sent as
PropertiesChanged. Nothing on the bus can change a property or reach a
device. Helio keeps the devices current as watch does, and records the
history; it serves until interrupted.

The bus is the session bus ($DBUS_SESSION_BUS_ADDRESS), --system for the
system bus ($DBUS_SYSTEM_BUS_ADDRESS or its usual socket; its policy lets
only configured services own names), or the one at --bus-address. The name
is io.github.helio unless --name says otherwise: on the system bus,
org.freedesktop.UPower belongs to the UPower daemon.

Examples:
  helio export
  busctl --user tree io.github.helio
  busctl --user get-property io.github.helio \
    /org/freedesktop/UPower/devices/keyboard_hidpp_battery_750c0de2 \
    org.freedesktop.UPower.Device Percentage Luminosity

  The upower command reads only org.freedesktop.UPower on the system bus,
  but takes the bus's address from DBUS_SYSTEM_BUS_ADDRESS; on a private
  bus it reads Helio's devices:
  ADDR=$(dbus-daemon --session --fork --print-address=1)
  helio export --bus-address "$ADDR" --name org.freedesktop.UPower &
  DBUS_SYSTEM_BUS_ADDRESS=$ADDR upower -e
  DBUS_SYSTEM_BUS_ADDRESS=$ADDR upower -i /org/freedesktop/UPower/devices/keyboard_hidpp_battery_750c0de2
  DBUS_SYSTEM_BUS_ADDRESS=$ADDR upower --monitor-detail

With --metrics ADDR (or the config file's [metrics] listen) it also
serves the devices' figures for Prometheus on http://ADDR/metrics (see
"helio help metrics" for the series). ADDR is HOST:PORT, or :PORT for the
loopback, 127.0.0.1, alone: only programs on this machine can read it.
Serving other machines is your choice to make explicitly, such as
--metrics 0.0.0.0:9479, and Helio warns that it does: whoever reaches the
port reads the devices' names, serials and batteries. The config file's
[metrics] textfile keeps node_exporter's textfile current as well.

  helio export --metrics :9479
  curl -s http://127.0.0.1:9479/metrics`,
	bind: func(fs *flag.FlagSet) runFunc {
		o := &exportOpts{}
		fs.StringVar(&o.name, "name", upower.DefaultOpts.Name, "the bus `NAME` to own")
		fs.StringVar(&o.address, "bus-address", "", "the D-Bus `ADDRESS` of the bus to use, such as unix:path=/run/helio-bus")
		fs.BoolVar(&o.system, "system", false, "use the system bus instead of the session bus")
		fs.StringVar(&o.metrics, "metrics", "", "also serve Prometheus metrics on http://`ADDR`/metrics: HOST:PORT, or :PORT for the loopback alone (default the config file's [metrics] listen)")
		return func(ctx context.Context, a *app, args []string) error { return runExport(ctx, a, o, args) }
	},
}

func runExport(ctx context.Context, a *app, o *exportOpts, args []string) error {
	if len(args) > 0 {
		return exitf(ExitUsage, "export takes no arguments")
	}
	if o.system && o.address != "" {
		return exitf(ExitUsage, "--system and --bus-address both name a bus: give one")
	}
	if err := upower.CheckName(o.name); err != nil {
		return &exitError{code: ExitUsage, err: fmt.Errorf("--name: %w", err)}
	}
	if err := config.CheckListen(o.metrics); err != nil {
		return &exitError{code: ExitUsage, err: fmt.Errorf("--metrics: %w", err)}
	}
	ro, err := a.residentOpts(true)
	if err != nil {
		return err
	}
	// What the export is asked to serve it must serve: an address in use
	// or a textfile directory missing ends it, as a bus name taken does.
	ro.Metrics = &resident.MetricsOpts{Listen: ro.Config.Metrics.Listen, Textfile: ro.Config.Metrics.Textfile, Required: true}
	if o.metrics != "" {
		ro.Metrics.Listen = o.metrics
	}
	conn, which, err := a.connectBus(o)
	if err != nil {
		return err
	}
	defer conn.Close()
	ro.Bus, ro.ExportRequired = conn, true
	ro.Export = &upower.Opts{Name: o.name, DaemonVersion: "helio " + Version, Backend: a.g.backend, Logger: a.log}
	err = a.runResident(ctx, ro)
	switch {
	case errors.Is(err, upower.ErrNameTaken):
		hint := ""
		if o.name == upower.Name {
			hint = " (on the system bus, by the UPower daemon)"
		}
		if free := freeName(conn, o.name); free != "" {
			return exitf(ExitFailure, "%s is already owned on %s%s: choose another name with --name, such as %s, which is free",
				o.name, which, hint, free)
		}
		return exitf(ExitFailure, "%s is already owned on %s%s: choose another name with --name", o.name, which, hint)
	case errors.Is(err, upower.ErrNameDenied):
		hint := ""
		if o.system {
			hint = "; on the system bus only configured services may own names: export on the session bus (without --system) or on a bus of your own (--bus-address)"
		}
		return &exitError{code: ExitPermission, err: fmt.Errorf("on %s: %w%s", which, err, hint)}
	case errors.Is(err, upower.ErrBadName):
		return &exitError{code: ExitUsage, err: err}
	case err != nil:
		return fmt.Errorf("export on %s: %w", which, err)
	}
	return nil
}

// connectBus opens a connection of export's own to the bus o names, and
// says which bus it is in messages.
func (a *app) connectBus(o *exportOpts) (*dbus.Conn, string, error) {
	var conn *dbus.Conn
	var which string
	var err error
	switch {
	case o.address != "":
		conn, which, err = bus.Address(o.address)
		if errors.Is(err, bus.ErrBadAddress) {
			return nil, "", &exitError{code: ExitUsage, err: fmt.Errorf("--bus-address: %w", err)}
		}
	case o.system:
		conn, which, err = bus.System(a.env.Getenv)
	default:
		conn, which, err = bus.Session(a.env.Getenv)
		if errors.Is(err, bus.ErrNoSessionBus) {
			return nil, "", exitf(ExitFailure, "%v: run in a desktop session, or give --bus-address ADDRESS or --system", err)
		}
	}
	return conn, which, err
}

// freeName is a bus name no one owns on conn to suggest instead of taken:
// Helio's default name, else taken with a number after it; "" when none of
// those is free or the bus does not say.
func freeName(conn *dbus.Conn, taken string) string {
	candidates := []string{upower.DefaultOpts.Name}
	for i := 2; i <= 9; i++ {
		candidates = append(candidates, fmt.Sprintf("%s%d", taken, i))
	}
	for _, name := range candidates {
		var owned bool
		if name == taken || conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&owned) != nil {
			continue
		}
		if !owned {
			return name
		}
	}
	return ""
}
