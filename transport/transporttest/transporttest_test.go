package transporttest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/helio-linux/helio/transport"
)

// pipe is an in-memory Conn that keeps the contract, and its device end.
type pipe struct {
	in, out chan []byte // device to host, host to device
	closed  chan struct{}
	gone    chan struct{}
	close   sync.Once
}

func newPipe() *pipe {
	return &pipe{in: make(chan []byte, 256), out: make(chan []byte, 256), closed: make(chan struct{}), gone: make(chan struct{})}
}

// err is why the Conn can no longer be used, or nil.
func (p *pipe) err(op string) error {
	select {
	case <-p.closed:
		return fmt.Errorf("pipe: %s: %w", op, transport.ErrClosed)
	case <-p.gone:
		return fmt.Errorf("pipe: %s: %w", op, transport.ErrGone)
	default:
		return nil
	}
}

func (p *pipe) Write(b []byte) (int, error) {
	if err := p.err("write"); err != nil {
		return 0, err
	}
	p.out <- bytes.Clone(b)
	return len(b), nil
}

func (p *pipe) Read(b []byte) (int, error) {
	if err := p.err("read"); err != nil {
		return 0, err
	}
	select {
	case r := <-p.in:
		return copy(b, r), nil
	case <-p.closed:
	case <-p.gone:
	}
	return 0, p.err("read")
}

func (p *pipe) Close() error {
	p.close.Do(func() { close(p.closed) })
	return nil
}

func (p *pipe) Info() transport.Info { return transport.Info{Backend: "pipe", Path: "pipe"} }

// pipeDevice is the device end of a pipe.
type pipeDevice struct{ p *pipe }

func (d pipeDevice) Send(b []byte) error {
	d.p.in <- bytes.Clone(b)
	return nil
}

func (d pipeDevice) Written(ctx context.Context) ([]byte, error) {
	select {
	case b := <-d.p.out:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (d pipeDevice) Unplug() { close(d.p.gone) }

// openPipe opens pipes, each as the Conn wrap makes of it.
func openPipe(wrap func(*pipe) transport.Conn) func(t *testing.T) (transport.Conn, Device) {
	return func(t *testing.T) (transport.Conn, Device) {
		p := newPipe()
		return wrap(p), pipeDevice{p}
	}
}

func TestConn_Pipe(t *testing.T) {
	TestConn(t, openPipe(func(p *pipe) transport.Conn { return p }))
}

// Each breakage embeds the pipe and breaks one rule.
type (
	closeKeepsReadBlocked struct{ *pipe }
	readAfterCloseEOF     struct{ *pipe }
	writeAfterCloseWorks  struct{ *pipe }
	secondCloseFails      struct{ *pipe }
	writeCutsLong         struct{ *pipe }
)

func (c closeKeepsReadBlocked) Read(b []byte) (int, error) { return copy(b, <-c.in), nil }

func (c readAfterCloseEOF) Read(b []byte) (int, error) {
	n, err := c.pipe.Read(b)
	if errors.Is(err, transport.ErrClosed) {
		err = io.EOF
	}
	return n, err
}

func (c writeAfterCloseWorks) Write(b []byte) (int, error) {
	if errors.Is(c.err("write"), transport.ErrClosed) {
		return len(b), nil
	}
	return c.pipe.Write(b)
}

func (c *secondCloseFails) Close() error {
	select {
	case <-c.closed:
		return errors.New("already closed")
	default:
		return c.pipe.Close()
	}
}

func (c writeCutsLong) Write(b []byte) (int, error) {
	_, err := c.pipe.Write(b[:min(len(b), 7)])
	return len(b), err
}

var breakages = map[string]struct {
	wrap func(*pipe) transport.Conn
	want string // in the failure
}{
	"close keeps Read blocked": {func(p *pipe) transport.Conn { return closeKeepsReadBlocked{p} }, "Read still blocked"},
	"Read after Close EOF":     {func(p *pipe) transport.Conn { return readAfterCloseEOF{p} }, "Read after Close = EOF"},
	"Write after Close works":  {func(p *pipe) transport.Conn { return writeAfterCloseWorks{p} }, "Write after Close = <nil>"},
	"second Close fails":       {func(p *pipe) transport.Conn { return &secondCloseFails{p} }, "second Close = already closed"},
	"Write cuts a long report": {func(p *pipe) transport.Conn { return writeCutsLong{p} }, "the device did not receive 11 ff"},
}

var broken = flag.String("transporttest.broken", "", "run TestConn_CatchesBreakage as its child, over the named broken Conn")

// TestConn_CatchesBreakage runs the conformance test over Conns that each
// break one rule, in a child process (the test binary again), and checks
// that it fails, saying why.
func TestConn_CatchesBreakage(t *testing.T) {
	if *broken != "" {
		TestConn(t, openPipe(breakages[*broken].wrap))
		return
	}
	if testing.Short() {
		t.Skip("waits for the conformance test to time out")
	}
	for name, b := range breakages {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command(os.Args[0], "-test.run=^TestConn_CatchesBreakage$", "-transporttest.broken="+name).CombinedOutput()
			if err == nil {
				t.Errorf("the conformance test passed:\n%s", out)
			} else if !strings.Contains(string(out), b.want) {
				t.Errorf("the conformance test failed without %q:\n%s", b.want, out)
			}
		})
	}
}
