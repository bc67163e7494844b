// Package layers keeps Helio's dependencies pointing down: its test ranks
// every package of the module and fails when one imports a higher one, or
// when a program links a package that exists for tests.
package layers

import (
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/helio-linux/helio"

// layers ranks every package of the product, bottom first, as the README's
// map draws them: transports, the wire protocol, receivers and devices (and
// the emulator, which speaks the protocol from the device side), readings
// and history, the front ends and what only they use, then the programs.
// A package may import packages of its own rank or lower, never higher.
var layers = [][]string{
	{"transport", "transport/hidraw", "transport/hidapi", "transport/libusb", "transport/backends",
		"transport/transporttest", "transport/uevent", "internal/config", "internal/syncbuf", "internal/proctest", "internal/escape", "internal/safefile"},
	{"hidpp"},
	{"unifying", "emulator", "emulator/uhid", "emulator/gadget", "emulator/emulatortest"},
	{"sensors", "sensors/history"},
	{"assets", "notify", "notify/notifytest", "tray", "upower", "metrics", "internal/bus", "internal/chart", "internal/dbustest"},
	{"internal/window", "internal/resident"},
	{"internal/cli", "cmd/helio-window", ""},
}

// testOnly are packages that exist for tests: no program may link them.
var testOnly = []string{"transport/transporttest", "emulator/emulatortest", "notify/notifytest", "internal/dbustest",
	"internal/syncbuf", "internal/proctest"}

type listed struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func goList(t *testing.T, args ...string) []listed {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(gobin, append([]string{"list", "-json"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	var pkgs []listed
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func rel(path string) (string, bool) {
	if path == module {
		return "", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

// TestLayers fails when a package imports one above it, when a package is
// missing from the table, or when a program links a test-only package or
// anything under test/.
func TestLayers(t *testing.T) {
	rank := map[string]int{}
	for i, l := range layers {
		for _, p := range l {
			rank[p] = i
		}
	}
	for _, p := range goList(t, module+"/...") {
		from, _ := rel(p.ImportPath)
		if strings.HasPrefix(from, "test/") {
			continue // the test rigs sit above everything
		}
		r, ok := rank[from]
		if !ok {
			t.Errorf("package %q is in no layer: add it to the table in layers_test.go", from)
			continue
		}
		for _, imp := range p.Imports {
			to, mine := rel(imp)
			if !mine {
				continue
			}
			switch ir, ok := rank[to]; {
			case strings.HasPrefix(to, "test/"):
				t.Errorf("%s imports the test rig %s", from, to)
			case !ok:
				t.Errorf("%s imports %s, which is in no layer", from, to)
			case ir > r:
				t.Errorf("%s (layer %d) imports %s (layer %d): dependencies point down only", from, r, to, ir)
			}
		}
	}
	for _, prog := range goList(t, module, module+"/cmd/helio-window") {
		for _, p := range goList(t, "-deps", prog.ImportPath) {
			dep, mine := rel(p.ImportPath)
			if mine && (slices.Contains(testOnly, dep) || strings.HasPrefix(dep, "test/")) {
				t.Errorf("the program %s links %s, which exists for tests", prog.ImportPath, dep)
			}
		}
	}
}

// TestLayers_NoGLInTray: only the window links fyne's GL driver; helio
// itself (the tray, the CLI) never does, so the resident process loads no
// GL library.
func TestLayers_NoGLInTray(t *testing.T) {
	for _, p := range goList(t, "-deps", module) {
		if strings.HasPrefix(p.ImportPath, "fyne.io/fyne/v2") || strings.HasPrefix(p.ImportPath, "github.com/go-gl/") {
			t.Errorf("helio links %s: only helio-window may load fyne's GL driver", p.ImportPath)
		}
	}
}
