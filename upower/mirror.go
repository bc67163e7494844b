package upower

import (
	"context"
	"errors"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/sensors"
)

// ErrServiceGone is returned by [Mirror] when the service it mirrored went
// away.
var ErrServiceGone = errors.New("upower: the Helio service went away")

// Mirror puts the devices of the Helio service that owns name on conn onto
// board as they change, for a process that shows another Helio's devices
// without reading the receivers itself: a second tray, or watch beside a
// running tray, so that one process talks to the receivers. It returns
// [ErrNoService] when no one owns the name to begin with, [ErrServiceGone]
// when the owner goes away (the devices' last states stay on board), and
// nil when ctx ends.
func Mirror(ctx context.Context, conn *dbus.Conn, name string, board *sensors.Board) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	mirrored := false
	err := Follow(ctx, conn, name, func(states []sensors.State, owned bool) {
		switch {
		case !owned && mirrored:
			cancel(ErrServiceGone)
		case !owned:
			cancel(ErrNoService)
		default:
			mirrored = true
			for _, st := range states {
				board.Put(st)
			}
		}
	})
	if cause := context.Cause(ctx); errors.Is(cause, ErrServiceGone) || errors.Is(cause, ErrNoService) {
		return cause
	}
	return err
}
