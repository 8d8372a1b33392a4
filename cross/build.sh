#!/usr/bin/env bash
# Builds teachpad for the Raspberry Pi (aarch64 Linux) in Embedded Swift:
# makes the Debian arm64 sysroot if needed, writes the SwiftPM toolset for
# it, and runs SwiftPM with --triple aarch64-none-none-elf. The result is an
# ordinary dynamically linked aarch64 executable (interpreter
# /lib/ld-linux-aarch64.so.1) that needs no Swift runtime on the Pi.
#
# Usage: bash cross/build.sh    -> cross/out/teachpad and teachpad.stripped
#   TEACHPAD_ARM_SCRATCH  SwiftPM scratch folder (default .build/aarch64)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
source cross/env.sh
scratch="${TEACHPAD_ARM_SCRATCH:-$root/.build/aarch64}"
output="$root/cross/out"

bash cross/make-sysroot.sh
write_toolset

start=$SECONDS
arm_build_executable "$root" "$scratch" teachpad "$output/teachpad"
"$toolchain/bin/llvm-objcopy" --strip-all "$output/teachpad" \
  "$output/teachpad.stripped"
echo "cross/build.sh: cross/out/teachpad built in $((SECONDS - start)) s," \
  "stripped $(stat -c %s "$output/teachpad.stripped") bytes"
