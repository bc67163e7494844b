#!/bin/sh
# Prints the path of a Go toolchain new enough for go.mod, installing what is
# missing on a Debian machine first: gcc (cgo, the race detector) and, when
# no recent Go is installed, Go itself. Debian ships only Go 1.19, which is
# too old, so it is used once to fetch the toolchain module named in go.mod
# from the Go module proxy, which is installed under /usr/local/go-<version>.
# Progress goes to stderr; stdout is only the path.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
want=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$here/go.mod")

log() { echo "ensure-go: $*" >&2; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
		log "need root to run: $*"; exit 1; fi
}

apt_install() {
	if [ -z "${apt_updated:-}" ]; then
		as_root apt-get update -qq >&2
		apt_updated=1
	fi
	log "installing $*"
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >&2
}

# version_ok GO: does GO run a version >= $want?
version_ok() {
	v=$("$1" env GOVERSION 2>/dev/null | sed 's/^go//') || return 1
	[ -n "$v" ] || return 1
	[ "$(printf '%s\n%s\n' "$want" "$v" | sort -V | head -n1)" = "$want" ]
}

command -v gcc >/dev/null || apt_install gcc libc6-dev

for g in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go "/usr/local/go-$want/bin/go"; do
	if [ -n "$g" ] && [ -x "$g" ] && version_ok "$g"; then
		echo "$g"
		exit 0
	fi
done

log "no Go >= $want found; fetching go$want from the Go module proxy"
command -v curl >/dev/null || apt_install ca-certificates curl
[ -x /usr/lib/go-1.19/bin/go ] || command -v go >/dev/null || apt_install golang-go
old=$(command -v go || echo /usr/lib/go-1.19/bin/go)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
arch=$(dpkg --print-architecture)
mod="golang.org/toolchain@v0.0.1-go$want.linux-$arch"
dir=$(cd "$tmp" && GO111MODULE=on GOPATH="$tmp/gopath" GOFLAGS=-modcacherw "$old" mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir" ] || { log "could not download $mod"; exit 1; }
as_root rm -rf "/usr/local/go-$want"
as_root cp -r "$dir" "/usr/local/go-$want"
as_root chmod -R a+rX "/usr/local/go-$want"
as_root find "/usr/local/go-$want/bin" "/usr/local/go-$want/pkg/tool" -type f -exec chmod a+x {} +
version_ok "/usr/local/go-$want/bin/go" || { log "the downloaded Go does not run"; exit 1; }
log "installed /usr/local/go-$want"
echo "/usr/local/go-$want/bin/go"
