package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/helio-linux/helio/emulator"
	"github.com/helio-linux/helio/internal/escape"
)

var completionCmd = &command{
	name: "completion", args: "bash|zsh|fish",
	summary: "print a shell completion script",
	help: `Prints a script that completes Helio's commands, their options and the
values of --backend (and, for sim, the built-in profile names and files)
in the given shell. It is made from this helio's own commands, so it is
never out of date with the binary that printed it.

Install it:
  bash  helio completion bash > ~/.local/share/bash-completion/completions/helio
        (or, for this shell only: source <(helio completion bash))
  zsh   helio completion zsh > "${fpath[1]}/_helio"   (then start a new shell)
        (or, after compinit: source <(helio completion zsh))
  fish  helio completion fish > ~/.config/fish/completions/helio.fish

Examples:
  helio completion bash
  source <(helio completion zsh)`,
	bind: noOptions(runCompletion),
}

// completionShells are the shells `helio completion` writes for, each with
// its writer.
var completionShells = map[string]func(w io.Writer, m completionModel){
	"bash": writeBashCompletion,
	"zsh":  writeZshCompletion,
	"fish": writeFishCompletion,
}

func runCompletion(_ context.Context, a *app, args []string) error {
	if len(args) != 1 {
		return exitf(ExitUsage, "completion takes one shell: bash, zsh or fish")
	}
	write, ok := completionShells[args[0]]
	if !ok {
		return exitf(ExitUsage, "no completion for shell %s; the shells are bash, zsh and fish", escape.Quote(args[0]))
	}
	var b strings.Builder
	write(&b, newCompletionModel())
	if _, err := io.WriteString(a.env.Stdout, b.String()); err != nil {
		return fmt.Errorf("writing the %s completion script: %w", args[0], err)
	}
	return nil
}

// completionFlag is one option as completion offers it.
type completionFlag struct {
	name    string   // without dashes
	usage   string   // one line, for shells that show descriptions
	value   bool     // takes a value (is not a bool flag)
	words   []string // the values it takes, when they are a fixed list
	files   bool     // its value may be a file name
	command bool     // the command's own, not one of the global options
}

// completionCommand is one command, its options and the words its
// arguments may be.
type completionCommand struct {
	name, summary string
	flags         []completionFlag // global options first, then the command's
	args          []string
}

// completionModel is everything the scripts complete.
type completionModel struct {
	global   []completionFlag
	commands []completionCommand
}

// backendWords are the --backend values completed; sim:NAME and
// sim:FILE.json are left to the user.
var backendWords = []string{"hidraw", "hidapi", "libusb", "sim"}

// newCompletionModel walks the live command list and each command's flag
// set, as Main builds it.
func newCompletionModel() completionModel {
	a := &app{}
	top := flag.NewFlagSet("helio", flag.ContinueOnError)
	a.g.register(top)
	var m completionModel
	global := map[string]bool{}
	top.VisitAll(func(f *flag.Flag) {
		global[f.Name] = true
		m.global = append(m.global, completionFlagOf(f, false))
	})
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
		cc := completionCommand{name: c.name, summary: c.summary, flags: slices.Clone(m.global)}
		fs, _ := newFlagSet(c, a)
		fs.VisitAll(func(f *flag.Flag) {
			if !global[f.Name] {
				cc.flags = append(cc.flags, completionFlagOf(f, true))
			}
		})
		if c.name == "completion" {
			cc.args = slices.Sorted(func(yield func(string) bool) {
				for sh := range completionShells {
					if !yield(sh) {
						return
					}
				}
			})
		}
		m.commands = append(m.commands, cc)
	}
	m.commands = append(m.commands, completionCommand{name: "help", summary: "explain a command",
		flags: slices.Clone(m.global), args: names})
	return m
}

func completionFlagOf(f *flag.Flag, own bool) completionFlag {
	placeholder, usage := flag.UnquoteUsage(f)
	cf := completionFlag{name: f.Name, usage: usage, command: own, value: true}
	if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
		cf.value = false
	}
	switch {
	case f.Name == "backend":
		cf.words = backendWords
	case placeholder == "FILE", placeholder == "DIR":
		cf.files = true
	case placeholder == "NAME":
		cf.words = emulator.Builtin()
		cf.files = mentionsFile.MatchString(usage)
	}
	return cf
}

// mentionsFile matches a usage that says the value may be a file.
var mentionsFile = regexp.MustCompile(`(?i)\bfiles?\b`)

// valueFlags are the flags of fs that take a value.
func valueFlags(fs []completionFlag) []completionFlag {
	var out []completionFlag
	for _, f := range fs {
		if f.value {
			out = append(out, f)
		}
	}
	return out
}

// dashed is "--name", the form the scripts offer.
func (f completionFlag) dashed() string { return "--" + f.name }

// pattern is a shell case pattern for both forms Go's flag package takes.
func (f completionFlag) pattern() string { return "--" + f.name + "|-" + f.name }

func flagNames(fs []completionFlag) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.dashed())
	}
	return append(out, "--help")
}

// plainWord matches words safe to put in a script without quoting.
var plainWord = regexp.MustCompile(`^[A-Za-z0-9_.:+=,/-]+$`)

// shellWords joins words for a shell word list, dropping any that would
// need quoting (none of Helio's do).
func shellWords(words []string) string {
	var out []string
	for _, w := range words {
		if plainWord.MatchString(w) {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// singleQuote quotes s for bash and zsh: in single quotes, each quote in s
// closed, escaped with a backslash and reopened. Fish reads backslashes
// inside single quotes: see fishQuote.
func singleQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// fishQuote quotes s for fish: '...', with \ and ' escaped by a backslash.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// firstLine is s up to its first newline.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// writeBashCompletion writes a bash script that defines _helio and binds it
// to helio with `complete -F`. It needs nothing from the bash-completion
// package.
func writeBashCompletion(w io.Writer, m completionModel) {
	var cmdNames []string
	for _, c := range m.commands {
		cmdNames = append(cmdNames, c.name)
	}
	fmt.Fprintf(w, `# bash completion for helio, made by "helio completion bash".
# Use it with: source <(helio completion bash)
# or save it as ~/.local/share/bash-completion/completions/helio

_helio() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= i w
    (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}
    # "--backend=x": bash splits the word at "=".
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = ]] && (( COMP_CWORD > 1 )); then
        prev=${COMP_WORDS[COMP_CWORD-2]}
    fi
    # The command is the first word that is neither an option nor its value.
    for (( i = 1; i < COMP_CWORD; i++ )); do
        w=${COMP_WORDS[i]}
        case $w in
`)
	if vf := valueFlags(m.global); len(vf) > 0 {
		var pats []string
		for _, f := range vf {
			pats = append(pats, f.pattern())
		}
		fmt.Fprintf(w, "            %s)\n                [[ ${COMP_WORDS[i+1]} == = ]] && (( i++ ))\n                (( i++ )) ;;\n", strings.Join(pats, "|"))
	}
	fmt.Fprintf(w, `            -*|=) ;;
            *) cmd=$w; break ;;
        esac
    done
    local flags= args=
    case $cmd in
        '')
            flags=%s
            args=%s ;;
`, singleQuote(shellWords(flagNames(m.global))), singleQuote(shellWords(cmdNames)))
	for _, c := range m.commands {
		fmt.Fprintf(w, "        %s)\n            flags=%s\n            args=%s ;;\n", c.name,
			singleQuote(shellWords(flagNames(c.flags))), singleQuote(shellWords(c.args)))
	}
	fmt.Fprintf(w, `        *)
            flags=%s ;;
    esac
    # The value of an option.
    case $cmd in
`, singleQuote(shellWords(flagNames(m.global))))
	writeBashValues := func(label string, fs []completionFlag) {
		fmt.Fprintf(w, "        %s)\n            case $prev in\n", label)
		for _, f := range valueFlags(fs) {
			switch {
			case len(f.words) > 0 && f.files:
				fmt.Fprintf(w, "                %s) COMPREPLY=($(compgen -W %s -- \"$cur\") $(compgen -f -- \"$cur\")); return ;;\n", f.pattern(), singleQuote(shellWords(f.words)))
			case len(f.words) > 0:
				fmt.Fprintf(w, "                %s) COMPREPLY=($(compgen -W %s -- \"$cur\")); return ;;\n", f.pattern(), singleQuote(shellWords(f.words)))
			case f.files:
				fmt.Fprintf(w, "                %s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", f.pattern())
			default:
				fmt.Fprintf(w, "                %s) COMPREPLY=(); return ;;\n", f.pattern())
			}
		}
		fmt.Fprintf(w, "            esac ;;\n")
	}
	for _, c := range m.commands {
		writeBashValues(c.name, c.flags)
	}
	writeBashValues("*", m.global)
	fmt.Fprint(w, `    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$args" -- "$cur"))
    fi
}

complete -F _helio helio
`)
}

// writeZshCompletion writes a zsh completion function, for $fpath (as
// _helio) or to source after compinit.
func writeZshCompletion(w io.Writer, m completionModel) {
	describe := func(items [][2]string) string {
		var q []string
		for _, it := range items {
			q = append(q, singleQuote(strings.ReplaceAll(it[0], ":", `\:`)+":"+firstLine(it[1])))
		}
		return strings.Join(q, " ")
	}
	flagItems := func(fs []completionFlag) string {
		var items [][2]string
		for _, f := range fs {
			items = append(items, [2]string{f.dashed(), f.usage})
		}
		return describe(append(items, [2]string{"--help", "explain the command and its options"}))
	}
	fmt.Fprint(w, `#compdef helio
# zsh completion for helio, made by "helio completion zsh".
# Save it as _helio in a directory of $fpath, or after compinit:
#   source <(helio completion zsh)

_helio() {
    local cur=${words[CURRENT]} prev=${words[CURRENT-1]} cmd= i
    local -a items
    # The command is the first word that is neither an option nor its value.
    for (( i = 2; i < CURRENT; i++ )); do
        case ${words[i]} in
`)
	if vf := valueFlags(m.global); len(vf) > 0 {
		var pats []string
		for _, f := range vf {
			pats = append(pats, f.pattern())
		}
		fmt.Fprintf(w, "            (%s) (( i++ )) ;;\n", strings.Join(pats, "|"))
	}
	fmt.Fprint(w, `            (-*) ;;
            (*) cmd=${words[i]}; break ;;
        esac
    done
    # "--backend=x" is one word.
    if [[ $cur == -*=* ]]; then
        prev=${cur%%=*}
        compset -P '*='
        cur=${cur#*=}
    fi
    # The value of an option.
    case $cmd in
`)
	writeZshValues := func(label string, fs []completionFlag) {
		fmt.Fprintf(w, "        (%s)\n            case $prev in\n", label)
		for _, f := range valueFlags(fs) {
			fmt.Fprintf(w, "                (%s)", f.pattern())
			if len(f.words) > 0 {
				fmt.Fprintf(w, " compadd -- %s;", shellWords(f.words))
			}
			if f.files {
				fmt.Fprint(w, " _files;")
			}
			fmt.Fprint(w, " return ;;\n")
		}
		fmt.Fprint(w, "            esac ;;\n")
	}
	for _, c := range m.commands {
		writeZshValues(c.name, c.flags)
	}
	writeZshValues("*", m.global)
	fmt.Fprint(w, "    esac\n    case $cmd in\n")
	var cmdItems [][2]string
	for _, c := range m.commands {
		cmdItems = append(cmdItems, [2]string{c.name, c.summary})
	}
	fmt.Fprintf(w, `        ('')
            if [[ $cur == -* ]]; then
                items=(%s)
                _describe -t options 'option' items
            else
                items=(%s)
                _describe -t commands 'command' items
            fi ;;
`, flagItems(m.global), describe(cmdItems))
	for _, c := range m.commands {
		fmt.Fprintf(w, "        (%s)\n            if [[ $cur == -* ]]; then\n                items=(%s)\n                _describe -t options 'option' items\n", c.name, flagItems(c.flags))
		if len(c.args) > 0 {
			fmt.Fprintf(w, "            else\n                compadd -- %s\n", shellWords(c.args))
		}
		fmt.Fprint(w, "            fi ;;\n")
	}
	fmt.Fprint(w, `    esac
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _helio "$@"
else
    compdef _helio helio
fi
`)
}

// writeFishCompletion writes fish `complete` commands, for
// ~/.config/fish/completions/helio.fish.
func writeFishCompletion(w io.Writer, m completionModel) {
	fmt.Fprint(w, `# fish completion for helio, made by "helio completion fish".
# Save it as ~/.config/fish/completions/helio.fish

# __helio_command prints the command on the command line: the first word
# that is neither an option nor its value.
function __helio_command
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $t
`)
	if vf := valueFlags(m.global); len(vf) > 0 {
		var pats []string
		for _, f := range vf {
			pats = append(pats, "--"+f.name, "-"+f.name)
		}
		fmt.Fprintf(w, "            case %s\n                set skip 1\n", strings.Join(pats, " "))
	}
	fmt.Fprint(w, `            case '-*'
            case '*'
                echo $t
                return 0
        end
    end
    return 1
end

# __helio_using succeeds when the command on the command line is $argv[1].
function __helio_using
    set -l cmd (__helio_command)
    and test "$cmd" = $argv[1]
end

complete -c helio -f
`)
	writeFlag := func(cond string, f completionFlag) {
		fmt.Fprint(w, "complete -c helio")
		if cond != "" {
			fmt.Fprintf(w, " -n %s", fishQuote(cond))
		}
		fmt.Fprintf(w, " -l %s", f.name)
		switch {
		case len(f.words) > 0 && f.files:
			fmt.Fprintf(w, " -r -F -a %s", fishQuote(shellWords(f.words)))
		case len(f.words) > 0:
			fmt.Fprintf(w, " -x -a %s", fishQuote(shellWords(f.words)))
		case f.files:
			fmt.Fprint(w, " -r -F")
		case f.value:
			fmt.Fprint(w, " -x")
		}
		fmt.Fprintf(w, " -d %s\n", fishQuote(firstLine(f.usage)))
	}
	fmt.Fprint(w, "\n# Options of every command.\n")
	for _, f := range m.global {
		writeFlag("", f)
	}
	writeFlag("", completionFlag{name: "help", usage: "explain the command and its options"})
	fmt.Fprint(w, "\n# Commands.\n")
	for _, c := range m.commands {
		fmt.Fprintf(w, "complete -c helio -n 'not __helio_command >/dev/null' -a %s -d %s\n", fishQuote(c.name), fishQuote(c.summary))
	}
	for _, c := range m.commands {
		fmt.Fprintf(w, "\n# %s\n", c.name)
		for _, f := range c.flags {
			if f.command {
				writeFlag("__helio_using "+c.name, f)
			}
		}
		if len(c.args) > 0 {
			fmt.Fprintf(w, "complete -c helio -n %s -a %s\n", fishQuote("__helio_using "+c.name), fishQuote(shellWords(c.args)))
		}
	}
}
