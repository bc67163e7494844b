#!/bin/sh
# Measures a resident Helio command at rest: resident memory and wakeups
# (context switches of all its threads) per minute, over MINUTES minutes
# after a 30 s settle.
#   scripts/measure-idle.sh [--cold] [MINUTES] [helio arguments...]
# Default: 10 minutes of "helio --backend sim watch" (the emulated receiver;
# its in-process emulator is counted too).
# With --cold (as root) the page cache is dropped first, so the binary is
# read from disk as at login; otherwise its pages may all be in memory from
# the build, and the kernel maps them in large folios.
set -eu
cold=false
if [ "${1:-}" = --cold ]; then cold=true; shift; fi
minutes=${1:-10}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- --backend sim watch
bin=${HELIO:-bin/helio}
if $cold; then
	sync && echo 3 > /proc/sys/vm/drop_caches ||
		{ echo "measure-idle: --cold needs root to drop the page cache" >&2; exit 2; }
fi
state=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; rm -rf "$state"' EXIT
XDG_STATE_HOME=$state XDG_CACHE_HOME=$state "$bin" "$@" >/dev/null 2>&1 &
pid=$!
switches() {
	cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n}'
}
sleep 30
kill -0 "$pid" || { echo "measure-idle: helio exited" >&2; exit 1; }
s0=$(switches); t0=$(date +%s)
sleep $((minutes * 60))
s1=$(switches); t1=$(date +%s)
rss=$(awk '/VmRSS/ {print $2}' /proc/"$pid"/status)
anon=$(awk '/RssAnon/ {print $2}' /proc/"$pid"/status)
file=$(awk '/RssFile/ {print $2}' /proc/"$pid"/status)
hwm=$(awk '/VmHWM/ {print $2}' /proc/"$pid"/status)
threads=$(ls /proc/"$pid"/task | wc -l)
cpu=$(awk '{print $14 + $15}' /proc/"$pid"/stat)
awk -v s=$((s1 - s0)) -v t=$((t1 - t0)) -v rss="$rss" -v hwm="$hwm" -v anon="$anon" -v file="$file" -v th="$threads" -v cpu="$cpu" -v args="$*" 'BEGIN {
	printf "helio %s: %.1f min idle, RSS %.1f MB (peak %.1f MB; %.1f MB private, %.1f MB mapped from files), %d threads, %.1f wakeups/min, CPU %d ticks in all\n",
		args, t / 60, rss / 1024, hwm / 1024, anon / 1024, file / 1024, th, s / (t / 60), cpu }'
