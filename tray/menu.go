package tray

import "slices"

// Actions are what the tray's menu entries do. The tray process supplies
// them; each may be nil, and the menu then leaves its entry out.
type Actions struct {
	// CheckLight asks the solar device with this ID for a light report now.
	CheckLight func(id string)
	// Open opens Helio's window. The device entries open it too.
	Open func()
	// Quit ends the tray process.
	Quit func()
}

// Menu entry labels that are not a device's.
const (
	LabelCheckLight = "Check light"
	LabelOpen       = "Open Helio"
	LabelQuit       = "Quit"
)

// entry is one line of the tray menu.
type entry struct {
	// key tells entries apart across updates: the device ID for a
	// device's lines, a fixed word for the others. Two menus with the
	// same keys differ only in their labels.
	key       string
	label     string
	separator bool
	click     func() // nil: shown greyed out
}

// entries lays out the menu for s: each device with its figures, a
// "Check light" entry under each solar device that can measure now, then
// "Open Helio" and "Quit".
func entries(s Summary, a Actions) []entry {
	out := make([]entry, 0, len(s.Items)+4)
	for _, it := range s.Items {
		out = append(out, entry{key: "device " + it.DeviceID, label: it.Label, click: a.Open})
		if it.CheckLight && a.CheckLight != nil {
			id := it.DeviceID
			out = append(out, entry{key: "light " + id, label: "    " + LabelCheckLight,
				click: func() { a.CheckLight(id) }})
		}
	}
	if len(s.Items) == 0 {
		out = append(out, entry{key: "none", label: NoDevices})
	}
	out = append(out, entry{key: "separator", separator: true})
	if a.Open != nil {
		out = append(out, entry{key: "open", label: LabelOpen, click: a.Open})
	}
	if a.Quit != nil {
		out = append(out, entry{key: "quit", label: LabelQuit, click: a.Quit})
	}
	return out
}

// menuBackend is the StatusNotifierItem menu the entries are drawn in:
// fyne.io/systray in the tray process, a recorder in tests.
type menuBackend interface {
	// reset removes every entry.
	reset()
	// add appends an entry; click runs, on a goroutine of the backend's,
	// each time it is picked. A nil click shows the entry greyed out.
	add(label string, click func()) menuHandle
	addSeparator()
}

// menuHandle is an entry added to a menuBackend.
type menuHandle interface {
	setLabel(string)
}

// menu keeps a menuBackend showing the latest entries with as few changes
// as it can: a device whose figures change has its label rewritten in
// place; only devices appearing or going, or a solar device gaining or
// losing its "Check light", rebuild the menu. Hosts redraw an open menu on
// every change, so a rebuild while the user reads it would make it jump.
type menu struct {
	be      menuBackend
	keys    []string
	labels  []string
	handles []menuHandle // nil for separators
}

func (m *menu) show(es []entry) {
	keys := make([]string, len(es))
	for i, e := range es {
		keys[i] = e.key
	}
	if m.keys != nil && slices.Equal(keys, m.keys) {
		for i, e := range es {
			if m.handles[i] != nil && e.label != m.labels[i] {
				m.handles[i].setLabel(e.label)
				m.labels[i] = e.label
			}
		}
		return
	}
	if m.keys != nil {
		m.be.reset()
	}
	m.keys, m.labels, m.handles = keys, make([]string, len(es)), make([]menuHandle, len(es))
	for i, e := range es {
		if e.separator {
			m.be.addSeparator()
			continue
		}
		m.handles[i], m.labels[i] = m.be.add(e.label, e.click), e.label
	}
}
