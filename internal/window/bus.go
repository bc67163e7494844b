package window

import (
	"context"
	"errors"
	"time"

	"github.com/godbus/dbus/v5"

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
	// Now stamps direct reads; default time.Now.
	Now func() time.Time
}

// Follow keeps the window's devices current until ctx ends (it then
// returns nil) or the connection closes, calling update with a new
// [Snapshot] each time the devices change, from Follow's goroutine:
//
//   - While the tray owns opts.Name, the devices are those the tray
//     exports, as the tray words them ([upower.Follow]). The window never
//     talks to the receivers then.
//   - While no one owns the name, update gets a SourceNone snapshot, then
//     the SourceDirect result of one opts.Read. When the tray starts,
//     Follow switches back to it.
//
// conn should come from package bus, whose connections keep signals in
// order.
func Follow(ctx context.Context, conn *dbus.Conn, opts FollowOpts, update func(Snapshot)) error {
	if opts.Name == "" {
		opts.Name = upower.DefaultOpts.Name
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return upower.Follow(ctx, conn, opts.Name, func(states []sensors.State, owned bool) {
		if owned {
			update(Snapshot{States: states, Source: SourceTray})
			return
		}
		update(Snapshot{Source: SourceNone})
		if opts.Read == nil {
			update(Snapshot{Source: SourceDirect, Read: opts.Now(), Err: errors.New("no direct read configured")})
			return
		}
		states, err := opts.Read(ctx)
		if ctx.Err() != nil {
			return
		}
		update(Snapshot{States: states, Source: SourceDirect, Read: opts.Now(), Err: err})
	})
}
