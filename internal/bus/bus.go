// Package bus connects Helio's programs to D-Bus, one way for all of them
// (the tray, "helio export" and "watch --notify", the window): a private
// connection of the caller's own, never the process's shared one (which
// fyne.io/systray owns in the tray), that delivers signals in the order
// they were sent, as a follower of PropertiesChanged needs.
package bus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/godbus/dbus/v5"
)

// ErrNoSessionBus is returned by [Session] when no session bus can be
// found: DBUS_SESSION_BUS_ADDRESS is unset and there is no
// $XDG_RUNTIME_DIR/bus.
var ErrNoSessionBus = errors.New("bus: no session bus (DBUS_SESSION_BUS_ADDRESS is unset and there is no $XDG_RUNTIME_DIR/bus)")

// systemDefault is the system bus's address when DBUS_SYSTEM_BUS_ADDRESS is
// unset, as the D-Bus specification says.
const systemDefault = "unix:path=/var/run/dbus/system_bus_socket"

// Session connects to the session bus: the one DBUS_SESSION_BUS_ADDRESS
// names, or else the one a systemd user session keeps at
// $XDG_RUNTIME_DIR/bus. It also returns the bus's description for
// messages ("the session bus").
func Session(getenv func(string) string) (*dbus.Conn, string, error) {
	addr := getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		if dir := getenv("XDG_RUNTIME_DIR"); dir != "" {
			p := filepath.Join(dir, "bus")
			if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
				addr = "unix:path=" + p
			}
		}
	}
	if addr == "" {
		return nil, "", ErrNoSessionBus
	}
	return connect(addr, "the session bus")
}

// System connects to the system bus: DBUS_SYSTEM_BUS_ADDRESS, or its usual
// socket.
func System(getenv func(string) string) (*dbus.Conn, string, error) {
	addr := getenv("DBUS_SYSTEM_BUS_ADDRESS")
	if addr == "" {
		addr = systemDefault
	}
	return connect(addr, "the system bus")
}

// Address connects to the bus at addr, whose form it checks first
// ([CheckAddress]).
func Address(addr string) (*dbus.Conn, string, error) {
	if err := CheckAddress(addr); err != nil {
		return nil, "", err
	}
	return connect(addr, "the bus at "+addr)
}

func connect(addr, what string) (*dbus.Conn, string, error) {
	conn, err := dbus.Connect(addr, dbus.WithSignalHandler(dbus.NewSequentialSignalHandler()))
	if err != nil {
		return nil, what, fmt.Errorf("bus: cannot connect to %s (%s): %w", what, addr, err)
	}
	return conn, what, nil
}

// ErrBadAddress is wrapped by [CheckAddress]'s errors.
var ErrBadAddress = errors.New("bus: not a D-Bus address")

// CheckAddress checks the form of a D-Bus server address: one or more
// "transport:key=value,..." separated by ';', such as
// unix:path=/run/user/1000/bus.
func CheckAddress(addr string) error {
	for _, entry := range strings.Split(addr, ";") {
		transport, params, ok := strings.Cut(entry, ":")
		if !ok || transport == "" {
			return fmt.Errorf("%w: %q is not of the form unix:path=/run/user/1000/bus", ErrBadAddress, addr)
		}
		if params == "" {
			continue
		}
		for _, kv := range strings.Split(params, ",") {
			if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
				return fmt.Errorf("%w: in %q, %q is not key=value", ErrBadAddress, addr, kv)
			}
		}
	}
	return nil
}
