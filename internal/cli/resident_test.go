package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/dbustest"
	"github.com/helio-linux/helio/internal/syncbuf"
)

// queryEnv runs helio in-process, as a command that is not interrupted.
func queryEnv(t *testing.T, getenv func(string) string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: getenv})
	return out.String(), errb.String(), code
}

// TestQuery_FromResident: with a Helio exporting on the session bus, query
// answers from it in every format and asks no device; with --fresh, with
// another backend, or once it is gone, query asks the devices.
func TestQuery_FromResident(t *testing.T) {
	needTools(t, "dbus-daemon")
	b := useEmulator(t)
	addr := dbustest.Start(t)
	getenv := sessionBusEnv(addr)
	stop := startExportStoppable(t, getenv)
	awaitDevices(t, addr, "io.github.helio", &syncbuf.Buffer{})

	before := b.Receiver.TotalRequests()
	out, errs, code := queryEnv(t, getenv, "--backend", "sim", "--debug", "query")
	if code != 0 || !strings.HasPrefix(out, "From the running Helio (process ") ||
		!strings.Contains(out, "57 %, 12 lux, discharging; confirmed ") || !strings.Contains(errs, "figures from the running Helio") {
		t.Errorf("query with a resident Helio: exit %d\n%s%s", code, out, errs)
	}
	for _, format := range []string{"json", "upower", "waybar"} {
		if _, errs, code := queryEnv(t, getenv, "--backend", "sim", "query", "--format", format); code != 0 {
			t.Errorf("query --format %s with a resident Helio: exit %d, %s", format, code, errs)
		}
	}
	out, _, _ = queryEnv(t, getenv, "--backend", "sim", "query", "k750", "--json")
	var doc struct {
		Source struct {
			From string `json:"from"`
			PID  int    `json:"pid"`
		} `json:"source"`
		Receivers []struct {
			Serial  string `json:"serial"`
			Family  string `json:"family"`
			Devices []struct {
				Name      string  `json:"name"`
				Confirmed *string `json:"confirmed"`
			} `json:"devices"`
		} `json:"receivers"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if doc.Source.From != "resident" || doc.Source.PID == 0 || len(doc.Receivers) != 1 || doc.Receivers[0].Family != "Unifying" ||
		len(doc.Receivers[0].Devices) != 1 || doc.Receivers[0].Devices[0].Confirmed == nil {
		t.Errorf("query k750 --json from the resident:\n%s", out)
	}
	if n := b.Receiver.TotalRequests() - before; n != 0 {
		t.Errorf("queries answered by the resident sent %d HID++ requests, want 0", n)
	}

	if out, _, _ := queryEnv(t, getenv, "--backend", "sim", "query", "--fresh"); strings.Contains(out, "From the running Helio") ||
		b.Receiver.TotalRequests() == before {
		t.Errorf("query --fresh did not ask the devices:\n%s", out)
	}
	if out, errs, _ := queryEnv(t, getenv, "--backend", "sim:default", "--debug", "query"); strings.Contains(out, "From the running Helio") ||
		!strings.Contains(errs, "reads another backend") {
		t.Errorf("query on another backend answered from the resident:\n%s%s", out, errs)
	}
	stop()
	if out, errs, code := queryEnv(t, getenv, "--backend", "sim", "--debug", "query"); code != 0 || strings.Contains(out, "From the running Helio") ||
		!strings.Contains(errs, "no running Helio on the session bus") {
		t.Errorf("query after the resident stopped: exit %d\n%s%s", code, out, errs)
	}
}

// TestWatch_MirrorsResident: watch beside a running Helio (the tray, an
// export) shows that Helio's figures without talking to the receivers, and
// reads them itself once that Helio stops.
func TestWatch_MirrorsResident(t *testing.T) {
	needTools(t, "dbus-daemon")
	b := useEmulator(t)
	addr := dbustest.Start(t)
	getenv := sessionBusEnv(addr)
	stopExport := startExportStoppable(t, getenv)
	awaitDevices(t, addr, "io.github.helio", &syncbuf.Buffer{})
	before := b.Receiver.TotalRequests()

	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncbuf.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main([]string{"--backend", "sim", "watch", "--no-history"}, Env{Stdout: &out, Stderr: &errs, Getenv: getenv, Context: ctx})
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("watch exited %d: %s", code, errs.String())
		}
	}()
	wait := func(what string, ok func() bool) {
		t.Helper()
		for end := time.Now().Add(5 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("waited for %s:\n%s%s", what, out.String(), errs.String())
			}
		}
	}
	wait("the three devices, mirrored", func() bool { return strings.Count(out.String(), "\n") >= 3 })
	if !strings.Contains(errs.String(), "another Helio reads these receivers") {
		t.Errorf("watch did not say it mirrors: %q", errs.String())
	}
	if err := b.Receiver.SetBattery(1, 44, hidpp.StatusDischarging); err != nil {
		t.Fatal(err)
	}
	wait("the MX Master at 44 %, mirrored", func() bool { return strings.Contains(out.String(), "44 %, discharging") })
	requests := b.Receiver.TotalRequests()
	// The export read the MX Master's battery event; watch sent nothing.
	if requests != before {
		t.Logf("the export sent %d requests meanwhile", requests-before)
	}
	stopExport()
	wait("watch to read the receivers itself", func() bool { return strings.Contains(errs.String(), "the other Helio stopped") })
	wait("watch's own requests", func() bool { return b.Receiver.TotalRequests() > requests })
}
