package upower_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/dbustest"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/upower"
)

// connect opens a connection of the test's own to the bus at addr.
func connect(t *testing.T, addr string) *dbus.Conn {
	t.Helper()
	c, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connecting to %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// emulated is a monitor of the emulated receiver, not yet running, and its
// backend, to drive the devices.
func emulated(t *testing.T) (*emulator.Backend, *sensors.Monitor) {
	t.Helper()
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	b := emulator.NewBackend(p, "test", &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(b.Receiver.Close)
	return b, sensors.NewMonitor(sensors.MonitorOpts{Backend: b, DeviceTimeout: 300 * time.Millisecond})
}

// goRun runs f until stop is called or the test ends; stop ends f's
// context, waits for f and checks that it returned nil.
func goRun(t *testing.T, what string, f func(context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("%s: %v", what, err)
				}
			case <-time.After(3 * time.Second):
				t.Errorf("%s did not return after cancel", what)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// poll calls cond until it holds, failing after a deadline generous for a
// loaded machine.
func poll(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	var last string
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		var ok bool
		if ok, last = cond(); ok {
			return
		}
	}
	t.Fatalf("waited for %s; last: %s", what, last)
}

// awaitSignal waits for a signal that match accepts.
func awaitSignal(t *testing.T, ch <-chan *dbus.Signal, what string, match func(*dbus.Signal) bool) *dbus.Signal {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case s := <-ch:
			if match(s) {
				return s
			}
		case <-deadline:
			t.Fatalf("no signal: %s", what)
			return nil
		}
	}
}

const testName = "io.github.helio.Test"

// deviceProps is GetAll of a device object.
func deviceProps(t *testing.T, c *dbus.Conn, path dbus.ObjectPath) map[string]dbus.Variant {
	t.Helper()
	var props map[string]dbus.Variant
	if err := c.Object(testName, path).Call("org.freedesktop.DBus.Properties.GetAll", 0, upower.DeviceInterface).Store(&props); err != nil {
		t.Fatalf("GetAll %s: %v", path, err)
	}
	return props
}

func enumerate(t *testing.T, c *dbus.Conn) []dbus.ObjectPath {
	t.Helper()
	var paths []dbus.ObjectPath
	if err := c.Object(testName, upower.Path).Call(upower.Interface+".EnumerateDevices", 0).Store(&paths); err != nil {
		t.Fatalf("EnumerateDevices: %v", err)
	}
	return paths
}

const (
	mxPath   = dbus.ObjectPath("/org/freedesktop/UPower/devices/mouse_hidpp_battery_1a2b3c4d")
	k750Path = dbus.ObjectPath("/org/freedesktop/UPower/devices/keyboard_hidpp_battery_750c0de2")
)

// TestService: the service starts before the monitor has seen any device;
// each device then appears with DeviceAdded, with UPower's properties and
// types, the K750's light as Luminosity; a battery change is sent as
// PropertiesChanged; nothing can be set; the name is released at the end.
func TestService(t *testing.T) {
	addr := dbustest.Start(t)
	b, m := emulated(t)
	client := connect(t, addr)
	signals := make(chan *dbus.Signal, 256)
	client.Signal(signals)
	for _, opt := range [][]dbus.MatchOption{
		{dbus.WithMatchInterface(upower.Interface), dbus.WithMatchMember("DeviceAdded")},
		{dbus.WithMatchInterface("org.freedesktop.DBus.Properties"), dbus.WithMatchMember("PropertiesChanged")},
	} {
		if err := client.AddMatchSignal(opt...); err != nil {
			t.Fatal(err)
		}
	}

	conn := connect(t, addr)
	s, err := upower.New(conn, m, upower.Opts{Name: testName, DaemonVersion: "helio test"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	stopService := goRun(t, "Service.Run", s.Run)
	if got := enumerate(t, client); len(got) != 0 {
		t.Errorf("EnumerateDevices before the monitor ran = %v, want none", got)
	}
	var display dbus.ObjectPath
	if err := client.Object(testName, upower.Path).Call(upower.Interface+".GetDisplayDevice", 0).Store(&display); err != nil || display != upower.DisplayDevicePath {
		t.Errorf("GetDisplayDevice = %q, %v; want %s", display, err, upower.DisplayDevicePath)
	}
	if p := deviceProps(t, client, display); p["Type"].Value() != uint32(0) || p["IsPresent"].Value() != false {
		t.Errorf("display device without devices: %v, want Type 0, not present", p)
	}

	stopMonitor := goRun(t, "Monitor.Run", m.Run)
	var added []dbus.ObjectPath
	for len(added) < 3 {
		sig := awaitSignal(t, signals, "DeviceAdded for each of the 3 devices", func(s *dbus.Signal) bool {
			return s.Name == upower.Interface+".DeviceAdded" && s.Path == upower.Path
		})
		added = append(added, sig.Body[0].(dbus.ObjectPath))
	}
	paths := enumerate(t, client)
	if !slices.Equal(paths, added) {
		t.Errorf("EnumerateDevices = %v, DeviceAdded said %v", paths, added)
	}
	for _, want := range []dbus.ObjectPath{mxPath, k750Path, "/org/freedesktop/UPower/devices/mouse_hidpp_battery_705b0a1d"} {
		if !slices.Contains(paths, want) {
			t.Errorf("EnumerateDevices = %v, want %s among them", paths, want)
		}
	}

	// UPower's property types (org.freedesktop.UPower.Device.xml).
	types := map[string]string{
		"NativePath": "s", "Vendor": "s", "Model": "s", "Serial": "s", "UpdateTime": "t", "Type": "u",
		"PowerSupply": "b", "HasHistory": "b", "HasStatistics": "b", "Online": "b", "Energy": "d",
		"EnergyEmpty": "d", "EnergyFull": "d", "EnergyFullDesign": "d", "EnergyRate": "d", "Voltage": "d",
		"ChargeCycles": "i", "Luminosity": "d", "TimeToEmpty": "x", "TimeToFull": "x", "Percentage": "d",
		"Temperature": "d", "IsPresent": "b", "State": "u", "IsRechargeable": "b", "Capacity": "d",
		"Technology": "u", "WarningLevel": "u", "BatteryLevel": "u", "IconName": "s",
	}
	poll(t, "the K750's light", func() (bool, string) {
		p := deviceProps(t, client, k750Path)
		return p["Luminosity"].Value() == 12.0 && p["Percentage"].Value() == 57.0, p["Luminosity"].String()
	})
	k750 := deviceProps(t, client, k750Path)
	for name, sig := range types {
		if v, ok := k750[name]; !ok || v.Signature().String() != sig {
			t.Errorf("K750 %s = %v (%s), want type %s", name, v, v.Signature(), sig)
		}
	}
	if len(k750) != len(types) {
		t.Errorf("K750 has %d properties, want %d", len(k750), len(types))
	}
	for name, want := range map[string]any{
		"Type": uint32(6), "State": uint32(2), "Model": "Wireless Solar Keyboard K750", "Serial": "750C0DE2",
		"Vendor": "Logitech", "NativePath": "hidpp_battery_750c0de2", "IsPresent": true, "Online": true,
		"WarningLevel": uint32(1), "BatteryLevel": uint32(1), "IconName": "battery-good-symbolic", "HasHistory": false,
	} {
		if got := k750[name].Value(); got != want {
			t.Errorf("K750 %s = %v, want %v", name, got, want)
		}
	}
	if u := k750["UpdateTime"].Value().(uint64); time.Since(time.Unix(int64(u), 0)).Abs() > time.Minute {
		t.Errorf("K750 UpdateTime = %d, not about now", u)
	}
	if p := deviceProps(t, client, mxPath); p["Type"].Value() != uint32(5) || p["Percentage"].Value() != 80.0 {
		t.Errorf("MX Master 3: Type %v, Percentage %v; want 5, 80", p["Type"], p["Percentage"])
	}
	poll(t, "the display device showing the lowest battery, the K750's 57 %", func() (bool, string) {
		p := deviceProps(t, client, display)
		return p["Percentage"].Value() == 57.0 && p["Type"].Value() == uint32(2) && p["IsPresent"].Value() == true, p["Percentage"].String()
	})

	// A battery change, as the device reports it.
	if err := b.Receiver.SetBattery(1, 55, hidpp.StatusCharging); err != nil {
		t.Fatal(err)
	}
	awaitSignal(t, signals, "PropertiesChanged with the MX Master 3's Percentage 55", func(s *dbus.Signal) bool {
		if s.Path != mxPath || s.Name != "org.freedesktop.DBus.Properties.PropertiesChanged" || s.Body[0] != upower.DeviceInterface {
			return false
		}
		v, ok := s.Body[1].(map[string]dbus.Variant)["Percentage"]
		return ok && v.Value() == 55.0
	})
	poll(t, "the MX Master 3 charging at 55 %", func() (bool, string) {
		p := deviceProps(t, client, mxPath)
		return p["State"].Value() == uint32(1) && p["IconName"].Value() == "battery-good-charging-symbolic", fmt.Sprint(p["State"], p["IconName"])
	})
	awaitSignal(t, signals, "PropertiesChanged of the display device to 55 %", func(s *dbus.Signal) bool {
		v, ok := s.Body[1].(map[string]dbus.Variant)["Percentage"]
		return s.Path == display && ok && v.Value() == 55.0
	})

	// Read-only: no Set succeeds, on a device or the root.
	for _, set := range []struct {
		path  dbus.ObjectPath
		iface string
		name  string
		v     any
	}{
		{mxPath, upower.DeviceInterface, "Percentage", 1.0},
		{k750Path, upower.DeviceInterface, "Luminosity", 1000.0},
		{upower.Path, upower.Interface, "OnBattery", true},
	} {
		err := client.Object(testName, set.path).Call("org.freedesktop.DBus.Properties.Set", 0, set.iface, set.name, dbus.MakeVariant(set.v)).Err
		var de dbus.Error
		if !errors.As(err, &de) || de.Name != "org.freedesktop.DBus.Properties.Error.ReadOnly" {
			t.Errorf("Set %s %s = %v, want org.freedesktop.DBus.Properties.Error.ReadOnly", set.path, set.name, err)
		}
	}
	if p := deviceProps(t, client, mxPath); p["Percentage"].Value() != 55.0 {
		t.Errorf("Percentage after a refused Set = %v", p["Percentage"])
	}

	// The other methods, with UPower's signatures.
	obj := client.Object(testName, mxPath)
	var history []struct {
		Time  uint32
		Value float64
		State uint32
	}
	if err := obj.Call(upower.DeviceInterface+".GetHistory", 0, "charge", uint32(3600), uint32(10)).Store(&history); err != nil || len(history) != 0 {
		t.Errorf("GetHistory = %v, %v; want an empty a(udu)", history, err)
	}
	var stats []struct{ Value, Accuracy float64 }
	if err := obj.Call(upower.DeviceInterface+".GetStatistics", 0, "charging").Store(&stats); err != nil || len(stats) != 0 {
		t.Errorf("GetStatistics = %v, %v; want an empty a(dd)", stats, err)
	}
	if err := obj.Call(upower.DeviceInterface+".Refresh", 0).Err; err != nil {
		t.Errorf("Refresh: %v", err)
	}
	var action string
	if err := client.Object(testName, upower.Path).Call(upower.Interface+".GetCriticalAction", 0).Store(&action); err != nil || action != "PowerOff" {
		t.Errorf("GetCriticalAction = %q, %v", action, err)
	}
	var rootProps map[string]dbus.Variant
	if err := client.Object(testName, upower.Path).Call("org.freedesktop.DBus.Properties.GetAll", 0, upower.Interface).Store(&rootProps); err != nil {
		t.Fatal(err)
	}
	if rootProps["DaemonVersion"].Value() != "helio test" || rootProps["OnBattery"].Value() != false ||
		rootProps["LidIsClosed"].Signature().String() != "b" || rootProps["LidIsPresent"].Signature().String() != "b" {
		t.Errorf("root properties = %v", rootProps)
	}

	// Introspection, as gdbus and d-feet read it.
	node, err := introspect.Call(client.Object(testName, mxPath))
	if err != nil {
		t.Fatal(err)
	}
	if got := introspected(node, upower.DeviceInterface); !strings.Contains(got, "GetHistory(in s type, in u timespan, in u resolution, out a(udu) data)") ||
		!strings.Contains(got, "property Luminosity d read") || !strings.Contains(got, "Refresh()") {
		t.Errorf("introspection of %s:\n%s", mxPath, got)
	}
	node, err = introspect.Call(client.Object(testName, upower.Path))
	if err != nil {
		t.Fatal(err)
	}
	if got := introspected(node, upower.Interface); !strings.Contains(got, "EnumerateDevices(out ao devices)") ||
		!strings.Contains(got, "signal DeviceAdded(o device)") || !strings.Contains(got, "signal DeviceRemoved(o device)") ||
		!slices.ContainsFunc(node.Children, func(n introspect.Node) bool { return n.Name == "devices" }) {
		t.Errorf("introspection of %s:\n%s\nchildren %v", upower.Path, got, node.Children)
	}

	// Stopping releases the name and withdraws the objects.
	stopMonitor()
	stopService()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	var owned bool
	if err := client.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, testName).Store(&owned); err != nil || owned {
		t.Errorf("NameHasOwner(%s) after Close = %v, %v", testName, owned, err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// introspected prints an interface's methods, signals and properties, one
// a line.
func introspected(n *introspect.Node, iface string) string {
	var b strings.Builder
	for _, i := range n.Interfaces {
		if i.Name != iface {
			continue
		}
		for _, m := range i.Methods {
			var args []string
			for _, a := range m.Args {
				args = append(args, a.Direction+" "+a.Type+" "+a.Name)
			}
			b.WriteString(m.Name + "(" + strings.Join(args, ", ") + ")\n")
		}
		for _, s := range i.Signals {
			var args []string
			for _, a := range s.Args {
				args = append(args, a.Type+" "+a.Name)
			}
			b.WriteString("signal " + s.Name + "(" + strings.Join(args, ", ") + ")\n")
		}
		for _, p := range i.Properties {
			b.WriteString("property " + p.Name + " " + p.Type + " " + p.Access + "\n")
		}
	}
	return b.String()
}

// TestService_DevicesKnownAtStart: devices the monitor saw before the
// service started are exported at once.
func TestService_DevicesKnownAtStart(t *testing.T) {
	addr := dbustest.Start(t)
	_, m := emulated(t)
	stopMonitor := goRun(t, "Monitor.Run", m.Run)
	poll(t, "the monitor's 3 devices", func() (bool, string) { return len(m.States()) == 3, "" })
	conn := connect(t, addr)
	s, err := upower.New(conn, m, upower.Opts{Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	client := connect(t, addr)
	if got := enumerate(t, client); len(got) != 3 {
		t.Errorf("EnumerateDevices = %v, want the 3 devices", got)
	}
	stopMonitor()
	s.Close()
}

// TestNew_NameTaken: a name another connection owns is refused, clearly.
func TestNew_NameTaken(t *testing.T) {
	addr := dbustest.Start(t)
	_, m := emulated(t)
	other := connect(t, addr)
	if reply, err := other.RequestName(upower.Name, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("RequestName: %v, %v", reply, err)
	}
	conn := connect(t, addr)
	_, err := upower.New(conn, m, upower.Opts{Name: upower.Name})
	if !errors.Is(err, upower.ErrNameTaken) || !strings.Contains(err.Error(), upower.Name) {
		t.Errorf("New on a taken name = %v, want ErrNameTaken naming %s", err, upower.Name)
	}
	// The service withdrew its objects: the connection can serve again.
	s, err := upower.New(conn, m, upower.Opts{Name: testName})
	if err != nil {
		t.Fatalf("New after a failed New: %v", err)
	}
	s.Close()
}

// TestNew_NameDenied: a name the bus's policy forbids is refused as such.
func TestNew_NameDenied(t *testing.T) {
	addr := dbustest.Start(t, testName)
	_, m := emulated(t)
	conn := connect(t, addr)
	if _, err := upower.New(conn, m, upower.Opts{Name: testName}); !errors.Is(err, upower.ErrNameDenied) || !strings.Contains(err.Error(), testName) {
		t.Errorf("New on a denied name = %v, want ErrNameDenied naming %s", err, testName)
	}
}

// TestRun_ConnectionClosed: Run stops with an error when the bus goes.
func TestRun_ConnectionClosed(t *testing.T) {
	addr := dbustest.Start(t)
	_, m := emulated(t)
	conn := connect(t, addr)
	s, err := upower.New(conn, m, upower.Opts{Name: testName})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	conn.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Run returned nil after the connection closed")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Run did not return after the connection closed")
	}
}

func TestCheckName(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"io.github.helio", true},
		{"org.freedesktop.UPower", true},
		{"a-b._c.d9", true},
		{"helio", false},
		{"io..helio", false},
		{"io.github.9helio", false},
		{":1.42", false},
		{"io.github.helio!", false},
		{"", false},
		{"a." + strings.Repeat("b", 254), false},
	} {
		err := upower.CheckName(tt.name)
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, upower.ErrBadName) {
			t.Errorf("CheckName(%q) = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// TestServe: Serve runs the monitor and the service until its context
// ends, then releases the name.
func TestServe(t *testing.T) {
	addr := dbustest.Start(t)
	_, m := emulated(t)
	conn := connect(t, addr)
	client := connect(t, addr)
	stop := goRun(t, "Serve", func(ctx context.Context) error { return upower.Serve(ctx, conn, m, upower.Opts{Name: testName}) })
	poll(t, "3 devices on the bus", func() (bool, string) {
		var paths []dbus.ObjectPath
		err := client.Object(testName, upower.Path).Call(upower.Interface+".EnumerateDevices", 0).Store(&paths)
		return err == nil && len(paths) == 3, fmt.Sprint(paths, err)
	})
	stop()
	var owned bool
	if err := client.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, testName).Store(&owned); err != nil || owned {
		t.Errorf("NameHasOwner(%s) after Serve = %v, %v", testName, owned, err)
	}
	if err := upower.Serve(context.Background(), conn, m, upower.Opts{Name: "nodots"}); !errors.Is(err, upower.ErrBadName) {
		t.Errorf("Serve with a bad name = %v, want ErrBadName", err)
	}
}
