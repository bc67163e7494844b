package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/window"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/backends"
	"github.com/helio-linux/helio/transport/libusb"
	"github.com/helio-linux/helio/unifying"
)

// readTimeout bounds the whole direct read: a sleeping solar keyboard
// may take a few seconds to send its light report.
const readTimeout = 20 * time.Second

// directRead is the window's fallback while the tray is not running: one
// reading of every device of every receiver of the backend spec names.
func directRead(spec string, log *slog.Logger) window.ReadFunc {
	return func(ctx context.Context) ([]sensors.State, error) {
		ctx, cancel := context.WithTimeout(ctx, readTimeout)
		defer cancel()
		b, err := backends.Open(spec)
		if err != nil {
			return nil, err
		}
		infos, err := b.Receivers()
		if err != nil {
			return nil, fmt.Errorf("finding receivers (%s): %w", spec, err)
		}
		if len(infos) == 0 {
			return nil, fmt.Errorf("no Logitech receiver found (backend %s)", spec)
		}
		if spec == "libusb" {
			log.Warn(libusb.Warning)
		}
		var states []sensors.State
		var errs []error
		for _, info := range infos {
			s, err := readReceiver(ctx, b, info)
			states = append(states, s...)
			if err != nil {
				errs = append(errs, err)
			}
		}
		if len(states) > 0 {
			// Some devices read: show them, and say what failed in the log.
			if err := errors.Join(errs...); err != nil {
				log.Warn("direct read incomplete", "err", err)
			}
			return states, nil
		}
		return nil, errors.Join(errs...)
	}
}

// readReceiver opens one receiver, reads its devices and closes it.
func readReceiver(ctx context.Context, b transport.Backend, info transport.Info) ([]sensors.State, error) {
	t, err := b.Open(info)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", info.Path, err)
	}
	c := hidpp.NewConn(t, nil)
	defer c.Close()
	r, err := unifying.Open(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("opening the receiver at %s: %w", info.Path, err)
	}
	devs, err := r.Devices(ctx, nil)
	var states []sensors.State
	for _, rd := range sensors.ReadAll(ctx, devs, nil) {
		states = append(states, sensors.StateOf(rd))
	}
	if err != nil {
		return states, fmt.Errorf("listing the devices of %s: %w", info.Path, err)
	}
	return states, nil
}
