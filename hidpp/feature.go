package hidpp

import "fmt"

// FeatureID is a HID++ 2.0 feature identifier, such as 0x1000 for battery
// status. Devices list their features in a table; requests address a feature
// by its index in that table, found with IRoot.GetFeature.
type FeatureID uint16

// Features Helio uses or names.
const (
	FeatureRoot            FeatureID = 0x0000 // IRoot: GetFeature, GetProtocolVersion (ping)
	FeatureSet             FeatureID = 0x0001 // IFeatureSet: the feature table
	FeatureFirmware        FeatureID = 0x0003 // device firmware and information
	FeatureName            FeatureID = 0x0005 // device name and type
	FeatureBatteryStatus   FeatureID = 0x1000 // battery level status
	FeatureBatteryVoltage  FeatureID = 0x1001 // battery voltage
	FeatureUnifiedBattery  FeatureID = 0x1004 // unified battery
	FeatureReprogControls  FeatureID = 0x1B00 // reprogrammable keys
	FeatureWirelessStatus  FeatureID = 0x1D4B // wireless device status (events)
	FeatureADCMeasurement  FeatureID = 0x1F20 // ADC measurement (headsets)
	FeatureFnInversion     FeatureID = 0x40A0 // Fn inversion
	FeatureEncryption      FeatureID = 0x4100 // encryption
	FeatureSolarDashboard  FeatureID = 0x4301 // solar keyboard dashboard (K750)
	FeatureKeyboardLayout  FeatureID = 0x4520 // keyboard layout
	FeatureHiResWheel      FeatureID = 0x2121 // hi-res wheel
	FeatureReprogControls4 FeatureID = 0x1B04 // reprogrammable keys v4
)

var featureNames = map[FeatureID]string{
	FeatureRoot:            "root",
	FeatureSet:             "feature set",
	FeatureFirmware:        "device firmware",
	FeatureName:            "device name",
	FeatureBatteryStatus:   "battery status",
	FeatureBatteryVoltage:  "battery voltage",
	FeatureUnifiedBattery:  "unified battery",
	FeatureReprogControls:  "reprogrammable keys",
	FeatureReprogControls4: "reprogrammable keys v4",
	FeatureWirelessStatus:  "wireless device status",
	FeatureADCMeasurement:  "ADC measurement",
	FeatureFnInversion:     "Fn inversion",
	FeatureEncryption:      "encryption",
	FeatureSolarDashboard:  "solar dashboard",
	FeatureKeyboardLayout:  "keyboard layout",
	FeatureHiResWheel:      "hi-res wheel",
}

// String prints the ID in hex with its name when known: "0x4301 solar dashboard".
func (f FeatureID) String() string {
	if n, ok := featureNames[f]; ok {
		return fmt.Sprintf("0x%04X %s", uint16(f), n)
	}
	return fmt.Sprintf("0x%04X", uint16(f))
}

// Feature type flags, from IRoot.GetFeature and IFeatureSet.GetFeatureID.
const (
	FeatureObsolete = 0x80
	FeatureHidden   = 0x40
	FeatureInternal = 0x20
)

// FeatureInfo is one entry of a device's feature table.
type FeatureInfo struct {
	ID      FeatureID
	Index   byte // 0 means the device does not have the feature
	Flags   byte // FeatureObsolete, FeatureHidden, FeatureInternal
	Version byte
}

// Protocol is a device's HID++ protocol version: 1.0 for register devices,
// 2.0 for the first feature devices (the K750), 4.x for recent ones.
type Protocol struct {
	Major, Minor byte
}

// Protocol10 is HID++ 1.0.
var Protocol10 = Protocol{1, 0}

// IsFeatureBased reports whether the device speaks HID++ 2.0 or later.
func (p Protocol) IsFeatureBased() bool { return p.Major >= 2 }

func (p Protocol) String() string {
	if p.Major == 0 {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d", p.Major, p.Minor)
}

// ParseProtocol parses "1.0", "2.0", "4.5".
func ParseProtocol(s string) (Protocol, error) {
	var p Protocol
	if _, err := fmt.Sscanf(s, "%d.%d", &p.Major, &p.Minor); err != nil || p.Major == 0 || p.String() != s {
		return Protocol{}, fmt.Errorf("hidpp: bad protocol version %q (want 1.0, 2.0, 4.5, ...)", s)
	}
	return p, nil
}
