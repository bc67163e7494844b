// Package bus connects Helio's programs to D-Bus, one way for all of them
// (the tray, "helio export" and "watch --notify", the window): a private
// connection of the caller's own, never the process's shared one (which
// fyne.io/systray owns in the tray), that delivers signals in the order
// they were sent, as a follower of PropertiesChanged needs.
package bus

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/godbus/dbus/v5"
)

// ErrNoSessionBus is returned by [Session] when no session bus can be
// found: DBUS_SESSION_BUS_ADDRESS is unset and there is no
// $XDG_RUNTIME_DIR/bus.
var ErrNoSessionBus = errors.New("bus: no session bus (DBUS_SESSION_BUS_ADDRESS is unset and there is no $XDG_RUNTIME_DIR/bus)")

// systemDefault is the system bus's address when DBUS_SYSTEM_BUS_ADDRESS is
// unset, as the D-Bus specification says.
const systemDefault = "unix:path=/var/run/dbus/system_bus_socket"

// Session connects to the session bus: the one DBUS_SESSION_BUS_ADDRESS
// names, or else the one a systemd user session keeps at
// $XDG_RUNTIME_DIR/bus. It also returns the bus's description for
// messages ("the session bus").
func Session(getenv func(string) string) (*dbus.Conn, string, error) {
	addr := getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		if dir := getenv("XDG_RUNTIME_DIR"); dir != "" {
			p := filepath.Join(dir, "bus")
			if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
				addr = "unix:path=" + p
			}
		}
	}
	if addr == "" {
		return nil, "", ErrNoSessionBus
	}
	return connect(addr, "the session bus")
}

// System connects to the system bus: DBUS_SYSTEM_BUS_ADDRESS, or its usual
// socket.
func System(getenv func(string) string) (*dbus.Conn, string, error) {
	addr := getenv("DBUS_SYSTEM_BUS_ADDRESS")
	if addr == "" {
		addr = systemDefault
	}
	return connect(addr, "the system bus")
}

// Address connects to the bus at addr, whose form it checks first
// ([CheckAddress]).
func Address(addr string) (*dbus.Conn, string, error) {
	if err := CheckAddress(addr); err != nil {
		return nil, "", err
	}
	return connect(addr, "the bus at "+addr)
}

func connect(addr, what string) (*dbus.Conn, string, error) {
	r := &releaser{}
	opts := []dbus.ConnOption{dbus.WithSignalHandler(dbus.NewSequentialSignalHandler()), dbus.WithIncomingInterceptor(r.received)}
	var conn *dbus.Conn
	var err error
	if path, ok := unixPath(addr); ok {
		conn, err = dialUnix(path, opts)
	} else {
		conn, err = dbus.Connect(addr, opts...)
	}
	if err != nil {
		return nil, what, fmt.Errorf("bus: cannot connect to %s (%s): %w", what, addr, err)
	}
	r.conn.Store(conn)
	return conn, what, nil
}

// unixPath is the socket of an address that names one Unix socket,
// unix:path=P or unix:abstract=A (then "@A").
func unixPath(addr string) (string, bool) {
	params, ok := strings.CutPrefix(addr, "unix:")
	if !ok || strings.Contains(addr, ";") {
		return "", false
	}
	for _, kv := range strings.Split(params, ",") {
		switch k, v, _ := strings.Cut(kv, "="); k {
		case "path":
			return dbusUnescape(v), true
		case "abstract":
			return "@" + dbusUnescape(v), true
		}
	}
	return "", false
}

// dbusUnescape undoes the %XX escapes of a D-Bus address value.
func dbusUnescape(v string) string {
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// dialUnix connects to the bus on a Unix socket with godbus's generic
// transport, which decodes each message with a decoder of its own. Its
// Unix transport keeps one decoder for the connection's life, and with it a
// buffer as large as the largest string it ever read: a client sending
// the export a 120 MB argument would pin 120 MB until Helio exits. Helio
// passes no file descriptors, which that transport alone can carry.
func dialUnix(path string, opts []dbus.ConnOption) (*dbus.Conn, error) {
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	conn, err := dbus.NewConn(bufferedConn{bufio.NewReader(c), c}, opts...)
	if err != nil {
		c.Close()
		return nil, err
	}
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, err
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// bufferedConn reads through a buffer of fixed size: the generic transport
// reads a message a few bytes at a time.
type bufferedConn struct {
	r *bufio.Reader
	*net.UnixConn
}

func (c bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// largeHeap is the memory mapped for the heap past which a message just
// read is taken for a large one: a resident Helio keeps a few MiB.
const largeHeap = 64 << 20

// quiet is how long after the last large message the memory is handed
// back: a client sending several at once costs one release.
const quiet = 200 * time.Millisecond

// releaser gives a connection's memory back after a large incoming
// message. Anyone on the bus may send a hundred megabytes to a service, and
// the Go runtime keeps freed memory for minutes: once such messages stop,
// it hands the memory back to the system. On godbus's own Unix transport
// (an address that is not a single Unix socket), whose reader keeps the
// last message's body until the next one arrives, a call to the bus first
// brings a small one.
type releaser struct {
	conn  atomic.Pointer[dbus.Conn]
	mu    sync.Mutex
	timer *time.Timer
}

// received runs on godbus's reader for every incoming message.
func (r *releaser) received(*dbus.Message) {
	if heapMapped() < largeHeap {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.timer == nil {
		r.timer = time.AfterFunc(quiet, r.release)
	} else {
		r.timer.Reset(quiet)
	}
}

func (r *releaser) release() {
	if c := r.conn.Load(); c != nil && c.Connected() {
		c.BusObject().Call("org.freedesktop.DBus.GetId", 0)
	}
	debug.FreeOSMemory()
}

var heapSamples = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"},
	{Name: "/memory/classes/heap/free:bytes"}}

// heapMapped is the heap memory the process holds from the system, in use
// or not yet handed back.
func heapMapped() uint64 {
	s := slices.Clone(heapSamples)
	metrics.Read(s)
	var n uint64
	for _, x := range s {
		if x.Value.Kind() == metrics.KindUint64 {
			n += x.Value.Uint64()
		}
	}
	return n
}

// ErrBadAddress is wrapped by [CheckAddress]'s errors.
var ErrBadAddress = errors.New("bus: not a D-Bus address")

// CheckAddress checks the form of a D-Bus server address: one or more
// "transport:key=value,..." separated by ';', such as
// unix:path=/run/user/1000/bus.
func CheckAddress(addr string) error {
	for _, entry := range strings.Split(addr, ";") {
		transport, params, ok := strings.Cut(entry, ":")
		if !ok || transport == "" {
			return fmt.Errorf("%w: %q is not of the form unix:path=/run/user/1000/bus", ErrBadAddress, addr)
		}
		if params == "" {
			continue
		}
		for _, kv := range strings.Split(params, ",") {
			if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
				return fmt.Errorf("%w: in %q, %q is not key=value", ErrBadAddress, addr, kv)
			}
		}
	}
	return nil
}
