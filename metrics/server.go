package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/expfmt"
	"golang.org/x/net/netutil"

	"github.com/helio-linux/helio/sensors"
)

// Path is where a [Server] serves the metrics.
const Path = "/metrics"

// Opts configures a [Server]. A zero field takes [DefaultOpts]' value.
type Opts struct {
	// Logger says where the server listens when that is beyond the
	// loopback, and what fails; it may be nil.
	Logger *slog.Logger
	// MaxConns is the most connections served at once. More wait to be
	// accepted until one closes: a scraper holding every connection open
	// delays others by HeaderTimeout at most, or IdleTimeout once it has
	// sent a request on each, and costs no more memory than MaxConns
	// connections do.
	MaxConns int
	// HeaderTimeout bounds the reading of a request, from the connection
	// or the end of the last response to the end of its headers.
	HeaderTimeout time.Duration
	// WriteTimeout bounds a response, from the end of the request's
	// headers: a scraper that stops reading is dropped.
	WriteTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection may wait for its
	// next request before it is closed, freeing its place for another
	// scraper. Prometheus reconnects when it finds its connection closed.
	IdleTimeout time.Duration
}

// DefaultOpts are the options a zero field of [Opts] takes. 64
// connections cost a resident process about a megabyte at most.
var DefaultOpts = Opts{MaxConns: 64, HeaderTimeout: 5 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: 30 * time.Second}

func (o *Opts) fill() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultOpts.MaxConns
	}
	if o.HeaderTimeout <= 0 {
		o.HeaderTimeout = DefaultOpts.HeaderTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultOpts.WriteTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultOpts.IdleTimeout
	}
}

// ResolveAddr is the address [Listen] listens on for addr, as
// config.CheckListen accepts it: addr itself when it names a host, and the
// loopback, 127.0.0.1, for ":PORT" or "PORT". Serving beyond the loopback
// is never a default, so ":9479" does not mean every interface here as it
// does for Go's listeners: that is "0.0.0.0:9479" or "[::]:9479".
func ResolveAddr(addr string) string {
	switch {
	case !strings.Contains(addr, ":"):
		return net.JoinHostPort("127.0.0.1", addr)
	case strings.HasPrefix(addr, ":"):
		return "127.0.0.1" + addr
	}
	return addr
}

// Server serves the devices' figures on /metrics over HTTP. Listen binds
// it; Serve serves until its context ends. It is not safe to call Serve
// twice or concurrently with Close.
type Server struct {
	ln       net.Listener
	srv      *http.Server
	loopback bool
}

// Listen binds addr (see [ResolveAddr]; port 0 picks a free one) at once,
// so that an address in use or not allowed fails here, and prepares a
// server of the figures states returns at each scrape
// ([sensors.Monitor.States]). A server beyond the loopback logs a
// warning saying so: whoever reaches that address reads the devices'
// names, serials and batteries.
func Listen(addr string, states func() []sensors.State, o Opts) (*Server, error) {
	o.fill()
	if addr == "" {
		return nil, errors.New("metrics: no address to listen on")
	}
	ln, err := listen("tcp", ResolveAddr(addr))
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	s := &Server{ln: netutil.LimitListener(ln, o.MaxConns)}
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		s.loopback = a.IP.IsLoopback()
	}
	if !s.loopback {
		o.Logger.Warn("serving Prometheus metrics beyond the loopback, as asked: whoever reaches this address reads the devices' names, serials and batteries",
			"address", ln.Addr().String())
	}
	errLog := slog.NewLogLogger(o.Logger.Handler(), slog.LevelDebug)
	s.srv = &http.Server{
		Handler:           newHandler(states, o.Logger),
		ReadHeaderTimeout: o.HeaderTimeout,
		ReadTimeout:       o.HeaderTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    8 << 10,
		ErrorLog:          errLog,
	}
	return s, nil
}

// listen is net.Listen; tests replace it to see what a listener beyond
// the loopback does without opening one.
var listen = net.Listen

// Addr is the address the server listens on, its port resolved.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Loopback reports whether the server listens on the loopback alone.
func (s *Server) Loopback() bool { return s.loopback }

// URL is the metrics' URL, for messages and scrape configs.
func (s *Server) URL() string { return "http://" + s.Addr().String() + Path }

// Serve serves until ctx ends, then stops: it waits a second for
// responses under way and closes every connection. It returns nil then,
// or the error that stopped the listener.
func (s *Server) Serve(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- s.srv.Serve(s.ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("metrics: serving on %s: %w", s.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		s.srv.Close()
	}
	<-done
	return nil
}

// Close stops listening and closes every connection at once, for a server
// whose Serve never ran or has returned.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.srv.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// newHandler serves the metrics on Path, and a line pointing there on /.
func newHandler(states func() []sensors.State, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(Path, &scrapes{states: states, log: log})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Helio: the batteries of Logitech wireless devices, for Prometheus at "+Path+"\n")
	})
	return mux
}

// scrapes answers scrapes of /metrics in the text format, which every
// Prometheus reads. Each scrape reads the states afresh, but renders them
// ([Write]) only when a figure or the time it was confirmed changed since
// the last one, and one scrape at a time: rendering allocates about
// 100 KB, and a flood of scrapes rendering each would keep the collector
// of a process held to a few megabytes busy for nothing. Responses are
// not compressed: a few kilobytes of text compress to little, and a gzip
// writer allocates hundreds of kilobytes.
type scrapes struct {
	states func() []sensors.State
	log    *slog.Logger

	mu   sync.Mutex
	last []sensors.State // what body shows
	body []byte
}

func (h *scrapes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	states := h.states()
	h.mu.Lock()
	if h.body == nil || !sameFigures(states, h.last) {
		var b bytes.Buffer
		if err := Write(&b, states); err != nil {
			h.mu.Unlock()
			h.log.Warn("metrics not rendered", "err", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		h.body, h.last = b.Bytes(), states
	}
	body := h.body
	h.mu.Unlock()
	w.Header().Set("Content-Type", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// sameFigures reports whether a and b give the same metrics: the same
// devices, in the same order, with the same identity, figures and times.
// A Battery or a Light is replaced when it changes, never changed in place,
// so the same pointer is the same figure.
func sameFigures(a, b []sensors.State) bool {
	return slices.EqualFunc(a, b, func(x, y sensors.State) bool {
		return x.ID == y.ID && x.Receiver == y.Receiver && x.WPID == y.WPID && x.Serial == y.Serial && x.Name == y.Name &&
			x.Kind == y.Kind && x.Online == y.Online && x.Battery == y.Battery && x.Light == y.Light &&
			x.BatteryTime.Equal(y.BatteryTime) && x.LightTime.Equal(y.LightTime)
	})
}
