package resident

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/internal/syncbuf"
	"github.com/helio-linux/helio/metrics"
)

// start runs the resident process on the emulated receiver with metrics
// until the test ends, and returns the emulator and the process's log.
func start(t *testing.T, mo *MetricsOpts) (*emulator.Backend, *syncbuf.Buffer) {
	t.Helper()
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	b := emulator.NewBackend(p, "test", &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(b.Receiver.Close)
	log := &syncbuf.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Opts{Backend: b, Config: config.Default(), DeviceTimeout: 300 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelInfo})), Metrics: mo})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
	return b, log
}

// await polls get until it returns a text matching re, and returns the
// first submatch.
func await(t *testing.T, what string, get func() string, re *regexp.Regexp) string {
	t.Helper()
	var last string
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		last = get()
		if m := re.FindStringSubmatch(last); m != nil {
			return m[len(m)-1]
		}
	}
	t.Fatalf("%s never matched %s:\n%s", what, re, last)
	return ""
}

const k750 = `family="Unifying",kind="keyboard",name="Wireless Solar Keyboard K750",receiver_serial="E0662192",serial="750C0DE2",wpid="4002"`

var (
	k750Stamp = regexp.MustCompile(`(?m)^helio_reading_timestamp_seconds\{` + regexp.QuoteMeta(k750) + `\} (\S+)$`)
	k750Lux   = regexp.MustCompile(`(?m)^helio_light_lux\{` + regexp.QuoteMeta(k750) + `\} 12$`)
	mx42      = regexp.MustCompile(`(?m)^helio_battery_charge_ratio\{approximate="false",family="Unifying",kind="mouse",name="MX Master 3 Wireless Mouse",receiver_serial="E0662192",serial="1A2B3C4D",wpid="4082"\} 0.42$`)
)

// TestRun_Textfile: the textfile follows the devices: a change is
// written, and so is a reading that only confirms the same figures, with
// the time it was confirmed.
func TestRun_Textfile(t *testing.T) {
	dir := t.TempDir()
	b, _ := start(t, &MetricsOpts{Textfile: dir, Required: true})
	file := func() string {
		s, _ := os.ReadFile(filepath.Join(dir, metrics.TextfileName))
		return string(s)
	}
	await(t, "the textfile", file, k750Lux)
	b.Receiver.SetLux(2, 12)
	stamp := await(t, "the textfile", file, k750Stamp)

	b.Receiver.SetBattery(1, 42, 0)
	await(t, "the textfile after a battery event", file, mx42)
	b.Receiver.PressLightButton(2) // a light report, with the same figures
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if now := k750Stamp.FindStringSubmatch(file()); now != nil && now[1] != stamp && k750Lux.MatchString(file()) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the K750's light report confirming 12 lux did not renew its timestamp %s:\n%s", stamp, file())
		}
	}
}

// TestRun_Listen: the process serves its devices on the address asked,
// and says where.
func TestRun_Listen(t *testing.T) {
	b, log := start(t, &MetricsOpts{Listen: "127.0.0.1:0", Required: true})
	url := await(t, "the log", log.String, regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+/metrics)`))
	scrape := func() string {
		resp, err := http.Get(url)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	await(t, url, scrape, k750Lux)
	b.Receiver.SetBattery(1, 42, 0)
	await(t, url, scrape, mx42)
}

// TestRun_MetricsRequired: with Required, an address in use or a textfile
// directory missing ends Run at once with an error that says so; without
// it, Run goes on and logs the error.
func TestRun_MetricsRequired(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	p, _ := emulator.BuiltinProfile("default")
	for _, tt := range []struct {
		name string
		mo   MetricsOpts
		want string
	}{
		{"address in use", MetricsOpts{Listen: taken.Addr().String()}, "address already in use"},
		{"no textfile directory", MetricsOpts{Textfile: filepath.Join(t.TempDir(), "missing")}, "does not exist"},
	} {
		b := emulator.NewBackend(p, "test", &emulator.Opts{Second: 10 * time.Millisecond})
		defer b.Receiver.Close()
		mo := tt.mo
		mo.Required = true
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := Run(ctx, Opts{Backend: b, Config: config.Default(), Metrics: &mo})
		late := ctx.Err() != nil
		cancel()
		if err == nil || !strings.Contains(err.Error(), tt.want) || late {
			t.Errorf("%s: Run = %v, want at once an error saying %q", tt.name, err, tt.want)
		}

		mo.Required = false
		_, log := start(t, &mo)
		await(t, tt.name+": the log", log.String, regexp.MustCompile(`level=WARN msg="Prometheus.*`+regexp.QuoteMeta(tt.want)))
	}
}
