package cli

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
)

func TestList(t *testing.T) {
	useEmulator(t)
	out, errs, code := run(t, "", "--backend", "sim", "list")
	if code != 0 || !strings.Contains(out, "wpid 4002") || !strings.Contains(out, "HID++ 1.0") || !strings.Contains(out, "6 slots") {
		t.Errorf("list: exit %d, %q, %q", code, out, errs)
	}
	out, _, code = run(t, "", "--backend", "sim", "list", "--json")
	if code != 0 || !strings.Contains(out, `"id": "E0662192-4002-750C0DE2"`) || strings.Contains(out, `"percent"`) {
		t.Errorf("list --json: exit %d, %s", code, out)
	}
}

func TestLight(t *testing.T) {
	b := useEmulator(t)
	out, errs, code := run(t, "", "--backend", "sim", "light", "--seconds", "3")
	if code != 0 || strings.Count(out, "12 lux  too dark to charge") != 3 {
		t.Errorf("light: exit %d, %q, %q", code, out, errs)
	}
	if errs != "" {
		t.Errorf("light printed progress into a pipe: %q", errs)
	}
	b.Receiver.SetLux(2, 900)
	if out, _, _ := run(t, "", "--backend", "sim", "light", "k750", "--seconds", "1"); !strings.Contains(out, "900 lux  charging") {
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

// syncBuffer is a bytes.Buffer safe to read while watch writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestWatch(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		b := useEmulator(t)
		t.Setenv("XDG_STATE_HOME", t.TempDir())
		ctx, cancel := context.WithCancel(context.Background())
		var out, errs syncBuffer
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
