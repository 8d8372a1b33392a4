# teachpad's V4L2Camera: the camera goes away while open, as a USB camera
# pulled out does (vivid's driver unbound: the node vanishes, the open
# descriptor gets ENODEV), and comes back; the camera reports it
# unavailable meanwhile and streams again by itself.
source "$VBOARD_HERE/guest/lib.sh"
vb_need_probe
set -e
"$VB_PROBE" camera-watch /dev/video0 20 > /tmp/watch 2> /tmp/watch.log &
probe=$!
vb_wait_for " frame" 20 /tmp/watch
sleep 3
vb_vivid_unplug
[ ! -e /dev/video0 ] || vb_fail "/dev/video0 is still there after unbinding vivid"
vb_note "camera unplugged"
sleep 5
vb_vivid_plug || vb_fail "/dev/video0 did not come back"
vb_note "camera plugged in again"
wait $probe
cat /tmp/watch; sed 's/^/  log: /' /tmp/watch.log
states=$(awk '$1 != "slowest" {print $2}' /tmp/watch | tr '\n' ' ')
[[ "$states" =~ ^(noFrame\ |unavailable\ )*frame\ (.*\ )?unavailable\ (.*\ )?frame\  ]] \
  || vb_fail "expected frames, then unavailable, then frames again; got: $states"
