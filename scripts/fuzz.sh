#!/bin/sh
# Runs every fuzz target of the given packages for FUZZTIME each (a duration
# such as 3m, or a count such as 20000x).
#   scripts/fuzz.sh GO FUZZTIME PACKAGE...
# Go's fuzzer can fail a time-limited run with a bare "context deadline
# exceeded" as the time runs out, with no failing input: that is the tool's
# race, not a finding, and is reported as such. Any failing input is a
# finding: Go writes it under the package's testdata/fuzz, where it fails
# "go test" until fixed.
set -u
go=$1 fuzztime=$2
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for p in "$@"; do
	for t in $("$go" test "$p" -list 'Fuzz.*' | grep '^Fuzz'); do
		echo "fuzz $p $t for $fuzztime"
		if ! "$go" test "$p" -run '^$' -fuzz "^$t\$" -fuzztime "$fuzztime" -parallel 1 >"$out" 2>&1; then
			if grep -q 'context deadline exceeded' "$out" && ! grep -q 'Failing input written' "$out"; then
				echo "fuzz: $t hit the fuzzer's own time-limit race; no failing input"
				continue
			fi
			cat "$out"
			exit 1
		fi
		tail -n 3 "$out" | grep -E 'execs:|^ok' | tail -n 2
	done
done
