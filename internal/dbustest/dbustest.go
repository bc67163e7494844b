// Package dbustest runs a private D-Bus daemon for tests, so that no test
// touches the user's session bus or the system bus: the export's tests, and
// the tests that point the real upower command at Helio.
package dbustest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helio-linux/helio/internal/proctest"
)

// Start starts a private dbus-daemon with a session bus's permissive
// policy (anyone may own any name, org.freedesktop.UPower included),
// except that no one may own the names in deny, and returns its address.
// The daemon is stopped when the test ends. The test is skipped where
// dbus-daemon is not installed.
func Start(t testing.TB, deny ...string) string {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Skip("dbus-daemon is not installed (apt-get install dbus-daemon)")
	}
	dir := t.TempDir()
	var policy strings.Builder
	for _, name := range deny {
		fmt.Fprintf(&policy, "    <deny own=%q/>\n", name)
	}
	config := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(config, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=`+filepath.Join(dir, "bus")+`</listen>
  <auth>EXTERNAL</auth>
  <!-- The limits of a desktop session bus (Debian's session.conf): a
       client may send a service messages of up to a gigabyte. -->
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
`+policy.String()+`  </policy>
</busconfig>
`), 0o644); err != nil {
		t.Fatal(err)
	}
	p := proctest.Start(t, exec.Command("dbus-daemon", "--config-file="+config, "--nofork", "--print-address=1"))
	return p.WaitLine(10*time.Second, "its address", func(l string) bool { return strings.HasPrefix(l, "unix:") })
}
