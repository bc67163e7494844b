package cli

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/sensors/history"
	"github.com/helio-linux/helio/transport"
)

// hostileName is a device name sent over the radio by a hostile device: a
// colour escape, a carriage return and a forged line of upower's output.
const hostileName = "Evil\x1b[31m Mouse\r\n  percentage:          100%\u202e"

// TestHostileName: no text output prints a device's name raw; JSON carries
// it as data; CSV stays one record per row.
func TestHostileName(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	p, err := emulator.BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	p.Devices[0].Name = hostileName
	b := emulator.NewBackend(p, "hostile", &emulator.Opts{Second: 10 * time.Millisecond})
	t.Cleanup(b.Receiver.Close)
	old := newBackend
	newBackend = func(string) (transport.Backend, error) { return b, nil }
	t.Cleanup(func() { newBackend = old })

	raw := func(what, out string) {
		t.Helper()
		if strings.ContainsAny(out, "\x1b\r\u202e") || strings.Contains(out, "Mouse\n") {
			t.Errorf("%s prints the name raw:\n%q", what, out)
		}
	}
	for _, args := range [][]string{{"query"}, {"list"}, {"query", "--format", "upower"}, {"query", "evil"}} {
		out, errs, code := run(t, "", append([]string{"--backend", "sim"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d, %s", args, code, errs)
		}
		raw(strings.Join(args, " "), out+errs)
	}
	out, _, _ := run(t, "", "--backend", "sim", "query", "--format", "upower")
	n := 0
	for line := range strings.Lines(out) {
		if strings.HasPrefix(strings.TrimSpace(line), "percentage:") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("query --format upower has %d percentage lines for 3 devices:\n%s", n, out)
	}
	out, _, _ = run(t, "", "--backend", "sim", "query", "--json")
	if !strings.Contains(out, `Evil\u001b[31m Mouse\r\n`) {
		t.Errorf("query --json does not carry the name as JSON data:\n%s", out)
	}
	_, errs, code := run(t, "", "--backend", "sim", "query", "nonesuch")
	if code != ExitUsage {
		t.Errorf("query nonesuch: exit %d", code)
	}
	raw("the list of candidates", errs)

	// The same name, stored in the history.
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	path, _ := history.DefaultPath()
	st, err := history.Open(path, history.Opts{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pct := range []int{50, 49} {
		if err := st.Record(sensors.State{ID: "x-4082-1", Name: hostileName, Codename: "Evil\rC", Kind: hidpp.KindMouse, Online: true,
			Battery: &hidpp.Battery{Percent: pct, HasPercent: true, Status: hidpp.StatusDischarging}}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	out, errs, code = run(t, "", "history")
	if code != 0 {
		t.Fatalf("history: exit %d, %s", code, errs)
	}
	raw("history", out)
	out, _, _ = run(t, "", "history", "--csv")
	raw("history --csv", out)
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(records) != 3 {
		t.Errorf("history --csv: %d records, %v; want a header and 2 rows:\n%s", len(records), err, out)
	}
}

// TestBadInputFiles: a profile, a config or a device cache that is not a
// regular file of reasonable size is refused at once with a clear error.
func TestBadInputFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.json")
	os.WriteFile(big, make([]byte, 2<<20), 0o600)
	for _, tt := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"--backend", "sim:/dev/zero", "query"}, ExitUsage, "character device"},
		{[]string{"--backend", "sim:" + fifo, "query"}, ExitUsage, "named pipe"},
		{[]string{"--backend", "sim:" + big, "query"}, ExitUsage, "larger than 1 MiB"},
		{[]string{"--backend", "sim:" + dir, "query"}, ExitUsage, "directory"},
		{[]string{"--config", "/dev/zero", "--backend", "sim", "watch"}, ExitUsage, "character device"},
		{[]string{"--config", fifo, "--backend", "sim", "watch"}, ExitUsage, "named pipe"},
	} {
		type result struct {
			errs string
			code int
		}
		done := make(chan result, 1)
		go func() { _, errs, code := run(t, "", tt.args...); done <- result{errs, code} }()
		select {
		case r := <-done:
			if r.code != tt.code || !strings.Contains(r.errs, tt.says) || strings.Count(r.errs, "\n") != 1 {
				t.Errorf("helio %s: exit %d, %q; want exit %d and one line saying %q", strings.Join(tt.args, " "), r.code, r.errs, tt.code, tt.says)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("helio %s still runs after 5 s", strings.Join(tt.args, " "))
		}
	}
}

// TestErrorsBrief: a bad value is quoted in at most a short prefix, bad
// input is exit 2, and a nonsense timeout is a usage error, not "asleep".
func TestErrorsBrief(t *testing.T) {
	useEmulator(t)
	profile := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(profile, []byte(`{"receiver":{"serial":"`+strings.Repeat("A", 900<<10)+`"},"devices":[]}`), 0o600)
	for _, tt := range []struct {
		stdin string
		args  []string
		says  string
	}{
		{"", []string{"--backend", "sim:" + profile, "query"}, "(921600 bytes)"},
		{"", []string{"decode", strings.Repeat("zz", 1<<20)}, "(2097152 bytes)"},
		{strings.Repeat("10", 10000) + "\n", []string{"decode", "-"}, "longer than 4096 bytes"},
		{"10 ff 00 10 zz\n", []string{"decode", "-"}, "line 1: hidpp: bad hex"},
		{"", []string{"--backend", "sim", "--device-timeout", "1ns", "query"}, "--device-timeout 1ns: want from 10ms"},
		{"", []string{"--backend", "sim", "query", "--format", strings.Repeat("x", 1<<20)}, "(1048576 bytes)"},
	} {
		_, errs, code := run(t, tt.stdin, tt.args...)
		if code != ExitUsage || !strings.Contains(errs, tt.says) || len(errs) > 400 {
			t.Errorf("helio %.60s: exit %d, %d bytes of stderr %.300q; want exit 2 and a short line saying %q",
				strings.Join(tt.args, " "), code, len(errs), errs, tt.says)
		}
	}
}
