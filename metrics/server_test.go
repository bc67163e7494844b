package metrics

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helio-linux/helio/internal/syncbuf"
	"github.com/helio-linux/helio/sensors"
)

func TestResolveAddr(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"9479", "127.0.0.1:9479"},
		{":9479", "127.0.0.1:9479"},
		{"127.0.0.1:9479", "127.0.0.1:9479"},
		{"localhost:9479", "localhost:9479"},
		{"[::1]:9479", "[::1]:9479"},
		{"0.0.0.0:9479", "0.0.0.0:9479"},
		{"[::]:9479", "[::]:9479"},
	} {
		if got := ResolveAddr(tt.in); got != tt.want {
			t.Errorf("ResolveAddr(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// serve runs a server of states on the loopback until the test ends.
func serve(t *testing.T, states func() []sensors.State, o Opts) *Server {
	t.Helper()
	s, err := Listen("127.0.0.1:0", states, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(3 * time.Second):
			t.Error("Serve did not return after its context ended")
		}
	})
	return s
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

var k750 = sensors.State{ID: "E0662192-4002-750C0DE2", Name: "K750", WPID: 0x4002, Receiver: sensors.ReceiverInfo{Serial: "E0662192"}, Serial: "750C0DE2",
	Online: true, Solar: true, Light: &sensors.Light{Lux: 12}, LightTime: time.Unix(1767225600, 0)}

// TestServer: /metrics in the text format Prometheus asks for, a pointer
// to it on /, nothing elsewhere; on the loopback, without a warning.
func TestServer(t *testing.T) {
	var log syncbuf.Buffer
	s := serve(t, func() []sensors.State { return []sensors.State{k750} }, Opts{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if !s.Loopback() || !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || !strings.HasSuffix(s.URL(), "/metrics") {
		t.Errorf("Loopback() = %v, URL() = %s", s.Loopback(), s.URL())
	}
	code, h, body := get(t, s.URL())
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Errorf("GET /metrics: %d, Content-Type %q", code, h.Get("Content-Type"))
	}
	if want := `helio_light_lux{family="unknown",kind="unknown",name="K750",receiver_serial="E0662192",serial="750C0DE2",wpid="4002"} 12`; !strings.Contains(body, want) {
		t.Errorf("GET /metrics lacks %s:\n%s", want, body)
	}
	if h.Get("Content-Encoding") != "" {
		t.Errorf("the response is compressed (%s)", h.Get("Content-Encoding"))
	}
	root := strings.TrimSuffix(s.URL(), Path)
	if code, _, body := get(t, root+"/"); code != http.StatusOK || !strings.Contains(body, Path) {
		t.Errorf("GET /: %d %q", code, body)
	}
	if code, _, _ := get(t, root+"/nothing"); code != http.StatusNotFound {
		t.Errorf("GET /nothing: %d, want 404", code)
	}
	if log.String() != "" {
		t.Errorf("a server on the loopback logged:\n%s", log.String())
	}
}

// everywhere is a listener on the loopback that says it listens on every
// interface, to see what a server beyond the loopback does without
// opening one.
type everywhere struct{ net.Listener }

func (l everywhere) Addr() net.Addr {
	a := *l.Listener.Addr().(*net.TCPAddr)
	a.IP = net.IPv4zero
	return &a
}

// TestListen_BeyondLoopback: a server on every interface is the user's
// choice, and says so.
func TestListen_BeyondLoopback(t *testing.T) {
	var asked string
	listen = func(network, addr string) (net.Listener, error) {
		asked = addr
		ln, err := net.Listen(network, "127.0.0.1:0")
		return everywhere{ln}, err
	}
	defer func() { listen = net.Listen }()
	var log syncbuf.Buffer
	s, err := Listen("0.0.0.0:9479", func() []sensors.State { return nil }, Opts{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if asked != "0.0.0.0:9479" || s.Loopback() {
		t.Errorf("listened on %s, Loopback() = %v", asked, s.Loopback())
	}
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "beyond the loopback") {
		t.Errorf("no warning of a server beyond the loopback:\n%s", log.String())
	}
}

func TestListen_Errors(t *testing.T) {
	s := serve(t, func() []sensors.State { return nil }, Opts{})
	for _, addr := range []string{"", s.Addr().String(), "127.0.0.1:http-alt-nope", "[::1"} {
		if s2, err := Listen(addr, func() []sensors.State { return nil }, Opts{}); err == nil {
			s2.Close()
			t.Errorf("Listen(%q) succeeded", addr)
		} else if !strings.HasPrefix(err.Error(), "metrics: ") {
			t.Errorf("Listen(%q) = %v, want a metrics: error", addr, err)
		}
	}
}

// TestServer_Hanging: scrapers that connect and send nothing, or half a
// request, hold no more than MaxConns connections and are dropped after
// HeaderTimeout; a real scrape meanwhile is answered within that time.
func TestServer_Hanging(t *testing.T) {
	const timeout = 300 * time.Millisecond
	s := serve(t, func() []sensors.State { return []sensors.State{k750} }, Opts{MaxConns: 4, HeaderTimeout: timeout})
	var hung []net.Conn
	for i := range 12 {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if i%2 == 1 {
			io.WriteString(c, "GET /metrics HTTP/1.1\r\nHost: x\r\n") // and never the end of the headers
		}
		hung = append(hung, c)
	}
	start := time.Now()
	code, _, body := get(t, s.URL())
	took := time.Since(start)
	if code != http.StatusOK || !strings.Contains(body, "helio_light_lux") {
		t.Errorf("the scrape among hanging ones: %d\n%s", code, body)
	}
	// Twelve hang on four places: three rounds of the timeout at most.
	if took > 4*timeout+time.Second {
		t.Errorf("the scrape among hanging ones took %v", took)
	}
	t.Logf("a scrape among 12 hanging connections took %v", took)
	for i, c := range hung {
		c.SetReadDeadline(time.Now().Add(5 * timeout))
		if _, err := io.ReadAll(c); err != nil {
			t.Errorf("hanging connection %d was not closed by the server: %v", i, err)
		}
	}
}

// TestServer_Fresh: a scrape shows the figures as they are now: a figure
// changed, and a figure only confirmed again, whose time moves on.
func TestServer_Fresh(t *testing.T) {
	var mu sync.Mutex
	st := k750
	s := serve(t, func() []sensors.State {
		mu.Lock()
		defer mu.Unlock()
		return []sensors.State{st}
	}, Opts{})
	const labels = `{family="unknown",kind="unknown",name="K750",receiver_serial="E0662192",serial="750C0DE2",wpid="4002"}`
	for _, tt := range []struct {
		change func(*sensors.State)
		want   string
	}{
		{func(*sensors.State) {}, "helio_light_lux" + labels + " 12\n"},
		{func(s *sensors.State) { s.LightTime = s.LightTime.Add(90 * time.Second) }, "helio_reading_timestamp_seconds" + labels + " 1.76722569e+09\n"},
		{func(s *sensors.State) { s.Light = &sensors.Light{Lux: 420} }, "helio_light_lux" + labels + " 420\n"},
		{func(s *sensors.State) { s.Online = false }, "helio_device_online" + labels + " 0\n"},
	} {
		mu.Lock()
		tt.change(&st)
		mu.Unlock()
		if _, _, body := get(t, s.URL()); !strings.Contains(body, tt.want) {
			t.Errorf("the scrape lacks %q:\n%s", tt.want, body)
		}
	}
}
