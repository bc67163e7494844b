// Package backends turns the name of a transport, as a user gives it with
// --backend, into the transport: "hidraw", "hidapi", "libusb", and what
// other packages register, such as the emulator's "sim", "sim:NAME" and
// "sim:FILE.json". It exists so that every program that lets its user
// choose (helio, helio-window) understands the same names the same way.
//
// It sits with the transports, at the bottom: the emulator, which speaks
// HID++ and so stands above package hidpp, registers itself ([Register])
// rather than being imported, as database/sql drivers do; a program that
// offers it imports package emulator.
package backends

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/helio-linux/helio/internal/escape"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/hidapi"
	"github.com/helio-linux/helio/transport/hidraw"
	"github.com/helio-linux/helio/transport/libusb"
)

// ErrUnknown is wrapped by the error [Open] returns for a name it does not
// know.
var ErrUnknown = errors.New("unknown backend")

// Opener opens a backend from what follows "NAME:" in a --backend value,
// "" when the value is the name alone.
type Opener func(arg string) (transport.Backend, error)

type entry struct {
	name, forms string
	args        bool // "name:ARG" is taken too
	open        Opener
}

// plain is an entry for a backend that takes no argument.
func plain(name string, b transport.Backend) entry {
	return entry{name, name, false, func(string) (transport.Backend, error) { return b, nil }}
}

var (
	mu       sync.Mutex
	registry = []entry{plain("hidraw", hidraw.Backend{}), plain("hidapi", hidapi.Backend{}), plain("libusb", libusb.Backend{})}
)

// Register makes Open take name and "name:ARG", ARG going to open. forms
// lists the values for help texts ("sim, sim:NAME, sim:FILE.json").
// Registering a name twice panics: two packages would claim one
// user-visible name.
func Register(name, forms string, open Opener) {
	mu.Lock()
	defer mu.Unlock()
	for _, e := range registry {
		if e.name == name {
			panic("backends: " + name + " registered twice")
		}
	}
	registry = append(registry, entry{name, forms, true, open})
}

// Names lists the values Open takes, for help texts.
func Names() string {
	mu.Lock()
	defer mu.Unlock()
	return names()
}

func names() string {
	forms := make([]string, len(registry))
	for i, e := range registry {
		forms[i] = e.forms
	}
	return strings.Join(forms, ", ")
}

// Check reports whether Open knows the name spec gives, without opening
// anything: a program can refuse a mistyped --backend at once and open
// the backend only when it needs it.
func Check(spec string) error {
	_, err := lookup(spec)
	return err
}

func lookup(spec string) (Opener, error) {
	name, _, hasArg := strings.Cut(spec, ":")
	mu.Lock()
	defer mu.Unlock()
	for _, e := range registry {
		if e.name == name && (e.args || !hasArg) {
			return e.open, nil
		}
	}
	return nil, fmt.Errorf("%w %s (have %s)", ErrUnknown, escape.Quote(spec), names())
}

// Open returns the backend spec names. A registered backend's own errors
// (a profile's file and line) come back as they are.
func Open(spec string) (transport.Backend, error) {
	open, err := lookup(spec)
	if err != nil {
		return nil, err
	}
	_, arg, _ := strings.Cut(spec, ":")
	return open(arg)
}
