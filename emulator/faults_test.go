package emulator_test

import (
	"errors"
	"testing"
	"time"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
)

// rawHost opens a plain handle on the built-in receiver, without a HID++
// connection, and pumps what it reads into a channel, so a test sees every
// report the receiver sends, copies included.
func rawHost(t *testing.T) (*emulator.Receiver, *emulator.Conn, <-chan []byte) {
	t.Helper()
	r, _ := host(t, nil)
	raw, err := r.Open(transport.Info{Path: "raw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	in := make(chan []byte, 64)
	go func() {
		defer close(in)
		for {
			buf := make([]byte, hidpp.MaxLen)
			n, err := raw.Read(buf)
			if err != nil {
				return
			}
			in <- buf[:n]
		}
	}()
	return r, raw, in
}

// writeHex writes one report given in hex.
func writeHex(t *testing.T, c *emulator.Conn, s string) {
	t.Helper()
	b, err := hidpp.DecodeHex(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
}

// next returns the next report read, or fails after a second.
func next(t *testing.T, in <-chan []byte) string {
	t.Helper()
	select {
	case b := <-in:
		rep, err := hidpp.Parse(b)
		if err != nil {
			t.Fatalf("read % x: %v", b, err)
		}
		return rep.String()
	case <-time.After(time.Second):
		t.Fatal("no report within a second")
	}
	return ""
}

func TestReceiver_DuplicateReplies(t *testing.T) {
	r, raw, in := rawHost(t)
	const (
		count   = "10 ff 81 02 00 03 00"
		fw      = "10 ff 81 f1 01 24 11"
		bootldr = "10 ff 81 f1 04 02 09"
	)
	r.DuplicateReplies(1)
	writeHex(t, raw, "10 ff 81 02 00 00 00")
	writeHex(t, raw, "10 ff 81 f1 01 00 00")
	writeHex(t, raw, "10 ff 81 f1 04 00 00")
	// The first reply twice, then one of each: the fault counts replies.
	for i, want := range []string{count, count, fw, bootldr} {
		if got := next(t, in); got != want {
			t.Errorf("report %d = %s, want %s", i, got, want)
		}
	}

	// Through a HID++ connection the copy is not a reply: it goes to the
	// subscribers, and the next request gets its own answer.
	r2, c := host(t, nil)
	events, cancel := c.Subscribe()
	defer cancel()
	r2.DuplicateReplies(1)
	if _, err := request(t, c, "10 ff 81 02 00 00 00"); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-events:
		if ev.String() != count {
			t.Errorf("the copy = %s, want %s", ev, count)
		}
	case <-time.After(time.Second):
		t.Fatal("the copy of the reply did not reach the subscriber")
	}
	rep, err := request(t, c, "10 ff 81 f1 01 00 00")
	if err != nil || rep.String() != fw {
		t.Errorf("request after the copy = %s, %v; want %s", rep, err, fw)
	}
	if s := c.Stats(); s.Replies != 2 || s.Notifications != 1 {
		t.Errorf("Stats() = %+v, want 2 replies and 1 notification", s)
	}
}

func TestReceiver_MisaddressReplies(t *testing.T) {
	tests := []struct {
		name string
		how  emulator.Misaddress
		req  string // software ID 6 in HID++ 2.0 requests
		want string // the reply as sent
	}{
		{"2.0 reply, software ID", emulator.WrongSoftwareID, "10 01 05 06 00 00 00",
			"11 01 05 07 50 46 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"2.0 reply, device", emulator.WrongDevice, "10 01 05 06 00 00 00",
			"11 02 05 06 50 46 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"2.0 reply, both", emulator.WrongSoftwareID | emulator.WrongDevice, "10 01 05 06 00 00 00",
			"11 02 05 07 50 46 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"software ID 15 wraps to 1", emulator.WrongSoftwareID, "10 01 05 0f 00 00 00",
			"11 01 05 01 50 46 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"2.0 error report, software ID", emulator.WrongSoftwareID, "10 02 0b 06 00 00 00",
			"11 02 ff 0b 07 06 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
		{"1.0 error to a ping, software ID", emulator.WrongSoftwareID, "10 03 00 16 00 00 5a",
			"10 03 8f 00 17 01 00"},
		{"1.0 register reply has no software ID", emulator.WrongSoftwareID, "10 03 81 0d 00 00 00",
			"10 03 81 0d 64 47 34"},
		{"1.0 register reply, device", emulator.WrongDevice, "10 03 81 0d 00 00 00",
			"10 04 81 0d 64 47 34"},
		{"receiver reply, device", emulator.WrongDevice, "10 ff 81 02 00 00 00",
			"10 01 81 02 00 03 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, raw, in := rawHost(t)
			r.MisaddressReplies(1, tt.how)
			writeHex(t, raw, tt.req)
			if got := next(t, in); got != tt.want {
				t.Errorf("reply to %s = %s, want %s", tt.req, got, tt.want)
			}
			// Only one: the same request is answered properly now.
			writeHex(t, raw, tt.req)
			got := next(t, in)
			req, _ := hidpp.ParseHex(tt.req)
			if rep, _ := hidpp.ParseHex(got); !hidpp.Matches(&req, &rep) {
				t.Errorf("second reply to %s = %s, want a matching one", tt.req, got)
			}
		})
	}

	// A HID++ connection waits for the real reply in vain.
	r, c := host(t, nil)
	r.MisaddressReplies(2, emulator.WrongSoftwareID|emulator.WrongDevice)
	for _, req := range []string{"10 01 05 06 00 00 00", "10 03 81 0d 00 00 00"} {
		if _, err := request(t, c, req); !errors.Is(err, hidpp.ErrTimeout) {
			t.Errorf("misaddressed reply to %s: err = %v, want ErrTimeout", req, err)
		}
	}
	if _, err := request(t, c, "10 01 05 06 00 00 00"); err != nil {
		t.Errorf("after the fault: %v", err)
	}
	r.MisaddressReplies(5, emulator.WrongDevice)
	r.MisaddressReplies(0, 0)
	if _, err := request(t, c, "10 01 05 06 00 00 00"); err != nil {
		t.Errorf("after clearing the fault: %v", err)
	}
}

func TestReceiver_DisconnectMidRequest(t *testing.T) {
	r, c := host(t, nil)
	events, cancel := c.Subscribe()
	defer cancel()
	if err := r.DisconnectMidRequest(9); err == nil {
		t.Error("DisconnectMidRequest(9) on an empty slot did not fail")
	}
	if _, err := request(t, c, "10 ff 80 00 00 09 00"); err != nil { // wireless notifications on
		t.Fatal(err)
	}
	if err := r.DisconnectMidRequest(2); err != nil {
		t.Fatal(err)
	}
	// Other devices are not affected.
	if _, err := request(t, c, "10 01 00 16 00 00 5a"); err != nil {
		t.Fatalf("ping of another device: %v", err)
	}
	t0 := time.Now()
	if _, err := request(t, c, "10 02 00 16 00 00 5a"); !errors.Is(err, hidpp.ErrTimeout) {
		t.Errorf("request during the disconnection: err = %v after %v, want ErrTimeout", err, time.Since(t0))
	}
	select {
	case ev := <-events:
		if ev.String() != "10 02 41 04 61 02 40" {
			t.Errorf("notification = %s, want the K750's link down 10 02 41 04 61 02 40", ev)
		}
	case <-time.After(time.Second):
		t.Fatal("no link-down notification")
	}
	if _, err := request(t, c, "10 02 00 16 00 00 5a"); !errors.Is(err, hidpp.ErrOffline) {
		t.Errorf("request after the disconnection: err = %v, want ErrOffline", err)
	}
	if err := r.SetOnline(2, true); err != nil {
		t.Fatal(err)
	}
	if _, err := request(t, c, "10 02 00 16 00 00 5a"); err != nil {
		t.Errorf("request once back in range: %v", err)
	}

	// A fault set on a device out of range waits for it to come back.
	r.SetOnline(3, false)
	r.DisconnectMidRequest(3)
	if _, err := request(t, c, "10 03 81 0d 00 00 00"); !errors.Is(err, hidpp.ErrOffline) {
		t.Errorf("request while away: err = %v, want ErrOffline", err)
	}
	r.SetOnline(3, true)
	if _, err := request(t, c, "10 03 81 0d 00 00 00"); !errors.Is(err, hidpp.ErrTimeout) {
		t.Errorf("first request once back: err = %v, want ErrTimeout", err)
	}
}
