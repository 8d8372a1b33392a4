#!/usr/bin/env bash
# Times teachpad's dense head against TF Keras fitting the same head (same
# layers, initializers, Adam, learning rate 0.0001, batch fraction 0.4,
# 20 epochs, 100 units) on the same activations: the 4-class (0,1,2,5)
# training part of sign-language-digits, split by person. Prints both fit
# times (median of 3), their ratio and both test accuracies.
#
# Usage: bash bench/keras/run.sh   (needs ../shared beside the repository,
# network access to PyPI the first time; the virtualenv is kept in
# $TEACHPAD_KERAS_VENV, default /tmp/teachpad-keras-venv; the build folder
# is $TEACHPAD_BUILD, default .build)
set -euo pipefail
cd "$(dirname "$0")/../.."

shared="${TEACHPAD_SHARED:-../shared}"
data="$shared/data/sign-language-digits/images"
export TEACHPAD_MODEL="${TEACHPAD_MODEL:-$shared/models/mobilenet_v1_0.25_224_quant.tflite}"
venv="${TEACHPAD_KERAS_VENV:-/tmp/teachpad-keras-venv}"
work="$(mktemp -d "${TMPDIR:-/tmp}/keras-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import tensorflow" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet tensorflow-cpu
fi

scratch=(--scratch-path "${TEACHPAD_BUILD:-.build}")
swift build -c release "${scratch[@]}" --product teachpad > "$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
teachpad="$(swift build -c release "${scratch[@]}" --show-bin-path)/teachpad"
split=(--data "$data" --classes 0,1,2,5 --split-seed 1 --test-fraction 0.25)

# Activations (cached after the first run) and the exported datasets.
"$teachpad" train "${split[@]}" --split train --out "$work/head" \
  --save-dataset "$work/train.tpds" > "$work/train-0.log" 2> /dev/null
"$teachpad" eval "${split[@]}" --split test --head "$work/head" \
  --save-dataset "$work/test.tpds" > "$work/eval.log"

# teachpad: three fits, the median fit time (activation loading excluded,
# as Keras's is).
times=()
processor_times=()
for seed in 1 2 3; do
  "$teachpad" train "${split[@]}" --split train --seed "$seed" \
    --out "$work/head-$seed" > "$work/train-$seed.log" 2> /dev/null
  times+=("$(awk '/^fit time:/ {print $3}' "$work/train-$seed.log")")
  processor_times+=("$(awk '/^fit time:/ {print $7}' "$work/train-$seed.log")")
done
teachpad_ms="$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)"
teachpad_processor_ms="$(printf '%s\n' "${processor_times[@]}" | sort -g | sed -n 2p)"
accuracies=()
for seed in 1 2 3; do
  "$teachpad" eval "${split[@]}" --split test --head "$work/head-$seed" \
    > "$work/eval-$seed.log"
  accuracies+=("$(awk '/^accuracy:/ {print $2}' "$work/eval-$seed.log")")
done
teachpad_accuracy="$(printf '%s\n' "${accuracies[@]}" | sort -g | sed -n 2p)"

"$venv/bin/python" bench/keras/fit.py "$work/train.tpds" "$work/test.tpds" \
  --repeats 3 > "$work/keras.txt"
keras_ms="$(awk '/^keras_fit_ms/ {print $2}' "$work/keras.txt")"
keras_processor_ms="$(awk '/^keras_processor_ms/ {print $2}' "$work/keras.txt")"
keras_accuracy="$(awk '/^keras_accuracy/ {print $2}' "$work/keras.txt")"
keras_version="$(awk '/^keras_version/ {print $2}' "$work/keras.txt")"

examples="$(awk '/^examples:/ {print $2}' "$work/train-1.log")"
echo "training examples: $examples (classes 0,1,2,5, split-seed 1, test fraction 0.25)"
echo "teachpad fit: $teachpad_ms ms, processor $teachpad_processor_ms ms" \
  "(medians of 3), test accuracy $teachpad_accuracy"
echo "keras fit:    $keras_ms ms, processor $keras_processor_ms ms (medians of 3," \
  "tensorflow-cpu $keras_version), test accuracy $keras_accuracy"
awk -v t="$teachpad_ms" -v k="$keras_ms" -v tp="$teachpad_processor_ms" \
  -v kp="$keras_processor_ms" 'BEGIN {
    printf "ratio teachpad/keras: %.3f wall, %.3f processor (target <= 0.1)\n",
      t / k, tp / kp }'
