package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/dbustest"
	"github.com/helio-linux/helio/internal/syncbuf"
	"github.com/helio-linux/helio/notify"
	"github.com/helio-linux/helio/notify/notifytest"
)

func TestList(t *testing.T) {
	useEmulator(t)
	out, errs, code := run(t, "", "--backend", "sim", "list")
	if code != 0 || !strings.Contains(out, "wpid 4002") || !strings.Contains(out, "HID++ 1.0") || !strings.Contains(out, "6 slots") {
		t.Errorf("list: exit %d, %q, %q", code, out, errs)
	}
	out, _, code = run(t, "", "--backend", "sim", "list", "--json")
	if code != 0 || !strings.Contains(out, `"id": "4002-750C0DE2"`) || strings.Contains(out, `"percent"`) {
		t.Errorf("list --json: exit %d, %s", code, out)
	}
}

func TestLight(t *testing.T) {
	b := useEmulator(t)
	out, errs, code := run(t, "", "--backend", "sim", "light", "--seconds", "3")
	if code != 0 || strings.Count(out, "57 %, 12 lux, discharging") != 3 {
		t.Errorf("light: exit %d, %q, %q", code, out, errs)
	}
	if errs != "" {
		t.Errorf("light printed progress into a pipe: %q", errs)
	}
	b.Receiver.SetLux(2, 900)
	if out, _, _ := run(t, "", "--backend", "sim", "light", "k750", "--seconds", "1"); !strings.Contains(out, "57 %, 900 lux, charging") {
		t.Errorf("light in 900 lux: %q", out)
	}
	if _, errs, code := run(t, "", "--backend", "sim", "light", "m705"); code != ExitFailure || !strings.Contains(errs, "no solar cells") {
		t.Errorf("light on a mouse: exit %d, %q", code, errs)
	}
	if _, errs, code := run(t, "", "--backend", "sim", "light", "--seconds", "0"); code != ExitUsage || !strings.Contains(errs, "1..255") {
		t.Errorf("light --seconds 0: exit %d, %q", code, errs)
	}
	b.Receiver.SetOnline(2, false)
	if _, errs, code := run(t, "", "--backend", "sim", "light", "k750"); code != ExitOffline {
		t.Errorf("light on a sleeping keyboard: exit %d, %q", code, errs)
	}
}

func TestWatch(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		b := useEmulator(t)
		t.Setenv("XDG_STATE_HOME", t.TempDir())
		ctx, cancel := context.WithCancel(context.Background())
		var out, errs syncbuf.Buffer
		args := []string{"--backend", "sim", "watch"}
		want := "55 %, charging"
		if asJSON {
			args, want = append(args, "--json"), `"percent":55`
		}
		done := make(chan int)
		go func() {
			done <- Main(args, Env{Stdout: &out, Stderr: &errs, Getenv: func(string) string { return "" }, Context: ctx})
		}()
		wait := func(s string) {
			t.Helper()
			for end := time.Now().Add(3 * time.Second); !strings.Contains(out.String(), s); time.Sleep(5 * time.Millisecond) {
				if time.Now().After(end) {
					t.Fatalf("watch (json %v) never printed %q:\n%s\n%s", asJSON, s, out.String(), errs.String())
				}
			}
		}
		wait("K750")
		wait("12")
		b.Receiver.SetBattery(1, 55, hidpp.StatusCharging)
		wait(want)
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("watch exited %d: %s", code, errs.String())
			}
		case <-time.After(3 * time.Second):
			t.Fatal("watch did not stop")
		}
	}
}

func TestConfigErrors(t *testing.T) {
	useEmulator(t)
	dir := t.TempDir()
	bad := dir + "/config.toml"
	os.WriteFile(bad, []byte("[light]\ninterval = \"10m\"\ncolour = \"red\"\n"), 0o644)
	_, errs, code := run(t, "", "--config", bad, "--backend", "sim", "watch")
	if code != ExitUsage || !strings.Contains(errs, bad+":3") || !strings.Contains(errs, "colour") {
		t.Errorf("unknown key: exit %d, %q", code, errs)
	}
	os.WriteFile(bad, []byte("[thresholds]\nlow = 10\ncritical = 15\n"), 0o644)
	if _, errs, code := run(t, "", "--config", bad, "history"); code != ExitUsage || !strings.Contains(errs, bad+":") {
		t.Errorf("bad value: exit %d, %q", code, errs)
	}
	if _, errs, code := run(t, "", "--config", dir+"/missing.toml", "--backend", "sim", "watch"); code != ExitUsage || !strings.Contains(errs, "missing.toml") {
		t.Errorf("missing --config file: exit %d, %q", code, errs)
	}
}

// TestWatch_RecordsHistory: what watch sees ends up in the history that
// "helio history" reads, and the config's light schedule is used.
func TestWatch_RecordsHistory(t *testing.T) {
	b := useEmulator(t)
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	cfg := t.TempDir() + "/config.toml"
	os.WriteFile(cfg, []byte("[light]\ninterval = \"1m\"\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncbuf.Buffer
	done := make(chan int)
	go func() {
		done <- Main([]string{"--config", cfg, "--backend", "sim", "watch"},
			Env{Stdout: &out, Stderr: &errs, Getenv: func(string) string { return "" }, Context: ctx})
	}()
	for end := time.Now().Add(3 * time.Second); !strings.Contains(out.String(), "12 lux"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("watch printed %q", out.String())
		}
	}
	b.Receiver.SetBattery(1, 42, hidpp.StatusDischarging)
	for end := time.Now().Add(3 * time.Second); !strings.Contains(out.String(), "42 %"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("watch printed %q", out.String())
		}
	}
	cancel()
	<-done
	hist, herr, code := run(t, "", "history", "mx master", "--csv")
	if code != 0 || !strings.Contains(hist, ",80,") || !strings.Contains(hist, ",42,") {
		t.Errorf("history after watch: exit %d, %q, %q", code, hist, herr)
	}
	if hist, _, _ := run(t, "", "history", "k750", "--csv"); !strings.Contains(hist, ",57,") || !strings.Contains(hist, ",12") {
		t.Errorf("K750 history: %q", hist)
	}
}

// sessionBusEnv is an environment with only DBUS_SESSION_BUS_ADDRESS set,
// to addr.
func sessionBusEnv(addr string) func(string) string {
	return func(k string) string {
		if k == "DBUS_SESSION_BUS_ADDRESS" {
			return addr
		}
		return ""
	}
}

// TestWatch_Notify: watch --notify alerts by the config file's thresholds
// and switches, on the session bus its environment names.
func TestWatch_Notify(t *testing.T) {
	b := useEmulator(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	addr := dbustest.Start(t)
	server := notifytest.Start(t, addr)
	cfg := t.TempDir() + "/config.toml"
	os.WriteFile(cfg, []byte("[thresholds]\nlow = 50\ncritical = 10\n[notifications]\ncritical = false\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncbuf.Buffer
	env := sessionBusEnv(addr)
	done := make(chan int)
	go func() {
		done <- Main([]string{"--config", cfg, "--backend", "sim", "watch", "--notify"},
			Env{Stdout: &out, Stderr: &errs, Getenv: env, Context: ctx})
	}()
	wait := func(s string) {
		t.Helper()
		for end := time.Now().Add(3 * time.Second); !strings.Contains(out.String(), s); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("watch --notify never printed %q:\n%s\n%s", s, out.String(), errs.String())
			}
		}
	}
	wait("80 %")
	b.Receiver.SetBattery(1, 45, hidpp.StatusDischarging) // below the configured 50 %
	wait("45 %")
	b.Receiver.SetBattery(1, 3, hidpp.StatusDischarging) // critical alerts are off
	wait("3 %")
	b.Receiver.SetBattery(1, 60, hidpp.StatusDischarging)
	wait("60 %")
	b.Receiver.SetBattery(1, 40, hidpp.StatusDischarging) // re-armed above 53 %
	wait("40 %")
	calls := server.Wait(t, 2, 3*time.Second)
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("watch --notify exited %d: %s", code, errs.String())
		}
	case <-time.After(3 * time.Second):
		t.Fatal("watch --notify did not stop")
	}
	var got []string
	for _, c := range server.Calls() {
		got = append(got, c.Summary+": "+c.Body)
	}
	want := []string{
		"MX Master 3 Wireless Mouse battery low: 45 % left. Charge it or replace its batteries soon.",
		"MX Master 3 Wireless Mouse battery low: 40 % left. Charge it or replace its batteries soon.",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("watch --notify showed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if c := calls[0]; c.App != "Helio" || c.Hints["urgency"] != byte(notify.UrgencyNormal) {
		t.Errorf("watch --notify sent %+v", c)
	}
	if errs.String() != "" {
		t.Errorf("watch --notify printed on stderr: %q", errs.String())
	}
}

// TestWatch_NotifyNoBus: without a session bus, watch --notify says so in
// one line and does not start.
func TestWatch_NotifyNoBus(t *testing.T) {
	useEmulator(t)
	out, errs, code := run(t, "", "--backend", "sim", "watch", "--notify")
	if code != ExitFailure || out != "" || !strings.HasPrefix(errs, "helio watch: --notify: bus: no session bus") || strings.Count(errs, "\n") != 1 {
		t.Errorf("watch --notify without a bus: exit %d, %q, %q", code, out, errs)
	}
}

// TestWatch_NotifyNoDaemon: with a bus but no notification daemon, watch
// --notify still prints every change, and warns once.
func TestWatch_NotifyNoDaemon(t *testing.T) {
	b := useEmulator(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	addr := dbustest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncbuf.Buffer
	env := sessionBusEnv(addr)
	done := make(chan int)
	go func() {
		done <- Main([]string{"--backend", "sim", "watch", "--notify"}, Env{Stdout: &out, Stderr: &errs, Getenv: env, Context: ctx})
	}()
	for end := time.Now().Add(3 * time.Second); !strings.Contains(out.String(), "80 %"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("watch --notify printed %q, %q", out.String(), errs.String())
		}
	}
	// Each of 15 %, 15 % again after re-arming at 30 %, and 4 % alerts.
	seen := map[int]int{}
	for _, p := range []int{15, 30, 15, 4} {
		b.Receiver.SetBattery(1, p, hidpp.StatusDischarging)
		seen[p]++
		line := fmt.Sprintf("MX Master 3 Wireless Mouse  %d %%", p)
		for end := time.Now().Add(3 * time.Second); strings.Count(out.String(), line) < seen[p]; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("watch --notify never printed %q: %q, %q", line, out.String(), errs.String())
			}
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("watch --notify exited %d: %s", code, errs.String())
	}
	if n := strings.Count(errs.String(), "no notification daemon on the session bus"); n != 1 || strings.Count(errs.String(), "\n") != 1 {
		t.Errorf("watch --notify warned %d times: %q", n, errs.String())
	}
}
