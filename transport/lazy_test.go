package transport_test

import (
	"errors"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/emulator/emulatortest"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/transporttest"
)

// lazyOn returns a Lazy over a new emulated receiver's Conn, counting how
// many times it was opened.
func lazyOn(t *testing.T) (*transport.Lazy, *emulator.Receiver, *int) {
	t.Helper()
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	r := emulator.New(p, nil)
	t.Cleanup(r.Close)
	info := transport.Info{Backend: "sim", Path: "sim:lazy"}
	opens := new(int)
	l := transport.NewLazy(info, func() (transport.Conn, error) {
		*opens++
		return r.Open(info)
	})
	t.Cleanup(func() { l.Close() })
	return l, r, opens
}

// TestLazy_Conformance: held, a Lazy is the Conn it opens, by the rules
// every transport keeps.
func TestLazy_Conformance(t *testing.T) {
	transporttest.TestConn(t, func(t *testing.T) (transport.Conn, transporttest.Device) {
		l, r, _ := lazyOn(t)
		release, err := l.Hold(0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(release)
		return l, unpluggable{emulatortest.Device(t, r), r}
	})
}

type unpluggable struct {
	transporttest.Device
	r *emulator.Receiver
}

func (u unpluggable) Unplug() { u.r.Unplug() }

// read runs Read in a goroutine and returns what it got.
func read(l *transport.Lazy) <-chan []byte {
	out := make(chan []byte, 1)
	go func() {
		buf := make([]byte, 64)
		n, err := l.Read(buf)
		if err != nil {
			close(out)
			return
		}
		out <- buf[:n]
	}()
	return out
}

// TestLazy_OpenOnlyWhenHeld: a Lazy opens on the first hold, stays open
// through overlapping holds and their linger, then closes; reports the
// device sends while it is closed never reach Read, and a Read waiting
// across a closing gets the next opening's reports.
func TestLazy_OpenOnlyWhenHeld(t *testing.T) {
	l, r, opens := lazyOn(t)
	if l.IsOpen() || *opens != 0 {
		t.Fatal("a new Lazy is open")
	}
	got := read(l)
	dev := emulatortest.Device(t, r)
	// Sent while closed: no one reads it.
	dev.Send([]byte{0x10, 0x01, 0x41, 0x04, 0x01, 0x82, 0x40})
	time.Sleep(50 * time.Millisecond)
	select {
	case b := <-got:
		t.Fatalf("Read returned % x while the Lazy was closed", b)
	default:
	}

	release1, err := l.Hold(0)
	if err != nil {
		t.Fatal(err)
	}
	release2, err := l.Hold(time.Second)
	if err != nil || *opens != 1 || !l.IsOpen() {
		t.Fatalf("two holds: opened %d times, open %v, %v", *opens, l.IsOpen(), err)
	}
	release2() // still held by the first, and lingers a second
	release1()
	release1() // a release is idempotent
	want := []byte{0x10, 0x02, 0x41, 0x04, 0x01, 0x02, 0x40}
	dev.Send(want)
	select {
	case b := <-got:
		if string(b) != string(want) {
			t.Errorf("Read = % x, want % x", b, want)
		}
	case <-time.After(transporttest.Wait):
		t.Fatal("a report sent while held did not reach Read")
	}
	if !l.IsOpen() {
		t.Error("the Lazy closed before its linger")
	}
	got = read(l)
	deadline := time.Now().Add(transporttest.Wait)
	for l.IsOpen() {
		if time.Now().After(deadline) {
			t.Fatal("the Lazy stayed open with no hold")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The Read that waited across the closing reads the next opening.
	if _, err := l.Write([]byte{0x10, 0xFF, 0x81, 0x02, 0x00, 0x00, 0x00}); err != nil {
		t.Fatal(err)
	}
	if *opens != 2 {
		t.Errorf("a write on the closed Lazy opened it %d times in all, want 2", *opens)
	}
	select {
	case b, ok := <-got:
		if !ok || b[2] != 0x81 {
			t.Errorf("after reopening, Read = % x, %v; want the register's reply", b, ok)
		}
	case <-time.After(transporttest.Wait):
		t.Fatal("no reply after reopening")
	}
}

// TestLazy_CloseAndGone: Close wakes a Read waiting on a closed Lazy; a
// device gone at the opening fails the hold and every Read after.
func TestLazy_CloseAndGone(t *testing.T) {
	l, _, _ := lazyOn(t)
	got := read(l)
	l.Close()
	select {
	case _, ok := <-got:
		if ok {
			t.Error("Read returned a report after Close")
		}
	case <-time.After(transporttest.Wait):
		t.Fatal("Close did not wake a Read waiting on a closed Lazy")
	}
	if _, err := l.Hold(0); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Hold after Close: %v, want ErrClosed", err)
	}

	l, r, _ := lazyOn(t)
	got = read(l)
	r.Unplug()
	if _, err := l.Hold(0); !errors.Is(err, transport.ErrGone) {
		t.Errorf("Hold on an unplugged receiver: %v, want ErrGone", err)
	}
	select {
	case _, ok := <-got:
		if ok {
			t.Error("Read returned a report from an unplugged receiver")
		}
	case <-time.After(transporttest.Wait):
		t.Fatal("a receiver gone at the opening did not end the waiting Read")
	}
	buf := make([]byte, 64)
	if _, err := l.Read(buf); !errors.Is(err, transport.ErrGone) {
		t.Errorf("Read after the receiver went: %v, want ErrGone", err)
	}
}
