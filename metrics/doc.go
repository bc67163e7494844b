// Package metrics gives Helio's readings to Prometheus: the figures of
// every device in the Prometheus text format, served on /metrics by a
// [Server] or written atomically for node_exporter's textfile collector
// ([WriteTextfile], and [Textfile] in a process that runs for hours). It
// is made with Prometheus's own client library, so the format is the one
// Prometheus reads.
//
// It exists for fleets: node_exporter's power_supply collector sees only
// the devices a kernel driver binds (no Bolt receiver's), reports no lux,
// turns a device that reports levels into a made-up capacity, and
// numbers hidpp_battery_N afresh on every probe. Here every device keeps
// one identity across receivers' ports, probes and reboots.
//
// # Metrics
//
// One series per device and metric, with these labels, the device's
// stable identity and what people group by:
//
//	receiver_serial  the receiver's serial (8 hex digits; 32 for Bolt)
//	wpid             the device's wireless product id, 4 lowercase hex digits
//	serial           the device's serial
//	name             the device's name, as it gives it (control characters escaped)
//	kind             keyboard, mouse, ...
//	family           the receiver's family: Unifying, Bolt, Nano, Lightspeed;
//	                 for a device reached without a receiver, its bus
//	                 ("bluetooth"), receiver_serial being empty
//
// The metrics, each only where Helio has the figure, so that an absent
// series means "not known", never zero:
//
//	helio_device_online              1 in range, 0 asleep or out of range
//	helio_battery_charge_ratio       charge, 0 to 1, where the device gives a percentage;
//	                                 label approximate="true" for coarse steps or an estimate from a voltage
//	helio_battery_voltage_volts      the battery's voltage, where the device measures it
//	helio_battery_level              where the device reports a level: one series per level
//	                                 (level="critical", "low", "good", "full"), 1 for the one it is at
//	helio_battery_status             one series per status (status="discharging", "charging", "full",
//	                                 "not_charging", "error", "unknown"), 1 for the battery's
//	helio_light_lux                  the light on a solar keyboard's cells, from its last light report
//	helio_reading_timestamp_seconds  when the figures were last confirmed by the device
//
// A device out of range keeps its last figures, as UPower shows them:
// helio_device_online says it is gone and helio_reading_timestamp_seconds
// how old they are. The timestamp is when the device last confirmed a
// figure (a reading, a battery event, a light report), not when Prometheus
// asked: a K750 unchanged for an hour still confirms its charge and light
// at every scheduled light report.
//
// # Listening
//
// [Listen] takes HOST:PORT, or :PORT and PORT for the loopback alone:
// a listener beyond the loopback is never a default, and says so in the
// log when asked for. A [Server] keeps a scraper that hangs or floods
// from costing the process its memory or its readings: a bounded number
// of connections, deadlines on every request, the text rendered again
// only when a figure changed or was confirmed, and no compression.
package metrics
