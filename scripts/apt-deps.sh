#!/bin/sh
# Installs the Debian packages in $@ that are not installed yet (as root, or
# through sudo). Quiet when there is nothing to do.
set -eu
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
run() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "apt-deps: installing$missing" >&2
run apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive run apt-get install -y -qq --no-install-recommends $missing >&2
