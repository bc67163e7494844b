package main

import (
	"context"
	"log/slog"
	"time"

	_ "github.com/helio-linux/helio/emulator" // --backend sim, for a window without receivers
	"github.com/helio-linux/helio/internal/window"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/transport/backends"
	"github.com/helio-linux/helio/transport/libusb"
)

// readTimeout bounds the whole direct read: a sleeping solar keyboard
// may take a few seconds to send its light report.
const readTimeout = 20 * time.Second

// directRead is the window's fallback while the tray is not running: one
// reading of every device of every receiver of the backend spec names,
// as "helio query" reads them ([sensors.ReadBackend]).
func directRead(spec string, log *slog.Logger) window.ReadFunc {
	return func(ctx context.Context) ([]sensors.State, error) {
		ctx, cancel := context.WithTimeout(ctx, readTimeout)
		defer cancel()
		b, err := backends.Open(spec)
		if err != nil {
			return nil, err
		}
		if spec == "libusb" {
			log.Warn(libusb.Warning)
		}
		states, err := sensors.ReadBackend(ctx, b, sensors.SessionOpts{Logger: log}, nil)
		if err != nil && len(states) > 0 {
			// Some devices read: show them, and say what failed in the log.
			log.Warn("direct read incomplete", "err", err)
			return states, nil
		}
		return states, err
	}
}
