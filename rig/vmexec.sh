#!/bin/sh
# "go test -exec" wrapper: runs a test binary inside the VM (rig/vm.sh), in
# the package directory, as go test would run it here.
#   go test -tags vm -exec "$PWD/rig/vmexec.sh" ./vmtest
set -eu
rig=$(cd "$(dirname "$0")" && pwd)
bin=$1; shift
# go test may build the binary under /tmp, which the VM replaces with an
# empty tmpfs: keep a copy under rig/build, which the VM sees.
mkdir -p "$rig/build"
copy=$(mktemp "$rig/build/test.XXXXXX")
trap 'rm -f "$copy"' EXIT
cp "$bin" "$copy"
chmod +x "$copy"
"$rig/vm.sh" -C "$(pwd)" "$copy" "$@"
