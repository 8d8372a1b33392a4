# Harness check: stopping the feeder stalls the loopback camera (a capture
# gets nothing), resuming it brings frames back; unbinding vivid's driver
# (an unplug) removes its node and ends a running capture, binding brings
# it back; the loopback module can be unloaded and loaded again.
source "$VBOARD_HERE/guest/lib.sh"
set -e
"$VBOARD_TOOLS/vbfeed" "$VB_YUYV_CAMERA" yuyv 640 480 15 &
feeder=$!
sleep 0.5
capture() {
  timeout 4 v4l2-ctl -d "$VB_YUYV_CAMERA" --stream-mmap=2 --stream-count=2 \
    --stream-to=/tmp/stall.raw 2>/dev/null
}
capture || vb_fail "no frames from a running feeder"
kill -STOP $feeder
if capture; then vb_fail "frames arrived while the feeder was stopped"; fi
vb_note "stalled: no frame within 4 s while the feeder is stopped"
kill -CONT $feeder
capture || vb_fail "no frames after the feeder resumed"
vb_note "resumed: frames again"
kill $feeder; wait $feeder 2>/dev/null || true

# A module cannot be unloaded while one of its devices is open; unbinding
# vivid's driver is the unplug. A capture running across it must end.
v4l2-ctl -d /dev/video0 --stream-mmap=2 --stream-count=100000 > /dev/null 2> /tmp/unplug.err &
capture=$!
sleep 2
vb_vivid_unplug
[ ! -e /dev/video0 ] || vb_fail "/dev/video0 still there after unbinding vivid"
for i in $(seq 1 50); do kill -0 $capture 2>/dev/null || break; sleep 0.1; done
if kill -0 $capture 2>/dev/null; then vb_fail "the capture went on after the unplug"; fi
vb_note "unplugged: /dev/video0 gone, the running capture ended"
vb_vivid_plug || vb_fail "/dev/video0 did not come back"
vb_note "plugged in again: /dev/video0 is back"
# With nothing open, the loopback module goes and comes back too.
rmmod v4l2loopback
[ ! -e "$VB_MJPEG_CAMERA" ] || vb_fail "$VB_MJPEG_CAMERA still there after rmmod"
vb_load_loopback || vb_fail "$VB_MJPEG_CAMERA did not come back"
vb_note "v4l2loopback unloaded and loaded again"
