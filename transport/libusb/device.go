package libusb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/gousb"
)

// controlTimeout bounds each SET_REPORT; gousb's default waits forever.
const controlTimeout = time.Second

// usbDevice is every libusb call a Conn makes, one method each, so tests
// can substitute a fake. gousbDevice implements it with gousb.
type usbDevice interface {
	// ActiveConfig takes the device's active configuration
	// (libusb_get_configuration). It must come before SetAutoDetach(true):
	// see the package doc.
	ActiveConfig() error
	// SetAutoDetach turns libusb's automatic kernel driver detach on or off
	// (libusb_set_auto_detach_kernel_driver).
	SetAutoDetach(on bool) error
	// ClaimInterface claims alternate setting 0 of interface num
	// (libusb_claim_interface) and returns its descriptor. With auto-detach
	// on, libusb detaches the kernel driver of that interface alone in the
	// same ioctl.
	ClaimInterface(num int) (gousb.InterfaceSetting, error)
	// ReadInterrupt reads one transfer of len(buf) bytes from IN endpoint
	// number ep of the claimed interface. It returns when ctx is done.
	ReadInterrupt(ctx context.Context, ep int, buf []byte) (int, error)
	// Control makes a control transfer on endpoint 0
	// (libusb_control_transfer).
	Control(rType, request uint8, val, idx uint16, data []byte) (int, error)
	// ReleaseInterface releases interface num (libusb_release_interface);
	// with auto-detach on, libusb then re-attaches its kernel driver.
	// gousb reports no error.
	ReleaseInterface(num int)
	// Close closes the configuration, the device and the libusb context.
	Close() error
}

// gousbDevice is a receiver opened through gousb. Its methods are thin:
// every decision is in Conn, where the tests see it.
type gousbDevice struct {
	ctx *gousb.Context
	dev *gousb.Device

	mu   sync.Mutex
	cfg  *gousb.Config
	intf *gousb.Interface
	in   map[int]*gousb.InEndpoint
}

func (g *gousbDevice) ActiveConfig() error {
	n, err := g.dev.ActiveConfigNum()
	if err != nil {
		return err
	}
	cfg, err := g.dev.Config(n)
	if err != nil {
		return err
	}
	g.mu.Lock()
	g.cfg = cfg
	g.mu.Unlock()
	return nil
}

func (g *gousbDevice) SetAutoDetach(on bool) error { return g.dev.SetAutoDetach(on) }

func (g *gousbDevice) ClaimInterface(num int) (gousb.InterfaceSetting, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cfg == nil {
		return gousb.InterfaceSetting{}, errors.New("no configuration taken")
	}
	intf, err := g.cfg.Interface(num, 0)
	if err != nil {
		return gousb.InterfaceSetting{}, err
	}
	g.intf, g.in = intf, make(map[int]*gousb.InEndpoint)
	return intf.Setting, nil
}

func (g *gousbDevice) ReadInterrupt(ctx context.Context, ep int, buf []byte) (int, error) {
	g.mu.Lock()
	in := g.in[ep]
	if in == nil {
		if g.intf == nil {
			g.mu.Unlock()
			return 0, errors.New("no interface claimed")
		}
		var err error
		if in, err = g.intf.InEndpoint(ep); err != nil {
			g.mu.Unlock()
			return 0, err
		}
		g.in[ep] = in
	}
	g.mu.Unlock()
	return in.ReadContext(ctx, buf)
}

func (g *gousbDevice) Control(rType, request uint8, val, idx uint16, data []byte) (int, error) {
	return g.dev.Control(rType, request, val, idx, data)
}

func (g *gousbDevice) ReleaseInterface(num int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.intf != nil && g.intf.Setting.Number == num {
		g.intf.Close()
		g.intf, g.in = nil, nil
	}
}

// Close closes what is open, innermost first: gousb refuses to close a
// configuration with a claimed interface, a device with a configuration, a
// context with a device.
func (g *gousbDevice) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	var errs []error
	if g.intf != nil {
		g.intf.Close()
		g.intf, g.in = nil, nil
	}
	if g.cfg != nil {
		if err := g.cfg.Close(); err != nil {
			errs = append(errs, fmt.Errorf("configuration: %w", err))
		}
		g.cfg = nil
	}
	if err := g.dev.Close(); err != nil {
		errs = append(errs, fmt.Errorf("device: %w", err))
	}
	if err := g.ctx.Close(); err != nil {
		errs = append(errs, fmt.Errorf("context: %w", err))
	}
	return errors.Join(errs...)
}
