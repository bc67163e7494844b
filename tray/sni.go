package tray

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/color"
	"log"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"fyne.io/systray"
	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/sensors"
)

// RunOpts configures [Run].
type RunOpts struct {
	Opts    Opts
	Actions Actions
	// Icon says how to draw the icon; a zero Ink means [InkGrey].
	Icon   IconOpts
	Logger *slog.Logger // may be nil
}

// The StatusNotifierWatcher is the tray host's registry of items.
const (
	watcherName  = "org.kde.StatusNotifierWatcher"
	watcherPath  = "/StatusNotifierWatcher"
	itemPath     = "/StatusNotifierItem"
	registerCall = watcherName + ".RegisterStatusNotifierItem"
)

var ran sync.Once

// Run shows the devices of src as a StatusNotifierItem on the session bus
// until ctx ends, drawing the icon, tooltip and menu from [Summarize] on
// every change. It sets no timer: between changes it only waits.
//
// The item is served by fyne.io/systray, which uses the process's shared
// session bus connection and global state: Run may be called once per
// process. It also sends systray's own log lines (from the standard log
// package) to the logger, at debug level.
//
// With no tray host on the bus, Run says so once and keeps going; the icon
// appears when a host starts. Registration is retried when a host starts,
// or restarts, and has not picked the item up by itself.
func Run(ctx context.Context, src sensors.Source, opts RunOpts) error {
	first := false
	ran.Do(func() { first = true })
	if !first {
		return errors.New("tray: Run may be called only once per process")
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.Icon.Ink == (color.NRGBA{}) {
		opts.Icon.Ink = InkGrey
	}
	conn, err := dbus.SessionBus()
	if err != nil {
		return fmt.Errorf("tray: no session bus: %w", err)
	}
	log.SetFlags(0)
	log.SetOutput(logWriter{logger})

	ready := make(chan struct{})
	start, end := systray.RunWithExternalLoop(func() { close(ready) }, nil)
	t := &sni{conn: conn, log: logger, opts: opts}
	t.menu.be = systrayMenu{}
	// systray makes the item's Id of the title it has when it starts: set
	// it before anything else, so the Id is "Helio" and stays so.
	systray.SetTitle("Helio")
	t.title = "Helio"
	start()
	defer end()
	<-ready

	states, cancel := src.Subscribe()
	defer cancel()
	// Subscribed first, so no change is missed between this and the loop.
	t.show(Summarize(src.States(), opts.Opts))
	go t.stayRegistered(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-states:
			if !ok {
				return nil
			}
			// A burst of changes (a receiver coming back with all its
			// devices) is drawn once.
			for drained := false; !drained; {
				select {
				case _, ok := <-states:
					if !ok {
						return nil
					}
				default:
					drained = true
				}
			}
			t.show(Summarize(src.States(), opts.Opts))
			// The tray idles for minutes between changes: hand the
			// memory this round used (icons are drawn anew) back to the
			// system now rather than when the runtime gets to it.
			debug.FreeOSMemory()
		}
	}
}

// sni is the item's state between changes.
type sni struct {
	conn *dbus.Conn
	log  *slog.Logger
	opts RunOpts

	menu    menu
	icon    string // what the icon was last drawn for: name, light, text
	tooltip string
	title   string
}

func (t *sni) show(s Summary) {
	key := s.IconName + "+" + s.Light
	if t.opts.Icon.Percent {
		key += "+" + s.Text
	}
	if key != t.icon {
		png, err := Icon(s, t.opts.Icon)
		if err != nil {
			t.log.Error("tray icon not drawn", "err", err)
		} else {
			systray.SetIcon(png)
			t.icon = key
		}
	}
	title := "Helio"
	if s.Text != "" {
		title = "Helio " + s.Text
	}
	if title != t.title {
		systray.SetTitle(title)
		t.title = title
	}
	if s.Tooltip != t.tooltip {
		systray.SetTooltip(s.Tooltip)
		t.tooltip = s.Tooltip
	}
	t.menu.show(entries(s, t.opts.Actions))
}

// stayRegistered watches the tray host. systray registers the item when a
// host appears, but a host that owns its name before it serves its
// watcher object turns that single attempt down; this checks the host's
// list of items and registers again, with backoff, until the item is on it.
func (t *sni) stayRegistered(ctx context.Context) {
	changes := make(chan *dbus.Signal, 8)
	match := []dbus.MatchOption{
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, watcherName),
	}
	if err := t.conn.AddMatchSignal(match...); err != nil {
		t.log.Warn("tray: cannot follow the tray host; the icon may not come back if it restarts", "err", err)
	}
	t.conn.Signal(changes)
	defer func() {
		t.conn.RemoveSignal(changes)
		t.conn.RemoveMatchSignal(match...)
	}()

	var has bool
	if err := t.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&has); err != nil {
		t.log.Warn("tray: cannot ask the session bus for a tray host", "err", err)
	}
	if has {
		t.ensureRegistered(ctx)
	} else {
		t.log.Warn("no tray host (StatusNotifierWatcher) on the session bus: the icon will appear when one starts; " +
			"notifications and the D-Bus export keep running")
	}
	for {
		select {
		case <-ctx.Done():
			return
		case sig, ok := <-changes:
			if !ok {
				return
			}
			if sig.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(sig.Body) < 3 {
				continue
			}
			if owner, _ := sig.Body[2].(string); owner != "" {
				t.log.Info("tray host appeared", "owner", owner)
				t.ensureRegistered(ctx)
			} else {
				t.log.Info("tray host went away; the icon comes back when it returns")
			}
		}
	}
}

// ensureRegistered gives the host a moment to take systray's own
// registration, then registers until the host lists the item.
func (t *sni) ensureRegistered(ctx context.Context) {
	wait := 100 * time.Millisecond
	for try := 0; try < 8; try++ {
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		if t.registered(ctx) {
			t.log.Debug("tray item registered", "tries", try)
			return
		}
		call := t.conn.Object(watcherName, watcherPath).CallWithContext(ctx, registerCall, 0, itemPath)
		if call.Err != nil {
			t.log.Debug("tray item not registered yet", "err", call.Err)
		}
		wait *= 2
	}
	t.log.Warn("the tray host did not take Helio's icon; it is retried when the host restarts")
}

// registered reports whether the host lists this connection's item. Hosts
// write entries as ":1.17/StatusNotifierItem" or just ":1.17".
func (t *sni) registered(ctx context.Context) bool {
	v, err := t.conn.Object(watcherName, watcherPath).GetProperty(watcherName + ".RegisteredStatusNotifierItems")
	if err != nil || ctx.Err() != nil {
		return false
	}
	items, _ := v.Value().([]string)
	self := t.conn.Names()[0]
	for _, it := range items {
		if it == self || strings.HasPrefix(it, self+"/") {
			return true
		}
	}
	return false
}

// systrayMenu is the menu fyne.io/systray serves over com.canonical.dbusmenu.
type systrayMenu struct{}

func (systrayMenu) reset() { systray.ResetMenu() }

func (systrayMenu) addSeparator() { systray.AddSeparator() }

func (systrayMenu) add(label string, click func()) menuHandle {
	it := systray.AddMenuItem(label, "")
	if click == nil {
		it.Disable()
		return systrayItem{it}
	}
	// The channel is closed when ResetMenu removes the entry.
	go func() {
		for range it.ClickedCh {
			click()
		}
	}()
	return systrayItem{it}
}

type systrayItem struct{ it *systray.MenuItem }

func (s systrayItem) setLabel(l string) { s.it.SetTitle(l) }

// logWriter turns systray's log lines into debug records: its complaints
// ("failed to register") repeat what Run already says once, in words a
// user can act on.
type logWriter struct{ l *slog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.l.Debug("systray: " + string(bytes.TrimSpace(p)))
	return len(p), nil
}
