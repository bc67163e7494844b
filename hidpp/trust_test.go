package hidpp_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
)

// The requests and replies of a mouse at index 1 with feature 0x1000, as
// Helio's Conn writes them (software ID 6, first ping byte 1).
const (
	readAt5    = "10 01 05 06 00 00 00" // 0x1000 function 0 at index 5
	readAt6    = "10 01 06 06 00 00 00"
	capsAt6    = "10 01 06 16 00 00 00" // 0x1000 function 1 at index 6
	find1000   = "10 01 00 06 10 00 00" // IRoot.GetFeature(0x1000)
	find1004   = "10 01 00 06 10 04 00"
	ping1      = "10 01 00 16 00 00 01"
	readReg0D  = "10 01 81 0D 00 00 00"
	find4301   = "10 02 00 06 43 01 00" // the K750 at index 2
	light9     = "10 02 09 06 01 01 00" // SetLightMeasure(1, 1) at index 9
	light10    = "10 02 0A 06 01 01 00"
	pingK750   = "10 02 00 16 00 00 01"
	at80       = "11 01 05 06 50 46 00" // 80 %, next level 70 %, discharging
	at79       = "11 01 05 06 4F 46 00"
	offline1   = "10 01 8F 05 06 09 00" // the receiver: device 1 is out of range
	invalidFn  = "11 01 FF 05 06 07"    // HID++ 2.0 error: invalid function
	invalidIx  = "11 01 FF 05 06 06"    // HID++ 2.0 error: invalid feature index
	notFeature = "10 01 8F 05 06 01 00" // HID++ 1.0 error: invalid sub-ID
)

// params is the parameters of a long reply given as a prefix.
func params(s string) []byte { return long20(s)[4:] }

// mouseCache is what a cache holds of the mouse: 0x1000 at index 5, its
// capability (10 levels, mileage), confirmed at verified with the reading
// last.
func mouseCache(verified time.Time, last string) *hidpp.Known {
	k := &hidpp.Known{Protocol: hidpp.Protocol{Major: 4, Minor: 5},
		Features:    map[hidpp.FeatureID]byte{hidpp.FeatureUnifiedBattery: 0, hidpp.FeatureBatteryStatus: 5},
		BatteryCaps: []byte{0x0A, 0x02}, Verified: verified}
	if last != "" {
		k.Reading = &hidpp.Reading{Feature: hidpp.FeatureBatteryStatus, Payload: params(last)}
	}
	return k
}

// TestBattery_Cached: a battery read through a cached table is judged
// before it is believed, in every way the table can be right or wrong.
func TestBattery_Cached(t *testing.T) {
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	hourAgo, twoDaysAgo, tomorrow := now.Add(-time.Hour), now.Add(-48*time.Hour), now.Add(24*time.Hour)
	// The mouse after a firmware update: 0x1000 moved to index 6, and
	// index 5 holds a feature that answers function 0 with zeros.
	moved := map[string][]string{
		readAt5:  {pad20("11 01 05 06 00 00 00")},
		find1000: {pad20("11 01 00 06 06 00 00")},
		ping1:    {pad20("11 01 00 16 04 05 01")},
		find1004: {pad20("11 01 00 06 00 00 00")},
		capsAt6:  {pad20("11 01 06 16 0A 02")},
		readAt6:  {pad20("11 01 06 06 0F 0A 00")}, // 15 %
	}
	tests := []struct {
		name      string
		known     *hidpp.Known
		script    map[string][]string
		figure    string // "" with wantErr
		wantErr   error
		writes    []string
		confirmed bool // the device confirmed the table: Unconfirmed() is false after
		verified  time.Time
		reading   string // the reply whose parameters Known().Reading holds after; "" none
	}{
		{name: "a reading that repeats the last confirmed one is taken",
			known: mouseCache(hourAgo, at80), script: map[string][]string{readAt5: {pad20(at80)}},
			figure: "80 %", writes: []string{readAt5}, verified: hourAgo, reading: at80},
		{name: "a new figure has the table checked",
			known:  mouseCache(hourAgo, at80),
			script: map[string][]string{readAt5: {pad20(at79)}, find1000: {pad20("11 01 00 06 05 00 00")}},
			figure: "79 %", writes: []string{readAt5, find1000}, confirmed: true, verified: now, reading: at79},
		{name: "a repeat past TrustFor has the table checked",
			known:  mouseCache(twoDaysAgo, at80),
			script: map[string][]string{readAt5: {pad20(at80)}, find1000: {pad20("11 01 00 06 05 00 00")}},
			figure: "80 %", writes: []string{readAt5, find1000}, confirmed: true, verified: now, reading: at80},
		{name: "a confirmation dated in the future is not trusted",
			known:  mouseCache(tomorrow, at80),
			script: map[string][]string{readAt5: {pad20(at80)}, find1000: {pad20("11 01 00 06 05 00 00")}},
			figure: "80 %", writes: []string{readAt5, find1000}, confirmed: true, verified: now, reading: at80},
		{name: "no reading confirmed before: the table is checked",
			known:  mouseCache(hourAgo, ""),
			script: map[string][]string{readAt5: {pad20(at80)}, find1000: {pad20("11 01 00 06 05 00 00")}},
			figure: "80 %", writes: []string{readAt5, find1000}, confirmed: true, verified: now, reading: at80},
		{name: "a stale index is found and the table rebuilt: the true figure, not 0 %",
			known: mouseCache(hourAgo, at80), script: moved,
			figure: "15 %", writes: []string{readAt5, find1000, ping1, find1004, readAt6, capsAt6}, confirmed: true, verified: now, reading: "11 01 06 06 0F 0A 00"},
		{name: "a stale index that repeats the last figure, past TrustFor, is found too",
			known: mouseCache(twoDaysAgo, "11 01 05 06 00 00 00"), script: moved,
			figure: "15 %", writes: []string{readAt5, find1000, ping1, find1004, readAt6, capsAt6}, confirmed: true, verified: now, reading: "11 01 06 06 0F 0A 00"},
		{name: "an error reply drops the table",
			known: mouseCache(hourAgo, at80),
			script: map[string][]string{readAt5: {pad20(invalidIx)}, ping1: {pad20("11 01 00 16 04 05 01")},
				find1004: {pad20("11 01 00 06 00 00 00")}, find1000: {pad20("11 01 00 06 06 00 00")},
				capsAt6: {pad20("11 01 06 16 0A 02")}, readAt6: {pad20("11 01 06 06 0F 0A 00")}},
			figure: "15 %", writes: []string{readAt5, ping1, find1000, readAt6, capsAt6}, confirmed: true, verified: now, reading: "11 01 06 06 0F 0A 00"},
		{name: "an undecodable reply has the table checked, and is no figure",
			known:   mouseCache(hourAgo, at80),
			script:  map[string][]string{readAt5: {pad20("11 01 05 06 50 46 0F")}, find1000: {pad20("11 01 00 06 05 00 00")}},
			wantErr: hidpp.ErrMalformed, writes: []string{readAt5, find1000}, confirmed: true, verified: now, reading: at80},
		{name: "another device behind the identity, speaking HID++ 1.0",
			known: mouseCache(hourAgo, at80),
			script: map[string][]string{readAt5: {notFeature}, find1000: {"10 01 8F 00 06 01 00"},
				ping1: {"10 01 8F 00 16 01 00"}, readReg0D: {"10 01 81 0D 0F 00 00"}},
			figure: "15 %", writes: []string{readAt5, find1000, ping1, readReg0D}, confirmed: true, verified: now},
		{name: "out of range: the reading says so, and nothing is judged",
			known: mouseCache(hourAgo, at80), script: map[string][]string{readAt5: {offline1}},
			wantErr: hidpp.ErrOffline, writes: []string{readAt5}, verified: hourAgo, reading: at80},
		{name: "out of range after a new figure: the check says so",
			known:   mouseCache(hourAgo, at80),
			script:  map[string][]string{readAt5: {pad20(at79)}, find1000: {"10 01 8F 00 06 09 00"}},
			wantErr: hidpp.ErrOffline, writes: []string{readAt5, find1000}, verified: hourAgo, reading: at80},
		{name: "HID++ 1.0: the register read is its own confirmation",
			known:  &hidpp.Known{Protocol: hidpp.Protocol10, BatteryRegister: 0x0D, Verified: twoDaysAgo},
			script: map[string][]string{readReg0D: {"10 01 81 0D 64 47 34"}},
			figure: "100 %", writes: []string{readReg0D}, confirmed: true, verified: twoDaysAgo},
		{name: "HID++ 1.0 no longer: an error reply to the register drops the cache",
			known: &hidpp.Known{Protocol: hidpp.Protocol10, BatteryRegister: 0x0D},
			script: map[string][]string{readReg0D: {pad20("11 01 FF 81 0D 06")}, ping1: {pad20("11 01 00 16 04 05 01")},
				find1004: {pad20("11 01 00 06 00 00 00")}, find1000: {pad20("11 01 00 06 06 00 00")},
				capsAt6: {pad20("11 01 06 16 0A 02")}, readAt6: {pad20("11 01 06 06 0F 0A 00")}},
			figure: "15 %", writes: []string{readReg0D, ping1, find1004, find1000, readAt6, capsAt6}, confirmed: true, verified: now, reading: "11 01 06 06 0F 0A 00"},
		{name: "HID++ 1.0 out of range",
			known:   &hidpp.Known{Protocol: hidpp.Protocol10, BatteryRegister: 0x0D},
			script:  map[string][]string{readReg0D: {"10 01 8F 81 0D 09 00"}},
			wantErr: hidpp.ErrOffline, writes: []string{readReg0D}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(scripted(tt.script))
			c := newConn(t, f, &hidpp.Opts{DeviceTimeout: 300 * time.Millisecond, Now: func() time.Time { return now }})
			d := hidpp.NewDevice(c, 1, tt.known)
			b, err := d.Battery(context.Background())
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("Battery() = %s, %v; want an error wrapping %v", b.Figure(), err, tt.wantErr)
			case tt.wantErr == nil && (err != nil || b.Figure() != tt.figure):
				t.Errorf("Battery() = %q, %v; want %q", b.Figure(), err, tt.figure)
			}
			if w := f.writeLog(); fmt.Sprint(w) != fmt.Sprint(tt.writes) {
				t.Errorf("written %q\nwant    %q", w, tt.writes)
			}
			if got := !d.Unconfirmed(); got != tt.confirmed {
				t.Errorf("confirmed = %v, want %v", got, tt.confirmed)
			}
			k := d.Known()
			if !k.Verified.Equal(tt.verified) {
				t.Errorf("Known().Verified = %v, want %v", k.Verified, tt.verified)
			}
			switch {
			case tt.reading == "" && k.Reading != nil:
				t.Errorf("Known().Reading = %+v, want none", k.Reading)
			case tt.reading != "" && (k.Reading == nil || k.Reading.Feature != hidpp.FeatureBatteryStatus ||
				fmt.Sprintf("% X", k.Reading.Payload) != fmt.Sprintf("% X", params(tt.reading))):
				t.Errorf("Known().Reading = %+v, want 0x1000's % X", k.Reading, params(tt.reading))
			}
		})
	}
}

// TestSetLightMeasure_Cached: a request that changes what the keyboard does
// goes through a cached index only while the device confirmed the table
// less than TrustFor ago; past that the index is checked first, and a
// moved feature is never written to at its old index.
func TestSetLightMeasure_Cached(t *testing.T) {
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	k750 := func(verified time.Time) *hidpp.Known {
		return &hidpp.Known{Protocol: hidpp.Protocol{Major: 2}, Verified: verified, Features: map[hidpp.FeatureID]byte{
			hidpp.FeatureUnifiedBattery: 0, hidpp.FeatureBatteryStatus: 0, hidpp.FeatureBatteryVoltage: 0, hidpp.FeatureSolarDashboard: 9}}
	}
	at9 := map[string][]string{find4301: {pad20("11 02 00 06 09 00 00")}, light9: {pad20("11 02 09 06 01 01")}}
	tests := []struct {
		name      string
		known     *hidpp.Known
		script    map[string][]string
		wantErr   error
		writes    []string
		confirmed bool
	}{
		{name: "confirmed an hour ago: written at once", known: k750(now.Add(-time.Hour)), script: at9,
			writes: []string{light9}},
		{name: "confirmed two days ago: checked first", known: k750(now.Add(-48 * time.Hour)), script: at9,
			writes: []string{find4301, light9}, confirmed: true},
		{name: "never confirmed: checked first", known: k750(time.Time{}), script: at9,
			writes: []string{find4301, light9}, confirmed: true},
		{name: "moved since: written at the new index only", known: k750(now.Add(-48 * time.Hour)),
			script: map[string][]string{find4301: {pad20("11 02 00 06 0A 00 00")}, pingK750: {pad20("11 02 00 16 02 00 01")},
				light10: {pad20("11 02 0A 06 01 01")}},
			writes: []string{find4301, pingK750, light10}, confirmed: true},
		{name: "out of range when checked", known: k750(now.Add(-48 * time.Hour)),
			script:  map[string][]string{find4301: {"10 02 8F 00 06 09 00"}},
			wantErr: hidpp.ErrOffline, writes: []string{find4301}},
		{name: "nothing cached: the index is learned", script: at9,
			writes: []string{find4301, light9}, confirmed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(scripted(tt.script))
			c := newConn(t, f, &hidpp.Opts{DeviceTimeout: 300 * time.Millisecond, Now: func() time.Time { return now }})
			d := hidpp.NewDevice(c, 2, tt.known)
			err := d.SetLightMeasure(context.Background(), 1, 1)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) || tt.wantErr == nil && err != nil {
				t.Errorf("SetLightMeasure() = %v, want %v", err, tt.wantErr)
			}
			if w := f.writeLog(); fmt.Sprint(w) != fmt.Sprint(tt.writes) {
				t.Errorf("written %q\nwant    %q", w, tt.writes)
			}
			if got := !d.Unconfirmed(); got != tt.confirmed {
				t.Errorf("confirmed = %v, want %v", got, tt.confirmed)
			}
		})
	}
}

// TestCheckFeature: what the device says of a cached index confirms the
// table or drops it.
func TestCheckFeature(t *testing.T) {
	cached := &hidpp.Known{Protocol: hidpp.Protocol{Major: 2}, Features: map[hidpp.FeatureID]byte{hidpp.FeatureSolarDashboard: 9}}
	tests := []struct {
		name      string
		known     *hidpp.Known
		script    map[string][]string
		held      bool
		wantErr   error
		index     byte
		writes    []string
		confirmed bool
	}{
		{name: "the index holds", known: cached, script: map[string][]string{find4301: {pad20("11 02 00 06 09 00 00")}},
			held: true, index: 9, writes: []string{find4301}, confirmed: true},
		{name: "the feature moved", known: cached,
			script: map[string][]string{find4301: {pad20("11 02 00 06 0A 00 00")}, pingK750: {pad20("11 02 00 16 02 00 01")}},
			index:  10, writes: []string{find4301, pingK750}, confirmed: true},
		{name: "not in the table: looked up", script: map[string][]string{find4301: {pad20("11 02 00 06 09 00 00")}},
			held: true, index: 9, writes: []string{find4301}, confirmed: true},
		{name: "out of range", known: cached, script: map[string][]string{find4301: {"10 02 8F 00 06 09 00"}},
			wantErr: hidpp.ErrOffline, index: 9, writes: []string{find4301}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(scripted(tt.script))
			c := newConn(t, f, &hidpp.Opts{DeviceTimeout: 300 * time.Millisecond})
			d := hidpp.NewDevice(c, 2, tt.known)
			held, err := d.CheckFeature(context.Background(), hidpp.FeatureSolarDashboard)
			if held != tt.held || tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("CheckFeature() = %v, %v; want %v, %v", held, err, tt.held, tt.wantErr)
			}
			if ix := d.Known().Features[hidpp.FeatureSolarDashboard]; ix != tt.index {
				t.Errorf("index %d after, want %d", ix, tt.index)
			}
			if w := f.writeLog(); fmt.Sprint(w) != fmt.Sprint(tt.writes) {
				t.Errorf("written %q\nwant    %q", w, tt.writes)
			}
			if got := !d.Unconfirmed(); got != tt.confirmed {
				t.Errorf("confirmed = %v, want %v", got, tt.confirmed)
			}
		})
	}
}
