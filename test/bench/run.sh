#!/bin/sh
# "make bench": Helio against Debian's Solaar and the kernel's own drivers on
# the same emulated receiver in the rig's VM (test/bench/bench_test.go), the
# footprint of "helio export" and of the tray idle on this machine, and the host
# micro-benchmarks. Prints one Markdown table and writes it, with the date
# and the machine, to test/bench/results.md.
#   test/bench/run.sh            (from the repository's root; make bench builds
#                            bin/helio and fetches the kernel first)
#   test/bench/run.sh --report  (only the table again, from the last run's
#                            figures in test/bench/build/)
# Environment: GO (default go), BENCH_IDLE_MINUTES (default 10).
set -eu
cd "$(dirname "$0")/../.."
GO=${GO:-go}
minutes=${BENCH_IDLE_MINUTES:-10}
case $minutes in '' | *[!0-9]* | 0) echo "bench: BENCH_IDLE_MINUTES must be a whole number of minutes, at least 1" >&2; exit 2 ;; esac
BENCHSTAT=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
[ -x bin/helio ] || { echo "bench: bin/helio is missing; run make bench" >&2; exit 2; }
[ -f test/rig/kernel/complete ] || { echo "bench: run test/rig/fetch-kernel.sh first (make bench does)" >&2; exit 2; }

out=test/bench/build
mkdir -p "$out"
report_only=false
[ "${1:-}" = --report ] && report_only=true
if ! $report_only; then
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), Helio $(git describe --always --dirty 2>/dev/null || echo dev)" > "$out/stamp"
busdir=$(mktemp -d)
buspid=""
idlepid=""
traypid=""
cleanup() {
	[ -z "$idlepid" ] || kill "$idlepid" 2>/dev/null || true
	[ -z "$traypid" ] || kill "$traypid" 2>/dev/null || true
	[ -z "$buspid" ] || kill "$buspid" 2>/dev/null || true
	rm -rf "$busdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. Footprint, in the background on this machine: "helio export" on a
# private session bus, idle for $minutes minutes (scripts/measure-idle.sh:
# 30 s to settle, then resident memory and wakeups).
bus=$(dbus-daemon --session --fork --address="unix:path=$busdir/bus" --print-address=1 --print-pid=1)
addr=$(printf '%s\n' "$bus" | sed -n 1p)
buspid=$(printf '%s\n' "$bus" | sed -n 2p)
echo "bench: helio export idle for $minutes min on a private bus, in the background" >&2
HELIO=bin/helio scripts/measure-idle.sh "$minutes" --backend sim export --bus-address "$addr" > "$out/idle.txt" 2>&1 &
idlepid=$!
# The resident tray, at the same time: under Xvfb with xfce4-panel as its
# tray host (scripts/measure-tray.sh).
echo "bench: helio tray idle for $minutes min under Xvfb with xfce4-panel, in the background" >&2
HELIO=bin/helio scripts/measure-tray.sh "$minutes" > "$out/tray.txt" 2>&1 &
traypid=$!

# 2. Host micro-benchmarks, compared with the last committed results.
echo "bench: host micro-benchmarks (go test -bench, 5 counts)" >&2
$GO test -run '^$' -bench . -benchmem -count 5 ./hidpp ./sensors ./sensors/history > "$out/host.txt"
benchstat_note=""
if git cat-file -e HEAD:test/bench/host.txt 2>/dev/null; then
	git show HEAD:test/bench/host.txt > "$out/host-previous.txt"
	set -- "$out/host-previous.txt" "$out/host.txt"
	benchstat_note="compared with test/bench/host.txt as of $(git log -1 --format='%h, %cs' -- test/bench/host.txt)"
else
	set -- "$out/host.txt"
	benchstat_note="no earlier test/bench/host.txt in git: this run only"
fi
if ! $GO run "$BENCHSTAT" "$@" > "$out/benchstat.txt" 2> "$out/benchstat.err"; then
	benchstat_note="benchstat could not be run ($(tail -n1 "$out/benchstat.err")); nothing was installed"
	: > "$out/benchstat.txt"
fi
echo "$benchstat_note" > "$out/benchstat.note"
cp "$out/host.txt" test/bench/host.txt

# 3. The VM: Helio, Solaar and the kernel on the same emulated receivers.
echo "bench: the VM part (about 5 minutes)" >&2
start=$(date +%s)
rc=0
VM_TIMEOUT=1500 $GO test -count=1 -v -exec "$PWD/test/rig/vmexec.sh" ./test/bench -run 'TestQuery|TestScale|TestFlood' -timeout 25m > "$out/vm.log" 2>&1 || rc=$?
echo "bench: the VM part took $(($(date +%s) - start)) s" >&2
if [ "$rc" != 0 ]; then
	tail -n 40 "$out/vm.log" >&2
	echo "bench: the VM part failed (exit $rc); test/bench/results.md is unchanged; log in $out/vm.log" >&2
	exit "$rc"
fi
grep '^METRIC ' "$out/vm.log" > "$out/metrics.txt"

echo "bench: waiting for the idle measurement ($minutes min in all, plus 30 s)" >&2
wait "$idlepid" || { cat "$out/idle.txt" >&2; echo "bench: the idle measurement failed" >&2; exit 1; }
idlepid=""
wait "$traypid" || { cat "$out/tray.txt" >&2; echo "bench: the tray measurement failed" >&2; exit 1; }
traypid=""
fi # ! $report_only
for f in stamp metrics.txt idle.txt tray.txt host.txt benchstat.note; do
	[ -f "$out/$f" ] || { echo "bench: $out/$f is missing: run make bench" >&2; exit 2; }
done
benchstat_note=$(cat "$out/benchstat.note")
minutes=$(sed -n 's/.*: \([0-9.]*\) min idle.*/\1/p' "$out/idle.txt" | cut -d. -f1)

# m NAME: a figure from the VM.
m() { awk -v k="$1" '$2 == k { sub(/^METRIC [^ ]+ /, ""); print; found = 1; exit } END { if (!found) print "?" }' "$out/metrics.txt"; }
# resting FILE FIELD: a figure of a scripts/measure-idle.sh line.
resting() {
	case $2 in
	rss) sed -n 's/.*RSS \([0-9.]* MB\).*/\1/p' "$1" ;;
	peak) sed -n 's/.*(peak \([0-9.]* MB\).*/\1/p' "$1" ;;
	private) sed -n 's/.*; \([0-9.]* MB\) private.*/\1/p' "$1" ;;
	wake) sed -n 's/.* \([0-9.]*\) wakeups\/min.*/\1/p' "$1" ;;
	cpu) echo $(($(sed -n 's/.*CPU \([0-9]*\) ticks.*/\1/p' "$1") * 10)) ;;
	min) sed -n 's/.*: \([0-9.]*\) min idle.*/\1/p' "$1" ;;
	esac
}

# micro NAME: median ns/op and allocs/op of a host benchmark over the counts.
micro() {
	awk -v k="$1" '
		BEGIN { n = 0 }
		{ name = $1; sub(/-[0-9]+$/, "", name) }
		name == k { for (i = 2; i < NF; i++) { if ($(i+1) == "ns/op") ns[n] = $i; if ($(i+1) == "allocs/op") al[n] = $i } n++ }
		END {
			if (n == 0) { print "?"; exit }
			for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (ns[j] + 0 < ns[i] + 0) { t = ns[i]; ns[i] = ns[j]; ns[j] = t }
			v = (n % 2) ? ns[int(n / 2)] : (ns[n / 2 - 1] + ns[n / 2]) / 2
			if (v >= 100000) s = sprintf("%.2f ms", v / 1e6); else if (v >= 1000) s = sprintf("%.2f µs", v / 1000); else s = sprintf("%.1f ns", v)
			printf "%s, %s allocs/op\n", s, al[0] }' "$out/host.txt"
}

kver=$(cat test/rig/kernel/version)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
cores=$(nproc)
solaar_ver=$(dpkg-query -W -f='${Version}' solaar 2>/dev/null || echo "?")
table() {
	cat <<EOF
| measure | Helio | Solaar $solaar_ver | kernel drivers | Solaar ÷ Helio |
|---|---|---|---|---|
| wall time, process start to complete output, cold (\`helio query\`, no device cache; \`solaar show\`) | $(m helio_cold_s) | $(m solaar_s) | | $(m ratio_time_cold) |
| wall time, warm (\`helio query\` with its device cache) | $(m helio_warm_s) | $(m solaar_s) | | $(m ratio_time_warm) |
| wall time with a resident Helio (\`helio query\` answered by a running \`helio export\` over the session bus) | $(m helio_resident_ms), $(m helio_resident_requests) HID++ requests (starting the binary alone, \`helio help\`: $(m helio_start_ms)) | $(m solaar_s) | | $(m ratio_time_resident) |
| HID++ requests, cold | $(m helio_cold_requests) | $(m solaar_requests) | $(m kernel_probe_requests) at probe (+$(m kernel_probe_dj) DJ) | $(m ratio_requests_cold) |
| HID++ requests, warm | $(m helio_warm_requests) | $(m solaar_requests) | | $(m ratio_requests_warm) |
| bytes sent to the receiver, cold | $(m helio_cold_bytes) | $(m solaar_bytes) | $(m kernel_probe_bytes) at probe | $(m ratio_bytes_cold) |
| bytes sent to the receiver, warm | $(m helio_warm_bytes) | $(m solaar_bytes) | | $(m ratio_bytes_warm) |
| peak resident memory of one run (cold) | $(m helio_cold_maxrss) | $(m solaar_maxrss) | | $(m ratio_rss) |
| K750 charge and light | 57 %, 12 lux | "$(m solaar_k750)" | | |
| \`helio export\` idle $(resting "$out/idle.txt" min) min on the host (emulated receiver, private D-Bus) | RSS $(resting "$out/idle.txt" rss) (peak $(resting "$out/idle.txt" peak); $(resting "$out/idle.txt" private) private), $(resting "$out/idle.txt" wake) wakeups/min, $(resting "$out/idle.txt" cpu) ms of CPU since start | not applicable (see below) | | |
| \`helio tray\` idle $(resting "$out/tray.txt" min) min on the host (emulated receiver, Xvfb, xfce4-panel showing its icon; history, notifications and the export included) | RSS $(resting "$out/tray.txt" rss) (peak $(resting "$out/tray.txt" peak); $(resting "$out/tray.txt" private) private), $(resting "$out/tray.txt" wake) wakeups/min, $(resting "$out/tray.txt" cpu) ms of CPU since start | not applicable (see below) | | |
| CPU while the emulator floods 1000 keyboard and mouse reports a second ($(m export_input_flood_rate) achieved) for 30 s, \`helio export\` in the VM (by default it opens the receiver only to ask, on the kernel's cue) | $(m export_input_flood_cpu_pct) of the VM's CPU ($(m export_input_flood_cpu)), $(m export_input_flood_wakeups) wakeups; at rest before: $(m export_idle) | not applicable (see below) | the VM with no Helio running: $(m nohelio_flood_vm_pct) busy (the kernel and the emulator); with Helio: $(m export_input_flood_vm_pct) | |
| the same flood with a battery event of the MX Master each second (30 events, far more than a device sends) | $(m export_flood_cpu_pct) ($(m export_flood_cpu)), $(m export_flood_wakeups) wakeups, $(m export_per_event) an event; battery events exported: $(m export_flood_events) | | the VM: $(m export_flood_vm_pct) busy | |
| both floods, told to hold the receiver open (\`[monitor] hold_open = true\`, Helio's way before) | input alone $(m held_input_flood_cpu_pct) ($(m held_input_flood_wakeups) wakeups); with events $(m held_flood_cpu_pct) ($(m held_flood_cpu)), $(m held_flood_wakeups) wakeups; battery events exported: $(m held_flood_events) | | the VM: $(m held_input_flood_vm_pct) / $(m held_flood_vm_pct) busy | |
| a bare Helio reader holding the node (hidpp.Conn, as vmtest's TestInputFlood), no events | $(m reader_flood_cpu_pct) ($(m reader_flood_cpu)), $(m reader_flood_wakeups) wakeups; $(m reader_flood_dropped) of $(m reader_flood_sent) reports read and dropped | | | |
| scale: 1 receiver, 6 devices: \`helio query\` cold / warm | $(m six_cold_s) / $(m six_warm_s); $(m six_cold_requests) / $(m six_warm_requests) requests; $(m six_cold_maxrss) | | $(m six_kernel_probe_requests) requests at probe | |
| scale: 3 receivers, 9 devices at once: cold / warm | $(m three_cold_s) / $(m three_warm_s); $(m three_cold_requests) / $(m three_warm_requests) requests; $(m three_cold_maxrss) | | $(m three_kernel_probe_requests) requests at probe | |
| growth per device over the 3-device receiver (6 devices; 9 devices on 3 receivers) | cold $(m six_cold_ms_per_device), warm $(m six_warm_ms_per_device), RSS $(m six_rss_per_device); cold $(m three_cold_ms_per_device), warm $(m three_warm_ms_per_device), RSS $(m three_rss_per_device) | | | |
| host: parse a short / long report | $(micro BenchmarkParse/short); $(micro BenchmarkParse/long) | | | |
| host: decode a solar event; match a reply (register) | $(micro BenchmarkDecodeSolarEvent); $(micro BenchmarkMatches/register) | | | |
| host: \`Describe\` a solar report | $(micro BenchmarkDescribe/solar) | | | |
| host: a full query round trip of the in-memory receiver, cold / warm | $(micro BenchmarkQuery/cold); $(micro BenchmarkQuery/warm) | | | |

- Ratios vs Solaar (medians): requests $(m ratio_requests_cold) fewer cold and $(m ratio_requests_warm) warm; wall time $(m ratio_time_cold) shorter cold and $(m ratio_time_warm) warm. The kernel's own probe sends $(m kernel_probe_requests) HID++ requests ($(m ratio_requests_kernel_probe) Helio's cold query).
- VM figures: median of 5 runs (min–max), in the rig's VM (Debian kernel $kver, one emulated CPU under qemu TCG, no KVM: system calls about 7 times slower than on the host, so times are upper bounds). Requests are HID++ reports the emulator received while the process ran, by either path: Helio writes on the receiver's hidraw node ($(m helio_cold_output) cold, uhid OUTPUT); Solaar writes $(m solaar_output) there and $(m solaar_set_report) on the paired devices' own hidraw nodes, which the kernel forwards as SET_REPORT. Bytes count every report sent toward the receiver (7-byte short, 20-byte long, 15-byte DJ). Timings are process start to exit with all output written; a K750 light report takes 1 s of each Helio query.
- Solaar footprint and flood: $(m solaar_resident). Solaar's CLI is one-shot, so no idle or flood figure exists for it here.
- Host micro-benchmarks: \`go test -bench -benchmem -count 5 ./hidpp ./sensors\`, medians; benchstat $benchstat_note.
EOF
}

{
	echo "# make bench"
	echo
	stamp=$(cat "$out/stamp")
	echo "${stamp%%, Helio*}, $cpu, $cores cores, host kernel $(uname -r), Helio ${stamp##*Helio }. BENCH_IDLE_MINUTES=$minutes."
	echo
	table
	echo
	echo "## benchstat"
	echo
	echo '```'
	if [ -s "$out/benchstat.txt" ]; then cat "$out/benchstat.txt"; else echo "$benchstat_note"; fi
	echo '```'
} > test/bench/results.md
table
echo
echo "bench: written to test/bench/results.md (raw: $out/)" >&2
