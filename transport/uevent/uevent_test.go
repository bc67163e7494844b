package uevent

import (
	"maps"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	msg := func(s string) []byte { return []byte(strings.ReplaceAll(s, "|", "\x00")) }
	tests := []struct {
		name string
		in   []byte
		want map[string]string // nil: not a kernel uevent
	}{
		{"a USB device bound", msg("bind@/devices/platform/dummy_hcd.0/usb1/1-1|ACTION=bind|DEVPATH=/devices/platform/dummy_hcd.0/usb1/1-1|SUBSYSTEM=usb|DEVTYPE=usb_device|PRODUCT=46d/c52b/2411|BUSNUM=001|DEVNUM=002|SEQNUM=9"),
			map[string]string{"ACTION": "bind", "DEVPATH": "/devices/platform/dummy_hcd.0/usb1/1-1", "SUBSYSTEM": "usb",
				"DEVTYPE": "usb_device", "PRODUCT": "46d/c52b/2411", "BUSNUM": "001", "DEVNUM": "002", "SEQNUM": "9"}},
		{"a value holding =", msg("change@/x|ACTION=change|X=a=b|"), map[string]string{"ACTION": "change", "X": "a=b"}},
		{"udev's own message", msg("libudev|\x00garbage"), nil},
		{"no header", msg("ACTION=add|SUBSYSTEM=usb"), nil},
		{"empty", nil, nil},
	}
	for _, tt := range tests {
		kv, ok := Parse(tt.in)
		if ok != (tt.want != nil) || !maps.Equal(kv, tt.want) {
			t.Errorf("%s: Parse = %v, %v; want %v", tt.name, kv, ok, tt.want)
		}
	}
}
