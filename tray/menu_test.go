package tray

import (
	"slices"
	"strings"
	"testing"

	"github.com/helio-linux/helio/sensors"
)

// fakeMenu records what the menu asks of its backend, as a log of calls
// and the entries it now shows.
type fakeMenu struct {
	calls   []string
	entries []*fakeEntry
}

type fakeEntry struct {
	label string
	click func()
	m     *fakeMenu
}

func (f *fakeMenu) reset() {
	f.calls = append(f.calls, "reset")
	f.entries = nil
}

func (f *fakeMenu) add(label string, click func()) menuHandle {
	f.calls = append(f.calls, "add "+label)
	e := &fakeEntry{label: label, click: click, m: f}
	f.entries = append(f.entries, e)
	return e
}

func (f *fakeMenu) addSeparator() {
	f.calls = append(f.calls, "separator")
	f.entries = append(f.entries, &fakeEntry{label: "----", m: f})
}

func (e *fakeEntry) setLabel(l string) {
	e.m.calls = append(e.m.calls, "label "+l)
	e.label = l
}

func (f *fakeMenu) labels() []string {
	out := make([]string, len(f.entries))
	for i, e := range f.entries {
		out[i] = e.label
		if e.click == nil && e.label != "----" {
			out[i] += " (greyed)"
		}
	}
	return out
}

func (f *fakeMenu) click(t *testing.T, label string) {
	t.Helper()
	for _, e := range f.entries {
		if strings.TrimSpace(e.label) == label && e.click != nil {
			e.click()
			return
		}
	}
	t.Fatalf("no clickable entry %q in %q", label, f.labels())
}

// clicks records the actions the menu runs.
type clicks []string

func (c *clicks) actions() Actions {
	return Actions{
		CheckLight: func(id string) { *c = append(*c, "check light "+id) },
		Open:       func() { *c = append(*c, "open") },
		Quit:       func() { *c = append(*c, "quit") },
	}
}

func TestMenu_Entries(t *testing.T) {
	var got clicks
	f := &fakeMenu{}
	m := menu{be: f}
	m.show(entries(Summarize([]sensors.State{solar(k750, 57, 12), percent(m705, 40, discharging), offline(mx)}, DefaultOpts), got.actions()))
	want := []string{
		"K750: 57 %, 12 lux, discharging",
		"    Check light",
		"M705: 40 %, discharging",
		"MX Master 3: offline",
		"----",
		"Open Helio",
		"Quit",
	}
	if !slices.Equal(f.labels(), want) {
		t.Fatalf("menu = %q\nwant %q", f.labels(), want)
	}
	f.click(t, "Check light")
	f.click(t, "Open Helio")
	f.click(t, "M705: 40 %, discharging")
	f.click(t, "Quit")
	if w := (clicks{"check light " + k750.ID, "open", "open", "quit"}); !slices.Equal(got, w) {
		t.Errorf("clicks ran %q, want %q", got, w)
	}
}

func TestMenu_NoDevices(t *testing.T) {
	f := &fakeMenu{}
	m := menu{be: f}
	m.show(entries(Summarize(nil, DefaultOpts), Actions{Quit: func() {}}))
	if want := []string{"No devices (greyed)", "----", "Quit"}; !slices.Equal(f.labels(), want) {
		t.Errorf("menu = %q, want %q", f.labels(), want)
	}
}

// TestMenu_Updates checks that figures change labels in place, and that
// only a change in which entries exist rebuilds the menu.
func TestMenu_Updates(t *testing.T) {
	var got clicks
	steps := []struct {
		name   string
		states []sensors.State
		calls  []string // the backend calls this step makes
	}{{
		name:   "first",
		states: []sensors.State{solar(k750, 57, 12), percent(m705, 40, discharging)},
		calls:  []string{"add K750: 57 %, 12 lux, discharging", "add     Check light", "add M705: 40 %, discharging", "separator", "add Open Helio", "add Quit"},
	}, {
		name:   "same figures: nothing",
		states: []sensors.State{solar(k750, 57, 12), percent(m705, 40, discharging)},
		calls:  nil,
	}, {
		name:   "new figures: labels only",
		states: []sensors.State{solar(k750, 58, 540), percent(m705, 39, discharging)},
		calls:  []string{"label K750: 58 %, 540 lux, charging", "label M705: 39 %, discharging"},
	}, {
		name:   "solar keyboard asleep: its Check light goes",
		states: []sensors.State{offline(solar(k750, 58, 540)), percent(m705, 39, discharging)},
		calls:  []string{"reset", "add K750: offline", "add M705: 39 %, discharging", "separator", "add Open Helio", "add Quit"},
	}, {
		name:   "a device appears",
		states: []sensors.State{offline(solar(k750, 58, 540)), percent(m705, 39, discharging), percent(mx, 80, discharging)},
		calls: []string{"reset", "add K750: offline", "add M705: 39 %, discharging", "add MX Master 3: 80 %, discharging",
			"separator", "add Open Helio", "add Quit"},
	}}
	f := &fakeMenu{}
	m := menu{be: f}
	for _, st := range steps {
		f.calls = nil
		m.show(entries(Summarize(st.states, DefaultOpts), got.actions()))
		if !slices.Equal(f.calls, st.calls) {
			t.Errorf("%s: backend calls %q\nwant %q", st.name, f.calls, st.calls)
		}
	}
	// After the updates, the entries still act on the right devices.
	f.click(t, "MX Master 3: 80 %, discharging")
	if !slices.Equal(got, clicks{"open"}) {
		t.Errorf("clicks ran %q", got)
	}
}

func TestMenu_CheckLightPerSolarDevice(t *testing.T) {
	var got clicks
	second := with(k750, func(s *sensors.State) { s.ID, s.Name = "second", "K750 desk" })
	f := &fakeMenu{}
	m := menu{be: f}
	m.show(entries(Summarize([]sensors.State{solar(k750, 57, 12), solar(second, 30, 900)}, DefaultOpts), got.actions()))
	n := 0
	for _, e := range f.entries {
		if strings.TrimSpace(e.label) == LabelCheckLight {
			e.click()
			n++
		}
	}
	if want := (clicks{"check light " + k750.ID, "check light second"}); n != 2 || !slices.Equal(got, want) {
		t.Errorf("%d Check light entries ran %q, want %q", n, got, want)
	}
}

func BenchmarkMenuUpdate(b *testing.B) {
	var c clicks
	f := &fakeMenu{}
	m := menu{be: f}
	a := c.actions()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		m.show(entries(Summarize([]sensors.State{solar(k750, i%100, 12), percent(m705, 40, discharging)}, DefaultOpts), a))
		f.calls = f.calls[:0]
	}
}
