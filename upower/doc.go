// Package upower speaks UPower's D-Bus API for Helio, both ends of it, as
// godbus keeps client and server of one protocol together:
//
//   - the model: how a device's [sensors.State] reads as an
//     org.freedesktop.UPower.Device ([DeviceOf]: object path, property
//     names, D-Bus types and enums, computed as the UPower daemon computes
//     them), the composite display device ([Display]), and the text
//     `upower -i` prints ([WriteText]), which "helio query --format upower"
//     prints;
//   - the server: a [Service] publishes every device the monitor sees on
//     a bus, so that what already reads UPower (the upower CLI, panels,
//     scripts) reads Helio's devices too, the K750's light included
//     (Luminosity, which no kernel driver exports). "helio export" and the
//     tray run it;
//   - the client: [Follow] keeps track of a running Service's devices, as
//     the window does while the tray runs.
//
// # The service
//
// A [Service] owns a bus name (io.github.helio by default, on the session
// bus; org.freedesktop.UPower on a private bus for the real upower CLI) and
// exports, with UPower's interfaces, property names, types and enums:
//
//   - one object per device the monitor has seen, at
//     /org/freedesktop/UPower/devices/TYPE_hidpp_battery_SERIAL, with
//     UPower's org.freedesktop.UPower.Device properties ([DeviceOf]) and
//     Helio's own [HelioInterface], whose one property is the whole state,
//     so a client shows what the tray shows; a device appears, with a
//     DeviceAdded signal, when the monitor first sees it, and stays (an
//     unpaired or sleeping device reads IsPresent false);
//   - the composite display device [Display], at
//     /org/freedesktop/UPower/devices/DisplayDevice;
//   - the root object /org/freedesktop/UPower (org.freedesktop.UPower):
//     EnumerateDevices, GetDisplayDevice, GetCriticalAction, the
//     DeviceAdded and DeviceRemoved signals, and the DaemonVersion,
//     OnBattery, LidIsClosed and LidIsPresent properties. DeviceRemoved
//     is declared, as UPower's interface has it, and never sent: the
//     monitor forgets no device.
//
// Every property change is sent as org.freedesktop.DBus.Properties'
// PropertiesChanged. Nothing is writable: no one on the bus can change a
// property or reach a device through the service. This is the only
// package that deals in *dbus.Error.
package upower
