package desktop

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/internal/proctest"
)

// The tray tests run the real helio binary, as a desktop session starts
// it, against xfce4-panel, whose Status Tray plugin is both the
// StatusNotifierWatcher and a host that draws items and their dbusmenu.

var screenshots = flag.String("screenshots", "", "write screenshots of the panel and the open menu to this `directory`")

// built holds the programs the tests built, once each for all of them.
var built struct {
	mu    sync.Mutex
	dir   string
	paths map[string]string // by package
}

// TestMain removes the programs the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// program builds the command in pkg (relative to the module's root) with
// the flags "make window" and go vet use, so all share the build cache:
// the first build of helio-window compiles go-gl's C, for minutes.
func program(t *testing.T, pkg string) string {
	t.Helper()
	built.mu.Lock()
	defer built.mu.Unlock()
	if p, ok := built.paths[pkg]; ok {
		return p
	}
	if built.dir == "" {
		dir, err := os.MkdirTemp("", "helio-desktoptest-")
		if err != nil {
			t.Fatal(err)
		}
		built.dir, built.paths = dir, map[string]string{}
	}
	out := filepath.Join(built.dir, filepath.Base(filepath.Join("helio", pkg)))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = "../.." // go test runs in the package's directory, test/desktop
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	built.paths[pkg] = out
	return out
}

// helio is the helio program.
func helio(t *testing.T) string { return program(t, ".") }

const xfconfd = "/usr/lib/x86_64-linux-gnu/xfce4/xfconf/xfconfd"

// startPanel starts xfce4-panel with the test's panel layout, and its
// settings daemon (which the private bus cannot start on demand), and
// waits until it owns the StatusNotifierWatcher name.
func startPanel(t *testing.T, s *Session) *proctest.Process {
	t.Helper()
	if _, err := os.Stat(xfconfd); err != nil {
		t.Fatalf("xfce4-panel is installed without its settings daemon %s (apt-get install xfconf)", xfconfd)
	}
	dst := filepath.Join(s.Home, ".config", "xfce4")
	if _, err := os.Stat(dst); err != nil {
		if err := os.CopyFS(dst, os.DirFS("testdata/xfce4")); err != nil {
			t.Fatal(err)
		}
		xf := s.Start(xfconfd)
		s.WaitForName("org.xfce.Xfconf", 10*time.Second, xf)
	}
	p := s.Start("xfce4-panel", "--disable-wm-check")
	s.WaitForName(watcherName, 15*time.Second, p)
	return p
}

const watcherName = "org.kde.StatusNotifierWatcher"

// startTray starts "helio --backend sim --debug tray" in the session.
func startTray(t *testing.T, s *Session, args ...string) *proctest.Process {
	t.Helper()
	return s.Start(helio(t), append([]string{"--backend", "sim", "--debug", "tray"}, args...)...)
}

// itemOwner waits for the tray item of p to be on the bus and returns the
// unique name of the connection that serves it.
func itemOwner(t *testing.T, s *Session, p *proctest.Process) string {
	t.Helper()
	name := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", p.Cmd.Process.Pid)
	s.WaitForName(name, 15*time.Second, p)
	var owner string
	if err := s.Conn().BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, name).Store(&owner); err != nil {
		t.Fatal(err)
	}
	return owner
}

// waitNoWatcher waits until the stopped tray host's watcher name is gone,
// so the next host's arrival is a new one.
func waitNoWatcher(t *testing.T, s *Session) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var has bool
		if err := s.Conn().BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&has); err != nil {
			t.Fatal(err)
		}
		if !has {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the tray host still owns the watcher name 5 s after it stopped")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// registered returns the items the watcher lists.
func registered(t *testing.T, s *Session) []string {
	t.Helper()
	v, err := s.Conn().Object(watcherName, "/StatusNotifierWatcher").GetProperty(watcherName + ".RegisteredStatusNotifierItems")
	if err != nil {
		return nil
	}
	items, _ := v.Value().([]string)
	return items
}

// waitRegistered waits until the watcher lists owner's item.
func waitRegistered(t *testing.T, s *Session, owner string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		items := registered(t, s)
		if slices.ContainsFunc(items, func(it string) bool { return it == owner || strings.HasPrefix(it, owner+"/") }) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tray host lists %q, not Helio's item %s, after %v", items, owner, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// menuItem is one entry of the item's dbusmenu.
type menuItem struct {
	id    int32
	label string
	kind  string // "separator" or ""
}

// layout reads the menu over com.canonical.dbusmenu, as a host does.
func layout(t *testing.T, s *Session, owner string) []menuItem {
	t.Helper()
	var revision uint32
	var root struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	call := s.Conn().Object(owner, "/StatusNotifierItem/menu").Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
	if err := call.Store(&revision, &root); err != nil {
		t.Fatalf("GetLayout: %v", err)
	}
	var out []menuItem
	for _, c := range root.Children {
		var child struct {
			ID       int32
			Props    map[string]dbus.Variant
			Children []dbus.Variant
		}
		if err := dbus.Store([]any{c.Value()}, &child); err != nil {
			t.Fatalf("menu entry %v: %v", c, err)
		}
		it := menuItem{id: child.ID}
		if v, ok := child.Props["label"]; ok {
			it.label, _ = v.Value().(string)
		}
		if v, ok := child.Props["type"]; ok {
			it.kind, _ = v.Value().(string)
		}
		out = append(out, it)
	}
	return out
}

// waitMenu waits until the menu reads want, as the K750's first light
// report comes a second after start-up, and returns it.
func waitMenu(t *testing.T, s *Session, owner string, want []string, timeout time.Duration) []menuItem {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		items := layout(t, s, owner)
		if slices.Equal(labels(items), want) {
			return items
		}
		if time.Now().After(deadline) {
			t.Fatalf("menu\n%q\nwant\n%q", labels(items), want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitEntry waits until the menu has an entry labelled label (the item's
// name is on the bus a moment before its menu is filled), and returns the
// menu.
func waitEntry(t *testing.T, s *Session, owner, label string, timeout time.Duration) []menuItem {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		items := layout(t, s, owner)
		for _, it := range items {
			if strings.TrimSpace(it.label) == label {
				return items
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no entry %q in the menu %q after %v", label, labels(items), timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func labels(items []menuItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.label
		if it.kind == "separator" {
			out[i] = "----"
		}
	}
	return out
}

// click sends the "clicked" event a host sends when an entry is picked.
func click(t *testing.T, s *Session, owner string, items []menuItem, label string) {
	t.Helper()
	clickWith(t, s, owner, items, label, 0)
}

// clickWith sends the event with the call flags given: Quit is clicked
// with no reply expected, as the process may be gone before it replies.
func clickWith(t *testing.T, s *Session, owner string, items []menuItem, label string, flags dbus.Flags) {
	t.Helper()
	for _, it := range items {
		if strings.TrimSpace(it.label) == label {
			call := s.Conn().Object(owner, "/StatusNotifierItem/menu").Call("com.canonical.dbusmenu.Event", flags,
				it.id, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix()))
			if call.Err != nil {
				t.Fatalf("clicking %q: %v", label, call.Err)
			}
			return
		}
	}
	t.Fatalf("no entry %q in the menu %q", label, labels(items))
}

// waitOutput waits until p has printed want n times or more.
func waitOutput(t *testing.T, p *proctest.Process, want string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for strings.Count(p.Output(), want) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s printed %q %d times, want %d, within %v", p.Name, want, strings.Count(p.Output(), want), n, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// setLightMeasure is how the debug log shows the K750 (device 2 of the
// emulated receiver) being asked for one light report: SetLightMeasure,
// function 0 of its solar feature at index 9.
const setLightMeasure = `report="10 02 09 06 01 01 00"`

// wantMenu is the emulated receiver's devices, as the tray lists them.
var wantMenu = []string{
	"MX Master 3 Wireless Mouse: 80 %, discharging",
	"Wireless Solar Keyboard K750: 57 %, 12 lux, discharging",
	"    Check light",
	"M705: 100 %, discharging",
	"----",
	"Open Helio",
	"Quit",
}

func TestTray_Panel(t *testing.T) {
	Require(t, "dbus-daemon", "Xvfb", "xfce4-panel", "go")
	s := NewSession(t)
	s.StartX()
	startPanel(t, s)
	p := startTray(t, s)
	owner := itemOwner(t, s, p)
	waitRegistered(t, s, owner, 10*time.Second)
	items := waitMenu(t, s, owner, wantMenu, 10*time.Second)

	item := s.Conn().Object(owner, "/StatusNotifierItem")
	props := map[string]any{}
	for _, name := range []string{"Id", "Status", "Title", "ItemIsMenu", "Menu"} {
		v, err := item.GetProperty("org.kde.StatusNotifierItem." + name)
		if err != nil {
			t.Fatalf("item property %s: %v", name, err)
		}
		props[name] = v.Value()
	}
	want := map[string]any{"Id": "Helio", "Status": "Active", "Title": "Helio 57 %", "ItemIsMenu": true,
		"Menu": dbus.ObjectPath("/StatusNotifierItem/menu")}
	for k, w := range want {
		if props[k] != w {
			t.Errorf("item property %s = %#v, want %#v", k, props[k], w)
		}
	}
	var pixmaps []struct {
		W, H int32
		Pix  []byte
	}
	v, err := item.GetProperty("org.kde.StatusNotifierItem.IconPixmap")
	if err == nil {
		err = dbus.Store([]any{v.Value()}, &pixmaps)
	}
	if err != nil || len(pixmaps) != 1 || pixmaps[0].W != 64 || pixmaps[0].H != 64 || len(pixmaps[0].Pix) != 64*64*4 {
		t.Errorf("IconPixmap: %v, err %v; want one 64×64 ARGB pixmap", v, err)
	}
	v, err = item.GetProperty("org.kde.StatusNotifierItem.ToolTip")
	if err != nil || !strings.Contains(fmt.Sprint(v.Value()), "Wireless Solar Keyboard K750: 57 %, 12 lux, discharging") {
		t.Errorf("ToolTip = %v (err %v), want the devices' lines", v, err)
	}

	if *screenshots != "" {
		shoot(t, s, items)
	}

	// "Check light" reaches Helio: it asks the K750 for a light report,
	// once at start-up and once for the click.
	waitOutput(t, p, setLightMeasure, 1, 5*time.Second)
	before := strings.Count(p.Output(), setLightMeasure)
	click(t, s, owner, items, "Check light")
	waitOutput(t, p, setLightMeasure, before+1, 5*time.Second)

	// Quit ends the process cleanly, and the host drops the item.
	clickWith(t, s, owner, layout(t, s, owner), "Quit", dbus.FlagNoReplyExpected)
	select {
	case <-p.Exited():
		if err := p.Err(); err != nil {
			t.Errorf("helio tray after Quit: %v\n%s", err, p.Output())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("helio tray still runs 10 s after Quit")
	}
	deadline := time.Now().Add(5 * time.Second)
	for slices.ContainsFunc(registered(t, s), func(it string) bool { return strings.HasPrefix(it, owner) }) {
		if time.Now().After(deadline) {
			t.Fatalf("the host still lists the item after Helio quit: %q", registered(t, s))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shoot takes screenshots of the panel, and of the menu the panel draws
// when the icon is clicked, for the README.
func shoot(t *testing.T, s *Session, items []menuItem) {
	t.Helper()
	Require(t, "xdotool", "import")
	dir, err := filepath.Abs(*screenshots)
	if err != nil {
		t.Fatal(err)
	}
	// The icon is the rightmost thing on the 32-pixel panel along the
	// top of the 1280-pixel screen.
	s.Run("xdotool", "mousemove", "1262", "16", "click", "1")
	time.Sleep(1500 * time.Millisecond)
	s.Run("import", "-window", "root", "-crop", "720x230+560+0", filepath.Join(dir, "tray-menu.png"))
	s.Run("xdotool", "key", "Escape")
	t.Logf("screenshot in %s", filepath.Join(dir, "tray-menu.png"))
}

// TestTray_HostLateAndRestarted starts Helio before any tray host: it must
// say so once and keep running, register when the host starts, and
// register again when the host restarts.
func TestTray_HostLateAndRestarted(t *testing.T) {
	Require(t, "dbus-daemon", "Xvfb", "xfce4-panel", "go")
	s := NewSession(t)
	s.StartX()
	p := startTray(t, s)
	owner := itemOwner(t, s, p)
	const noHost = "no tray host (StatusNotifierWatcher) on the session bus"
	waitOutput(t, p, noHost, 1, 5*time.Second)
	// The export runs without a tray host.
	s.WaitForName("io.github.helio", 5*time.Second, p)

	for round := 1; round <= 3; round++ {
		panel := startPanel(t, s)
		waitRegistered(t, s, owner, 10*time.Second)
		waitMenu(t, s, owner, wantMenu, 10*time.Second)
		panel.Stop()
		waitNoWatcher(t, s)
	}
	if n := strings.Count(p.Output(), noHost); n != 1 {
		t.Errorf("Helio said %q %d times, want once", noHost, n)
	}
	select {
	case <-p.Exited():
		t.Fatalf("helio tray exited: %v\n%s", p.Err(), p.Output())
	default:
	}
}

// profile writes the default emulated receiver with change applied to its
// JSON, and returns the file's path.
func profile(t *testing.T, s *Session, change func(devices []any)) string {
	t.Helper()
	b, err := os.ReadFile("../../emulator/profiles/default.json")
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	change(p["devices"].([]any))
	if b, err = json.Marshal(p); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.Home, "profile.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// device returns the device of the profile with this codename.
func device(t *testing.T, devices []any, codename string) map[string]any {
	t.Helper()
	for _, d := range devices {
		if m := d.(map[string]any); m["codename"] == codename {
			return m
		}
	}
	t.Fatalf("no %s in the default profile", codename)
	return nil
}

// TestTray_NoAlertAtStart starts the tray with a mouse already at 4 %, and
// dunst running: the first figure of a device only sets its baseline, so
// no notification may appear.
func TestTray_NoAlertAtStart(t *testing.T) {
	Require(t, append([]string{"xfce4-panel", "go"}, dunstPrograms...)...)
	s := NewSession(t)
	s.StartX()
	startDunst(t, s)
	startPanel(t, s)
	low := profile(t, s, func(devices []any) {
		device(t, devices, "MX Master 3")["battery"].(map[string]any)["percent"] = 4
	})
	p := s.Start(helio(t), "--backend", "sim:"+low, "--debug", "tray")
	owner := itemOwner(t, s, p)
	want := slices.Clone(wantMenu)
	want[0] = "MX Master 3 Wireless Mouse: 4 %, discharging"
	waitMenu(t, s, owner, want, 10*time.Second)
	time.Sleep(time.Second)
	if n := count(t, s); n != 0 {
		t.Errorf("%d notifications at start-up, want none: %s", n, lines(history(t, s)))
	}
}

// TestTray_Alerts runs the tray with a K750 in the dark, losing a point of
// charge a second from 8 %, and the config file's dark delay of 2 s: the
// tray process itself must show exactly the critical alert (at 5 %) and
// the dark one, each once.
func TestTray_Alerts(t *testing.T) {
	Require(t, append([]string{"xfce4-panel", "go"}, dunstPrograms...)...)
	s := NewSession(t)
	s.StartX()
	startDunst(t, s)
	dark := profile(t, s, func(devices []any) {
		device(t, devices, "K750")["solar"] = map[string]any{"charge": 8, "lux": 0, "drain_per_hour": 36, "speed": 100}
	})
	config := filepath.Join(s.Home, "helio.toml")
	if err := os.WriteFile(config, []byte("[thresholds]\ndark_after = \"2s\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := s.Start(helio(t), "--backend", "sim:"+dark, "--config", config, "--debug", "tray")
	owner := itemOwner(t, s, p)
	// The K750 reports its charge only when asked: ask through the menu,
	// as a user would, until both alerts are in.
	deadline := time.Now().Add(20 * time.Second)
	for count(t, s) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("dunst holds %d notifications after 20 s of light checks, want 2\n%s", count(t, s), p.Output())
		}
		click(t, s, owner, waitEntry(t, s, owner, "Check light", 10*time.Second), "Check light")
		// The keyboard answers a second after each request, and a new
		// request starts that second over.
		time.Sleep(1500 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // long enough for a duplicate to show
	var got []string
	for _, n := range history(t, s) {
		got = append(got, n.Urgency+" "+n.Summary)
	}
	want := []string{ // sorted, as got is: the order depends on the clicks
		"critical Wireless Solar Keyboard K750 battery critical",
		"normal Wireless Solar Keyboard K750 is in the dark",
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("dunst showed %q, want %q\n%s", got, want, p.Output())
	}
}

// TestTray_LateBareWatcher starts a bare StatusNotifierWatcher
// (status-notifier-watcher) after Helio, five times over. That watcher
// owns its name before it serves its object, so a single registration
// attempt, as fyne.io/systray makes, mostly fails; Helio's retries must
// get the item listed every time.
func TestTray_LateBareWatcher(t *testing.T) {
	Require(t, "dbus-daemon", "status-notifier-watcher", "go")
	s := NewSession(t)
	p := startTray(t, s)
	owner := itemOwner(t, s, p)
	for round := 1; round <= 5; round++ {
		w := s.Start("status-notifier-watcher")
		s.WaitForName(watcherName, 10*time.Second, w)
		waitRegistered(t, s, owner, 10*time.Second)
		w.Stop()
		waitNoWatcher(t, s)
	}
}
