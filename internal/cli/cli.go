// Package cli is the helio command: one file per command (query, list,
// watch, light, history, export, metrics, tray, decode, sim, completion,
// version),
// the options every command takes, and the exit statuses scripts rely on.
// It holds commands, not the application: devices are read through package
// sensors (a Session for one-shot commands) and the long-lived process
// (watch, export, tray) is package resident's.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/internal/escape"
)

// Exit statuses. Scripts may rely on them.
const (
	ExitOK         = 0
	ExitFailure    = 1 // a device or receiver failed in a way not listed below
	ExitUsage      = 2 // bad command line, bad input (hex, profile, backend)
	ExitNoReceiver = 3 // no receiver found
	ExitPermission = 4 // a receiver exists but cannot be opened
	ExitOffline    = 5 // the device asked for is asleep or out of range
)

// Env is what a command sees of the outside world, so tests can run the CLI
// in-process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Context, when set, ends long commands (watch) when it is done, as
	// Ctrl-C does; tests use it.
	Context context.Context
}

// exitError carries an exit status with a message for stderr.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitf(code int, format string, args ...any) error {
	return &exitError{code: code, err: fmt.Errorf(format, args...)}
}

// globals are the options every command takes, before or after its name.
type globals struct {
	config        string
	backend       string
	debug         bool
	noCache       bool
	deviceTimeout time.Duration
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.config, "config", g.config, "the config `FILE` (default $XDG_CONFIG_HOME/helio/config.toml)")
	fs.StringVar(&g.backend, "backend", g.backend, "how to reach receivers: hidraw, hidapi, libusb, sim, sim:NAME, sim:FILE.json or sim:A+B (env HELIO_BACKEND)")
	fs.BoolVar(&g.debug, "debug", g.debug, "log every HID++ report sent and received, in hex and decoded")
	fs.BoolVar(&g.noCache, "no-cache", g.noCache, "ignore and do not update the device cache")
	fs.DurationVar(&g.deviceTimeout, "device-timeout", g.deviceTimeout, "how long to wait for a device's reply")
}

// command is one of helio's commands. bind registers the command's own
// options on fs, into a value of the command's own type, and returns the
// function that runs the command with them: each invocation binds afresh,
// and nothing is passed around untyped.
type command struct {
	name, args, summary, help string
	bind                      func(fs *flag.FlagSet) runFunc
}

// runFunc runs a command with its positional arguments.
type runFunc func(ctx context.Context, a *app, args []string) error

// noOptions binds a command that has no options of its own.
func noOptions(run runFunc) func(*flag.FlagSet) runFunc {
	return func(*flag.FlagSet) runFunc { return run }
}

var commands []*command

func init() {
	commands = []*command{queryCmd, listCmd, watchCmd, trayCmd, lightCmd, historyCmd, exportCmd, metricsCmd, decodeCmd, simCmd, completionCmd, versionCmd}
}

// Version is set at build time with -ldflags "-X github.com/helio-linux/helio/cli.Version=...".
var Version = "dev"

var versionCmd = &command{
	name: "version", summary: "print Helio's version",
	help: "Example:\n  helio version",
	bind: noOptions(func(_ context.Context, a *app, args []string) error {
		if len(args) > 0 {
			return exitf(ExitUsage, "version takes no arguments")
		}
		fmt.Fprintln(a.env.Stdout, "helio", Version)
		return nil
	}),
}

// app is one invocation's state.
type app struct {
	env Env
	g   globals
	log *slog.Logger
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Helio shows the batteries of Logitech wireless devices, and the light on
solar keyboards such as the K750, by talking HID++ to their receiver.

Usage:
  helio [options] COMMAND [command options] [arguments]
  helio [options]     in a desktop session: the tray icon (helio tray)

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Options (before or after the command):
  --backend B        how to reach receivers (env HELIO_BACKEND):
                       hidraw        the receivers on this machine (default)
                       hidapi        the same through hidapi
                       libusb        through libusb: takes the receiver from the
                                     kernel, so its keyboard and mouse stop
                                     working while Helio runs
                       sim           the built-in emulated receiver: an MX Master 3,
                                     a K750 solar keyboard and an M705
                       sim:NAME      a built-in profile (helio sim --list): bolt,
                                     lightspeed, nano, bluetooth, ...
                       sim:FILE.json an emulated receiver from a profile file
                       sim:A+B+...   several at once, as one system with all
                                     their receivers and Bluetooth devices
                                     (sim:default+bolt+bluetooth)
  --debug            log every HID++ report sent and received, decoded
  --no-cache         do not use or update the device cache
                     ($XDG_CACHE_HOME/helio/devices.json)
  --device-timeout D how long to wait for a device's reply (default 4s)
  --config FILE      the config file (default $XDG_CONFIG_HOME/helio/config.toml):
                     the K750's light schedule, alert thresholds, history
                     retention; see README.md

Examples:
  helio query                    every device on every receiver
  helio --backend sim query      the same on the emulated receiver
  helio query --json K750        one device, as JSON
  helio decode 11 02 09 10 39 00 0c 06 1d 47 4f 4f 44 00 00 00 00 00 00 00

Exit status: 0 ok, 1 failure, 2 usage or bad input, 3 no receiver found,
4 permission denied, 5 device offline.

"helio help COMMAND" or "helio COMMAND --help" explains a command.
`)
}

// Main runs the command line and returns the exit status.
func Main(args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Stdin == nil {
		env.Stdin = os.Stdin
	}
	a := &app{env: env, g: globals{backend: env.Getenv("HELIO_BACKEND"), deviceTimeout: 4 * time.Second}}
	if a.g.backend == "" {
		a.g.backend = "hidraw"
	}
	top := flag.NewFlagSet("helio", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	a.g.register(top)
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(env.Stdout)
			return ExitOK
		}
		fmt.Fprintf(env.Stderr, "helio: %v\nRun \"helio --help\" for usage.\n", err)
		return ExitUsage
	}
	rest := top.Args()
	if len(rest) == 0 {
		if !desktopSession(env.Getenv) {
			usage(env.Stderr)
			return ExitUsage
		}
		// In a desktop session, Helio's main job is the tray.
		rest = []string{trayCmd.name}
	}
	name := rest[0]
	if name == "help" {
		if len(rest) > 1 {
			if c := find(rest[1]); c != nil {
				commandUsage(env.Stdout, c, a)
				return ExitOK
			}
			fmt.Fprintf(env.Stderr, "helio: no command %s\n", escape.Quote(rest[1]))
			return ExitUsage
		}
		usage(env.Stdout)
		return ExitOK
	}
	c := find(name)
	if c == nil {
		fmt.Fprintf(env.Stderr, "helio: unknown command %s\nRun \"helio --help\" for the list.\n", escape.Quote(name))
		return ExitUsage
	}
	fs, run := newFlagSet(c, a)
	if err := fs.Parse(interleave(fs, rest[1:])); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(env.Stdout, c, a)
			return ExitOK
		}
		fmt.Fprintf(env.Stderr, "helio %s: %v\nRun \"helio %s --help\" for usage.\n", c.name, err, c.name)
		return ExitUsage
	}
	level := slog.LevelWarn
	if a.g.debug {
		level = slog.LevelDebug
	}
	a.log = slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))

	if t := a.g.deviceTimeout; t < minDeviceTimeout || t > maxDeviceTimeout {
		fmt.Fprintf(env.Stderr, "helio %s: --device-timeout %v: want from %v to %v (a device in range answers within a few milliseconds)\n",
			c.name, t, minDeviceTimeout, maxDeviceTimeout)
		return ExitUsage
	}

	parent := env.Context
	if parent == nil {
		parent = context.Background()
	}
	// Ctrl-C, SIGTERM and SIGHUP end every command cleanly (the history
	// closed, the cache saved), but the tray's, which takes SIGHUP to
	// apply a changed config.
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}
	if c == trayCmd {
		sigs = sigs[:2]
	}
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, sigs...)
	defer signal.Stop(sigc)
	go func() {
		select {
		case s := <-sigc:
			cancel(interrupted{s.(syscall.Signal)})
		case <-ctx.Done():
		}
	}()
	err := run(ctx, a, fs.Args())
	var sig interrupted
	if errors.As(context.Cause(ctx), &sig) {
		// Interrupted: the command stopped as asked. Its error, most
		// often the interruption itself, says nothing more; the status
		// says which signal, as a shell's does.
		return 128 + int(sig.Signal)
	}
	if err != nil {
		code := ExitFailure
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		// A package's errors start with its name, as Go's do; the history
		// package's would say "helio history: history: ...".
		fmt.Fprintf(env.Stderr, "helio %s: %s\n", c.name, strings.TrimPrefix(err.Error(), c.name+": "))
		return code
	}
	return ExitOK
}

// interrupted is the cause of a command's context when a signal ended it.
type interrupted struct{ syscall.Signal }

func (i interrupted) Error() string { return "interrupted by " + i.Signal.String() }

// The range of --device-timeout: shorter, no device can answer (a
// receiver takes milliseconds to relay a request over the radio); longer,
// a device out of range holds a command up for nothing.
const (
	minDeviceTimeout = 10 * time.Millisecond
	maxDeviceTimeout = 10 * time.Minute
)

// desktopSession reports whether Helio runs in a graphical session with a
// session bus, where "helio" alone starts the tray.
func desktopSession(getenv func(string) string) bool {
	return (getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != "") && getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

func find(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// newFlagSet is c's flag set, the global options included, and the
// function that runs c with what it parses.
func newFlagSet(c *command, a *app) (*flag.FlagSet, runFunc) {
	fs := flag.NewFlagSet("helio "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	a.g.register(fs)
	return fs, c.bind(fs)
}

// interleave moves flags that follow positional arguments in front of them,
// so `helio query K750 --json` works as people type it. "--" ends flags.
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		s := args[i]
		if s == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(s, "-") || s == "-" {
			pos = append(pos, s)
			continue
		}
		flags = append(flags, s)
		name := strings.TrimLeft(s, "-")
		if strings.Contains(name, "=") {
			continue
		}
		// A flag that takes a value consumes the next argument.
		if f := fs.Lookup(name); f != nil {
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		}
	}
	return append(append(flags, "--"), pos...)
}

func commandUsage(w io.Writer, c *command, a *app) {
	fmt.Fprintf(w, "Usage: helio %s [options] %s\n\n%s\n\n%s\n\nOptions:\n", c.name, c.args, c.summary, c.help)
	fs, _ := newFlagSet(c, a)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// configPath is the config file's path: --config, else the default one,
// else "" when there is no home to find it in.
func (a *app) configPath() string {
	if a.g.config != "" {
		return a.g.config
	}
	p, err := config.DefaultPath()
	if err != nil {
		return ""
	}
	return p
}

// config loads the config file: the --config one, or the default one if it
// exists. A broken file is a usage error that names the file and line.
func (a *app) config() (config.Config, error) {
	path := a.configPath()
	if path == "" {
		return config.Default(), nil
	}
	if a.g.config != "" {
		if _, err := os.Stat(path); err != nil {
			return config.Config{}, exitf(ExitUsage, "config file: %v", err)
		}
	}
	c, err := config.Load(path)
	if err != nil {
		return config.Config{}, &exitError{code: ExitUsage, err: err}
	}
	return c, nil
}
