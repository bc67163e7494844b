// Package emulatortest opens the emulated receiver for tests the way Helio
// opens a real one, so the packages above the protocol (unifying, sensors,
// the front ends) test against the same device side without repeating the
// set-up; and it presents the emulated receiver to the transport
// conformance test (package transporttest).
package emulatortest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/transporttest"
)

// Timeout is the reply timeout of the connections Open makes: short, since
// the emulator answers at once, long enough for a loaded machine.
const Timeout = 300 * time.Millisecond

// Open emulates the receiver of profile p (nil: the built-in default) with
// light reports 10 ms apart, and opens a HID++ connection on it. Both are
// closed when the test ends.
func Open(t testing.TB, p *emulator.Profile) (*emulator.Backend, *hidpp.Conn) {
	t.Helper()
	if p == nil {
		var err error
		if p, err = emulator.BuiltinProfile("default"); err != nil {
			t.Fatal(err)
		}
	}
	b := emulator.NewBackend(p, "test", &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(b.Receiver.Close)
	infos, _ := b.Receivers()
	if len(infos) == 0 {
		t.Fatal("emulatortest: the profile has no node to open (every device disconnected?)")
	}
	tc, err := b.Open(infos[0])
	if err != nil {
		t.Fatal(err)
	}
	c := hidpp.NewConn(tc, &hidpp.Opts{DeviceTimeout: Timeout, ReceiverTimeout: Timeout})
	t.Cleanup(func() { c.Close() })
	return b, c
}

// Emulate emulates the built-in profiles named ("bolt", "bluetooth", ...)
// as one system ([emulator.Join]), with light reports 10 ms apart, until
// the test ends: a test of every family reads the real thing.
func Emulate(t testing.TB, names ...string) *emulator.Backend {
	t.Helper()
	var parts []*emulator.Backend
	for _, name := range names {
		p, err := emulator.BuiltinProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, EmulateProfile(t, name, p))
	}
	b, err := emulator.Join(parts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// EmulateProfile emulates profile p under source name (its nodes' paths
// are "sim:NAME..."), with light reports 10 ms apart, until the test ends.
func EmulateProfile(t testing.TB, name string, p *emulator.Profile) *emulator.Backend {
	t.Helper()
	b := emulator.NewBackend(p, name, &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(b.Close)
	return b
}

// Variant is built-in profile name changed by edit, and validated again:
// a receiver without some registers, a device answering one request its
// own way.
func Variant(t testing.TB, name string, edit func(*emulator.Profile)) *emulator.Profile {
	t.Helper()
	p, err := emulator.BuiltinProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	edit(p)
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if p, err = emulator.ParseProfile(js, "variant of "+name); err != nil {
		t.Fatal(err)
	}
	return p
}

// Node is the node b lists at path ("sim:bolt", "sim:bluetooth/MAC").
func Node(t testing.TB, b transport.Backend, path string) transport.Info {
	t.Helper()
	infos, err := b.Receivers()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range infos {
		if i.Path == path {
			return i
		}
	}
	t.Fatalf("no node %s in %v", path, infos)
	return transport.Info{}
}

// OpenNode opens the node b lists at path for HID++, with [Timeout], until
// the test ends.
func OpenNode(t testing.TB, b transport.Backend, path string) *hidpp.Conn {
	t.Helper()
	tc, err := b.Open(Node(t, b, path))
	if err != nil {
		t.Fatal(err)
	}
	c := hidpp.NewConn(tc, &hidpp.Opts{DeviceTimeout: Timeout, ReceiverTimeout: Timeout})
	t.Cleanup(func() { c.Close() })
	return c
}

// Written starts recording what is written to r, and returns what has
// been written since, as "% X" prints each report, each time it is
// called.
func Written(t testing.TB, r *emulator.Receiver) func() []string {
	ch, stop := r.Tap(1024)
	t.Cleanup(stop)
	return func() []string {
		var out []string
		for {
			select {
			case b := <-ch:
				out = append(out, fmt.Sprintf("% X", b))
			default:
				return out
			}
		}
	}
}

// Device is the emulated receiver r as the device end of the transport
// conformance test ([transporttest.TestConn]): Send hands a report to every
// open Conn ([emulator.Receiver.InjectRaw]), and Written returns what was
// written to r ([emulator.Receiver.Tap]) from now until the test ends. It
// works alike for r's own Conns and for r on uhid behind a hidraw node.
func Device(t testing.TB, r *emulator.Receiver) transporttest.Device {
	written, stop := r.Tap(256)
	t.Cleanup(stop)
	return &device{r: r, written: written}
}

type device struct {
	r       *emulator.Receiver
	written <-chan []byte
}

func (d *device) Send(report []byte) error {
	d.r.InjectRaw(report)
	return nil
}

func (d *device) Written(ctx context.Context) ([]byte, error) {
	select {
	case b, ok := <-d.written:
		if !ok {
			return nil, errors.New("emulatortest: the tap has ended")
		}
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Listing is an emulated receiver's backend on a system whose drivers list
// the receiver's paired devices ([transport.PairingLister]), as Linux's
// hid-logitech-dj and hid-logitech-hidpp do: what Helio does with that
// list is tested without a kernel. The test sets what the system says.
type Listing struct {
	*emulator.Backend
	// Plugging names the receiver's plugging-in.
	Plugging string
	// Devices is the system's list; [Listed] gives the profile's.
	Devices []transport.Paired
	// Err, when set, is Pairing's answer.
	Err error
}

var _ transport.PairingLister = (*Listing)(nil)

// Pairing implements [transport.PairingLister].
func (l *Listing) Pairing(transport.Info) (transport.Pairing, error) {
	if l.Err != nil {
		return transport.Pairing{}, l.Err
	}
	return transport.Pairing{Plugging: l.Plugging, Devices: slices.Clone(l.Devices)}, nil
}

// Listed is the list of p's paired devices the kernel's drivers make, once
// they have probed every device.
func Listed(p *emulator.Profile) []transport.Paired {
	var out []transport.Paired
	for _, d := range p.Devices {
		wpid, err := strconv.ParseUint(d.WPID, 16, 16)
		if err != nil {
			panic(fmt.Sprintf("emulatortest: profile wpid %q: %v", d.WPID, err)) // profiles are parsed before use
		}
		out = append(out, transport.Paired{Index: byte(d.Index), WPID: uint16(wpid), Serial: strings.ToUpper(d.Serial)})
	}
	slices.SortFunc(out, func(a, b transport.Paired) int { return int(a.Index) - int(b.Index) })
	return out
}
