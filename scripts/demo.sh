#!/bin/sh
# Runs "helio query" on this machine's receivers; when there is none, says so
# and shows the built-in emulated receiver instead. In a desktop session it
# then starts Helio's tray icon (on the same receivers) until Ctrl-C.
helio=${1:-bin/helio}
err=$(mktemp)
trap 'rm -f "$err"' EXIT
backend=""
"$helio" query 2>"$err"
rc=$?
if [ "$rc" -eq 3 ]; then
	echo "No Logitech receiver is plugged in here. This is Helio's built-in emulated"
	echo "receiver (helio --backend sim query):"
	echo
	backend="--backend sim"
	"$helio" $backend query
	rc=$?
else
	cat "$err" >&2
fi
[ "$rc" -eq 0 ] || exit $rc
if { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; } && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
	echo
	echo "Starting Helio's tray icon (helio $backend tray); Ctrl-C ends it."
	exec "$helio" $backend tray
fi
