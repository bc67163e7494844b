package proctest

import (
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestProcess_Lines(t *testing.T) {
	// Both streams, and a last line without a newline.
	p := Start(t, exec.Command("sh", "-c", `echo one; echo two >&2; sleep 0.2; echo three; printf four`))
	if got := p.WaitLine(5*time.Second, "two", func(l string) bool { return l == "two" }); got != "two" {
		t.Errorf("WaitLine = %q, want two", got)
	}
	var rest []string
	for l := range p.Lines() {
		if l != "one" { // the streams are separate pipes: "one" may come before or after "two"
			rest = append(rest, l)
		}
	}
	if want := []string{"three", "four"}; fmt.Sprint(rest) != fmt.Sprint(want) {
		t.Errorf("lines after two = %q, want %q", rest, want)
	}
	if p.Running() {
		t.Error("Lines closed while the process runs")
	}
	if err := p.Wait(time.Second); err != nil {
		t.Errorf("Wait = %v", err)
	}
	if out := p.Output(); !strings.Contains(out, "one\n") || !strings.Contains(out, "two\n") || !strings.HasSuffix(out, "three\nfour") {
		t.Errorf("Output() = %q", out)
	}
	if got := p.Stderr(); got != "two\n" {
		t.Errorf("Stderr() = %q, want two", got)
	}
}

// failTB records a fatal failure instead of failing the real test; Fatalf
// ends the goroutine, as testing's does.
type failTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *failTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *failTB) message() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msg
}

// fatal runs f on its own goroutine, as a test would, and waits for it
// to end.
func fatal(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

func TestProcess_WaitLineFails(t *testing.T) {
	t.Run("exit", func(t *testing.T) {
		tb := &failTB{TB: t}
		p := Start(tb, exec.Command("sh", "-c", "echo not it; exit 3"))
		fatal(func() { p.WaitLine(5*time.Second, "the address", func(l string) bool { return l == "it" }) })
		if msg := tb.message(); !strings.Contains(msg, "sh exited (exit status 3) without printing the address") || !strings.Contains(msg, "not it") {
			t.Errorf("failure %q, want the exit, what was awaited and the output", msg)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		tb := &failTB{TB: t}
		p := Start(tb, exec.Command("sh", "-c", "echo waiting; exec sleep 10"))
		t0 := time.Now()
		fatal(func() { p.WaitLine(100*time.Millisecond, "the address", func(string) bool { return false }) })
		if msg := tb.message(); !strings.Contains(msg, "did not print the address within 100ms") || !strings.Contains(msg, "waiting") {
			t.Errorf("failure %q, want the timeout and the output", msg)
		}
		p.Stop()
		if p.Running() || time.Since(t0) > Grace {
			t.Errorf("Stop took %v; the process runs: %v", time.Since(t0), p.Running())
		}
	})
}

// A process that ignores SIGTERM is killed after the grace period.
func TestProcess_StopKills(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the grace period")
	}
	p := Start(t, exec.Command("sh", "-c", `trap "" TERM; echo ready; while :; do sleep 0.05; done`))
	p.WaitLine(5*time.Second, "ready", func(l string) bool { return l == "ready" })
	t0 := time.Now()
	p.Stop()
	if d := time.Since(t0); d < Grace || p.Running() {
		t.Errorf("Stop returned after %v, running %v; want a kill after %v", d, p.Running(), Grace)
	}
	if p.Err() == nil {
		t.Error("Err() = nil after a kill")
	}
}

func TestStart_OutputTaken(t *testing.T) {
	tb := &failTB{TB: t}
	cmd := exec.Command("true")
	cmd.Stderr = new(strings.Builder)
	fatal(func() { Start(tb, cmd) })
	if !strings.Contains(tb.message(), "Stderr must be nil") {
		t.Errorf("failure %q", tb.message())
	}
}

// TestStart_StdoutElsewhere: a test may send standard output where it
// wants; standard error is still captured.
func TestStart_StdoutElsewhere(t *testing.T) {
	var out strings.Builder
	cmd := exec.Command("sh", "-c", "echo out; echo err >&2")
	cmd.Stdout = &out
	p := Start(t, cmd)
	if err := p.Wait(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if out.String() != "out\n" || p.Stderr() != "err\n" {
		t.Errorf("stdout %q, stderr %q", out.String(), p.Stderr())
	}
}
