#!/usr/bin/env bash
# The ARM build's proof, run by Tests/run-all.sh after the host tests:
#   1. the toolchain probe builds for aarch64 and runs under qemu;
#   2. teachpad builds for aarch64; its stripped size is printed;
#   3. it is an aarch64 Linux executable and the optimized inference kernels
#      hold NEON multiply-accumulates (cross/inspect-binary.py);
#   4. the ARM `teachpad infer` writes the golden cut-tensor bytes for every
#      golden input;
#   5. the ARM `teachpad train` and `eval` reach the host build's accuracy
#      on a small real image set with the same seed.
# Steps 4 and 5 need the host build (.build/release/teachpad) for step 5
# and ../shared (or TEACHPAD_SHARED).
#
# Usage: bash cross/arm-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
source cross/env.sh
shared="${TEACHPAD_SHARED:-$root/../shared}"
model="${TEACHPAD_MODEL:-$shared/models/mobilenet_v1_0.25_224_quant.tflite}"
golden="$shared/models/golden"
images="$shared/data/sign-language-digits/images"
work="$(mktemp -d "${TMPDIR:-/tmp}/arm-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT
size_target_bytes=$((150 * 1024))

say() { echo "arm-check: $*"; }
fail() {
  echo "arm-check: FAILED: $*" >&2
  exit 1
}
step_started=$SECONDS
# lap: sets $elapsed to the seconds since the last lap.
lap() {
  elapsed="$((SECONDS - step_started)) s"
  step_started=$SECONDS
}

# 1. The probe: toolchain and sysroot, apart from product code.
bash cross/make-sysroot.sh
write_toolset
arm_build_executable "$root/cross/probe" "$root/.build/aarch64-probe" probe \
  "$work/probe" > "$work/probe.log" 2>&1 || {
  cat "$work/probe.log" >&2
  fail "the toolchain probe (cross/probe) does not build for aarch64"
}
probe_output="$(TEACHPAD_ARM_BINARY="$work/probe" bash cross/run.sh)"
[ "$probe_output" = "probe aarch64 12 5050" ] \
  || fail "the probe printed '$probe_output', expected 'probe aarch64 12 5050'"
lap
say "toolchain probe runs under qemu-aarch64: '$probe_output' ($elapsed)"

# 2. teachpad for the Pi.
bash cross/build.sh > "$work/build.log" 2>&1 || {
  tail -40 "$work/build.log" >&2
  fail "teachpad does not build for aarch64 (bash cross/build.sh)"
}
binary="$root/cross/out/teachpad"
lap
say "teachpad for aarch64 built ($elapsed)"
python3 cross/inspect-binary.py "$binary" "$binary.stripped" \
  "$toolchain/bin/llvm-objdump" "$binary.map" | tee "$work/inspect.txt" \
  || fail "the ARM binary's interpreter or its NEON kernels are wrong (above)"
file_bytes="$(stat -c %s "$binary.stripped")"
own_bytes="$(sed -n "s/^inspect: teachpad's own code: \([0-9]*\) bytes$/\1/p" \
  "$work/inspect.txt")"
[ -n "$own_bytes" ] || fail "inspect-binary.py printed no size of teachpad's own code"
say "stripped size of teachpad for the Pi: $file_bytes bytes, of which" \
  "$own_bytes are teachpad's own code (target at most $size_target_bytes)"
[ "$own_bytes" -le "$size_target_bytes" ] \
  || say "WARNING: teachpad's own code is over the $size_target_bytes-byte target"
bash cross/run.sh help > "$work/help.txt" 2>&1 || true
grep -q "usage: teachpad" "$work/help.txt" \
  || fail "the ARM teachpad does not start: $(head -3 "$work/help.txt")"

has_command() { grep -qE "^  $1 " "$work/help.txt"; }

# 4. Golden cut tensors, byte for byte.
if has_command infer; then
  [ -f "$model" ] || fail "no model at $model (set TEACHPAD_MODEL or TEACHPAD_SHARED)"
  shopt -s nullglob
  count=0
  for input in "$golden"/input_*_1x224x224x3_u8.bin; do
    name="$(basename "$input")"
    name="${name#input_}"
    name="${name%_1x224x224x3_u8.bin}"
    expected="$golden/trunc_ref_${name}_1x7x7x256_u8.bin"
    bash cross/run.sh infer --model "$model" --input "$input" \
      --out "$work/cut_$name.bin" > "$work/infer_$name.log" 2>&1 || {
      cat "$work/infer_$name.log" >&2
      fail "the ARM teachpad infer failed on $name"
    }
    cmp "$expected" "$work/cut_$name.bin" \
      || fail "the ARM cut tensor of $name differs from $expected"
    count=$((count + 1))
  done
  [ "$count" -gt 0 ] || fail "no golden inputs in $golden"
  lap
  say "ARM infer reproduces the golden cut tensor of $count inputs exactly ($elapsed)"
else
  say "skipped the golden check: teachpad has no infer command yet"
fi

# 5. Train and evaluate a head on the host and on ARM: same accuracy.
if has_command train && has_command eval; then
  host_binary="$(swift build -c release --show-bin-path)/teachpad"
  [ -x "$host_binary" ] || fail "no host build at $host_binary (run swift build -c release)"
  # A few dozen real images: 8 to train and 4 to test for each of 4 labels.
  for label in 0 1 2 5; do
    mkdir -p "$work/train/$label" "$work/test/$label"
    mapfile -t files < <(ls "$images/$label" | sort | head -12)
    for file in "${files[@]:0:8}"; do ln -s "$images/$label/$file" "$work/train/$label/"; done
    for file in "${files[@]:8:4}"; do ln -s "$images/$label/$file" "$work/test/$label/"; done
  done
  for build in host arm; do
    if [ "$build" = host ]; then run=("$host_binary"); else run=(bash cross/run.sh); fi
    "${run[@]}" train --data "$work/train" --out "$work/$build.head" \
      --classes 0,1,2,5 --epochs 20 --seed 7 --model "$model" \
      --cache "$work/cache-$build" > "$work/train-$build.log" 2>&1 || {
      cat "$work/train-$build.log" >&2
      fail "teachpad train failed on the $build build"
    }
    "${run[@]}" eval --data "$work/test" --head "$work/$build.head" \
      --model "$model" --cache "$work/cache-$build" > "$work/eval-$build.log" 2>&1 || {
      cat "$work/eval-$build.log" >&2
      fail "teachpad eval failed on the $build build"
    }
  done
  host_accuracy="$(grep -m1 '^accuracy: ' "$work/eval-host.log" || true)"
  arm_accuracy="$(grep -m1 '^accuracy: ' "$work/eval-arm.log" || true)"
  [ -n "$host_accuracy" ] || fail "the host eval printed no 'accuracy:' line"
  [ "$host_accuracy" = "$arm_accuracy" ] \
    || fail "ARM eval says '$arm_accuracy', the host says '$host_accuracy'"
  lap
  say "ARM train and eval match the host on 48 images: $arm_accuracy ($elapsed)"
else
  say "skipped the training check: teachpad has no train and eval commands yet"
fi
say "all ARM checks passed"
