# Harness check: vivid, set to 100 % colour bars, streams through libv4l2
# as RGB24 and the picture is the known one.
source "$VBOARD_HERE/guest/lib.sh"
set -e
v4l2-ctl -d /dev/video0 -c test_pattern=1
vb_grab /dev/video0 /tmp/vivid.rgb 3
"$VBOARD_TOOLS/vbcheck" /tmp/vivid.rgb "$VB_WIDTH" "$VB_HEIGHT" "$VB_STRIDE" 255 24
