# Harness check: an MJPEG-only and a YUYV-only loopback camera, each fed
# with the colour bars, offer only their one format, and libv4l2 turns
# both into the right RGB24 picture.
source "$VBOARD_HERE/guest/lib.sh"
set -e
check() {
  local device=$1 format=$2 fourcc=$3
  "$VBOARD_TOOLS/vbfeed" "$device" "$format" 640 480 15 &
  local feeder=$!
  sleep 0.5
  local formats
  formats=$(v4l2-ctl -d "$device" --list-formats | grep -o "'[A-Z0-9]*'" | tr '\n' ' ')
  vb_note "$device offers: $formats"
  [ "$formats" = "'$fourcc' " ] || vb_fail "$device should offer only $fourcc, offers $formats"
  vb_grab "$device" /tmp/loop.rgb 3
  "$VBOARD_TOOLS/vbcheck" /tmp/loop.rgb "$VB_WIDTH" "$VB_HEIGHT" "$VB_STRIDE" 255 24
  kill $feeder; wait $feeder 2>/dev/null || true
}
check "$VB_MJPEG_CAMERA" mjpeg MJPG
check "$VB_YUYV_CAMERA" yuyv YUYV
