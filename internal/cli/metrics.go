package cli

import (
	"context"
	"flag"

	"github.com/helio-linux/helio/metrics"
	"github.com/helio-linux/helio/sensors"
)

// metricsOpts are the options of helio metrics.
type metricsOpts struct {
	textfile string
}

var metricsCmd = &command{
	name: "metrics", args: "",
	summary: "print the devices' figures for Prometheus, or write them for node_exporter",
	help: `Reads every device once, as query does (about a second, for a solar
keyboard's light report), and prints its figures in the Prometheus text
format: one series per device and metric, labelled with the device's
identity (receiver_serial, wpid, serial, name, kind, family):

  helio_device_online              1 in range, 0 asleep or out of range
  helio_battery_charge_ratio       0 to 1, where the device gives a percentage
                                   (approximate="true" for coarse steps or an estimate)
  helio_battery_voltage_volts      where the device measures its voltage
  helio_battery_level              1 for the level a device that reports levels is at
  helio_battery_status             1 for what the battery is doing
  helio_light_lux                  a solar keyboard's light
  helio_reading_timestamp_seconds  when the device confirmed its figures

A figure the device does not give has no series.

With --textfile DIR it writes them instead to DIR/helio.prom, which
node_exporter's textfile collector reads (DIR is its
--collector.textfile.directory; Debian's is
/var/lib/prometheus/node-exporter), replacing the file atomically: a
directory that is missing, read-only or full is an error, and the previous
file is left whole. Run it from a timer (helio-metrics.timer, every 5
minutes), or let the tray or "helio export" keep the file current with the
config file's [metrics] textfile. To serve the figures on an address
instead, use "helio export --metrics ADDR" or [metrics] listen.

Examples:
  helio metrics
  helio --backend sim metrics | promtool check metrics
  helio metrics --textfile /var/lib/prometheus/node-exporter`,
	bind: func(fs *flag.FlagSet) runFunc {
		o := &metricsOpts{}
		fs.StringVar(&o.textfile, "textfile", "", "write DIR/helio.prom for node_exporter's textfile collector instead of printing (`DIR` is its --collector.textfile.directory)")
		return func(ctx context.Context, a *app, args []string) error { return runMetrics(ctx, a, o, args) }
	},
}

func runMetrics(ctx context.Context, a *app, o *metricsOpts, args []string) error {
	if len(args) > 0 {
		return exitf(ExitUsage, "metrics takes no arguments")
	}
	// Refused before the devices are read, not after.
	if o.textfile != "" {
		if err := metrics.CheckDir(o.textfile); err != nil {
			return err
		}
	}
	s, done, err := a.open(ctx, true)
	if err != nil {
		return err
	}
	defer done()
	var all []sensors.State
	for _, ss := range s.Read(ctx, nil) {
		all = append(all, ss...)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.textfile != "" {
		return metrics.WriteTextfile(ctx, o.textfile, all)
	}
	return metrics.Write(a.env.Stdout, all)
}
