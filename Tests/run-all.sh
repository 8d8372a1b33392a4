#!/usr/bin/env bash
# The whole test suite: the host build's unit and golden tests, then the
# Embedded build check. Needs ../shared beside the repository (or
# TEACHPAD_SHARED pointing at it).
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product teachpad
swift test
# The real camera, GPIO and serial code against kernel devices in a QEMU
# virtual board (prepares itself from Debian packages; see its README).
bash Tests/VirtualBoard/vboard.sh test
bash cross/embedded-check.sh
# The Pi build under qemu (golden bytes, host-equal training, NEON kernels,
# size), then what goes on the Pi (unit, udev rules, scratch-root install).
bash cross/arm-check.sh
bash board/tests/board-test.sh
