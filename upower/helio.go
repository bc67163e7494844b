package upower

import (
	"errors"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/transport"
)

// HelioInterface is the interface every device object carries beside
// UPower's. Its one property, [StateProperty], is Helio's whole
// [sensors.State] of the device, so that a client (the window, "helio
// query" asking a running tray) shows what the tray shows, word for word.
// UPower's properties cannot carry it: they have no "approximate", no
// status beside a level, no error, and a solar keyboard at 0 lux reads as
// a device without cells. UPower's own clients ignore an interface they do
// not know.
const HelioInterface = "io.github.helio.Device"

// ServiceInterface is the interface the root object carries beside
// UPower's: what a client needs to know of the Helio that serves it. Its
// properties are Pid (u), the serving process, and Backend (s), the
// --backend its monitor reads.
const ServiceInterface = "io.github.helio.Service"

const (
	servicePID     = "Pid"
	serviceBackend = "Backend"
)

// StateProperty is [HelioInterface]'s one property, a{sv}: the state as
// [StateDict] writes it. One property rather than one per field, so that
// every change reaches a client whole, in one PropertiesChanged.
const StateProperty = "State"

// The keys of [StateProperty], with their D-Bus types. Unknown figures
// read -1 (or "" for words, 0 for times in Unix milliseconds).
const (
	propID          = "Id"          // s: sensors.State.ID (wpid and unit id)
	propName        = "Name"        // s
	propCodename    = "Codename"    // s
	propKind        = "Kind"        // s: hidpp.Kind name
	propWPID        = "Wpid"        // q
	propSerial      = "Serial"      // s
	propSlot        = "Slot"        // y
	propProtocol    = "Protocol"    // s
	propReceiver    = "Receiver"    // s: receiver serial
	propReceiverPID = "ReceiverPid" // q
	propFamily      = "Family"      // s: the receiver's family (Unifying, Bolt, ...)
	propFirmware    = "Firmware"    // s: the receiver's firmware
	propNode        = "Node"        // s: the receiver's device node, or the device's own
	propDirect      = "Direct"      // b: reached without a receiver (optional: false when absent)
	propBus         = "Bus"         // s: transport.Bus name, "" unknown (optional)
	propUnitID      = "UnitId"      // s: "" unknown (optional)
	propNoBattery   = "NoBattery"   // b: reports no battery (optional)
	propOnline      = "Online"      // b
	propSolar       = "Solar"       // b
	propHasBattery  = "HasBattery"  // b
	propPercent     = "Percent"     // i: -1 unknown
	propApproximate = "Approximate" // b
	propLevel       = "Level"       // s: hidpp.Level name
	propStatus      = "Status"      // s: hidpp.Status name
	propVoltage     = "VoltageMv"   // i: 0 unknown
	propLux         = "Lux"         // i: -1 unknown
	propBatteryTime = "BatteryTime" // x: Unix ms, 0 unknown
	propLightTime   = "LightTime"   // x
	propSeenTime    = "SeenTime"    // x
	propTrend       = "Trend"       // s: sensors.Trend name
	propRemaining   = "RemainingS"  // t: seconds, 0 unknown
	propError       = "Error"       // s: "" none
)

// StateDict is st as [StateProperty] carries it.
func StateDict(st sensors.State) map[string]dbus.Variant {
	p := map[string]any{
		propID: st.ID, propName: st.Name, propCodename: st.Codename, propKind: st.Kind.String(),
		propWPID: st.WPID, propSerial: st.Serial, propSlot: st.Index, propProtocol: st.Protocol,
		propReceiver: st.Receiver.Serial, propReceiverPID: st.Receiver.PID, propFamily: string(st.Receiver.Family),
		propFirmware: st.Receiver.Firmware, propNode: st.Receiver.Path, propOnline: st.Online, propSolar: st.Solar,
		propHasBattery: st.Battery != nil, propPercent: int32(-1), propApproximate: false,
		propLevel: hidpp.LevelUnknown.String(), propStatus: hidpp.StatusUnknown.String(), propVoltage: int32(0),
		propLux: int32(-1), propBatteryTime: unixMilli(st.BatteryTime), propLightTime: unixMilli(st.LightTime),
		propSeenTime: unixMilli(st.SeenTime), propTrend: st.Trend.String(), propRemaining: uint64(st.Remaining / time.Second),
		propError: "", propDirect: st.Direct, propBus: st.Bus.String(), propUnitID: st.UnitID, propNoBattery: st.NoBattery,
	}
	if b := st.Battery; b != nil {
		if b.HasPercent {
			p[propPercent] = int32(b.Percent)
		}
		p[propApproximate], p[propLevel], p[propStatus], p[propVoltage] = b.Approximate, b.Level.String(), b.Status.String(), int32(b.VoltageMV)
	}
	if st.Light != nil {
		p[propLux] = int32(st.Light.Lux)
	}
	if st.Err != nil {
		p[propError] = st.Err.Error()
	}
	out := make(map[string]dbus.Variant, len(p))
	for k, v := range p {
		out[k] = dbus.MakeVariant(v)
	}
	return out
}

func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromUnixMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// ErrNotHelio is wrapped by [StateOf]'s error when a dictionary is not
// what [StateDict] writes: a service that is not Helio's, or another
// version of it.
var ErrNotHelio = errors.New("upower: not the properties of " + HelioInterface)

// remoteError is a device's reading error as a client receives it: its
// text, which is all the bus carries.
type remoteError string

func (e remoteError) Error() string { return string(e) }

// StateOf reads a state back from the dictionary [StateDict] wrote. A
// missing key or a value of another type is an error wrapping
// [ErrNotHelio]; a kind, level, status or trend word this version does not
// know reads as unknown.
func StateOf(props map[string]dbus.Variant) (sensors.State, error) {
	var missing []string
	get := func(name string, into any) {
		v, ok := props[name]
		if !ok {
			missing = append(missing, name)
			return
		}
		if err := v.Store(into); err != nil {
			missing = append(missing, name+" ("+v.Signature().String()+")")
		}
	}
	var (
		st                                 sensors.State
		kind, level, status, trend, errTxt string
		family                             string
		hasBattery, approximate            bool
		percent, voltage, lux              int32
		batteryMS, lightMS, seenMS         int64
		remaining                          uint64
	)
	get(propID, &st.ID)
	get(propName, &st.Name)
	get(propCodename, &st.Codename)
	get(propKind, &kind)
	get(propWPID, &st.WPID)
	get(propSerial, &st.Serial)
	get(propSlot, &st.Index)
	get(propProtocol, &st.Protocol)
	get(propReceiver, &st.Receiver.Serial)
	get(propReceiverPID, &st.Receiver.PID)
	get(propFamily, &family)
	get(propFirmware, &st.Receiver.Firmware)
	get(propNode, &st.Receiver.Path)
	get(propOnline, &st.Online)
	get(propSolar, &st.Solar)
	get(propHasBattery, &hasBattery)
	get(propPercent, &percent)
	get(propApproximate, &approximate)
	get(propLevel, &level)
	get(propStatus, &status)
	get(propVoltage, &voltage)
	get(propLux, &lux)
	get(propBatteryTime, &batteryMS)
	get(propLightTime, &lightMS)
	get(propSeenTime, &seenMS)
	get(propTrend, &trend)
	get(propRemaining, &remaining)
	get(propError, &errTxt)
	// Keys a Helio before Bluetooth devices did not send: absent, their
	// zero values hold.
	var bus string
	optional := func(name string, into any) {
		if _, ok := props[name]; ok {
			get(name, into)
		}
	}
	optional(propDirect, &st.Direct)
	optional(propBus, &bus)
	optional(propUnitID, &st.UnitID)
	optional(propNoBattery, &st.NoBattery)
	if len(missing) > 0 {
		return sensors.State{}, fmt.Errorf("%w: missing or mistyped %v", ErrNotHelio, missing)
	}
	st.Kind, _ = hidpp.ParseKind(kind)
	st.Receiver.Family = transport.Family(family)
	st.Bus, _ = transport.ParseBus(bus)
	if hasBattery {
		b := &hidpp.Battery{Percent: max(int(percent), 0), HasPercent: percent >= 0, Approximate: approximate, VoltageMV: int(voltage)}
		b.Level, _ = hidpp.ParseLevel(level)
		b.Status, _ = hidpp.ParseStatus(status)
		st.Battery = b
	}
	if lux >= 0 {
		st.Light = &sensors.Light{Lux: int(lux)}
	}
	st.BatteryTime, st.LightTime, st.SeenTime = fromUnixMilli(batteryMS), fromUnixMilli(lightMS), fromUnixMilli(seenMS)
	st.Trend = sensors.ParseTrend(trend)
	st.Remaining = time.Duration(remaining) * time.Second
	if errTxt != "" {
		st.Err = remoteError(errTxt)
	}
	return st, nil
}
