package upower

import (
	"context"
	"errors"
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/sensors"
)

// Names on the bus besides UPower's, for the client.
const (
	busName           = "org.freedesktop.DBus"
	propertiesChanged = propertiesInterface + ".PropertiesChanged"
	nameOwnerChanged  = busName + ".NameOwnerChanged"
	nameHasNoOwner    = "org.freedesktop.DBus.Error.NameHasNoOwner"
)

// Follow is the client of a [Service]: it keeps track of the devices the
// Helio service that owns name exports on conn, until ctx ends (it then
// returns nil) or the connection closes. It calls update from its own
// goroutine:
//
//   - with owned true and every device's state, in the service's order,
//     when a service owns the name and after each change (a
//     PropertiesChanged or DeviceAdded);
//   - with owned false and no states when no one owns the name: at the
//     start, and each time the service goes away.
//
// The states are those the service's monitor holds, word for word, read
// from [HelioInterface]. Follow never calls a method that reaches a
// device: the service stays the only process talking to the receivers.
// conn should deliver signals in order (dbus.WithSignalHandler(
// dbus.NewSequentialSignalHandler()), as internal/bus connects).
func Follow(ctx context.Context, conn *dbus.Conn, name string, update func(states []sensors.State, owned bool)) error {
	f := &follower{conn: conn, name: name, update: update, states: map[dbus.ObjectPath]sensors.State{}}
	matches := [][]dbus.MatchOption{
		{dbus.WithMatchSender(busName), dbus.WithMatchInterface(busName), dbus.WithMatchMember("NameOwnerChanged"),
			dbus.WithMatchArg(0, name)},
		{dbus.WithMatchSender(name), dbus.WithMatchInterface(propertiesInterface), dbus.WithMatchMember("PropertiesChanged"),
			dbus.WithMatchPathNamespace(DevicesPath), dbus.WithMatchArg(0, HelioInterface)},
		{dbus.WithMatchSender(name), dbus.WithMatchObjectPath(Path), dbus.WithMatchInterface(Interface),
			dbus.WithMatchMember("DeviceAdded")},
	}
	for _, m := range matches {
		if err := conn.AddMatchSignalContext(ctx, m...); err != nil {
			return fmt.Errorf("upower: listening to %s: %w", name, err)
		}
		defer conn.RemoveMatchSignal(m...)
	}
	signals := make(chan *dbus.Signal, 64)
	conn.Signal(signals)
	defer conn.RemoveSignal(signals)

	// Match first, then look: a change between the two is not lost.
	var owner string
	err := conn.BusObject().CallWithContext(ctx, busName+".GetNameOwner", 0, name).Store(&owner)
	var de dbus.Error
	if err != nil && !(errors.As(err, &de) && de.Name == nameHasNoOwner) {
		return fmt.Errorf("upower: asking who owns %s: %w", name, err)
	}
	f.switchTo(ctx, owner)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-conn.Context().Done():
			return errors.New("upower: the bus connection closed")
		case sig, ok := <-signals:
			if !ok {
				return errors.New("upower: the bus connection closed")
			}
			f.handle(ctx, sig)
		}
	}
}

// follower is Follow's state, owned by its goroutine.
type follower struct {
	conn   *dbus.Conn
	name   string
	update func([]sensors.State, bool)

	owner  string // the unique name of the service's connection; "" when none
	paths  []dbus.ObjectPath
	states map[dbus.ObjectPath]sensors.State
}

func (f *follower) handle(ctx context.Context, sig *dbus.Signal) {
	switch sig.Name {
	case nameOwnerChanged:
		var name, old, owner string
		if err := dbus.Store(sig.Body, &name, &old, &owner); err != nil || name != f.name {
			return
		}
		f.switchTo(ctx, owner)
	case propertiesChanged:
		if f.owner == "" || sig.Sender != f.owner {
			return
		}
		var iface string
		var changed map[string]dbus.Variant
		var invalidated []string
		if err := dbus.Store(sig.Body, &iface, &changed, &invalidated); err != nil || iface != HelioInterface {
			return
		}
		if _, known := f.states[sig.Path]; !known {
			return // a device not listed yet: its DeviceAdded follows
		}
		v, ok := changed[StateProperty]
		if !ok {
			return
		}
		var dict map[string]dbus.Variant
		if err := v.Store(&dict); err != nil {
			return
		}
		st, err := StateOf(dict)
		if err != nil {
			return
		}
		f.states[sig.Path] = st
		f.send()
	case deviceAddedSignal:
		if f.owner == "" || sig.Sender != f.owner || len(sig.Body) != 1 {
			return
		}
		path, ok := sig.Body[0].(dbus.ObjectPath)
		if _, known := f.states[path]; !ok || known {
			return
		}
		if err := f.fetch(ctx, path); err != nil {
			return // a device the service could not describe: the next change says more
		}
		f.paths = append(f.paths, path)
		f.send()
	}
}

// switchTo follows the service at its new unique name, or says that no
// one owns the name when owner is empty.
func (f *follower) switchTo(ctx context.Context, owner string) {
	f.owner, f.paths = owner, nil
	clear(f.states)
	if owner == "" {
		f.update(nil, false)
		return
	}
	// A service that went away while it was listed, or that answers
	// nonsense, shows what was read; the next owner change says more.
	f.enumerate(ctx)
	f.send()
}

// enumerate lists the service's devices and reads each one's state.
func (f *follower) enumerate(ctx context.Context) error {
	var paths []dbus.ObjectPath
	if err := f.conn.Object(f.owner, Path).CallWithContext(ctx, Interface+".EnumerateDevices", 0).Store(&paths); err != nil {
		return fmt.Errorf("upower: listing the devices of %s: %w", f.name, err)
	}
	for _, p := range paths {
		if err := f.fetch(ctx, p); err != nil {
			return err
		}
		f.paths = append(f.paths, p)
	}
	return nil
}

// fetch reads the state of the device at path.
func (f *follower) fetch(ctx context.Context, path dbus.ObjectPath) error {
	var v dbus.Variant
	err := f.conn.Object(f.owner, path).CallWithContext(ctx, propertiesInterface+".Get", 0, HelioInterface, StateProperty).Store(&v)
	if err != nil {
		return fmt.Errorf("upower: reading %s from %s: %w", path, f.name, err)
	}
	var dict map[string]dbus.Variant
	if err := v.Store(&dict); err != nil {
		return fmt.Errorf("upower: reading %s from %s: %w: %w", path, f.name, ErrNotHelio, err)
	}
	st, err := StateOf(dict)
	if err != nil {
		return fmt.Errorf("upower: reading %s from %s: %w", path, f.name, err)
	}
	f.states[path] = st
	return nil
}

// send hands the service's devices to update.
func (f *follower) send() {
	states := make([]sensors.State, 0, len(f.paths))
	for _, p := range f.paths {
		states = append(states, f.states[p])
	}
	f.update(states, true)
}

// Served is what a Helio service serves at one moment: its devices, and
// which process reads them with which backend.
type Served struct {
	PID     uint32
	Backend string
	States  []sensors.State
}

// ErrNoService is returned by [Fetch] when no one owns the name.
var ErrNoService = errors.New("upower: no Helio service on the bus")

// Fetch asks the Helio service that owns name on conn for its devices,
// once: what the service's monitor holds, as [Follow] hands it, without
// reaching a device. It fails with [ErrNoService] when no one owns the
// name, and wraps [ErrNotHelio] when the owner is not a Helio service.
func Fetch(ctx context.Context, conn *dbus.Conn, name string) (Served, error) {
	var owner string
	err := conn.BusObject().CallWithContext(ctx, busName+".GetNameOwner", 0, name).Store(&owner)
	var de dbus.Error
	switch {
	case errors.As(err, &de) && de.Name == nameHasNoOwner:
		return Served{}, ErrNoService
	case err != nil:
		return Served{}, fmt.Errorf("upower: asking who owns %s: %w", name, err)
	}
	root := conn.Object(owner, Path)
	var served Served
	var props map[string]dbus.Variant
	if err := root.CallWithContext(ctx, propertiesInterface+".GetAll", 0, ServiceInterface).Store(&props); err != nil {
		return Served{}, fmt.Errorf("upower: %s: %w: %w", name, ErrNotHelio, err)
	}
	if props[servicePID].Store(&served.PID) != nil || props[serviceBackend].Store(&served.Backend) != nil {
		return Served{}, fmt.Errorf("upower: %s: %w", name, ErrNotHelio)
	}
	f := &follower{conn: conn, name: name, owner: owner, states: map[dbus.ObjectPath]sensors.State{}}
	if err := f.enumerate(ctx); err != nil {
		return Served{}, err
	}
	for _, p := range f.paths {
		served.States = append(served.States, f.states[p])
	}
	return served, nil
}
