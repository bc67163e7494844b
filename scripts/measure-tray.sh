#!/bin/sh
# Measures the resident tray ("helio --backend sim tray") at rest, as a
# desktop runs it: on a private X display (Xvfb) and session bus, with a
# real tray host (xfce4-panel's Status Tray) showing its icon. Prints the
# line of scripts/measure-idle.sh: RSS, wakeups per minute, CPU.
#   scripts/measure-tray.sh [--cold] [MINUTES]       (default 10)
# Needs: xvfb xfce4-panel dbus-daemon (--cold as for measure-idle.sh).
set -eu
cold=""
if [ "${1:-}" = --cold ]; then cold=--cold; shift; fi
minutes=${1:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
w=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$w"
}
trap cleanup EXIT INT TERM
# The session's own home: the panel's settings daemon is started here
# with it, and Helio keeps its history and cache there.
export HOME="$w/home" XDG_CONFIG_HOME="$w/config" XDG_CACHE_HOME="$w/cache" \
	XDG_DATA_HOME="$w/data" XDG_STATE_HOME="$w/state" XDG_RUNTIME_DIR="$w/run" NO_AT_BRIDGE=1
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME"
mkdir -m 700 "$XDG_RUNTIME_DIR"
cp -r "$here/test/desktop/testdata/xfce4" "$XDG_CONFIG_HOME/"
bus=$(dbus-daemon --session --fork --print-address=1 --print-pid=1)
DBUS_SESSION_BUS_ADDRESS=$(echo "$bus" | sed -n 1p)
export DBUS_SESSION_BUS_ADDRESS
pids="$(echo "$bus" | sed -n 2p)"
# -displayfd: Xvfb picks a free display and writes its number when ready.
mkfifo "$w/display"
Xvfb -displayfd 3 -nolisten tcp -screen 0 1280x240x24 3>"$w/display" >/dev/null 2>&1 &
pids="$pids $!"
read -r n <"$w/display"
export DISPLAY=":$n"
xfce4-panel --disable-wm-check >"$w/panel.log" 2>&1 &
pids="$pids $!"
i=0
until gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
	-m org.freedesktop.DBus.NameHasOwner org.kde.StatusNotifierWatcher 2>/dev/null | grep -q true; do
	i=$((i + 1))
	[ $i -lt 150 ] || { cat "$w/panel.log" >&2; echo "measure-tray: no tray host after 15 s" >&2; exit 1; }
	sleep 0.1
done
"$here/scripts/measure-idle.sh" $cold "$minutes" --backend sim tray
