//go:build tools

// This file pins the versions of the modules the desktop front ends are
// built on (fyne for the tray and windows, godbus for notifications and the
// UPower-style export) until the packages that use them land. The "tools"
// build tag keeps it out of every build.
package main

import (
	_ "fyne.io/fyne/v2"
	_ "github.com/godbus/dbus/v5"
)
