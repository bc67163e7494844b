#!/bin/sh
# "go test -exec" wrapper: runs a test binary inside the VM (test/rig/vm.sh), in
# the package directory, as go test would run it here. The VM sees this
# machine's files, the binary included, read-only.
#   go test -exec "$PWD/test/rig/vmexec.sh" ./test/vm
set -eu
exec "$(cd "$(dirname "$0")" && pwd)/vm.sh" -C "$(pwd)" "$@"
