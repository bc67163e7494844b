#!/bin/sh
# window-shot.sh [RUNS]: Helio's window, for real, headless.
#
# Builds cmd/helio-window (the full GL build) and bin/helio, starts a private
# D-Bus daemon with `helio export --backend sim` on it (the tray's service,
# over the emulated receiver), writes a week of EMULATED readings into the
# history (the emulated receiver driven through simulated days by
# window.TestEmulatedHistory), then starts helio-window under Xvfb RUNS times
# (default 3) and prints, for each, the time from exec to the window being
# mapped ("window start: N ms") and the window's RSS. The last run is
# photographed: docs/window.png (devices), docs/window-charts.png (the
# 7-day charts, reached by clicking the tabs). Everything it starts is stopped
# on exit, and its files live in a temporary directory.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-3}

# Build (cgo, GL headers) and runtime (X server, screenshots, bus) packages.
sh scripts/apt-deps.sh gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev libwayland-dev libxkbcommon-dev libudev-dev libusb-1.0-0-dev \
	xvfb xauth x11-utils xdotool imagemagick libgl1-mesa-dri dbus-daemon dbus-bin

W=$(mktemp -d /tmp/helio-window-shot.XXXXXX)
PIDS=""
BUSPID=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	[ -z "$BUSPID" ] || kill "$BUSPID" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building bin/helio and bin/helio-window (the first GL build takes minutes)"
go build -o bin/helio .
go build -o bin/helio-window ./cmd/helio-window

# A home of its own: nothing reads or writes the user's config, history,
# caches or session bus.
export HOME="$W/home" XDG_CONFIG_HOME="$W/config" XDG_CACHE_HOME="$W/cache" XDG_STATE_HOME="$W/state" \
	XDG_RUNTIME_DIR="$W/run"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME/helio"
mkdir -m 0700 "$XDG_RUNTIME_DIR"
DB="$XDG_STATE_HOME/helio/history.db"

echo "history: recording 7 days of EMULATED readings (emulated receiver, simulated clock) into $DB"
go test -count=1 -run '^TestEmulatedHistory$' ./window -args -emulated-history="$DB" >"$W/history.log" 2>&1 ||
	{ cat "$W/history.log"; exit 1; }

dbus-daemon --session --fork --print-address=1 --print-pid=1 >"$W/bus"
ADDR=$(sed -n 1p "$W/bus")
BUSPID=$(sed -n 2p "$W/bus")
# fyne looks for desktop settings on the session bus: give it the private one.
export DBUS_SESSION_BUS_ADDRESS="$ADDR"

# The export records no history of its own: its emulated receiver runs on the
# real clock and would not continue the simulated week.
printf '[history]\nenabled = false\n' >"$W/export.toml"
bin/helio export --config "$W/export.toml" --backend sim --bus-address "$ADDR" >"$W/export.log" 2>&1 &
PIDS="$PIDS $!"
i=0
until dbus-send --bus="$ADDR" --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
	string:io.github.helio 2>/dev/null | grep -q 'boolean true'; do
	i=$((i + 1))
	[ "$i" -lt 200 ] || { echo "helio export did not own io.github.helio:"; cat "$W/export.log"; exit 1; }
	sleep 0.05
done

Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$W/display" 2>"$W/xvfb.log" &
PIDS="$PIDS $!"
i=0
until [ -s "$W/display" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { echo "Xvfb did not start:"; cat "$W/xvfb.log"; exit 1; }
	sleep 0.05
done
export DISPLAY=":$(cat "$W/display")" LIBGL_ALWAYS_SOFTWARE=1

ms() { echo $(($(date +%s%N) / 1000000)); }

run=1
while [ "$run" -le "$RUNS" ]; do
	t0=$(ms)
	bin/helio-window --bus-address "$ADDR" >"$W/window.log" 2>&1 &
	WIN=$!
	PIDS="$PIDS $WIN"
	WID=""
	until WID=$(xdotool search --onlyvisible --name '^Helio$' 2>/dev/null | head -1) && [ -n "$WID" ]; do
		kill -0 "$WIN" 2>/dev/null || { echo "helio-window exited:"; cat "$W/window.log"; exit 1; }
		[ $(($(ms) - t0)) -lt 30000 ] || { echo "no window after 30 s:"; cat "$W/window.log"; exit 1; }
		sleep 0.01
	done
	t1=$(ms)
	sleep 2 # the devices arrive over the bus, the first frames draw
	rss=$(ps -o rss= -p "$WIN")
	echo "run $run: window start: $((t1 - t0)) ms, RSS after 2 s: $((rss / 1024)) MiB"
	if [ "$run" -eq "$RUNS" ]; then
		mkdir -p docs
		import -window "$WID" docs/window.png
		xdotool mousemove --window "$WID" 145 22 click 1 # Charts
		sleep 1
		xdotool mousemove --window "$WID" 164 62 click 1 # Last 7 days
		sleep 1
		import -window "$WID" docs/window-charts.png
		rss=$(ps -o rss= -p "$WIN")
		echo "RSS with the charts drawn: $((rss / 1024)) MiB"
		echo "screenshots: docs/window.png docs/window-charts.png (devices and history are emulated)"
	fi
	kill "$WIN"
	wait "$WIN" 2>/dev/null || true
	PIDS=$(echo "$PIDS" | sed "s/ $WIN\$//")
	run=$((run + 1))
done
