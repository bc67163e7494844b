package rig

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/proctest"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/transport/hidraw"
)

// The reader child's part, given on its command line by StartReader; Main
// runs it.
var (
	readerPath = flag.String("rig.reader", "", "run as the reader child of rig.StartReader, on this hidraw node")
	readerTime = flag.Duration("rig.for", 0, "how long the reader child holds its connection")
)

// Reader is a bare Helio reader, a hidpp.Conn with one subscriber held
// open on a receiver's hidraw node, in a process of its own (this test
// binary run again), so that the CPU it spends is its own and not the
// emulator's.
type Reader struct {
	*proctest.Process
}

// StartReader starts a reader on the hidraw node path for d. It is stopped
// when the test ends if it still runs.
func StartReader(t testing.TB, path string, d time.Duration) *Reader {
	t.Helper()
	return &Reader{proctest.Start(t, exec.Command(os.Args[0], "-rig.reader="+path, "-rig.for="+d.String()))}
}

// ReaderFigures is what a reader says once its time is up.
type ReaderFigures struct {
	CPU, User time.Duration // its CPU time in all, and in user mode
	Ignored   int           // reports it read and dropped unread (hidpp.Stats)
	Events    int           // reports that reached its subscriber
}

// Figures waits for the reader to finish, at most timeout from now, and
// returns what it said. The test fails if it failed or said nothing of the
// kind. Call it from the test StartReader was given.
func (r *Reader) Figures(t testing.TB, timeout time.Duration) ReaderFigures {
	t.Helper()
	if err := r.Process.Wait(timeout); err != nil {
		t.Fatalf("reader: %v\n%s", err, r.Output())
	}
	var f ReaderFigures
	var cpu, user int64
	if _, err := fmt.Sscanf(r.Output(), "cpu_us %d user_us %d ignored %d events %d", &cpu, &user, &f.Ignored, &f.Events); err != nil {
		t.Fatalf("the reader said %q", r.Output())
	}
	f.CPU, f.User = time.Duration(cpu)*time.Microsecond, time.Duration(user)*time.Microsecond
	return f
}

// reader is the reader child: it holds a connection on the node at path
// for d, then prints its figures.
func reader(path string, d time.Duration) int {
	var info transport.Info
	for _, i := range Receivers() {
		if i.Path == path {
			info = i
		}
	}
	tc, err := hidraw.Backend{}.Open(info)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	c := hidpp.NewConn(tc, nil)
	events, cancel := c.Subscribe()
	n := 0
	deadline := time.After(d)
loop:
	for {
		select {
		case <-events:
			n++
		case <-deadline:
			break loop
		}
	}
	cancel()
	st := c.Stats()
	c.Close()
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	user := time.Duration(ru.Utime.Nano())
	fmt.Printf("cpu_us %d user_us %d ignored %d events %d\n",
		(user + time.Duration(ru.Stime.Nano())).Microseconds(), user.Microseconds(), st.Ignored, n)
	return 0
}
