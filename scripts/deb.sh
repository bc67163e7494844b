#!/bin/sh
# Builds Helio's Debian package, bin/helio_VERSION_ARCH.deb, with Debian's
# own tools (dpkg-deb, dpkg-shlibdeps, help2man, lintian), from what
# "make install PREFIX=/usr" installs plus what a package adds: the udev
# rule, shell completions, man pages made from --help, the Prometheus
# examples, the copyright and changelog. lintian must report no error.
# Run by "make deb", which builds bin/helio and bin/helio-window first and
# sets GO and MAKE.
set -eu
cd "$(dirname "$0")/.."
: "${GO:=go}" "${MAKE:=make}"
MAINTAINER=${DEB_MAINTAINER:-Helio developers <helio-linux@users.noreply.github.com>}

# The version: a tag v1.2.3 gives 1.2.3, N commits after it 1.2.3+N.gHASH;
# with no tag, 0~gitDATE.HASH, below any release. Debian versions start
# with a digit; "git describe" alone does not.
hash=$(git rev-parse --short HEAD)
if tag=$(git describe --tags --match 'v[0-9]*' --abbrev=0 2>/dev/null); then
	n=$(git rev-list --count "$tag"..HEAD)
	version=${tag#v}
	[ "$n" = 0 ] || version=$version+$n.g$hash
else
	version=0~git$(git log -1 --format=%cd --date=format:%Y%m%d).$hash
fi
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	version=$version.dirty
fi
arch=$(dpkg --print-architecture)
# Every file's time is the commit's, so the same commit makes the same
# package (dpkg-deb reads SOURCE_DATE_EPOCH too).
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
export SOURCE_DATE_EPOCH

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
$MAKE --no-print-directory install DESTDIR="$root" PREFIX=/usr SYSCONFDIR=/etc >/dev/null
doc=$root/usr/share/doc/helio

# Debian strips its binaries (dh_strip): the debug information is a third
# of a Go binary.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/helio" "$root/usr/bin/helio-window"

# The udev rule, where packages put theirs.
install -D -m 0644 assets/udev/42-helio.rules "$root/usr/lib/udev/rules.d/42-helio.rules"

# Shell completions, made by the binary itself.
helio=$root/usr/bin/helio
install -d "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
	"$root/usr/share/fish/vendor_completions.d"
"$helio" completion bash > "$root/usr/share/bash-completion/completions/helio"
"$helio" completion zsh > "$root/usr/share/zsh/vendor-completions/_helio"
"$helio" completion fish > "$root/usr/share/fish/vendor_completions.d/helio.fish"

# Man pages from --help: helio's with every command's help, as "helio help
# COMMAND" prints it, in a COMMANDS section.
roff() { sed -e 's/\\/\\e/g' -e "s/^[.']/\\\\\&&/"; }
{
	echo '[COMMANDS]'
	for c in $("$helio" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'); do
		echo ".SS $c"
		echo ".nf"
		"$helio" help "$c" | roff
		echo ".fi"
	done
	echo '[FILES]'
	echo '.TP'
	echo '$XDG_CONFIG_HOME/helio/config.toml'
	echo 'The config file (see /usr/share/doc/helio/README.md).'
	echo '.TP'
	echo '$XDG_STATE_HOME/helio/history.db'
	echo 'The history of every device'\''s figures.'
	echo '.TP'
	echo '$XDG_CACHE_HOME/helio/devices.json'
	echo 'What does not change while a device stays paired.'
} > "$work/helio.h2m"
man=$root/usr/share/man/man1
install -d "$man"
# help2man runs the program with --help; helio's usage goes to stdout only
# outside a desktop session.
env -u DISPLAY -u WAYLAND_DISPLAY help2man --no-info --no-discard-stderr --version-string="$version" \
	--name="batteries of Logitech wireless devices, and the light on solar keyboards" \
	--include="$work/helio.h2m" "$helio" > "$man/helio.1"
env -u DISPLAY -u WAYLAND_DISPLAY help2man --no-info --no-discard-stderr --version-string="$version" \
	--name="Helio's window: devices, charts of charge and light, settings" \
	"$root/usr/bin/helio-window" > "$man/helio-window.1"
gzip -9n "$man/helio.1" "$man/helio-window.1"

# Documentation: the README, the Prometheus examples, the copyright and a
# changelog.
install -D -m 0644 README.md "$doc/README.md"
install -d "$doc/examples/prometheus"
install -m 0644 assets/prometheus/prometheus.yml assets/prometheus/helio.rules.yml \
	assets/prometheus/helio.rules.test.yml "$doc/examples/prometheus/"
{
	echo "Helio, a companion for Logitech wireless devices"
	echo "Source: https://github.com/helio-linux/helio (commit $(git rev-parse HEAD))"
	echo
	first=$(git log --reverse --format=%cd --date=format:%Y | head -1)
	last=$(git log -1 --format=%cd --date=format:%Y)
	years=$first; [ "$first" = "$last" ] || years=$first-$last
	echo "Copyright (C) $years the Helio authors."
	echo "Helio's repository does not state a license yet."
	echo
	echo "The binaries are Go programs that include, statically, these modules, each"
	echo "under its own license, which its source states:"
	"$GO" version -m "$helio" "$root/usr/bin/helio-window" | awk '$1 == "dep" { print "  " $2 " " $3 }' | sort -u
} > "$doc/copyright"
{
	echo "helio ($version) unstable; urgency=medium"
	echo
	echo "  * Built from commit $hash of https://github.com/helio-linux/helio:"
	echo "    $(git log -1 --format=%s | cut -c1-66)"
	echo
	echo " -- $MAINTAINER  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$doc/changelog.gz"

# Modes as Debian wants them, whatever the umask was.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod 0644 {} +
chmod 0755 "$root/usr/bin/helio" "$root/usr/bin/helio-window"

# The control files: shared libraries give the dependencies.
mkdir -p "$root/DEBIAN" "$work/debian"
printf 'Source: helio\n\nPackage: helio\nArchitecture: any\n' > "$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O "$root/usr/bin/helio" "$root/usr/bin/helio-window" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
cat > "$root/DEBIAN/control" <<EOF
Package: helio
Version: $version
Architecture: $arch
Maintainer: $MAINTAINER
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Suggests: prometheus-node-exporter
Section: utils
Priority: optional
Homepage: https://github.com/helio-linux/helio
Description: batteries of Logitech wireless devices, and a solar keyboard's light
 Helio talks HID++ to Logitech receivers (Unifying, Bolt, Nano, Lightspeed)
 and reads the battery of every paired device and, for the solar keyboard
 K750, the light it receives, in lux. It shows them in a tray icon with
 notifications, a window with charts, a command line (text, JSON, UPower's
 layout, waybar), a UPower-style D-Bus export, and metrics for Prometheus.
 .
 The udev rule lets the user at the seat open the receivers without root.
EOF
echo /etc/xdg/autostart/io.github.helio-tray.desktop > "$root/DEBIAN/conffiles"
# The metrics timer's device cache is made by systemd at its first run.
cat > "$root/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
	rm -rf /var/cache/helio
fi
EOF
chmod 0755 "$root/DEBIAN/postrm"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

rm -f bin/helio_*.deb
deb=bin/helio_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb: $(du -k "$deb" | cut -f1) KiB, installs $(du -sk --exclude=DEBIAN "$root" | cut -f1) KiB"

# lintian: no error; warnings are printed. (Go builds no PIE unless asked,
# and a PIE build of the window compiles all of go-gl's C again: lintian's
# hardening-no-pie warning stays.)
lintian --fail-on error "$deb"
echo "lintian: no error"
