package hidpp_test

import (
	"strings"
	"testing"

	"github.com/helio-linux/helio/hidpp"
)

type describeCase struct {
	name     string
	report   string
	features map[byte]hidpp.FeatureID
	want     []string // substrings that must appear
	not      []string // substrings that must not
}

func TestDescribe(t *testing.T) {
	m705 := map[byte]hidpp.FeatureID{6: hidpp.FeatureBatteryStatus, 4: hidpp.FeatureWirelessStatus}
	voltage := map[byte]hidpp.FeatureID{7: hidpp.FeatureBatteryVoltage}
	unified := map[byte]hidpp.FeatureID{8: hidpp.FeatureUnifiedBattery}
	k750 := map[byte]hidpp.FeatureID{9: hidpp.FeatureSolarDashboard}
	tests := []describeCase{
		// §6.3 / §10 "Back alive": K800 connection notifications.
		{name: "K800 link up", report: k800LinkUp,
			want: []string{"short", "device 2", "Unifying", "keyboard", "link up", "encrypted", "wpid 2010"},
			not:  []string{"link down"}},
		{name: "K800 link down while pairing", report: k800LinkDown,
			want: []string{"Unifying", "keyboard", "link down", "wpid 2010"},
			not:  []string{"link up"}},
		{name: "Bolt connection", report: "10 01 41 10 02 6D 40",
			want: []string{"Bolt", "mouse", "link up", "wpid 406D"}},
		// §10 raw traces: 0xB5 replies.
		{name: "codename K800", report: b5Codename,
			want: []string{"long", "receiver", "get long register 0xB5", "pairing information", "device 1", `codename "K800"`}},
		{name: "receiver info", report: b5ReceiverInfo,
			want: []string{"receiver info", "serial AF4F95EA", "max devices 6"}},
		{name: "extended pairing", report: b5ExtPairing,
			want: []string{"device 1 extended pairing", "serial FB841B86"}},
		// Solaar's test data: wpid 0x4082, 8 ms, kind 2 (mouse).
		{name: "pairing info", report: "11 FF 83 B5 20 20 08 40 82 04 02 02 07 00 00 00 00 00 00 00",
			want: []string{"device 1 pairing", "wpid 4082", "mouse", "report interval 8 ms"}},
		{name: "0xB5 request", report: "10 FF 83 B5 40 00 00",
			want: []string{"get long register 0xB5", "sub-register 0x40"}},
		// §5: K800 answering a ping with a HID++ 1.0 error.
		{name: "K800 ping error", report: k800PingError,
			want: []string{"device 1", "HID++ 1.0 error 0x01 (invalid sub-ID)"}},
		// §10 M705: `81 F1 00` -> error `8F 81 F1 03`.
		{name: "M705 F1 error", report: "10 03 8F 81 F1 03 00",
			want: []string{"HID++ 1.0 error 0x03 (invalid value)", "0x81", "0xF1"}},
		{name: "offline", report: "10 02 8F 81 0D 09 00",
			want: []string{"resource error"}},
		// §10 M705: `81 0D` -> `64 47 34`.
		{name: "M705 register 0x0D", report: m705Reg0D,
			want: []string{"device 3", "get register 0x0D", "battery mileage", "100 %", "discharging"}},
		{name: "K800 register 0x07", report: "10 02 81 07 07 00 00",
			want: []string{"battery status", "level full", "discharging"}},
		{name: "register 0x0D malformed", report: "10 03 81 0D FF 47 34",
			want: []string{"malformed"}},
		// A request: all-zero payload.
		{name: "register read request", report: "10 FF 81 02 00 00 00",
			want: []string{"get register 0x02", "connection state"}, not: []string{"devices connected"}},
		{name: "connection state", report: "10 FF 81 02 00 01 00",
			want: []string{"1 devices connected"}},
		{name: "notification flags read", report: "10 FF 81 00 00 09 00",
			want: []string{"notification flags", "flags 0x000900"}},
		{name: "notification flags write", report: "10 FF 80 00 00 09 00",
			want: []string{"set register 0x00", "notification flags", "00 09 00"}},
		{name: "firmware selector", report: "10 FF 81 F1 01 00 00",
			want: []string{"firmware information", "selector 0x01"}},
		{name: "firmware value", report: "10 FF 81 F1 01 24 11",
			want: []string{"selector 0x01 value 24.11"}},
		{name: "pairing lock open", report: "10 FF 4A 01 00 00 00",
			want: []string{"pairing lock open", "error 0"}},
		{name: "pairing lock closed timeout", report: "10 FF 4A 00 01 00 00",
			want: []string{"pairing lock closed", "error 1"}},
		{name: "Bolt unpaired", report: "10 01 40 02 00 00 00",
			want: []string{"device unpaired"}},
		// §4: HID++ 2.0 error.
		{name: "2.0 invalid feature index", report: err20InvalidIndex,
			want: []string{"HID++ 2.0 error 0x06", "invalid feature index", "feature index 9", "function 1", "software ID 6"}},
		// §5: ping and its reply, GetFeature and its replies.
		{name: "kernel ping", report: "10 01 00 11 00 00 5A",
			want: []string{"ping", "0x5A", "software ID 1"}},
		{name: "ping reply", report: "11 01 00 11 04 05 5A 00 00 00 00 00 00 00 00 00 00 00 00 00",
			want: []string{"ping reply", "HID++ 4.5", "0x5A"}},
		{name: "GetFeature", report: "10 01 00 06 43 01 00",
			want: []string{"IRoot.GetFeature", "0x4301 solar dashboard", "software ID 6"}},
		{name: "GetFeature reply", report: "11 01 00 06 09 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
			want: []string{"GetFeature reply", "index 9"}},
		{name: "GetFeature absent", report: "11 01 00 06 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
			want: []string{"feature absent"}},
		// §9 0x4301: the 2012 capture, with and without the feature table.
		{name: "solar capture", report: solarCapture,
			want: []string{"device 2", "solar light report", "57 %", "12 lux", "GOOD marker"}},
		{name: "solar capture, table known", report: solarCapture, features: k750,
			want: []string{"solar dashboard", "57 %", "12 lux"}, not: []string{"GOOD marker"}},
		{name: "solar button", report: "11 02 09 20 39 00 0C 06 1D 47 4F 4F 44 00 00 00 00 00 00 00",
			want: []string{"light button", "57 %"}, not: []string{"lux"}},
		{name: "solar reply is no event", report: "11 02 09 16 39 00 0C 06 1D 47 4F 4F 44 00 00 00 00 00 00 00",
			not: []string{"solar"}},
		{name: "solar bad charge", report: "11 02 09 10 FF 00 0C 06 1D 47 4F 4F 44 00 00 00 00 00 00 00",
			want: []string{"malformed"}},
		// Battery features with the table known.
		{name: "0x1000 event", report: "11 01 06 00 32 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00", features: m705,
			want: []string{"battery status", "event 0", "50 %", "discharging"}},
		{name: "0x1000 reply", report: "11 01 06 06 50 20 00 00 00 00 00 00 00 00 00 00 00 00 00 00", features: m705,
			want: []string{"function 0", "software ID 6", "80 %", "discharging"}},
		{name: "0x1001 event", report: "11 01 07 00 10 04 81 00 00 00 00 00 00 00 00 00 00 00 00 00", features: voltage,
			want: []string{"battery voltage", "4100 mV", "full"}},
		{name: "0x1004 event", report: "11 01 08 00 32 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00", features: unified,
			want: []string{"unified battery", "50 %", "level good", "discharging"}},
		{name: "0x1000 malformed", report: "11 01 06 00 FF 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00", features: m705,
			want: []string{"malformed"}},
		{name: "unknown feature", report: "11 01 0C 26 01 02 03 00 00 00 00 00 00 00 00 00 00 00 00 00",
			want: []string{"feature index 12 function 2", "software ID 6", "01 02 03"}},
		{name: "very long", report: "12 01 0C 20 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
			want: []string{"very long", "event 2"}},

		// HID++ 1.0 battery events (§8): payload from byte 3.
		{name: "K800 0x07 event", report: "10 02 07 05 21 00 00",
			want: []string{"battery event", "level good", "charging"}, not: []string{"malformed"}},
		{name: "M705 0x0D event", report: "10 02 0D 44 00 50 00",
			want: []string{"battery event", "68 %", "charging"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rep(t, tt.report)
			got := hidpp.Describe(&r, tt.features)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Describe(%v) = %q, want it to contain %q", r, got, w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(got, w) {
					t.Errorf("Describe(%v) = %q, want it not to contain %q", r, got, w)
				}
			}
		})
	}
}
