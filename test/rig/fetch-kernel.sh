#!/bin/sh
# Fetches Debian's current amd64 kernel package and keeps what the test VM
# needs in test/rig/kernel/: the uncompressed vmlinux (qemu boots it directly
# through PVH, about twice as fast under TCG as the bzImage), the HID modules
# (uhid, hid-logitech-dj, hid-logitech-hidpp and what they need) and the
# virtio-9p modules that share the host's root with the guest. Run again to
# refresh; it does nothing when test/rig/kernel/ is complete.
set -eu
cd "$(dirname "$0")"
[ -f kernel/complete ] && exit 0
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
# copy MODULE... DEST: modules in load order (the initramfs has no modprobe).
copy() {
	dest=$1; shift
	for m in "$@"; do
		f=$(ls "$mods/$m".ko* | head -n1)
		case $f in
		*.xz) xz -dc "$f" > "$dest/$(basename "$m").ko" ;;
		*.zst) zstd -qdc "$f" > "$dest/$(basename "$m").ko" ;;
		*) cp "$f" "$dest/" ;;
		esac
		basename "$m" >> "$dest/order"
	done
}
copy kernel/modules drivers/hid/hid drivers/hid/uhid drivers/hid/hid-generic drivers/usb/common/usb-common \
	drivers/usb/core/usbcore drivers/hid/usbhid/usbhid drivers/hid/hid-logitech-dj drivers/hid/hid-logitech-hidpp
copy kernel/modules-9p drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
	drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci net/9p/9pnet net/9p/9pnet_virtio \
	fs/netfs/netfs fs/fscache/fscache fs/9p/9p
echo "$kver" > kernel/version
rm -rf dl/x
touch kernel/complete
echo "fetch-kernel: $pkg ($kver) ready in test/rig/kernel" >&2
