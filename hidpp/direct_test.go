package hidpp_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/syncbuf"
	"github.com/helio-linux/helio/transport"
)

// bluetoothMouse is the node of an MX Master 3 on Bluetooth: a device's
// own, declaring only the long report.
var bluetoothMouse = transport.Info{Backend: "fake", Path: "/dev/fake-bt", VendorID: 0x046D, ProductID: 0xB023,
	Bus: transport.BusBluetooth, Uniq: "d1:e2:f3:04:15:26", LongOnly: true}

func newDirect(t *testing.T, info transport.Info, respond func([]byte) [][]byte, opts *hidpp.Opts) (*fakeTransport, *hidpp.Conn) {
	t.Helper()
	f := newFake(respond)
	f.info = &info
	return f, newConn(t, f, opts)
}

// TestConn_LongOnly: on a node without the short report every request
// goes out long, with the short one's header and parameters; on one with
// it, as it was built.
func TestConn_LongOnly(t *testing.T) {
	tests := []struct {
		name     string
		longOnly bool
		want     string
	}{
		{"long only", true, pad20("11 FF 00 16 00 00 01")},
		{"short report declared", false, "10 FF 00 16 00 00 01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := bluetoothMouse
			info.LongOnly = tt.longOnly
			f, c := newDirect(t, info, scripted(map[string][]string{
				pad20("11 FF 00 16 00 00 01"): {pad20("11 FF 00 16 04 05 01")},
				"10 FF 00 16 00 00 01":        {pad20("11 FF 00 16 04 05 01")},
			}), slowOpts)
			p, err := hidpp.NewDevice(c, hidpp.ReceiverIndex, nil).Ping(context.Background())
			if err != nil || p != (hidpp.Protocol{Major: 4, Minor: 5}) {
				t.Fatalf("Ping() = %v, %v; want 4.5", p, err)
			}
			if w := f.writeLog(); len(w) != 1 || w[0] != tt.want {
				t.Errorf("written %q, want %q", w, tt.want)
			}
			if err := c.Send(hidpp.Short(0xFF, 0x80, 0x00, 0x10)); err != nil {
				t.Fatal(err)
			}
			if w := f.writeLog(); len(w) != 2 || len(hx(w[1])) != map[bool]int{true: 20, false: 7}[tt.longOnly] {
				t.Errorf("Send wrote %q", w[len(w)-1])
			}
		})
	}
}

// TestConn_DirectIndexZero: a HID++ 1.0 device on its own node may answer
// a request to 0xFF on index 0x00, as Solaar accepts (the index XOR 0xFF);
// its events on 0x00 are the device's too. On a receiver's node a reply on
// 0x00 answers nothing.
func TestConn_DirectIndexZero(t *testing.T) {
	script := scripted(map[string][]string{
		pad20("11 FF 81 0D 00 00 00"): {pad20("11 00 81 0D 64 47 34")},
		"10 FF 81 0D 00 00 00":        {"10 00 81 0D 64 47 34"},
	})
	f, c := newDirect(t, bluetoothMouse, script, slowOpts)
	events, cancel := c.Subscribe()
	defer cancel()
	v, err := hidpp.NewDevice(c, hidpp.ReceiverIndex, nil).ReadRegister(context.Background(), 0x0D)
	if err != nil || v[0] != 0x64 {
		t.Fatalf("ReadRegister(0x0D) on a Bluetooth node = % X, %v; want 64 47 34", v, err)
	}
	f.push(long20("11 00 08 00 50 00 00"))
	if ev := recv(t, events); ev.Device() != hidpp.ReceiverIndex || ev.SubID() != 0x08 {
		t.Errorf("an event on index 0 reached subscribers as %v, want on index 0xFF", ev)
	}

	rc := newConn(t, newFake(script), fastOpts)
	if _, err := hidpp.NewDevice(rc, hidpp.ReceiverIndex, nil).ReadRegister(context.Background(), 0x0D); !errors.Is(err, hidpp.ErrTimeout) {
		t.Errorf("a reply on index 0 matched a receiver request: %v", err)
	}
}

// TestConn_DirectTimeout: index 0xFF on a device's own node is a device
// over the radio, given the device's timeout, not the receiver's.
func TestConn_DirectTimeout(t *testing.T) {
	opts := &hidpp.Opts{ReceiverTimeout: 20 * time.Millisecond, DeviceTimeout: 400 * time.Millisecond}
	f, c := newDirect(t, bluetoothMouse, nil, opts)
	go func() {
		time.Sleep(150 * time.Millisecond)
		f.push(long20("11 FF 00 16 04 05 01"))
	}()
	if p, err := hidpp.NewDevice(c, hidpp.ReceiverIndex, nil).Ping(context.Background()); err != nil || p.Major != 4 {
		t.Errorf("Ping() of a device answering after 150 ms = %v, %v; want 4.5", p, err)
	}
}

// TestConn_DirectDebugLog: --debug names the device on its own node, not
// a receiver, for reports on index 0xFF, and shows what was sent: the long
// form of a short request.
func TestConn_DirectDebugLog(t *testing.T) {
	var buf syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFake(scripted(map[string][]string{pad20("11 FF 00 16 00 00 01"): {pad20("11 FF 00 16 04 05 01")}}))
	info := bluetoothMouse
	f.info = &info
	c := newConn(t, f, &hidpp.Opts{Logger: log, DeviceTimeout: 5 * time.Second})
	if _, err := hidpp.NewDevice(c, hidpp.ReceiverIndex, nil).Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"11 ff 00 16 00 00 01 00", "the device on its own node", "HID++ 4.5"} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log %q, want it to contain %q", out, want)
		}
	}
	if strings.Contains(out, "receiver") {
		t.Errorf("debug log %q calls the Bluetooth device a receiver", out)
	}
}
