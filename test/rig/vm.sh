#!/bin/sh
# Boots Debian's kernel (test/rig/kernel, from fetch-kernel.sh) under qemu with
# software emulation, with uhid, the Logitech HID drivers and a virtual USB
# bus (dummy_hcd, with the gadget side's configfs mounted on
# /sys/kernel/config) loaded and this machine's root shared read-only over
# virtio-9p, and runs COMMAND there as
# root, chrooted into that root (so dynamically linked programs, Solaar and
# cgo test binaries run as they do here) with the guest's own /dev, /sys and
# /proc. The shared root is read-only; HOME and TMPDIR point into an empty
# tmpfs on /run. COMMAND's output comes back on standard output;
# the exit status is COMMAND's.
#   test/rig/vm.sh [-C DIR] COMMAND [ARG]...
# Environment: VM_TIMEOUT (seconds, default 600), VM_MEM (MB, default 768),
# VM_LOG (keep the kernel console there).
set -eu
rig=$(cd "$(dirname "$0")" && pwd)
dir=/
if [ "${1:-}" = "-C" ]; then dir=$2; shift 2; fi
[ $# -gt 0 ] || { echo "usage: test/rig/vm.sh [-C DIR] COMMAND [ARG]..." >&2; exit 2; }
[ -f "$rig/kernel/complete" ] || { echo "vm.sh: run test/rig/fetch-kernel.sh first" >&2; exit 2; }
w=$(mktemp -d /tmp/helio-vm.XXXXXX)
trap 'rm -rf "$w"' EXIT INT TERM
r=$w/root
mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/host" "$r/lib/modules" "$r/lib/modules-9p"
cp /bin/busybox "$r/bin/"
cp "$rig"/kernel/modules/*.ko "$rig/kernel/modules/order" "$r/lib/modules/"
cp "$rig"/kernel/modules-9p/*.ko "$rig/kernel/modules-9p/order" "$r/lib/modules-9p/"
# The command, quoted for the guest shell.
for a in "$@"; do printf "'%s' " "$(printf %s "$a" | sed "s/'/'\\\\''/g")"; done > "$r/cmd"
printf %s "$dir" > "$r/dir"
cat > "$r/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for d in modules-9p modules; do
	while read -r m params; do insmod /lib/$d/$m.ko $params; done < /lib/$d/order
done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host
for d in proc sys dev; do mount --bind /$d /host/$d; done
mount -t configfs configfs /host/sys/kernel/config
mount -t tmpfs run /host/run
mkdir -p /host/run/home /host/run/tmp
chroot /host /bin/sh -c "cd '$(cat /dir)' && HELIO_VM=1 HOME=/run/home TMPDIR=/run/tmp PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin $(cat /cmd)" > /dev/ttyS1 2>&1
echo "VM-EXIT=$?"
poweroff -f
INIT
chmod +x "$r/init"
(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) > "$w/initrd.gz"
timeout "${VM_TIMEOUT:-600}" qemu-system-x86_64 -accel tcg -smp 1 -m "${VM_MEM:-768}" \
	-nodefaults -no-user-config -nographic -no-reboot -nic none \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-serial "file:$w/console.log" -serial "file:$w/out.log" \
	-kernel "$rig/kernel/vmlinux" -initrd "$w/initrd.gz" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1" </dev/null >/dev/null 2>&1 || true
tr -d '\r' < "$w/out.log"
[ -z "${VM_LOG:-}" ] || tr -d '\r' < "$w/console.log" >> "$VM_LOG"
rc=$(tr -d '\r' < "$w/console.log" | grep -ao 'VM-EXIT=[0-9]*' | tail -n1 | cut -d= -f2)
if [ -z "$rc" ]; then
	echo "vm.sh: the VM did not finish (timeout or crash); kernel console:" >&2
	tail -n 30 "$w/console.log" >&2
	exit 125
fi
exit "$rc"
