package transport

import "testing"

func TestFamilyOf(t *testing.T) {
	tests := []struct {
		pid  uint16
		want Family
	}{
		{0xc52b, FamilyUnifying}, {0xc532, FamilyUnifying}, {0xc548, FamilyBolt},
		{0xc534, FamilyNano}, {0xc547, FamilyLightspeed}, {0x4002, FamilyUnknown},
	}
	for _, tt := range tests {
		if got := FamilyOf(tt.pid); got != tt.want {
			t.Errorf("FamilyOf(%04x) = %s, want %s", tt.pid, got, tt.want)
		}
	}
	if !IsReceiver(0x046d, 0xc5ff) || IsReceiver(0x046d, 0x4002) || IsReceiver(0x1234, 0xc52b) {
		t.Error("IsReceiver misjudges")
	}
}
