package upower

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"

	"github.com/helio-linux/helio/sensors"
)

// Opts configures a [Service].
type Opts struct {
	// Name is the bus name to own. Default io.github.helio: the real
	// UPower daemon owns org.freedesktop.UPower on the system bus.
	Name string
	// DaemonVersion is the root object's DaemonVersion property, such as
	// "helio 1.2". Default "helio".
	DaemonVersion string
	// Backend names the backend the service's monitor reads (its
	// --backend), so that a client asking for the same devices knows it
	// may ask the service instead ([Fetch]).
	Backend string
	// Logger may be nil.
	Logger *slog.Logger
	// Now is the clock of the display device's UpdateTime when it shows no
	// device; default time.Now.
	Now func() time.Time
}

// DefaultOpts are the options a zero field of [Opts] takes.
var DefaultOpts = Opts{Name: "io.github.helio", DaemonVersion: "helio"}

func (o *Opts) fill() {
	if o.Name == "" {
		o.Name = DefaultOpts.Name
	}
	if o.DaemonVersion == "" {
		o.DaemonVersion = DefaultOpts.DaemonVersion
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Errors of [New] that callers tell apart.
var (
	// ErrNameTaken: another connection owns the name, such as the UPower
	// daemon owning org.freedesktop.UPower on the system bus.
	ErrNameTaken = errors.New("upower: the bus name is already taken")
	// ErrNameDenied: the bus's policy forbids owning the name, as the
	// system bus does for names no service file allows.
	ErrNameDenied = errors.New("upower: the bus does not allow owning the name")
	// ErrBadName: the name is not a valid D-Bus well-known name.
	ErrBadName = errors.New("upower: not a valid D-Bus bus name")
)

// criticalAction is what GetCriticalAction returns. Helio takes no action
// on a low battery; this is the value UPower falls back to and returns when
// no other action is available (upowerd 0.99.20 on a machine without
// batteries returns it too), so clients that expect one of UPower's values
// get a valid one.
const criticalAction = "PowerOff"

// Interfaces other than UPower's.
const (
	propertiesInterface   = "org.freedesktop.DBus.Properties"
	introspectableIfc     = "org.freedesktop.DBus.Introspectable"
	deviceAddedSignal     = Interface + ".DeviceAdded"
	accessDeniedErrorName = "org.freedesktop.DBus.Error.AccessDenied"
)

// Service is Helio's UPower-style service on one bus connection. The D-Bus
// methods it exports run on godbus's goroutines and read only what a mutex
// guards; Run and Close are for its owner, one after the other, not
// concurrently.
type Service struct {
	conn        *dbus.Conn
	m           sensors.Source
	opts        Opts
	changes     <-chan sensors.State
	unsubscribe func()

	devices map[string]*device         // by sensors.State.ID
	byPath  map[dbus.ObjectPath]string // device ID by object path
	display *device
	owned   bool // the name is ours: device additions are signalled
	closed  sync.Once

	mu    sync.Mutex
	paths []dbus.ObjectPath // device objects in the order first seen
}

// device is one exported device object: org.freedesktop.UPower.Device and,
// but for the display device, [HelioInterface].
type device struct {
	path  dbus.ObjectPath
	props *prop.Properties
	last  map[string]map[string]any // what props hold, by interface
}

// New exports, on conn, the root object, the display device and an object
// for every device m has seen so far, then owns opts.Name. It fails with
// [ErrNameTaken] when another connection owns the name, [ErrNameDenied]
// when the bus forbids it and [ErrBadName] for a malformed name. The
// caller runs m ([sensors.Monitor.Run]) and [Service.Run], which keeps the
// objects current, and calls [Service.Close] when both are done; conn
// stays the caller's to close, after Close. [Serve] does all of this.
func New(conn *dbus.Conn, m sensors.Source, opts Opts) (*Service, error) {
	opts.fill()
	if err := CheckName(opts.Name); err != nil {
		return nil, err
	}
	s := &Service{conn: conn, m: m, opts: opts, devices: map[string]*device{}, byPath: map[dbus.ObjectPath]string{}}
	// Subscribe before the first look, so no change slips between.
	s.changes, s.unsubscribe = m.Subscribe()
	if err := s.start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// start exports every object, then owns the name.
func (s *Service) start() error {
	if err := s.exportRoot(); err != nil {
		return err
	}
	display := Display(nil, s.opts.Now())
	var err error
	if s.display, err = s.exportDevice(DisplayDevicePath, display, nil); err != nil {
		return err
	}
	if err := s.sync(); err != nil {
		return err
	}
	reply, err := s.conn.RequestName(s.opts.Name, dbus.NameFlagDoNotQueue)
	if err != nil {
		var de dbus.Error
		if errors.As(err, &de) && de.Name == accessDeniedErrorName {
			return fmt.Errorf("%w %s: %w", ErrNameDenied, s.opts.Name, err)
		}
		return fmt.Errorf("upower: owning %s: %w", s.opts.Name, err)
	}
	switch reply {
	case dbus.RequestNameReplyPrimaryOwner:
	case dbus.RequestNameReplyExists:
		return fmt.Errorf("%w: %s", ErrNameTaken, s.opts.Name)
	default:
		return fmt.Errorf("upower: owning %s: the bus replied %d, not primary owner", s.opts.Name, reply)
	}
	s.owned = true
	s.opts.Logger.Info("exporting on D-Bus", "name", s.opts.Name, "devices", len(s.devices))
	return nil
}

// Serve runs m and a [Service] for it on conn until ctx ends: [New] (so a
// name that cannot be owned fails before the monitor starts), then
// [sensors.Monitor.Run] and [Service.Run] together. When either stops, so
// does the other, and the service is closed once the monitor has stopped.
// It returns nil when ctx ended, else the first error.
func Serve(ctx context.Context, conn *dbus.Conn, m *sensors.Monitor, opts Opts) error {
	s, err := New(conn, m, opts)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	monitorDone := make(chan error, 1)
	go func() {
		err := m.Run(ctx)
		cancel()
		monitorDone <- err
	}()
	err = s.Run(ctx)
	cancel()
	if merr := <-monitorDone; err == nil && merr != nil {
		err = fmt.Errorf("upower: the monitor stopped: %w", merr)
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return err
}

// Run keeps the exported objects current with the monitor's changes until
// ctx ends, when it returns nil, or until the bus connection closes or an
// object cannot be exported, when it returns why.
func (s *Service) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.conn.Context().Done():
			return errors.New("upower: the bus connection closed")
		case _, ok := <-s.changes:
			if !ok {
				return nil
			}
			// The states say what changed; take the latest of every
			// device at once, so a burst of changes is one round and a
			// change missed by a full channel is still applied.
			for drained := false; !drained; {
				select {
				case <-s.changes:
				default:
					drained = true
				}
			}
			if err := s.sync(); err != nil {
				return err
			}
		}
	}
}

// Close releases the name, withdraws every object and stops listening to
// the monitor. It does not close the connection. Close is idempotent.
//
// Call Close after the monitor's Run has returned (or before it started):
// a sensors.Monitor subscription cancelled while the monitor sends to it
// can close the channel under the send. [Serve] keeps this order.
func (s *Service) Close() error {
	var err error
	s.closed.Do(func() {
		s.unsubscribe()
		if s.owned && s.conn.Connected() {
			if _, rerr := s.conn.ReleaseName(s.opts.Name); rerr != nil {
				err = fmt.Errorf("upower: releasing %s: %w", s.opts.Name, rerr)
			}
		}
		paths := []dbus.ObjectPath{Path, DisplayDevicePath}
		s.mu.Lock()
		paths = append(paths, s.paths...)
		s.mu.Unlock()
		for _, p := range paths {
			for _, iface := range []string{Interface, DeviceInterface, HelioInterface, ServiceInterface, propertiesInterface, introspectableIfc} {
				s.conn.Export(nil, p, iface)
			}
		}
	})
	return err
}

// sync brings every object up to date with the monitor's states: new
// devices are exported (and announced once the name is ours), changed
// properties are set, each sending PropertiesChanged.
func (s *Service) sync() error {
	states := s.m.States()
	devs := make([]Device, 0, len(states))
	for _, st := range states {
		d := DeviceOf(st)
		dev := s.devices[st.ID]
		if dev == nil {
			path := s.freePath(dbus.ObjectPath(d.Path), st.ID)
			d.Path = string(path)
			var err error
			if dev, err = s.exportDevice(path, d, &st); err != nil {
				return err
			}
			s.devices[st.ID] = dev
			s.mu.Lock()
			s.paths = append(s.paths, path)
			s.mu.Unlock()
			s.opts.Logger.Debug("device exported", "device", st.Name, "path", path)
			if s.owned {
				if err := s.conn.Emit(Path, deviceAddedSignal, path); err != nil {
					return fmt.Errorf("upower: announcing %s: %w", path, err)
				}
			}
		} else {
			d.Path = string(dev.path)
			if err := dev.update(deviceProperties(d, &st)); err != nil {
				return err
			}
		}
		devs = append(devs, d)
	}
	return s.display.update(deviceProperties(Display(devs, s.opts.Now()), nil))
}

// freePath is path, or, when another device already has it (the same
// device paired with two receivers), path with _2, _3, ... appended.
func (s *Service) freePath(path dbus.ObjectPath, id string) dbus.ObjectPath {
	p := path
	for n := 2; ; n++ {
		if owner, used := s.byPath[p]; !used || owner == id {
			s.byPath[p] = id
			return p
		}
		p = dbus.ObjectPath(fmt.Sprintf("%s_%d", path, n))
	}
}

// deviceProperties are the properties of a device object, by interface:
// UPower's of d, and Helio's of st when st is not nil.
func deviceProperties(d Device, st *sensors.State) map[string]map[string]any {
	props := map[string]map[string]any{DeviceInterface: d.Properties()}
	if st != nil {
		props[HelioInterface] = map[string]any{StateProperty: StateDict(*st)}
	}
	return props
}

// update sets the properties that differ between what dev holds and props,
// each change sending PropertiesChanged.
func (dev *device) update(props map[string]map[string]any) error {
	for _, iface := range []string{DeviceInterface, HelioInterface} {
		old, now := dev.last[iface], props[iface]
		names := make([]string, 0, len(now))
		for name := range now {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			if reflect.DeepEqual(now[name], old[name]) {
				continue
			}
			if err := setProp(dev.props, iface, name, now[name]); err != nil {
				return fmt.Errorf("upower: updating %s of %s: %w", name, dev.path, err)
			}
		}
	}
	dev.last = props
	return nil
}

// setProp sets a device property and sends PropertiesChanged.
// prop.Properties.SetMust panics when the signal cannot be sent (the
// connection closed under it); that is returned as an error instead.
func setProp(p *prop.Properties, iface, name string, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	p.SetMust(iface, name, v)
	return nil
}

// exportDevice exports one device object with d's UPower properties and,
// when st is not nil, st's Helio properties.
func (s *Service) exportDevice(path dbus.ObjectPath, d Device, st *sensors.State) (*device, error) {
	all := deviceProperties(d, st)
	props := prop.Map{}
	for iface, values := range all {
		props[iface] = map[string]*prop.Prop{}
		for name, v := range values {
			props[iface][name] = &prop.Prop{Value: v, Writable: false, Emit: prop.EmitTrue}
		}
	}
	p, err := s.export(path, DeviceInterface, deviceMethods{}, props, nil, nil)
	if err != nil {
		return nil, err
	}
	return &device{path: path, props: p, last: all}, nil
}

// exportRoot exports the org.freedesktop.UPower object.
func (s *Service) exportRoot() error {
	c := func(v any) *prop.Prop { return &prop.Prop{Value: v, Writable: false, Emit: prop.EmitConst} }
	props := prop.Map{Interface: {
		"DaemonVersion": c(s.opts.DaemonVersion),
		"OnBattery":     c(false), // Helio powers nothing: the computer is never on Helio's batteries
		"LidIsClosed":   c(false),
		"LidIsPresent":  c(false),
	}, ServiceInterface: {
		servicePID:     c(uint32(os.Getpid())),
		serviceBackend: c(s.opts.Backend),
	}}
	signals := []introspect.Signal{
		{Name: "DeviceAdded", Args: []introspect.Arg{{Name: "device", Type: "o"}}},
		{Name: "DeviceRemoved", Args: []introspect.Arg{{Name: "device", Type: "o"}}},
	}
	children := []introspect.Node{{Name: strings.TrimPrefix(DevicesPath, Path+"/")}}
	_, err := s.export(Path, Interface, root{s}, props, signals, children)
	return err
}

// export exports methods and props as iface on path, with their
// introspection.
func (s *Service) export(path dbus.ObjectPath, iface string, methods any, props prop.Map,
	signals []introspect.Signal, children []introspect.Node) (*prop.Properties, error) {
	if err := s.conn.Export(methods, path, iface); err != nil {
		return nil, fmt.Errorf("upower: exporting %s on %s: %w", iface, path, err)
	}
	p, err := prop.Export(s.conn, path, props)
	if err != nil {
		return nil, fmt.Errorf("upower: exporting the properties of %s: %w", path, err)
	}
	sorted := func(name string) []introspect.Property {
		pi := p.Introspection(name)
		slices.SortFunc(pi, func(a, b introspect.Property) int { return strings.Compare(a.Name, b.Name) })
		return pi
	}
	node := &introspect.Node{Name: string(path), Children: children, Interfaces: []introspect.Interface{
		introspect.IntrospectData, prop.IntrospectData,
		{Name: iface, Methods: namedArgs(introspect.Methods(methods)), Signals: signals, Properties: sorted(iface)},
	}}
	for _, extra := range []string{HelioInterface, ServiceInterface} {
		if _, ok := props[extra]; ok {
			node.Interfaces = append(node.Interfaces, introspect.Interface{Name: extra, Properties: sorted(extra)})
		}
	}
	if err := s.conn.Export(introspect.NewIntrospectable(node), path, introspectableIfc); err != nil {
		return nil, fmt.Errorf("upower: exporting the introspection of %s: %w", path, err)
	}
	return p, nil
}

// argNames are the argument names of UPower's methods, in order, inputs
// first, as UPower's interface files name them.
var argNames = map[string][]string{
	"EnumerateDevices":  {"devices"},
	"GetDisplayDevice":  {"device"},
	"GetCriticalAction": {"action"},
	"GetHistory":        {"type", "timespan", "resolution", "data"},
	"GetStatistics":     {"type", "data"},
}

// namedArgs gives the methods' arguments UPower's names (introspect.Methods
// leaves them unnamed).
func namedArgs(ms []introspect.Method) []introspect.Method {
	for i := range ms {
		names := argNames[ms[i].Name]
		for j := range ms[i].Args {
			if j < len(names) {
				ms[i].Args[j].Name = names[j]
			}
		}
	}
	return ms
}

// root implements the org.freedesktop.UPower interface.
type root struct{ s *Service }

// EnumerateDevices lists the device objects, in the order the monitor
// first saw them; the display device is not among them, as in UPower.
func (r root) EnumerateDevices() ([]dbus.ObjectPath, *dbus.Error) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return slices.Clone(r.s.paths), nil
}

// GetDisplayDevice returns the composite display device's path.
func (r root) GetDisplayDevice() (dbus.ObjectPath, *dbus.Error) {
	return DisplayDevicePath, nil
}

// GetCriticalAction returns UPower's fallback action, see criticalAction.
func (r root) GetCriticalAction() (string, *dbus.Error) { return criticalAction, nil }

// historyItem is one entry of GetHistory's a(udu).
type historyItem struct {
	Time  uint32
	Value float64
	State uint32
}

// statisticsItem is one entry of GetStatistics's a(dd).
type statisticsItem struct{ Value, Accuracy float64 }

// deviceMethods implements org.freedesktop.UPower.Device's methods.
type deviceMethods struct{}

// Refresh does nothing: Helio keeps every device current itself, from the
// devices' own events and its schedule (see sensors.Monitor), and nothing
// on the bus may make it talk to a device.
func (deviceMethods) Refresh() *dbus.Error { return nil }

// GetHistory returns no history, as HasHistory says: Helio's history is
// read with `helio history`.
func (deviceMethods) GetHistory(kind string, timespan, resolution uint32) ([]historyItem, *dbus.Error) {
	return []historyItem{}, nil
}

// GetStatistics returns no statistics, as HasStatistics says.
func (deviceMethods) GetStatistics(kind string) ([]statisticsItem, *dbus.Error) {
	return []statisticsItem{}, nil
}

// CheckName returns an error wrapping [ErrBadName] unless name is a valid
// D-Bus well-known bus name: at most 255 characters, two or more dot
// separated elements of letters, digits, '_' and '-', none empty or
// starting with a digit.
func CheckName(name string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %q %s", ErrBadName, name, why) }
	if len(name) > 255 {
		return bad("is longer than 255 characters")
	}
	elems := strings.Split(name, ".")
	if len(elems) < 2 {
		return bad("needs at least two elements separated by dots, such as io.github.helio")
	}
	for _, e := range elems {
		if e == "" {
			return bad("has an empty element")
		}
		if e[0] >= '0' && e[0] <= '9' {
			return bad("has an element starting with a digit")
		}
		for _, c := range e {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
				return bad(fmt.Sprintf("has the character %q", c))
			}
		}
	}
	return nil
}
