#!/usr/bin/env bash
# The first command of the README: from a fresh clone on Debian 12, install
# what the build needs, get the model, build teachpad (release), write a
# session from the sign-language digits photos and replay it through the
# appliance's state machine, printing the summary.
#
# Usage: scripts/demo.sh
# Environment (all optional):
#   TEACHPAD_SHARED     the shared folder (default ../shared beside the clone)
#   TEACHPAD_MODEL      a local copy of the model (else $TEACHPAD_SHARED/models,
#                       else the public download; see board/fetch-model.sh)
#   TEACHPAD_DATA       the image folder (default
#                       $TEACHPAD_SHARED/data/sign-language-digits)
#   TEACHPAD_DEMO_DIR   where the model, session, serial log and saved head go
#                       (default .build/demo)
#   TEACHPAD_BUILD_DIR  SwiftPM's scratch folder (default .build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

say() { echo "demo: $*"; }
fail() {
  echo "demo: $*" >&2
  exit 1
}

work="${TEACHPAD_DEMO_DIR:-$root/.build/demo}"
shared="${TEACHPAD_SHARED:-$root/../shared}"
data="${TEACHPAD_DATA:-$shared/data/sign-language-digits}"
build_dir="${TEACHPAD_BUILD_DIR:-$root/.build}"
mkdir -p "$work"

say "1/5 build dependencies"
board/install-build-deps.sh

say "2/5 the model"
model="$work/mobilenet_v1_0.25_224_quant.tflite"
from=()
if [ -z "${TEACHPAD_MODEL:-}" ] && [ -f "$shared/models/mobilenet_v1_0.25_224_quant.tflite" ]; then
  from=(--from "$shared/models/mobilenet_v1_0.25_224_quant.tflite")
fi
board/fetch-model.sh --out "$model" "${from[@]}"

say "3/5 building teachpad (release)"
command -v swift > /dev/null \
  || fail "no swift on PATH: install the Swift 6 toolchain for Debian 12 from swift.org first"
[ -d "$data" ] || fail "image folder $data is missing (set TEACHPAD_DATA)"
swift build -c release --product teachpad --scratch-path "$build_dir"
teachpad="$(swift build -c release --scratch-path "$build_dir" --show-bin-path)/teachpad"

say "4/5 a session: 40 photos per class held on UP, DOWN, LEFT, RIGHT (digits 0, 1, 2, 5),"
say "    TRAIN, PLAY, then 100 photos of people not in the training photos"
"$teachpad" session --data "$data" --classes 0,1,2,5 --per-class 40 --test 100 \
  --seed 1 --out "$work/session.txt"

say "5/5 replaying it through the appliance loop (the model runs on every frame)"
rm -rf "$work/data"
TEACHPAD_MODEL="$model" "$teachpad" replay "$work/session.txt" \
  --serial "$work/serial.log" --data-dir "$work/data"
say "serial lines: $work/serial.log ($(wc -l < "$work/serial.log") lines)"
