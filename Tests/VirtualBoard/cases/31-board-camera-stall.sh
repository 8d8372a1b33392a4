# teachpad's V4L2Camera: a feeder that stops is a stalled camera (no
# frames; the camera says so and retries), and frames come back by
# themselves when the feeder resumes. No nextFrame call overruns.
source "$VBOARD_HERE/guest/lib.sh"
vb_need_probe
set -e
"$VBOARD_TOOLS/vbfeed" "$VB_YUYV_CAMERA" yuyv 640 480 15 &
feeder=$!
sleep 0.5
"$VB_PROBE" camera-watch "$VB_YUYV_CAMERA" 18 > /tmp/watch 2> /tmp/watch.log &
probe=$!
vb_wait_for " frame" 20 /tmp/watch
sleep 3
kill -STOP $feeder
vb_note "feeder stopped"
sleep 6
kill -CONT $feeder
vb_note "feeder resumed"
wait $probe
cat /tmp/watch; sed 's/^/  log: /' /tmp/watch.log
states=$(awk '$1 != "slowest" {print $2}' /tmp/watch | tr '\n' ' ')
[[ "$states" =~ ^(noFrame\ |unavailable\ )*frame\ (.*\ )?(noFrame|unavailable)\ (.*\ )?frame\  ]] \
  || vb_fail "expected frames, then none, then frames again; got: $states"
slowest=$(awk '/slowest/ {print $3}' /tmp/watch)
# Reopening under TCG on a loaded host takes seconds; a call that blocked
# through the stall (6 s) would exceed this.
[ "$slowest" -le 5000 ] || vb_fail "a nextFrame(200 ms) call took $slowest ms"
lost=$(grep -c 'lost' /tmp/watch.log || true)
[ "$lost" -le 1 ] || vb_known_bug "one stall was logged $lost times (each reopen that finds the feeder still stopped logs 'streaming' and 'lost' again); issue 4 asks to log it once"
