package cli

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// completionScript runs `helio completion shell` in-process and saves the
// script in a temporary file, whose path it returns with the script.
func completionScript(t *testing.T, shell string) (path, script string) {
	t.Helper()
	out, errs, code := run(t, "", "completion", shell)
	if code != 0 || errs != "" {
		t.Fatalf("helio completion %s: exit %d, stderr %q", shell, code, errs)
	}
	path = filepath.Join(t.TempDir(), "helio."+shell)
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, out
}

// needShell skips the test when shell is not installed.
func needShell(t *testing.T, shell string) {
	t.Helper()
	if _, err := exec.LookPath(shell); err != nil {
		t.Skipf("%s is not installed (apt-get install %s): its completion script is not checked", shell, shell)
	}
}

// runShell runs a shell command line and returns its standard output; any
// output on standard error fails the test.
func runShell(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LC_ALL=C"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil || errb.Len() > 0 {
		t.Fatalf("%s: %v\nstderr:\n%s", strings.Join(args[:2], " "), err, errb.String())
	}
	return out.String()
}

func TestCompletion_Registered(t *testing.T) {
	if find("completion") != completionCmd {
		t.Fatal("the completion command is not in the command list")
	}
}

func TestCompletion_Usage(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		out, errs, code := run(t, "", args...)
		if code != ExitUsage || out != "" || !strings.Contains(errs, "bash") {
			t.Errorf("helio %v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

// TestCompletion_Syntax: every script parses in its shell.
func TestCompletion_Syntax(t *testing.T) {
	for _, tt := range []struct {
		shell string
		check []string
	}{
		{"bash", []string{"bash", "-n"}},
		{"zsh", []string{"zsh", "-n"}},
		{"fish", []string{"fish", "--no-execute"}},
	} {
		t.Run(tt.shell, func(t *testing.T) {
			needShell(t, tt.shell)
			path, _ := completionScript(t, tt.shell)
			runShell(t, "", append(tt.check, path)...)
		})
	}
}

// TestCompletion_Everything: each script names every command and every
// option of each, from the live command list.
func TestCompletion_Everything(t *testing.T) {
	for shell := range completionShells {
		_, script := completionScript(t, shell)
		for _, c := range commands {
			if !strings.Contains(script, c.name) {
				t.Errorf("%s script lacks the command %s", shell, c.name)
			}
			fs, _ := newFlagSet(c, &app{})
			fs.VisitAll(func(f *flag.Flag) {
				if !strings.Contains(script, "--"+f.Name) && !strings.Contains(script, "-l "+f.Name) {
					t.Errorf("%s script lacks %s's option --%s", shell, c.name, f.Name)
				}
			})
		}
		for _, w := range backendWords {
			if !strings.Contains(script, w) {
				t.Errorf("%s script lacks the backend %s", shell, w)
			}
		}
	}
}

// completionCases are command lines, as typed up to the cursor, and what
// completing the last word must offer. The working directory holds
// my.json.
var completionCases = []struct {
	line string
	want []string
}{
	{"helio qu", []string{"query"}},
	{"helio --backend ", []string{"hidapi", "hidraw", "libusb", "sim"}},
	{"helio --backend li", []string{"libusb"}},
	{"helio --backend sim qu", []string{"query"}},
	{"helio --debug --backend=sim qu", []string{"query"}},
	{"helio query --js", []string{"--json"}},
	{"helio query --backend h", []string{"hidapi", "hidraw"}},
	{"helio --no-", []string{"--no-cache"}},
	{"helio sim --check m", []string{"my.json"}},
	{"helio sim --print ", []string{"bluetooth", "bluetooth-3s", "bolt", "default", "lightspeed", "nano"}},
	{"helio sim --u", []string{"--udc", "--uhid", "--usb"}},
	{"helio sim --us", []string{"--usb"}},
	{"helio help qu", []string{"query"}},
	{"helio completion ", []string{"bash", "fish", "zsh"}},
}

// words splits a command line into words, with an empty last word when the
// line ends in a space.
func words(line string) []string { return strings.Split(line, " ") }

// TestCompletion_Bash sources the bash script and calls its function as
// bash's programmable completion does.
func TestCompletion_Bash(t *testing.T) {
	needShell(t, "bash")
	path, _ := completionScript(t, "bash")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "my.json"), []byte("{}"), 0o644)
	const driver = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _helio; printf '%s\n' "${COMPREPLY[@]}"`
	for _, tt := range append(completionCases,
		struct {
			line string
			want []string
		}{"helio --backend = ", []string{"hidapi", "hidraw", "libusb", "sim"}}, // --backend=<TAB>, split at "="
	) {
		ws := words(tt.line)
		if tt.line == "helio --debug --backend=sim qu" { // bash splits at "="
			ws = []string{"helio", "--debug", "--backend", "=", "sim", "qu"}
		}
		out := runShell(t, dir, append([]string{"bash", "--norc", "--noprofile", "-c", driver, "bash", path}, ws...)...)
		if got := sortedLines(out); !slices.Equal(got, tt.want) {
			t.Errorf("bash completes %q to %q, want %q", tt.line, got, tt.want)
		}
	}
}

// TestCompletion_Zsh runs the zsh function with the completion system's
// builtins replaced by functions that print what they would offer.
func TestCompletion_Zsh(t *testing.T) {
	needShell(t, "zsh")
	path, _ := completionScript(t, "zsh")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "my.json"), []byte("{}"), 0o644)
	const driver = `
compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }
_files() { print -l -- ${PREFIX:-$cur}*(N); }
_describe() { local it; for it in "${(@P)${@[-1]}}"; do print -- "${it%%:*}"; done; }
compset() { PREFIX=${cur#*=}; }
compdef() { :; }
source "$1"; shift; words=("$@"); CURRENT=$#; _helio`
	for _, tt := range completionCases {
		out := runShell(t, dir, append([]string{"zsh", "-f", "-c", driver, "zsh", path}, words(tt.line)...)...)
		got := filterPrefix(sortedLines(out), lastWord(tt.line))
		if !slices.Equal(got, tt.want) {
			t.Errorf("zsh completes %q to %q, want %q", tt.line, got, tt.want)
		}
	}
}

// TestCompletion_Fish asks fish itself what it completes, with
// `complete -C`.
func TestCompletion_Fish(t *testing.T) {
	needShell(t, "fish")
	path, _ := completionScript(t, "fish")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "my.json"), []byte("{}"), 0o644)
	for _, tt := range completionCases {
		out := runShell(t, dir, "fish", "--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, path, tt.line)
		var got []string
		for _, l := range sortedLines(out) {
			l, _, _ = strings.Cut(l, "\t")
			got = append(got, strings.TrimPrefix(l, "--backend="))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("fish completes %q to %q, want %q", tt.line, got, tt.want)
		}
	}
}

func sortedLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

func lastWord(line string) string {
	ws := words(line)
	w := ws[len(ws)-1]
	if i := strings.Index(w, "="); i >= 0 && strings.HasPrefix(w, "-") {
		w = w[i+1:]
	}
	return w
}

// filterPrefix keeps the words that start with prefix, as the shell does
// with what a completion function offers.
func filterPrefix(ws []string, prefix string) []string {
	var out []string
	for _, w := range ws {
		if strings.HasPrefix(w, prefix) {
			out = append(out, w)
		}
	}
	return out
}
