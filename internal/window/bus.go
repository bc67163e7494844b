package window

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/upower"
)

// Source says where the devices of a [Snapshot] come from.
type Source int

// Sources.
const (
	// SourceNone: nothing is known yet (the window is starting, or the
	// tray is not running and the direct read is under way).
	SourceNone Source = iota
	// SourceTray: the tray's UPower-style service on the bus; the figures
	// follow every change.
	SourceTray
	// SourceDirect: the tray is not running; the receivers were read once
	// directly, and the figures do not change.
	SourceDirect
)

func (s Source) String() string {
	switch s {
	case SourceTray:
		return "tray"
	case SourceDirect:
		return "direct"
	}
	return "none"
}

// Snapshot is what the window shows of the devices at one moment.
type Snapshot struct {
	States []sensors.State
	Source Source
	// Read is when a SourceDirect snapshot was read.
	Read time.Time
	// Err is why the direct read failed, with Source SourceDirect and no
	// states.
	Err error
}

// ReadFunc reads every device once, straight from the receivers; the
// window calls it only while the tray is not running.
type ReadFunc func(ctx context.Context) ([]sensors.State, error)

// FollowOpts configures [Follow].
type FollowOpts struct {
	// Name is the tray's bus name; default io.github.helio.
	Name string
	// Read is the fallback while no one owns Name. Nil: the window shows
	// that the tray is not running, without devices.
	Read ReadFunc
	// Logger may be nil.
	Logger *slog.Logger
	// Now stamps direct reads; default time.Now.
	Now func() time.Time
}

// DefaultName is the bus name the tray's service owns (export.DefaultOpts;
// not imported, so the window does not link the service it only reads).
const DefaultName = "io.github.helio"

// Names on the bus besides UPower's.
const (
	busName             = "org.freedesktop.DBus"
	propertiesInterface = "org.freedesktop.DBus.Properties"
	propertiesChanged   = propertiesInterface + ".PropertiesChanged"
	nameOwnerChanged    = busName + ".NameOwnerChanged"
	deviceAdded         = upower.Interface + ".DeviceAdded"
)

// Dial connects to the bus at address, or to the session bus when address
// is empty. The connection delivers signals in order, as [Follow] needs.
// The caller closes it.
func Dial(address string) (*dbus.Conn, error) {
	opt := dbus.WithSignalHandler(dbus.NewSequentialSignalHandler())
	var conn *dbus.Conn
	var err error
	if address == "" {
		conn, err = dbus.ConnectSessionBus(opt)
	} else {
		conn, err = dbus.Connect(address, opt)
	}
	if err != nil {
		where := "the session bus"
		if address != "" {
			where = address
		}
		return nil, fmt.Errorf("window: connecting to %s: %w", where, err)
	}
	return conn, nil
}

// Follow keeps the window's devices current until ctx ends (it then
// returns nil) or the connection closes. It calls update with a new
// [Snapshot] each time the devices change, from Follow's goroutine:
//
//   - While the tray owns opts.Name, the devices are those the tray
//     exports, in its order, updated on every PropertiesChanged and
//     DeviceAdded. Follow never calls methods that reach a device: the
//     tray stays the only process talking to the receivers.
//   - While no one owns the name, update gets a SourceNone snapshot, then
//     the SourceDirect result of one opts.Read. When the tray starts,
//     Follow switches back to it.
//
// conn should come from [Dial], whose signal handler keeps signals in
// order.
func Follow(ctx context.Context, conn *dbus.Conn, opts FollowOpts, update func(Snapshot)) error {
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := &follower{conn: conn, opts: opts, update: update, props: map[dbus.ObjectPath]map[string]dbus.Variant{}}
	matches := [][]dbus.MatchOption{
		{dbus.WithMatchSender(busName), dbus.WithMatchInterface(busName), dbus.WithMatchMember("NameOwnerChanged"),
			dbus.WithMatchArg(0, opts.Name)},
		{dbus.WithMatchSender(opts.Name), dbus.WithMatchInterface(propertiesInterface), dbus.WithMatchMember("PropertiesChanged"),
			dbus.WithMatchPathNamespace(upower.DevicesPath)},
		{dbus.WithMatchSender(opts.Name), dbus.WithMatchObjectPath(upower.Path), dbus.WithMatchInterface(upower.Interface),
			dbus.WithMatchMember("DeviceAdded")},
	}
	for _, m := range matches {
		if err := conn.AddMatchSignalContext(ctx, m...); err != nil {
			return fmt.Errorf("window: listening to %s: %w", opts.Name, err)
		}
		defer conn.RemoveMatchSignal(m...)
	}
	signals := make(chan *dbus.Signal, 64)
	conn.Signal(signals)
	defer conn.RemoveSignal(signals)

	// Match first, then look: a change between the two is not lost.
	var owner string
	err := conn.BusObject().CallWithContext(ctx, busName+".GetNameOwner", 0, opts.Name).Store(&owner)
	var de dbus.Error
	if err != nil && !(errors.As(err, &de) && de.Name == "org.freedesktop.DBus.Error.NameHasNoOwner") {
		return fmt.Errorf("window: asking who owns %s: %w", opts.Name, err)
	}
	f.switchTo(ctx, owner)

	for {
		select {
		case <-ctx.Done():
			return nil
		case <-conn.Context().Done():
			return errors.New("window: the bus connection closed")
		case sig := <-signals:
			f.handle(ctx, sig)
		}
	}
}

// follower is Follow's state, owned by its goroutine.
type follower struct {
	conn   *dbus.Conn
	opts   FollowOpts
	update func(Snapshot)

	owner string // the unique name of the tray's connection; "" when not running
	paths []dbus.ObjectPath
	props map[dbus.ObjectPath]map[string]dbus.Variant
}

func (f *follower) handle(ctx context.Context, sig *dbus.Signal) {
	switch sig.Name {
	case nameOwnerChanged:
		var name, old, owner string
		if err := dbus.Store(sig.Body, &name, &old, &owner); err != nil || name != f.opts.Name {
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
		if err := dbus.Store(sig.Body, &iface, &changed, &invalidated); err != nil || iface != upower.DeviceInterface {
			return
		}
		p, ok := f.props[sig.Path]
		if !ok {
			return // the display device, or a device not listed yet
		}
		for k, v := range changed {
			p[k] = v
		}
		f.send()
	case deviceAdded:
		if f.owner == "" || sig.Sender != f.owner || len(sig.Body) != 1 {
			return
		}
		path, ok := sig.Body[0].(dbus.ObjectPath)
		if !ok || f.props[path] != nil {
			return
		}
		if err := f.fetch(ctx, path); err != nil {
			f.opts.Logger.Warn("reading a new device from the tray", "path", path, "err", err)
			return
		}
		f.paths = append(f.paths, path)
		f.send()
	}
}

// switchTo follows the tray at its new unique name, or falls back to a
// direct read when owner is empty.
func (f *follower) switchTo(ctx context.Context, owner string) {
	f.owner, f.paths = owner, nil
	clear(f.props)
	if owner != "" {
		if err := f.enumerate(ctx); err != nil {
			// The tray went away while it was listed, or answers
			// nonsense: say what is known, wait for the next owner
			// change.
			f.opts.Logger.Warn("reading the devices from the tray", "name", f.opts.Name, "err", err)
		}
		f.send()
		return
	}
	f.update(Snapshot{Source: SourceNone})
	if f.opts.Read == nil {
		f.update(Snapshot{Source: SourceDirect, Read: f.opts.Now(), Err: errors.New("no direct read configured")})
		return
	}
	states, err := f.opts.Read(ctx)
	if ctx.Err() != nil {
		return
	}
	f.update(Snapshot{States: states, Source: SourceDirect, Read: f.opts.Now(), Err: err})
}

// enumerate lists the tray's devices and reads their properties.
func (f *follower) enumerate(ctx context.Context) error {
	var paths []dbus.ObjectPath
	root := f.conn.Object(f.owner, upower.Path)
	if err := root.CallWithContext(ctx, upower.Interface+".EnumerateDevices", 0).Store(&paths); err != nil {
		return fmt.Errorf("window: listing the tray's devices: %w", err)
	}
	for _, p := range paths {
		if err := f.fetch(ctx, p); err != nil {
			return err
		}
		f.paths = append(f.paths, p)
	}
	return nil
}

// fetch reads every property of the device at path.
func (f *follower) fetch(ctx context.Context, path dbus.ObjectPath) error {
	var props map[string]dbus.Variant
	obj := f.conn.Object(f.owner, path)
	if err := obj.CallWithContext(ctx, propertiesInterface+".GetAll", 0, upower.DeviceInterface).Store(&props); err != nil {
		return fmt.Errorf("window: reading %s from the tray: %w", path, err)
	}
	f.props[path] = props
	return nil
}

// send hands the tray's devices to update.
func (f *follower) send() {
	states := make([]sensors.State, 0, len(f.paths))
	for _, p := range f.paths {
		states = append(states, StateOf(p, f.props[p]))
	}
	f.update(Snapshot{States: states, Source: SourceTray})
}

// StateOf reads back what the tray knows of a device from its
// org.freedesktop.UPower.Device properties (as [upower.Device.Properties]
// names and types them), so the window words it as the tray does. The
// properties carry less than the tray knows: ID is the object path;
// Battery holds a percentage or a level word (BatteryLevel), never whether
// a percentage is approximate; Light is set only for a Luminosity above 0,
// as a solar keyboard at 0 lux reads the same as a device without cells.
// Properties that are missing or of another type are left out.
func StateOf(path dbus.ObjectPath, props map[string]dbus.Variant) sensors.State {
	str := func(k string) string { s, _ := props[k].Value().(string); return s }
	u32 := func(k string) (uint32, bool) { v, ok := props[k].Value().(uint32); return v, ok }
	f64 := func(k string) float64 { v, _ := props[k].Value().(float64); return v }
	boolean := func(k string) bool { v, _ := props[k].Value().(bool); return v }

	s := sensors.State{ID: string(path), Name: str("Model"), Serial: str("Serial"), Online: boolean("IsPresent")}
	if t, ok := u32("Type"); ok {
		s.Kind = kindOf(upower.Type(t))
	}
	if ut, ok := props["UpdateTime"].Value().(uint64); ok && ut > 0 {
		s.BatteryTime = time.Unix(int64(ut), 0)
		s.SeenTime = s.BatteryTime
	}
	if lux := f64("Luminosity"); lux > 0 {
		s.Solar = true
		s.Light = &sensors.Light{Lux: int(lux + 0.5)}
		s.LightTime = s.BatteryTime
	}
	level, hasLevel := u32("BatteryLevel")
	state, _ := u32("State")
	b := &hidpp.Battery{Status: statusOf(upower.State(state)), Level: hidpp.LevelUnknown}
	switch {
	case !hasLevel || upower.Level(level) == upower.LevelUnknown:
		if b.Status == hidpp.StatusUnknown {
			b = nil
		}
	case upower.Level(level) == upower.LevelNone:
		p := f64("Percentage")
		b.HasPercent, b.Percent = true, int(p+0.5)
		b.Level = hidpp.LevelOf(b.Percent)
	default:
		b.Level = levelOf(upower.Level(level))
	}
	s.Battery = b
	return s
}

// kindOf is the HID++ kind of a UPower type, the inverse of the export's
// mapping for the kinds it produces.
func kindOf(t upower.Type) hidpp.Kind {
	switch t {
	case upower.TypeKeyboard:
		return hidpp.KindKeyboard
	case upower.TypeMouse:
		return hidpp.KindMouse
	case upower.TypeTouchpad:
		return hidpp.KindTouchpad
	case upower.TypeTablet:
		return hidpp.KindTablet
	case upower.TypeGamingInput:
		return hidpp.KindGamepad
	case upower.TypeRemoteControl:
		return hidpp.KindPresenter
	}
	return hidpp.KindUnknown
}

// statusOf is the battery status a UPower state says.
func statusOf(s upower.State) hidpp.Status {
	switch s {
	case upower.StateCharging:
		return hidpp.StatusCharging
	case upower.StateDischarging, upower.StatePendingDischarge, upower.StateEmpty:
		return hidpp.StatusDischarging
	case upower.StateFullyCharged:
		return hidpp.StatusFull
	case upower.StatePendingCharge:
		return hidpp.StatusNotCharging
	}
	return hidpp.StatusUnknown
}

// levelOf is the HID++ level word of a UPower battery level, as the kernel
// names HID++'s levels to UPower (upower.DeviceOf).
func levelOf(l upower.Level) hidpp.Level {
	switch l {
	case upower.LevelCritical, upower.LevelAction:
		return hidpp.LevelCritical
	case upower.LevelLow:
		return hidpp.LevelLow
	case upower.LevelNormal, upower.LevelHigh:
		return hidpp.LevelGood
	case upower.LevelFull:
		return hidpp.LevelFull
	}
	return hidpp.LevelUnknown
}
