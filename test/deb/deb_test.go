// Package deb tests Helio's Debian package as a user installs it: "apt-get
// install ./helio_*.deb" on this machine, Helio run from it, then "apt-get
// purge", after which nothing of the package may be left. It needs root and
// changes the machine's packages for the time of the test: "make
// deb-test" runs it, on the package "make deb" built.
package deb

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var debFile = flag.String("deb", "", "the package to test (make deb-test passes bin/helio_*.deb); without it, the test runs make deb")

// run runs a command and returns its combined output; a failure fails the
// test.
func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// installed reports whether dpkg has the package installed, or any trace
// of it (its conffiles after a remove without purge).
func installed(name string) bool {
	out, err := exec.Command("dpkg-query", "-W", "-f=${db:Status-Abbrev}", name).Output()
	return err == nil && strings.TrimSpace(string(out)) != "un" && len(bytes.TrimSpace(out)) > 0
}

// contents lists the files (not the directories) a package holds, as
// absolute paths.
func contents(t *testing.T, deb string) []string {
	t.Helper()
	var files []string
	sc := bufio.NewScanner(strings.NewReader(run(t, nil, "dpkg-deb", "--contents", deb)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || strings.HasPrefix(f[0], "d") {
			continue
		}
		files = append(files, strings.TrimPrefix(f[5], "."))
	}
	if len(files) == 0 {
		t.Fatalf("%s holds no file", deb)
	}
	return files
}

var apt = []string{"-y", "-q", "-o", "DPkg::Lock::Timeout=600"}

// TestPackage installs the package, runs Helio from it, purges it and
// checks that nothing is left: no file, no conffile, no dpkg record.
func TestPackage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("installing a Debian package needs root: run make deb-test as root, as CI does")
	}
	deb := *debFile
	if deb == "" {
		if testing.Short() {
			t.Skip("building the package takes minutes: make deb-test builds and tests it")
		}
		make := exec.Command("make", "--no-print-directory", "deb")
		make.Dir = "../.."
		if out, err := make.CombinedOutput(); err != nil {
			t.Fatalf("make deb: %v\n%s", err, out)
		}
		matches, _ := filepath.Glob("../../bin/helio_*.deb")
		if len(matches) != 1 {
			t.Fatalf("make deb made %v, want one package", matches)
		}
		deb = matches[0]
	}
	deb, _ = filepath.Abs(deb)
	if installed("helio") {
		t.Fatal("a helio package is installed on this machine: the test would remove it; remove it first (apt-get purge helio)")
	}
	files := contents(t, deb)
	for _, f := range files {
		if _, err := os.Lstat(f); err == nil {
			t.Fatalf("%s exists before the package is installed: the test could not tell whether the purge left it", f)
		}
	}
	noninteractive := []string{"DEBIAN_FRONTEND=noninteractive"}
	t.Cleanup(func() {
		if installed("helio") {
			exec.Command("apt-get", append(append([]string{}, apt...), "purge", "helio")...).Run()
		}
	})
	run(t, noninteractive, "apt-get", append(append([]string{}, apt...), "install", "--no-install-recommends", deb)...)
	if out, _ := exec.Command("dpkg-query", "-W", "-f=${Status}", "helio").Output(); string(out) != "install ok installed" {
		t.Fatalf("after apt-get install, dpkg says %q", out)
	}
	for _, f := range files {
		if _, err := os.Lstat(f); err != nil {
			t.Errorf("installed, but %v", err)
		}
	}

	// Helio from the package, in a home of its own.
	home := t.TempDir()
	env := []string{"HOME=" + home, "XDG_CACHE_HOME=" + home + "/cache", "XDG_CONFIG_HOME=" + home + "/config",
		"XDG_STATE_HOME=" + home + "/state", "DISPLAY=", "WAYLAND_DISPLAY=", "HELIO_BACKEND="}
	out := run(t, env, "/usr/bin/helio", "--backend", "sim", "query")
	for _, want := range []string{"Unifying receiver c52b, serial E0662192", "Wireless Solar Keyboard K750", "57 %, 12 lux, discharging",
		"MX Master 3 Wireless Mouse", "80 %, discharging", "M705"} {
		if !strings.Contains(out, want) {
			t.Errorf("helio --backend sim query lacks %q:\n%s", want, out)
		}
	}
	t.Logf("helio --backend sim query, from the package:\n%s", out)
	if out := run(t, env, "/usr/bin/helio", "--backend", "sim", "metrics"); !strings.Contains(out, `helio_light_lux{family="Unifying",kind="keyboard",name="Wireless Solar Keyboard K750"`) {
		t.Errorf("helio --backend sim metrics:\n%s", out)
	}
	run(t, env, "/usr/bin/helio-window", "--help") // its libraries are there
	if out := run(t, nil, "man", "-w", "helio"); !strings.HasPrefix(out, "/usr/share/man/man1/helio.1") {
		t.Errorf("man -w helio = %q", out)
	}
	if _, err := exec.LookPath("systemd-analyze"); err == nil {
		run(t, nil, "systemd-analyze", "verify", "/usr/lib/systemd/system/helio-metrics.service", "/usr/lib/systemd/system/helio-metrics.timer")
	}

	run(t, noninteractive, "apt-get", append(append([]string{}, apt...), "purge", "helio")...)
	if installed("helio") {
		out, _ := exec.Command("dpkg", "-s", "helio").CombinedOutput()
		t.Errorf("after apt-get purge, dpkg still knows helio:\n%s", out)
	}
	for _, f := range append(files, "/var/cache/helio", "/usr/share/doc/helio") {
		if _, err := os.Lstat(f); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("left after the purge: %s (%v)", f, err)
		}
	}
}
