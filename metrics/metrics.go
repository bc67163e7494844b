package metrics

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/escape"
	"github.com/helio-linux/helio/sensors"
)

// The metrics' names.
const (
	NameOnline    = "helio_device_online"
	NameCharge    = "helio_battery_charge_ratio"
	NameVoltage   = "helio_battery_voltage_volts"
	NameLevel     = "helio_battery_level"
	NameStatus    = "helio_battery_status"
	NameLux       = "helio_light_lux"
	NameTimestamp = "helio_reading_timestamp_seconds"
)

// deviceLabels are the labels of every series: the device's identity, in
// the order of [labelValues].
var deviceLabels = []string{"receiver_serial", "wpid", "serial", "name", "kind", "family"}

func withLabel(l string) []string {
	return append(deviceLabels[:len(deviceLabels):len(deviceLabels)], l)
}

var (
	descOnline = prometheus.NewDesc(NameOnline,
		"Whether the device is in range of its receiver: 1 yes, 0 asleep, switched off or out of range.",
		deviceLabels, nil)
	descCharge = prometheus.NewDesc(NameCharge,
		"The battery's charge as a ratio of full, where the device gives a percentage; approximate is true for coarse steps or an estimate from the voltage.",
		withLabel("approximate"), nil)
	descVoltage = prometheus.NewDesc(NameVoltage,
		"The battery's voltage, where the device measures it.",
		deviceLabels, nil)
	descLevel = prometheus.NewDesc(NameLevel,
		"The battery level the device reports, where it reports levels: 1 for the level it is at, 0 for the others.",
		withLabel("level"), nil)
	descStatus = prometheus.NewDesc(NameStatus,
		"What the battery is doing: 1 for its status, 0 for the others; a solar keyboard charges above 200 lux.",
		withLabel("status"), nil)
	descLux = prometheus.NewDesc(NameLux,
		"The light on a solar keyboard's cells, in lux, from its last light report.",
		deviceLabels, nil)
	descTimestamp = prometheus.NewDesc(NameTimestamp,
		"When the device last confirmed its figures, in seconds since the Unix epoch.",
		deviceLabels, nil)
)

// levels are the values of helio_battery_level's level label.
var levels = []hidpp.Level{hidpp.LevelCritical, hidpp.LevelLow, hidpp.LevelGood, hidpp.LevelFull}

// statuses are the values of helio_battery_status's status label, each
// with the status word of [sensors.State.StatusWord] it stands for.
var statuses = []struct{ label, word string }{
	{"discharging", "discharging"},
	{"charging", "charging"},
	{"full", "full"},
	{"not_charging", "not charging"},
	{"error", "battery error"},
	{"unknown", ""},
}

// Collector is a [prometheus.Collector] of every device's figures. Each
// collection asks its states function for the devices' current states
// ([sensors.Monitor.States] in a resident process) and reports them as
// they are: nothing is cached, so a scrape is never staler than the
// monitor. It is safe for concurrent use when the states function is.
type Collector struct {
	states func() []sensors.State
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector of the states that states returns at
// each collection.
func NewCollector(states func() []sensors.State) *Collector {
	return &Collector{states: states}
}

// Describe sends the descriptions of every metric the collector reports.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOnline, descCharge, descVoltage, descLevel, descStatus, descLux, descTimestamp} {
		ch <- d
	}
}

// Collect sends the figures of every device, once per identity.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	seen := map[string]bool{}
	for _, s := range c.states() {
		if seen[s.ID] {
			continue // two series of the same labels would fail the whole scrape
		}
		seen[s.ID] = true
		collect(ch, s)
	}
}

// collect sends the figures of one device.
func collect(ch chan<- prometheus.Metric, s sensors.State) {
	lv := labelValues(s)
	gauge := func(d *prometheus.Desc, v float64, extra ...string) {
		m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, v, append(lv[:len(lv):len(lv)], extra...)...)
		if err != nil {
			// Label values are escaped to valid UTF-8, so this is a bug;
			// it fails this series, not the process.
			m = prometheus.NewInvalidMetric(d, err)
		}
		ch <- m
	}
	gauge(descOnline, bit(s.Online))
	if b := s.Battery; b != nil {
		if b.HasPercent {
			gauge(descCharge, float64(min(max(b.Percent, 0), 100))/100, strconv.FormatBool(b.Approximate))
		}
		if b.VoltageMV > 0 {
			gauge(descVoltage, float64(b.VoltageMV)/1000)
		}
		if b.Level >= hidpp.LevelCritical && b.Level <= hidpp.LevelFull {
			for _, l := range levels {
				gauge(descLevel, bit(b.Level == l), l.String())
			}
		}
	}
	if s.Battery != nil || s.Light != nil {
		word := s.StatusWord()
		for _, st := range statuses {
			gauge(descStatus, bit(word == st.word), st.label)
		}
	}
	if s.Light != nil {
		gauge(descLux, float64(s.Light.Lux))
	}
	if t := confirmed(s); !t.IsZero() {
		gauge(descTimestamp, float64(t.UnixMilli())/1000)
	}
}

// labelValues are the values of [deviceLabels] for s. What comes from the
// device (its name, its serials) is escaped as every text output of
// Helio escapes it: a scrape printed on a terminal moves no cursor, and
// the values are valid UTF-8, as Prometheus requires.
func labelValues(s sensors.State) []string {
	family := string(s.Receiver.Family)
	switch {
	case s.Direct && s.Bus != 0:
		family = s.Bus.String()
	case family == "":
		family = "unknown"
	}
	return []string{escape.Text(s.Receiver.Serial), fmt.Sprintf("%04x", s.WPID), escape.Text(s.Serial), escape.Text(s.Name),
		s.Kind.String(), family}
}

// confirmed is when s's figures were last confirmed: its battery or its
// light, whichever is later; zero when neither ever was.
func confirmed(s sensors.State) time.Time {
	t := s.BatteryTime
	if s.LightTime.After(t) {
		t = s.LightTime
	}
	return t
}

func bit(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Write writes the figures of states to w in the Prometheus text format,
// as a scrape of /metrics returns them and node_exporter's textfile
// collector reads them, sorted by metric and labels.
func Write(w io.Writer, states []sensors.State) error {
	reg := prometheus.NewRegistry()
	if err := reg.Register(NewCollector(func() []sensors.State { return states })); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	families, err := reg.Gather()
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	for _, f := range families {
		if _, err := expfmt.MetricFamilyToText(w, f); err != nil {
			return fmt.Errorf("metrics: writing: %w", err)
		}
	}
	return nil
}
