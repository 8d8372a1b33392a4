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

# Keras stays up between its fits (a coprocess: TensorFlow loads once and
# warms up untimed); each round fits teachpad, then Keras, with the round's
# seed. Activation loading is outside both timings.
rounds="${TEACHPAD_KERAS_ROUNDS:-5}"
coproc KERAS { "$venv/bin/python" bench/keras/fit.py "$work/train.tpds" "$work/test.tpds" \
  2> "$work/keras.log"; }
read -r ready keras_version <&"${KERAS[0]}" \
  || { cat "$work/keras.log"; exit 1; }
[ "$ready" = ready ] || { cat "$work/keras.log"; exit 1; }

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
  print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mean() { printf '%s\n' "$@" | awk '{s += $1} END {printf "%.4f\n", s / NR}'; }

t_ms=(); t_cpu=(); t_acc=(); k_ms=(); k_cpu=(); k_acc=(); ratios=()
printf "%-6s %-12s %-12s %-8s %-14s %-14s\n" round "teachpad ms" "keras ms" ratio \
  "teachpad acc" "keras acc"
for seed in $(seq "$rounds"); do
  "$teachpad" train "${split[@]}" --split train --seed "$seed" \
    --out "$work/head-$seed" > "$work/train-$seed.log" 2> /dev/null
  "$teachpad" eval "${split[@]}" --split test --head "$work/head-$seed" \
    > "$work/eval-$seed.log"
  t_ms+=("$(awk '/^fit time:/ {print $3}' "$work/train-$seed.log")")
  t_cpu+=("$(awk '/^fit time:/ {print $7}' "$work/train-$seed.log")")
  t_acc+=("$(awk '/^accuracy:/ {print $2}' "$work/eval-$seed.log")")
  echo "$seed" >&"${KERAS[1]}"
  read -r ms cpu acc loss <&"${KERAS[0]}" || { cat "$work/keras.log"; exit 1; }
  k_ms+=("$ms"); k_cpu+=("$cpu"); k_acc+=("$acc")
  ratios+=("$(awk -v t="${t_ms[-1]}" -v k="$ms" 'BEGIN {printf "%.4f", t / k}')")
  printf "%-6s %-12s %-12s %-8s %-14s %-14s\n" "$seed" "${t_ms[-1]}" "$ms" "${ratios[-1]}" \
    "${t_acc[-1]}" "$acc"
done
exec {KERAS[1]}>&-
wait

examples="$(awk '/^examples:/ {print $2}' "$work/train-1.log")"
echo "training examples: $examples (classes 0,1,2,5, split-seed 1, test fraction 0.25)"
echo "teachpad fit: $(median "${t_ms[@]}") ms, processor $(median "${t_cpu[@]}") ms" \
  "(medians of $rounds), test accuracy mean $(mean "${t_acc[@]}")"
echo "keras fit:    $(median "${k_ms[@]}") ms, processor $(median "${k_cpu[@]}") ms" \
  "(medians of $rounds, tensorflow-cpu $keras_version), test accuracy mean $(mean "${k_acc[@]}")"
cpu_ratio="$(awk -v t="$(median "${t_cpu[@]}")" -v k="$(median "${k_cpu[@]}")" \
  'BEGIN {printf "%.3f", t / k}')"
echo "ratio teachpad/keras: $(median "${ratios[@]}") wall (median of the rounds'" \
  "ratios; $(printf '%s\n' "${ratios[@]}" | sort -g | head -1) to" \
  "$(printf '%s\n' "${ratios[@]}" | sort -g | tail -1)), $cpu_ratio processor (target <= 0.1)"
