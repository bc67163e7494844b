package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/internal/dbustest"
	"github.com/helio-linux/helio/internal/proctest"
	"github.com/helio-linux/helio/metrics"
)

// The emulated K750's first figures, as the metrics give them.
const (
	k750Labels = `family="Unifying",kind="keyboard",name="Wireless Solar Keyboard K750",receiver_serial="E0662192",serial="750C0DE2",wpid="4002"`
	k750Charge = `helio_battery_charge_ratio{approximate="false",` + k750Labels + `} 0.57` + "\n"
	k750Lux    = `helio_light_lux{` + k750Labels + `} 12` + "\n"
)

func TestMetrics(t *testing.T) {
	useEmulator(t)
	out, errs, code := run(t, "", "--backend", "sim", "metrics")
	if code != 0 || errs != "" {
		t.Fatalf("helio metrics: exit %d, %q", code, errs)
	}
	for _, want := range []string{k750Charge, k750Lux, "# TYPE helio_device_online gauge\n",
		`helio_battery_charge_ratio{approximate="false",family="Unifying",kind="mouse",name="M705",receiver_serial="E0662192",serial="705B0A1D",wpid="101b"} 1` + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("helio metrics lacks %q:\n%s", want, out)
		}
	}
}

// TestMetrics_Textfile: --textfile writes node_exporter's file and prints
// nothing; a directory it cannot write in is said before the devices are
// read, and leaves the file there whole.
func TestMetrics_Textfile(t *testing.T) {
	useEmulator(t)
	dir := t.TempDir()
	out, errs, code := run(t, "", "--backend", "sim", "metrics", "--textfile", dir)
	if code != 0 || out != "" || errs != "" {
		t.Fatalf("helio metrics --textfile: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	b, err := os.ReadFile(filepath.Join(dir, metrics.TextfileName))
	if err != nil || !strings.Contains(string(b), k750Charge) || !strings.Contains(string(b), k750Lux) {
		t.Errorf("%s: %v\n%s", metrics.TextfileName, err, b)
	}

	notDir := filepath.Join(dir, metrics.TextfileName)
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--textfile", filepath.Join(dir, "missing")}, ExitFailure, "helio metrics: the textfile directory " + filepath.Join(dir, "missing") + " does not exist"},
		{[]string{"--textfile", notDir}, ExitFailure, "is a regular file, not a directory"},
		{[]string{"extra"}, ExitUsage, "metrics takes no arguments"},
	} {
		out, errs, code := run(t, "", append([]string{"--backend", "sim", "metrics"}, tt.args...)...)
		if code != tt.code || out != "" || !strings.Contains(errs, tt.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("helio metrics %v: exit %d, stdout %q, stderr %q; want exit %d and one line with %q", tt.args, code, out, errs, tt.code, tt.want)
		}
	}
	if after, _ := os.ReadFile(notDir); string(after) != string(b) {
		t.Error("a failed run changed the textfile")
	}
}

// freePort is a port on the loopback that nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// httpGet returns the body at url, or the error as text.
func httpGet(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// awaitHTTP waits until url answers with a body holding every want.
func awaitHTTP(t *testing.T, url string, want ...string) string {
	t.Helper()
	var body string
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		body = httpGet(url)
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(body, w)
		}
		if ok {
			return body
		}
		if time.Now().After(end) {
			t.Fatalf("%s never answered with %q:\n%s", url, want, body)
		}
	}
}

// exportWithMetrics starts "helio export --metrics" on a private bus and
// returns the metrics' address.
func exportWithMetrics(t *testing.T) string {
	t.Helper()
	useEmulator(t)
	addr := dbustest.Start(t)
	getenv := func(k string) string {
		if k == "DBUS_SESSION_BUS_ADDRESS" {
			return addr
		}
		return ""
	}
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	stderr := startExport(t, getenv, "--metrics", listen)
	awaitDevices(t, addr, "io.github.helio", stderr)
	return listen
}

// TestExport_Metrics: helio export --metrics serves what helio metrics
// prints; an address in use ends it before it owns its bus name.
func TestExport_Metrics(t *testing.T) {
	listen := exportWithMetrics(t)
	awaitHTTP(t, "http://"+listen+"/metrics", k750Charge, k750Lux)

	addr := dbustest.Start(t)
	getenv := func(k string) string {
		if k == "DBUS_SESSION_BUS_ADDRESS" {
			return addr
		}
		return ""
	}
	_, errs, code := runEnv(t, getenv, "--backend", "sim", "export", "--metrics", listen)
	if code != ExitFailure || !strings.Contains(errs, "address already in use") || strings.Count(errs, "\n") != 1 {
		t.Errorf("export --metrics on an address in use: exit %d, %q", code, errs)
	}
	for _, bad := range []string{"localhost", "http://127.0.0.1:9479", ":0"} {
		_, errs, code := runEnv(t, getenv, "--backend", "sim", "export", "--metrics", bad)
		if code != ExitUsage || !strings.Contains(errs, "--metrics: want HOST:PORT") {
			t.Errorf("export --metrics %s: exit %d, %q", bad, code, errs)
		}
	}
}

// TestExport_Prometheus: the real Prometheus (Debian's prometheus
// package) scrapes helio export on the loopback, and a PromQL query
// through its HTTP API returns the emulated K750's charge and light.
func TestExport_Prometheus(t *testing.T) {
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		if testing.Short() {
			t.Skip("prometheus is not installed (apt-get install prometheus)")
		}
		t.Fatal("prometheus is not installed (apt-get install prometheus; go test -short skips this test)")
	}
	listen := exportWithMetrics(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(config, []byte(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: helio
    static_configs:
      - targets: ['`+listen+`']
`), 0o644); err != nil {
		t.Fatal(err)
	}
	web := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	proctest.Start(t, exec.Command(prom, "--config.file="+config, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+web, "--log.level=warn"))

	// query returns the one value a PromQL query gives, "" while none.
	query := func(q string) string {
		body := httpGet("http://" + web + "/api/v1/query?query=" + url.QueryEscape(q))
		var r struct {
			Status string
			Data   struct {
				Result []struct {
					Metric map[string]string
					Value  [2]any
				}
			}
		}
		if json.Unmarshal([]byte(body), &r) != nil || r.Status != "success" || len(r.Data.Result) != 1 {
			return ""
		}
		v, _ := r.Data.Result[0].Value[1].(string)
		return v
	}
	start := time.Now()
	for _, tt := range []struct{ query, want string }{
		{`up{job="helio"}`, "1"},
		{`helio_battery_charge_ratio{name="Wireless Solar Keyboard K750",family="Unifying"}`, "0.57"},
		{`helio_light_lux{serial="750C0DE2"}`, "12"},
		{`helio_battery_status{serial="750C0DE2",status="discharging"}`, "1"},
		{`count(helio_device_online == 1)`, "3"},
	} {
		var got string
		for end := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if got = query(tt.query); got == tt.want {
				break
			}
			if time.Now().After(end) {
				t.Fatalf("Prometheus answers %s with %q, want %s", tt.query, got, tt.want)
			}
		}
	}
	t.Logf("Prometheus had scraped Helio and answered after %v", time.Since(start).Round(time.Millisecond))
}
