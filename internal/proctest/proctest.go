// Package proctest runs the child processes of Helio's tests: a program
// under test (helio watch, helio export), a real program it is checked
// against (upower, dbus-daemon, Xvfb), or the test binary run again as a
// helper. It keeps what the child prints for the failure message, lets the
// test wait for a line of it, and stops the child when the test ends. It is
// internal, for those tests only.
package proctest

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/internal/syncbuf"
)

// Grace is how long [Process.Stop] waits after SIGTERM before it kills.
const Grace = 3 * time.Second

// Process is a child process started by [Start]. Its methods that take no
// testing.TB of their own (WaitLine, Wait) fail the test the Process was
// started for: call them from that test's goroutine. The others may be
// called from any goroutine.
type Process struct {
	// Name is the program's base name, for messages.
	Name string
	// Cmd is the command as started. Read Cmd.Process and, once
	// [Process.Exited] is closed, Cmd.ProcessState; do not call its Wait.
	Cmd *exec.Cmd

	t      testing.TB
	out    syncbuf.Buffer // stdout and stderr as they came
	stderr syncbuf.Buffer
	exited chan struct{}
	err    error // set before exited closes
	stop   sync.Once

	mu    sync.Mutex
	queue []string      // lines not yet taken by the pump
	eof   bool          // no more lines will be queued
	more  chan struct{} // a line was queued, or eof set
	lines chan string
	quit  chan struct{} // ends the pump at the test's end
}

// Start starts cmd with its standard output and error captured. cmd's own
// Stderr must be nil; its Stdout too, unless the test sends the output
// elsewhere on purpose (a full device, a closed pipe): then only standard
// error is captured. The test fails if it cannot start. When
// the test ends the process is stopped ([Process.Stop]) and, if the test
// failed, what it printed is logged.
func Start(t testing.TB, cmd *exec.Cmd) *Process {
	t.Helper()
	p := &Process{Name: filepath.Base(cmd.Args[0]), Cmd: cmd, t: t, exited: make(chan struct{}),
		more: make(chan struct{}, 1), lines: make(chan string), quit: make(chan struct{})}
	if cmd.Stderr != nil {
		t.Fatalf("proctest: %s: Stderr must be nil, Start captures it", p.Name)
	}
	stdout, stderr := &lineWriter{p: p}, &lineWriter{p: p, also: &p.stderr}
	if cmd.Stdout == nil {
		cmd.Stdout = stdout
	}
	cmd.Stderr = stderr
	// A child that leaves the output pipes open to a grandchild must not
	// hold up Wait.
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = time.Second
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", p.Name, err)
	}
	go func() {
		p.err = cmd.Wait()
		stdout.flush()
		stderr.flush()
		close(p.exited)
		p.mu.Lock()
		p.eof = true
		p.mu.Unlock()
		p.signal()
	}()
	go p.pump()
	t.Cleanup(func() {
		p.Stop()
		close(p.quit)
		if t.Failed() {
			t.Logf("%s printed:\n%s", p.Name, p.Output())
		}
	})
	return p
}

// lineWriter is one of the child's output streams: it keeps what comes in
// the process's output and queues it line by line.
type lineWriter struct {
	p       *Process
	also    *syncbuf.Buffer // nil, or a buffer for this stream alone
	partial []byte
}

// Write is called by exec's copying goroutine only.
func (w *lineWriter) Write(b []byte) (int, error) {
	w.p.out.Write(b)
	if w.also != nil {
		w.also.Write(b)
	}
	w.partial = append(w.partial, b...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.p.queueLine(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	return len(b), nil
}

// flush queues an unfinished last line, once the stream has ended.
func (w *lineWriter) flush() {
	if len(w.partial) > 0 {
		w.p.queueLine(string(w.partial))
		w.partial = nil
	}
}

func (p *Process) queueLine(l string) {
	p.mu.Lock()
	p.queue = append(p.queue, l)
	p.mu.Unlock()
	p.signal()
}

func (p *Process) signal() {
	select {
	case p.more <- struct{}{}:
	default:
	}
}

// pump hands queued lines to Lines, so a child never waits for the test to
// read its output.
func (p *Process) pump() {
	defer close(p.lines)
	for {
		p.mu.Lock()
		q, eof := p.queue, p.eof
		p.queue = nil
		p.mu.Unlock()
		for _, l := range q {
			select {
			case p.lines <- l:
			case <-p.quit:
				return
			}
		}
		if len(q) > 0 {
			continue
		}
		if eof {
			return
		}
		select {
		case <-p.more:
		case <-p.quit:
			return
		}
	}
}

// Lines delivers each line the process prints, on standard output or
// error, without the newline: each stream's lines in order, the two
// streams interleaved as they were read. Every line is delivered once, to
// whichever of Lines and WaitLine takes it. The channel is closed after
// [Process.Exited], once every line has been taken.
func (p *Process) Lines() <-chan string { return p.lines }

// WaitLine takes lines until one satisfies match and returns it. It fails
// the test, naming what (such as "the bus address") and showing the
// output, when timeout passes first or the process exits without such a
// line.
func (p *Process) WaitLine(timeout time.Duration, what string, match func(line string) bool) string {
	p.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("%s exited (%v) without printing %s:\n%s", p.Name, p.Err(), what, p.Output())
			}
			if match(l) {
				return l
			}
		case <-deadline.C:
			p.t.Fatalf("%s did not print %s within %v:\n%s", p.Name, what, timeout, p.Output())
		}
	}
}

// Output is what the process printed so far, standard output and error
// together.
func (p *Process) Output() string { return p.out.String() }

// Stderr is what the process printed on standard error so far.
func (p *Process) Stderr() string { return p.stderr.String() }

// Exited is closed when the process has exited and its output is all in.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Running reports whether the process has not exited yet.
func (p *Process) Running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Err is how the process exited, once [Process.Exited] is closed: nil for
// status 0, else an *exec.ExitError. It is nil while the process runs.
func (p *Process) Err() error {
	select {
	case <-p.exited:
		return p.err
	default:
		return nil
	}
}

// Wait waits for the process to exit by itself and returns how it exited
// ([Process.Err]). It fails the test, and kills the process, if it still
// runs after timeout.
func (p *Process) Wait(timeout time.Duration) error {
	p.t.Helper()
	select {
	case <-p.exited:
		return p.err
	case <-time.After(timeout):
		p.Cmd.Process.Kill()
		<-p.exited
		p.t.Fatalf("%s still ran after %v:\n%s", p.Name, timeout, p.Output())
		return nil
	}
}

// ExitCode waits, as [Process.Wait] does, and returns the process's exit
// status; a status a signal set (128+n) is what a shell would show, since
// Helio's commands exit so when a signal stops them. A process that could
// not be waited for fails the test.
func (p *Process) ExitCode(timeout time.Duration) int {
	p.t.Helper()
	var ee *exec.ExitError
	if err := p.Wait(timeout); errors.As(err, &ee) {
		return ee.ExitCode()
	} else if err != nil {
		p.t.Fatalf("%s: %v", p.Name, err)
	}
	return 0
}

// Signal sends sig to the process; a process that has exited is left
// alone.
func (p *Process) Signal(sig syscall.Signal) {
	if p.Running() {
		p.Cmd.Process.Signal(sig)
	}
}

// Stop asks the process to end (SIGTERM), kills it if it has not after
// [Grace], and waits for it. It is idempotent; the test's end calls it.
func (p *Process) Stop() {
	p.stop.Do(func() {
		if !p.Running() {
			return
		}
		p.Cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(Grace):
			p.Cmd.Process.Kill()
			<-p.exited
		}
	})
}
