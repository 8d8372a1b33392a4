# teachpad's V4L2Camera (libv4l2, RGB24): vivid, an MJPEG-only and a
# YUYV-only camera all come out as the known colour bars.
source "$VBOARD_HERE/guest/lib.sh"
vb_need_probe
set -e
v4l2-ctl -d /dev/video0 -c test_pattern=1
grab() {
  local device=$1 source=$2 line
  line=$("$VB_PROBE" camera "$device" 4 /tmp/board.rgb)
  echo "  $device: $line"
  read -r _ _ width height stride _ actual _ <<< "$line"
  [ "$actual" = "$source" ] || vb_fail "$device: expected libv4l2 to convert from $source, got $actual"
  "$VBOARD_TOOLS/vbcheck" /tmp/board.rgb "$width" "$height" "$stride" 255 24
}
grab /dev/video0 RGB3
for spec in "$VB_MJPEG_CAMERA mjpeg MJPG" "$VB_YUYV_CAMERA yuyv YUYV"; do
  read -r device format fourcc <<< "$spec"
  "$VBOARD_TOOLS/vbfeed" "$device" "$format" 640 480 15 &
  feeder=$!
  sleep 0.5
  grab "$device" "$fourcc"
  kill $feeder; wait $feeder 2>/dev/null || true
done
