// Package notifytest is a fake freedesktop notification server for tests
// of what Helio sends: it owns org.freedesktop.Notifications on a private
// bus (see package dbustest) and records every Notify call as it arrived.
package notifytest

import (
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Call is one Notify call, its arguments in the specification's order.
// Hints hold the variants' values (a byte for "urgency").
type Call struct {
	App      string
	Replaces uint32
	Icon     string
	Summary  string
	Body     string
	Actions  []string
	Hints    map[string]any
	Expire   int32
}

// Server is the fake notification server. It is safe for concurrent use.
type Server struct {
	conn *dbus.Conn
	once sync.Once

	mu      sync.Mutex
	calls   []Call
	hold    chan struct{}
	changed chan struct{} // closed and replaced at each call
}

// Start serves a Server on the bus at addr, until [Server.Stop] or the end
// of the test. The test fails if the name is taken.
func Start(t testing.TB, addr string) *Server {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("notifytest: connecting to %s: %v", addr, err)
	}
	s := &Server{conn: conn, changed: make(chan struct{})}
	t.Cleanup(s.Stop)
	if err := conn.Export(notifications{s}, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatalf("notifytest: exporting the server: %v", err)
	}
	reply, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("notifytest: owning org.freedesktop.Notifications: reply %v, %v", reply, err)
	}
	return s
}

// Stop leaves the bus, as a notification daemon that quits: calls then
// fail with ServiceUnknown. It is idempotent.
func (s *Server) Stop() { s.once.Do(func() { s.conn.Close() }) }

// Hold makes every Notify call from now on wait without answering, as a
// hung daemon does, until release; release is idempotent.
func (s *Server) Hold() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.hold = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.hold == ch {
				s.hold = nil
			}
			s.mu.Unlock()
			close(ch)
		})
	}
}

// Calls returns the calls received so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Wait waits until the server has received at least n calls and returns
// them all; it fails the test after timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Call {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		calls, changed := append([]Call(nil), s.calls...), s.changed
		s.mu.Unlock()
		if len(calls) >= n {
			return calls
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("notifytest: %d Notify calls after %v, want %d: %+v", len(calls), timeout, n, calls)
		}
	}
}

// notifications is what the server exports: only Notify is among its
// methods, so only Notify is callable on the bus.
type notifications struct{ s *Server }

// Notify records a call. Its ID is its position among all calls, from 1.
func (n notifications) Notify(app string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, expire int32) (uint32, *dbus.Error) {
	h := make(map[string]any, len(hints))
	for k, v := range hints {
		h[k] = v.Value()
	}
	s := n.s
	s.mu.Lock()
	s.calls = append(s.calls, Call{app, replaces, icon, summary, body, actions, h, expire})
	id, hold := uint32(len(s.calls)), s.hold
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	if hold != nil {
		<-hold
	}
	return id, nil
}
