package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/helio-linux/helio/hidpp"
)

// featureMap is the repeatable --feature INDEX=ID flag.
type featureMap map[byte]hidpp.FeatureID

func (m featureMap) String() string { return "" }

func (m featureMap) Set(s string) error {
	i, f, ok := strings.Cut(s, "=")
	ix, err1 := strconv.ParseUint(i, 0, 8)
	id, err2 := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(f), "0x"), 16, 16)
	if !ok || err1 != nil || err2 != nil {
		return fmt.Errorf("%q is not INDEX=FEATURE, such as 9=4301", s)
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
	var reports []string
	switch {
	case len(args) == 0:
		return exitf(ExitUsage, "give reports in hex, or - to read them from standard input")
	case len(args) == 1 && args[0] == "-":
		sc := bufio.NewScanner(a.env.Stdin)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line != "" && !strings.HasPrefix(line, "#") {
				reports = append(reports, line)
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("read standard input: %w", err)
		}
	case allSingleBytes(args):
		reports = []string{strings.Join(args, " ")}
	default:
		reports = args
	}
	for i, s := range reports {
		r, err := hidpp.ParseHex(s)
		if err != nil {
			where := ""
			if len(reports) > 1 {
				where = fmt.Sprintf("report %d: ", i+1)
			}
			return exitf(ExitUsage, "%s%v", where, err)
		}
		fmt.Fprintf(a.env.Stdout, "%s\n  %s\n", r, hidpp.Describe(&r, features))
	}
	return nil
}

func allSingleBytes(args []string) bool {
	for _, s := range args {
		if len(strings.TrimPrefix(s, "0x")) > 2 {
			return false
		}
	}
	return true
}
