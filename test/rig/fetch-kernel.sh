#!/bin/sh
# Fetches Debian's current amd64 kernel package and keeps what the test VM
# needs in test/rig/kernel/: the uncompressed vmlinux (qemu boots it directly
# through PVH, about twice as fast under TCG as the bzImage), the HID modules
# (uhid, hid-logitech-dj, hid-logitech-hidpp and what they need), the USB
# gadget modules that put an emulated receiver on a virtual USB bus
# (dummy_hcd, libcomposite, usb_f_hid, usb_f_fs) and the virtio-9p modules that share
# the host's root with the guest.
#
# kernel/complete holds the module lists of the last fetch: it does nothing
# when they are the lists below, and fetches again when they changed (the
# package is kept in dl/, so a refresh costs no download while Debian's
# current kernel is still the one kept). Remove kernel/ to force a refresh.
set -eu
cd "$(dirname "$0")"
# Modules in load order (the initramfs has no modprobe): each after those
# it depends on ("modinfo -F depends"). A line may give parameters.
# dummy_hcd comes last, once every driver the host side needs is loaded;
# is_high_speed=0 makes its bus full speed, as the receivers are.
MODULES='drivers/hid/hid
drivers/hid/uhid
drivers/hid/hid-generic
drivers/usb/common/usb-common
drivers/usb/core/usbcore
drivers/hid/usbhid/usbhid
drivers/hid/hid-logitech-dj
drivers/hid/hid-logitech-hidpp
fs/configfs/configfs
drivers/usb/gadget/udc/udc-core
drivers/usb/gadget/libcomposite
drivers/usb/gadget/function/usb_f_hid
drivers/usb/gadget/function/usb_f_fs
drivers/usb/gadget/udc/dummy_hcd is_high_speed=0'
MODULES_9P='drivers/virtio/virtio_ring
drivers/virtio/virtio
drivers/virtio/virtio_pci_modern_dev
drivers/virtio/virtio_pci_legacy_dev
drivers/virtio/virtio_pci
net/9p/9pnet
net/9p/9pnet_virtio
fs/netfs/netfs
fs/fscache/fscache
fs/9p/9p'
stamp=$(printf 'modules:\n%s\nmodules-9p:\n%s\n' "$MODULES" "$MODULES_9P")
[ -f kernel/complete ] && [ "$(cat kernel/complete)" = "$stamp" ] && exit 0
[ ! -f kernel/complete ] || echo "fetch-kernel: the module lists changed: fetching again" >&2
find_pkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
pkg=${1:-$(find_pkg)}
if [ -z "$pkg" ]; then
	apt-get update -qq >&2   # a fresh machine may have no package lists yet
	pkg=$(find_pkg)
fi
[ -n "$pkg" ] || { echo "fetch-kernel: no linux-image package found" >&2; exit 1; }
rm -rf kernel dl/x
mkdir -p dl kernel/modules kernel/modules-9p
(cd dl && ls "$pkg"_*.deb >/dev/null 2>&1 || apt-get download "$pkg")
dpkg -x "$(ls dl/"$pkg"_*.deb | head -n1)" dl/x
kver=$(ls dl/x/lib/modules | head -n1)
mods=dl/x/lib/modules/$kver/kernel
python3 - "dl/x/boot/vmlinuz-$kver" kernel/vmlinux <<'PY'
import lzma, sys
image = open(sys.argv[1], "rb").read()
start = image.find(b"\xfd7zXZ\x00")  # Debian compresses the payload with xz
if start < 0:
    sys.exit("fetch-kernel: no xz payload in " + sys.argv[1])
open(sys.argv[2], "wb").write(lzma.LZMADecompressor().decompress(image[start:]))
PY
# copy DEST LIST: the modules of LIST, one "PATH [PARAM=VALUE]..." a line,
# into DEST, and DEST/order, "NAME [PARAM=VALUE]..." a line, for vm.sh.
copy() {
	dest=$1
	echo "$2" | while read -r m params; do
		f=$(ls "$mods/$m".ko* | head -n1)
		case $f in
		*.xz) xz -dc "$f" > "$dest/$(basename "$m").ko" ;;
		*.zst) zstd -qdc "$f" > "$dest/$(basename "$m").ko" ;;
		*) cp "$f" "$dest/" ;;
		esac
		echo "$(basename "$m") $params" >> "$dest/order"
	done
}
copy kernel/modules "$MODULES"
copy kernel/modules-9p "$MODULES_9P"
echo "$kver" > kernel/version
rm -rf dl/x
echo "$stamp" > kernel/complete
echo "fetch-kernel: $pkg ($kver) ready in test/rig/kernel" >&2
