package hostile

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/internal/dbustest"
	"github.com/helio-linux/helio/internal/proctest"
	"github.com/helio-linux/helio/upower"
)

// TestExport_LargeMessages: four clients on the session bus sending the
// export 120 MB arguments at once cost it that memory only while the
// messages are read: a second later it is back near its idle footprint.
// (The bus is set up as a desktop session's, which takes messages of up to
// a gigabyte.)
func TestExport_LargeMessages(t *testing.T) {
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Skip("no dbus-daemon")
	}
	if testing.Short() {
		t.Skip("sends 480 MB over D-Bus")
	}
	addr := dbustest.Start(t)
	dir := t.TempDir()
	cmd := exec.Command(helio, "--backend", "sim", "export", "--bus-address", addr)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_STATE_HOME=" + dir, "XDG_CACHE_HOME=" + dir}
	p := proctest.Start(t, cmd)
	c, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var paths []dbus.ObjectPath
		if c.Object(upower.DefaultOpts.Name, upower.Path).Call(upower.Interface+".EnumerateDevices", 0).Store(&paths) == nil && len(paths) == 3 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the export never listed 3 devices: %s", p.Output())
		}
	}
	idle := statusKiB(p.Cmd.Process.Pid, "VmRSS:")
	big := strings.Repeat("x", 120<<20)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			c, err := dbus.Connect(addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			// The wrong arguments: the export reads all of them, and refuses.
			c.Object(upower.DefaultOpts.Name, upower.Path).Call(upower.Interface+".EnumerateDevices", 0, big)
		})
	}
	wg.Wait()
	var rss int
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if rss = statusKiB(p.Cmd.Process.Pid, "VmRSS:"); rss < idle+16<<10 {
			break
		}
	}
	t.Logf("the export: %d MiB idle, %d MiB after 4 messages of 120 MB", idle>>10, rss>>10)
	if rss >= idle+16<<10 {
		t.Errorf("after 4 messages of 120 MB the export holds %d MiB, idle %d MiB", rss>>10, idle>>10)
	}
	if p.Stderr() != "" {
		t.Errorf("the export said %q", p.Stderr())
	}
}
