// Package sensors turns devices into what Helio shows of them: one [State]
// per device, its battery as the device gave it and, for a solar keyboard,
// the light on its cells, each with the time it was confirmed, and the
// words every front end prints for it ([State.Figures]).
//
// There are two ways to the same States. A [Session] opens every receiver
// of a backend for a command that reads the devices once ("helio query",
// the window when no tray runs); [Read] reads one device, a solar keyboard
// by asking it for a light report ([MeasureLight]). A [Monitor] keeps every
// device's State current for a process that runs for hours, from the
// devices' own events and with as few requests and wakeups as it can.
//
// It sits above package unifying and below the front ends (CLI, tray,
// notifications, D-Bus export, history), which all read the same State.
package sensors
