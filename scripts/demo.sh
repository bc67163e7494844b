#!/bin/sh
# Runs "helio query" on this machine's receivers; when there is none, says so
# and shows the built-in emulated receiver instead.
helio=${1:-bin/helio}
err=$(mktemp)
trap 'rm -f "$err"' EXIT
"$helio" query 2>"$err"
rc=$?
if [ "$rc" -eq 3 ]; then
	echo "No Logitech receiver is plugged in here. This is Helio's built-in emulated"
	echo "receiver (helio --backend sim query):"
	echo
	"$helio" --backend sim query
	rc=$?
else
	cat "$err" >&2
fi
exit $rc
