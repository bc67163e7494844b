package notify

import (
	"context"
	"time"

	"github.com/helio-linux/helio/sensors"
)

// now is the clock Run stamps states with; tests swap it.
var now = time.Now

// Run feeds every state from states to w, stamped with the time it
// arrives, and shows each alert w returns through s. It returns nil once
// states is closed (cancelling a [sensors.Monitor] subscription closes it)
// and ctx.Err() once ctx ends.
//
// An alert that cannot be shown is lost, not queued: s has logged why, and
// a stale battery warning shown later would mislead. The loop goes on, so
// alerts are shown again as soon as a notification daemon answers.
func Run(ctx context.Context, states <-chan sensors.State, w *Watcher, s *Sender) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case st, ok := <-states:
			if !ok {
				return nil
			}
			for _, a := range w.Observe(st, now()) {
				// The error is Sender's to log; one line per outage is enough.
				s.Send(ctx, a)
			}
		}
	}
}
