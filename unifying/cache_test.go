package unifying_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/unifying"
)

var (
	cachedMouse = unifying.Known{Codename: "MX Master 3", Device: hidpp.Known{Protocol: hidpp.Protocol{Major: 4, Minor: 5},
		Features: map[hidpp.FeatureID]byte{hidpp.FeatureBatteryStatus: 5, hidpp.FeatureUnifiedBattery: 0},
		Name:     "MX Master 3 Wireless Mouse", BatteryCaps: []byte{0x0A, 0x02},
		Verified: time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC),
		Reading:  &hidpp.Reading{Feature: hidpp.FeatureBatteryStatus, Payload: []byte{0x50, 0x46, 0x00}}}}
	cachedReceiver = unifying.KnownReceiver{Plugging: "boot1/0003:046D:C52B.0003", PID: 0xC52B, Serial: "E0662192",
		Firmware: "24.11.B0036", Bootloader: "02.09", MaxDevices: 6, Listed: true,
		Slots: []unifying.Slot{{Index: 1, WPID: 0x4082, Serial: "1A2B3C4D", Kind: hidpp.KindMouse, ReportInterval: 8, PowerSwitch: 1}}}
)

// TestFileCache_Receivers: receivers and devices come back from the file as
// they were stored.
func TestFileCache_Receivers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "devices.json")
	c := unifying.OpenFileCache(path)
	c.Store("E0662192-4082-1A2B3C4D", cachedMouse)
	c.StoreReceiver("hidraw usb-0000:00:14.0-2/input2", cachedReceiver)
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	c = unifying.OpenFileCache(path)
	if w := c.Warning(); w != nil {
		t.Fatal(w)
	}
	if k, ok := c.Load("E0662192-4082-1A2B3C4D"); !ok || !reflect.DeepEqual(k, cachedMouse) {
		t.Errorf("Load = %+v, %v\nwant %+v", k, ok, cachedMouse)
	}
	if k, ok := c.LoadReceiver("hidraw usb-0000:00:14.0-2/input2"); !ok || !reflect.DeepEqual(k, cachedReceiver) {
		t.Errorf("LoadReceiver = %+v, %v\nwant %+v", k, ok, cachedReceiver)
	}
}

// TestFileCache_Edited: an entry changed outside Helio, by hand or by
// damage, is dropped and said once; the others stay, and the file is
// rewritten.
func TestFileCache_Edited(t *testing.T) {
	tests := []struct {
		name, from, to string
		dropped        string // the entry dropped: mouse, K750 or receiver
	}{
		{"a feature index", `"4096": 5`, `"4096": 30`, "mouse"},
		{"the confirmed reading's date", `"verified": "2026-07-01T12:00:00Z"`, `"verified": "2036-07-01T12:00:00Z"`, "mouse"},
		{"the receiver's serial", `"serial": "E0662192"`, `"serial": "E0662193"`, "receiver"},
		{"a slot's serial", `"serial": "1A2B3C4D"`, `"serial": "1A2B3C4E"`, "receiver"},
		{"the sum itself (the K750's comes first)", `"sum": "`, `"sum": "0`, "K750"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "devices.json")
			c := unifying.OpenFileCache(path)
			c.Store("E0662192-4082-1A2B3C4D", cachedMouse)
			c.Store("E0662192-4002-750C0DE2", unifying.Known{Codename: "K750"})
			c.StoreReceiver("hidraw usb-0000:00:14.0-2/input2", cachedReceiver)
			if err := c.Flush(); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			edited := strings.Replace(string(b), tt.from, tt.to, 1)
			if edited == string(b) {
				t.Fatalf("%s not in the file:\n%s", tt.from, b)
			}
			if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
				t.Fatal(err)
			}
			c = unifying.OpenFileCache(path)
			if w := c.Warning(); w == nil || !strings.Contains(w.Error(), "changed outside Helio") {
				t.Errorf("Warning() = %v, want the change said", w)
			}
			_, mouse := c.Load("E0662192-4082-1A2B3C4D")
			_, k750 := c.Load("E0662192-4002-750C0DE2")
			_, recv := c.LoadReceiver("hidraw usb-0000:00:14.0-2/input2")
			got := map[string]bool{"mouse": mouse, "K750": k750, "receiver": recv}
			for entry, kept := range got {
				if kept == (entry == tt.dropped) {
					t.Errorf("after the edit: %v; want only the %s's entry dropped", got, tt.dropped)
					break
				}
			}
			if err := c.Flush(); err != nil {
				t.Fatal(err)
			}
			if w := unifying.OpenFileCache(path).Warning(); w != nil {
				t.Errorf("the file was not rewritten: %v", w)
			}
		})
	}
}
