#!/usr/bin/env bash
# Runs the ARM build of teachpad on this machine under user-mode emulation,
# as a Raspberry Pi 4 (Cortex-A72) would, with the sysroot's libraries.
#
# Usage: bash cross/run.sh [teachpad arguments...]
#   TEACHPAD_ARM_BINARY  the executable to run (default cross/out/teachpad)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="${TEACHPAD_ARM_BINARY:-$here/out/teachpad}"
sysroot="$here/sysroot"

[ -x "$binary" ] || {
  echo "cross/run.sh: no ARM binary at $binary (run bash cross/build.sh)" >&2
  exit 1
}
[ -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || {
  echo "cross/run.sh: no sysroot at $sysroot (run bash cross/make-sysroot.sh)" >&2
  exit 1
}
emulator="$(command -v qemu-aarch64-static || true)"
[ -n "$emulator" ] || {
  echo "cross/run.sh: qemu-aarch64-static is missing (apt-get install" \
    "qemu-user-static)" >&2
  exit 1
}
exec "$emulator" -cpu cortex-a72 -L "$sysroot" "$binary" "$@"
