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
