# vboard-timeout: 420
# The appliance end to end: `teachpad run` with the vivid camera, two
# classes collected by holding UP (colour bars) and DOWN (checkers), TRAIN,
# PLAY, and the right direction lines arriving at the host for each
# picture; SIGTERM ends it with status 0. Slow under TCG (every frame goes
# through the network).
source "$VBOARD_HERE/guest/lib.sh"
vb_need_teachpad run
set -e
[ -n "${TEACHPAD_MODEL:-}" ] || export TEACHPAD_MODEL="$VBOARD_PROJECT/../shared/models/mobilenet_v1_0.25_224_quant.tflite"
[ -f "$TEACHPAD_MODEL" ] || vb_skip "no model at $TEACHPAD_MODEL"
vb_teachpad_config /tmp/run.conf /dev/video0 head.kind=knn camera.warmup_frames=1 \
  serial.direction_repeat_ms=1000 predict.smoothing_frames=1 predict.confidence_floor=0.3
rm -rf /tmp/teachpad-data/*
bars=1 checkers=10
v4l2-ctl -d /dev/video0 -c test_pattern=$bars
vb_peer_record
received=/vboard/peer-received
"$VB_TEACHPAD" run --config /tmp/run.conf > /tmp/run.out 2> /tmp/run.err &
teachpad=$!
trap 'kill $teachpad 2>/dev/null || true' EXIT
show() { sed 's/^/  log: /' /tmp/run.err | tail -40; vb_note "host received:"; tr -d '\r' < "$received" | tail -30 | sed 's/^/    /'; }
step() { vb_note "$(( ($(vb_ms) - begun) / 1000 )) s: $*"; }
begun=$(vb_ms)
vb_wait_for 'TPSTA' 120 "$received" $teachpad || { show; vb_fail "no state line from teachpad run"; }
step "running"

collect() {  # PIN PATTERN TOKEN
  v4l2-ctl -d /dev/video0 -c test_pattern=$2
  sleep 1
  vb_gpio_press $1
  vb_wait_for "COLLECT,$3,3" 120 "$received" $teachpad || { show; vb_fail "no 3 examples of $3 collected"; }
  # Released, and back to IDLE before the next button, as a player who
  # watches the LEDs would. (Seen on 3 Dec: DOWN pressed within the loop
  # turn that saw UP's release never started collecting, though held 120 s.)
  local idle; idle=$(grep -c 'TPSTA,[0-9]*,IDLE' "$received" || true)
  vb_gpio_release $1
  local end=$((EPOCHSECONDS + 120))
  until (( $(grep -c 'TPSTA,[0-9]*,IDLE' "$received" || true) > idle )); do
    ((EPOCHSECONDS < end)) || { show; vb_fail "no IDLE after releasing $3"; }
    sleep 0.5
  done
  step "collected $3"
}
collect 5 $bars UP
collect 6 $checkers DOWN
# A command button is held until the loop has turned twice (its heartbeat
# lines come from the loop; a frame takes seconds under TCG), so that the
# press is not lost to the debouncer's late settling (see case 43).
turns() {
  local before; before=$(grep -c TPHBT "$received" || true)
  local end=$((EPOCHSECONDS + 90))
  while ((EPOCHSECONDS < end)); do
    (( $(grep -c TPHBT "$received" || true) >= before + $1 )) && return 0
    sleep 0.5
  done
}
click() { vb_gpio_press $1; turns 2; vb_gpio_release $1; }
click 26
vb_wait_for 'TRAIN,100' 120 "$received" $teachpad || { show; vb_fail "training did not finish"; }
step "trained"
sleep 1
click 21
vb_wait_for 'PLAY' 60 "$received" $teachpad || { show; vb_fail "no PLAY state"; }
step "playing"
expect() {  # PATTERN TOKEN
  v4l2-ctl -d /dev/video0 -c test_pattern=$1
  : > /tmp/mark; local from; from=$(wc -l < "$received")
  local i
  for ((i = 0; i < 240; i++)); do
    tail -n +$((from + 1)) "$received" | grep -q "TPDIR,[0-9]*,$2," && return 0
    sleep 0.5
  done
  return 1
}
expect $checkers DOWN || { show; vb_fail "no DOWN direction for the checkers"; }
step "DOWN for the checkers"
expect $bars UP || { show; vb_fail "no UP direction for the colour bars"; }
step "UP for the colour bars"
kill -TERM $teachpad
status=0
wait $teachpad || status=$?
trap - EXIT
show
[ "$status" = 0 ] || vb_fail "teachpad run exited with $status after SIGTERM"
