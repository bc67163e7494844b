package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// What Helio's notifications say about themselves.
const (
	AppName      = "Helio"           // the app_name of every notification
	DesktopEntry = "io.github.helio" // the "desktop-entry" hint: Helio's io.github.helio.desktop
)

// The notification server of the freedesktop Desktop Notifications
// Specification, as every notification daemon (dunst, GNOME Shell, KDE
// Plasma, xfce4-notifyd, mako) serves it on the session bus.
const (
	serverName   = "org.freedesktop.Notifications"
	serverPath   = dbus.ObjectPath("/org/freedesktop/Notifications")
	notifyMethod = serverName + ".Notify"

	// The specification's "device" category is a generic device
	// notification; "device.error" would claim the device is faulty, and
	// a battery running down is not a fault. The urgency says how bad it
	// is.
	category = "device"

	expireDefault = int32(-1) // the server's own timeout
	expireNever   = int32(0)  // shown until the user dismisses it
)

// sendTimeout bounds each Notify call, so a notification daemon that hangs
// cannot stall the loop that feeds the [Watcher]. It is long enough for a
// daemon started by D-Bus activation on the first call. Tests shorten it.
var sendTimeout = 10 * time.Second

// Sender shows alerts as desktop notifications through the notification
// server on a D-Bus session bus. Its logging is about the server, not each
// alert: while no server answers it warns once, and it says once when one
// answers again.
//
// A Sender is safe for concurrent use.
type Sender struct {
	conn *dbus.Conn
	log  *slog.Logger

	mu      sync.Mutex
	failing bool // the last call failed and that was logged
}

// NewSender returns a Sender that calls the notification server over conn.
// The caller owns conn and closes it after the Sender's last use. A nil log
// discards the Sender's messages.
func NewSender(conn *dbus.Conn, log *slog.Logger) *Sender {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sender{conn: conn, log: log}
}

// Send shows a as one notification and returns the ID the server gave it.
//
// Every notification is from [AppName], carries the [DesktopEntry] hint,
// the "device" category and a's urgency, and a's IconName as its icon. A
// critical alert stays until the user dismisses it; the others expire as
// the server sees fit.
//
// The call ends within a bounded time even if ctx has no deadline. A
// failure is returned, and the first one after a success is logged as a
// warning: the alert is lost, and the caller goes on. The first success
// after a failure is logged at Info.
func (s *Sender) Send(ctx context.Context, a Alert) (uint32, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	var id uint32
	err := s.conn.Object(serverName, serverPath).CallWithContext(ctx, notifyMethod, 0, notifyArgs(a)...).Store(&id)
	if err != nil && parent.Err() != nil {
		// Helio is stopping: the daemon did nothing wrong.
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if !s.failing {
			s.failing = true
			if noServer(err) {
				s.log.Warn("no notification daemon on the session bus: alerts are not shown until one runs", "err", err)
			} else {
				s.log.Warn("the notification daemon failed: alerts are not shown until it answers again", "err", err)
			}
		} else {
			s.log.Debug("alert not shown", "summary", a.Summary, "err", err)
		}
		return 0, fmt.Errorf("notify: showing %q: %w", a.Summary, err)
	}
	if s.failing {
		s.failing = false
		s.log.Info("notification daemon answers again: alerts are shown")
	}
	return id, nil
}

// notifyArgs are the arguments of Notify for a, in the specification's
// order: app_name, replaces_id, app_icon, summary, body, actions, hints,
// expire_timeout.
func notifyArgs(a Alert) []any {
	expire := expireDefault
	if a.Urgency == UrgencyCritical {
		// Servers should keep critical notifications anyway, but not all
		// do; a battery about to die must not scroll away unread.
		expire = expireNever
	}
	hints := map[string]dbus.Variant{
		"urgency":       dbus.MakeVariant(byte(a.Urgency)),
		"category":      dbus.MakeVariant(category),
		"desktop-entry": dbus.MakeVariant(DesktopEntry),
	}
	// replaces_id 0: each alert is news of its own, and the low one should
	// stay in the history when the critical one follows.
	return []any{AppName, uint32(0), a.IconName, a.Summary, a.Body, []string{}, hints, expire}
}

// noServer reports whether err says that nobody owns the server's name, as
// opposed to a server that owns it and failed.
func noServer(err error) bool {
	var name string
	var e dbus.Error
	var pe *dbus.Error
	switch {
	case errors.As(err, &e):
		name = e.Name
	case errors.As(err, &pe):
		name = pe.Name
	}
	return name == "org.freedesktop.DBus.Error.ServiceUnknown" || name == "org.freedesktop.DBus.Error.NameHasNoOwner"
}
