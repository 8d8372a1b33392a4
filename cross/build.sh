#!/usr/bin/env bash
# Builds teachpad for the Raspberry Pi (aarch64 Linux) in Embedded Swift:
# makes the Debian arm64 sysroot if needed, writes the SwiftPM toolset for
# it, and runs SwiftPM with --triple aarch64-none-none-elf. The result is an
# ordinary dynamically linked aarch64 executable (interpreter
# /lib/ld-linux-aarch64.so.1) that needs no Swift runtime on the Pi.
#
# Usage: bash cross/build.sh          -> cross/out/teachpad (and .stripped)
#   TEACHPAD_ARM_SCRATCH  SwiftPM scratch folder (default .build/aarch64)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
sysroot="$root/cross/sysroot"
scratch="${TEACHPAD_ARM_SCRATCH:-$root/.build/aarch64}"
output="$root/cross/out"

bash cross/make-sysroot.sh

# The toolset names absolute paths, so it is written per checkout.
swift_compiler="$(readlink -f "$(command -v swiftc)")"
toolchain="$(dirname "$(dirname "$swift_compiler")")"
embedded_libraries="$toolchain/lib/swift/embedded/aarch64-none-none-elf"
[ -f "$embedded_libraries/libswiftUnicodeDataTables.a" ] || {
  echo "cross/build.sh: no Embedded aarch64 libraries in $embedded_libraries" \
    "(a Swift 6.3 toolchain has them)" >&2
  exit 1
}
mkdir -p cross/cache
toolset="$root/cross/cache/toolset.json"
sed -e "s|@SYSROOT@|$sysroot|g" \
  -e "s|@EMBEDDED_LIBRARIES@|$embedded_libraries|g" \
  cross/toolset.json.in > "$toolset"

# pkg-config answers from the sysroot's .pc files only.
export PKG_CONFIG_SYSROOT_DIR="$sysroot"
export PKG_CONFIG_LIBDIR="$sysroot/usr/lib/aarch64-linux-gnu/pkgconfig:$sysroot/usr/share/pkgconfig"
unset PKG_CONFIG_PATH

start=$SECONDS
TEACHPAD_TARGET=aarch64 swift build -c release --product teachpad \
  --triple aarch64-none-none-elf --toolset "$toolset" \
  --scratch-path "$scratch"
built="$scratch/aarch64-none-none-elf/release/teachpad"

mkdir -p "$output"
cp "$built" "$output/teachpad"
"$toolchain/bin/llvm-objcopy" --strip-all "$output/teachpad" \
  "$output/teachpad.stripped"
echo "cross/build.sh: cross/out/teachpad built in $((SECONDS - start)) s," \
  "stripped $(stat -c %s "$output/teachpad.stripped") bytes"
