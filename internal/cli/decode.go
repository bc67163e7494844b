package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/escape"
)

// featureMap is the repeatable --feature INDEX=ID flag.
type featureMap map[byte]hidpp.FeatureID

func (m featureMap) String() string { return "" }

func (m featureMap) Set(s string) error {
	i, f, ok := strings.Cut(s, "=")
	ix, err1 := strconv.ParseUint(i, 0, 8)
	id, err2 := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(f), "0x"), 16, 16)
	if !ok || err1 != nil || err2 != nil {
		return fmt.Errorf("%s is not INDEX=FEATURE, such as 9=4301", escape.Quote(s))
	}
	m[byte(ix)] = hidpp.FeatureID(id)
	return nil
}

var decodeCmd = &command{
	name: "decode", args: "HEX... | -",
	summary: "put HID++ reports into words",
	help: `Reports are hex, with or without spaces or colons. Bytes given as
separate arguments ("11 02 09 ...") make one report; arguments of more than
one byte each are one report each; "-" reads one report per line from
standard input (lines starting with # are skipped).

A feature index means nothing without the device's feature table: name the
ones you know with --feature. Solar events are recognised without it.

Examples:
  helio decode 11 02 09 10 39 00 0c 06 1d 47 4f 4f 44 00 00 00 00 00 00 00
  helio decode 10ff8100000000 10ff81000900 --feature 6=1000
  helio --debug --backend sim query 2>&1 | grep hidpp`,
	bind: func(fs *flag.FlagSet) runFunc {
		features := featureMap{}
		fs.Var(features, "feature", "INDEX=FEATURE: name a feature index, such as 9=4301 (repeatable)")
		return func(ctx context.Context, a *app, args []string) error { return runDecode(ctx, a, features, args) }
	},
}

func runDecode(_ context.Context, a *app, features featureMap, args []string) error {
	decode := func(where, s string) error {
		r, err := hidpp.ParseHex(s)
		if err != nil {
			return exitf(ExitUsage, "%s%v", where, err)
		}
		_, err = fmt.Fprintf(a.env.Stdout, "%s\n  %s\n", r, hidpp.Describe(&r, features))
		return err
	}
	switch {
	case len(args) == 0:
		return exitf(ExitUsage, "give reports in hex, or - to read them from standard input")
	case len(args) == 1 && args[0] == "-":
		// One report a line, decoded as it comes: a stream of any length
		// takes no more memory than a line, and a line longer than any
		// report in hex is bad input, not a reason to read on.
		sc := bufio.NewScanner(a.env.Stdin)
		sc.Buffer(make([]byte, 0, 256), maxDecodeLine)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if err := decode(fmt.Sprintf("line %d: ", n), line); err != nil {
				return err
			}
		}
		if errors.Is(sc.Err(), bufio.ErrTooLong) {
			return exitf(ExitUsage, "a line of standard input is longer than %d bytes: no HID++ report is", maxDecodeLine)
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("read standard input: %w", err)
		}
		return nil
	case allSingleBytes(args):
		return decode("", strings.Join(args, " "))
	}
	for i, s := range args {
		where := ""
		if len(args) > 1 {
			where = fmt.Sprintf("report %d: ", i+1)
		}
		if err := decode(where, s); err != nil {
			return err
		}
	}
	return nil
}

// maxDecodeLine is the longest line "decode -" reads: a very long report
// (64 bytes) written out as "0x40, " per byte takes under 400.
const maxDecodeLine = 4096

func allSingleBytes(args []string) bool {
	for _, s := range args {
		if len(strings.TrimPrefix(s, "0x")) > 2 {
			return false
		}
	}
	return true
}
