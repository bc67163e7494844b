// Package backends turns the name of a transport, as a user gives it with
// --backend, into the transport: "hidraw", "hidapi", "libusb", "sim",
// "sim:NAME" or "sim:FILE.json". It exists so that every program that lets
// its user choose (helio, helio-window) understands the same names the
// same way; it sits beside the transports, below everything that reads
// devices.
package backends

import (
	"errors"
	"fmt"
	"strings"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/hidapi"
	"github.com/helio-linux/helio/transport/hidraw"
	"github.com/helio-linux/helio/transport/libusb"
)

// ErrUnknown is wrapped by the error [Open] returns for a name it does not
// know.
var ErrUnknown = errors.New("unknown backend")

// Names lists the backend names [Open] takes, for help texts.
const Names = "hidraw, hidapi, libusb, sim, sim:NAME, sim:FILE.json"

// Open returns the backend spec names. "sim" and "sim:..." build an
// emulated receiver from a built-in or file profile, and fail with the
// profile's error (file and line) when it is wrong.
func Open(spec string) (transport.Backend, error) {
	switch {
	case spec == "hidraw":
		return hidraw.Backend{}, nil
	case spec == "hidapi":
		return hidapi.Backend{}, nil
	case spec == "libusb":
		return libusb.Backend{}, nil
	case spec == "sim" || strings.HasPrefix(spec, "sim:"):
		return emulator.OpenBackend(spec, nil)
	}
	return nil, fmt.Errorf("%w %q (have %s)", ErrUnknown, spec, Names)
}
