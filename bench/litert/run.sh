#!/usr/bin/env bash
# Times teachpad against LiteRT's default interpreter (XNNPACK) on the same
# model, in the same run, and prints teachpad's time divided by LiteRT's
# for one thread and for all threads. Both run the whole model (input to
# probabilities); teachpad's time to the cut tensor is printed as well.
#
#   bash bench/litert/run.sh [MODEL] [RUNS]
#
# Needs network access to PyPI the first time (ai-edge-litert, numpy go
# into a virtualenv under ${TEACHPAD_BENCH_VENV:-/tmp/teachpad-litert-venv}).
set -euo pipefail
cd "$(dirname "$0")/../.."

model=${1:-${TEACHPAD_MODEL:-../shared/models/mobilenet_v1_0.25_224_quant.tflite}}
runs=${2:-200}
venv=${TEACHPAD_BENCH_VENV:-/tmp/teachpad-litert-venv}
threads=$(nproc)

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
fi
"$venv/bin/python" -c "import ai_edge_litert" 2>/dev/null \
  || "$venv/bin/pip" install -q ai-edge-litert numpy

swift build -c release --product teachpad >/dev/null
teachpad=.build/release/teachpad

# One-thread rounds pin both programs to the same processor, a different
# one each round (the two processors of this machine differ in speed from
# moment to moment); runs on all threads are not pinned.
pin=()
# Both programs run under the real-time FIFO policy when this user may set
# it (root may; TEACHPAD_BENCH_REALTIME=0 turns it off), so that other
# processes on a shared machine do not take turns on the processors in the
# middle of a timed run. Each program gets the same treatment.
realtime=()
if [ "${TEACHPAD_BENCH_REALTIME:-1}" != 0 ] && chrt -f 10 true 2>/dev/null; then
  realtime=(chrt -f 10)
fi

litert() {
  "${realtime[@]}" "${pin[@]}" "$venv/bin/python" - "$model" "$1" "$runs" <<'PY'
import sys, time
import numpy as np
from ai_edge_litert.interpreter import Interpreter
model, threads, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
interpreter = Interpreter(model_path=model, num_threads=threads)
interpreter.allocate_tensors()
detail = interpreter.get_input_details()[0]
image = np.random.default_rng(0).integers(0, 256, size=detail["shape"], dtype=np.uint8)
interpreter.set_tensor(detail["index"], image)
for _ in range(20):
    interpreter.invoke()
times = []
for _ in range(runs):
    start = time.perf_counter()
    interpreter.invoke()
    times.append(time.perf_counter() - start)
print("%.4f" % (1000 * float(np.median(times))))
PY
}

teachpad_ms() {
  "${realtime[@]}" "${pin[@]}" "$teachpad" bench --model "$model" --threads "$1" --runs "$runs" $2 \
    | sed -n "s/^median_ms\[$1\]=//p" | tail -n 1
}

median() { python3 -c "import sys, statistics; print('%.4f' % statistics.median(float(v) for v in sys.argv[1:]))" "$@"; }

# Timings on a shared machine drift between processes, so the two programs
# take turns, ${TEACHPAD_BENCH_ROUNDS:-7} rounds, and each time is the median
# of the rounds' medians. The ratio is the median of each round's ratio (the
# two programs' runs in one round are seconds apart, so drift between rounds
# cancels out of it).
rounds=${TEACHPAD_BENCH_ROUNDS:-7}
echo "model: $model; $rounds rounds, each the median of $runs runs after warm-up; $(nproc) cores;" \
  "scheduling: ${realtime[*]:-normal}"
printf "%-8s %-14s %-14s %-14s %-16s %s\n" threads "LiteRT ms" "teachpad ms" "ratio" "round ratios" "teachpad cut ms"
for count in 1 "$threads"; do
  [ "$count" = 1 ] && [ "$threads" = 1 ] && continue
  litert_all=(); full_all=(); cut_all=(); ratio_all=()
  for round in $(seq "$rounds"); do
    pin=(env)
    [ "$count" = 1 ] && pin=(taskset -c $(( round % threads )))
    # The two programs take turns going first.
    if [ $(( round % 2 )) = 1 ]; then
      litert_all+=("$(litert "$count")")
      full_all+=("$(teachpad_ms "$count" --full)")
    else
      full_all+=("$(teachpad_ms "$count" --full)")
      litert_all+=("$(litert "$count")")
    fi
    cut_all+=("$(teachpad_ms "$count" "")")
    ratio_all+=("$(python3 -c "print('%.4f' % (${full_all[-1]} / ${litert_all[-1]}))")")
  done
  litert_ms=$(median "${litert_all[@]}")
  full_ms=$(median "${full_all[@]}")
  cut_ms=$(median "${cut_all[@]}")
  ratio=$(median "${ratio_all[@]}")
  spread=$(python3 -c "import sys; v=sorted(float(x) for x in sys.argv[1:]); print('%.2f-%.2f' % (v[0], v[-1]))" "${ratio_all[@]}")
  printf "%-8s %-14s %-14s %-14s %-16s %s\n" "$count" "$litert_ms" "$full_ms" "$ratio" "$spread" "$cut_ms"
done
