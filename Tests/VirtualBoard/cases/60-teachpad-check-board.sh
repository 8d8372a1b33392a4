# `teachpad check-board` on the virtual board: reports the camera's format
# and frame rate, sends its test line to the host, and lights each
# button's LED while the button is held.
source "$VBOARD_HERE/guest/lib.sh"
vb_need_teachpad check-board
set -e
vb_teachpad_config /tmp/check.conf /dev/video0
vb_peer_record
"$VB_TEACHPAD" check-board --config /tmp/check.conf --seconds 12 > /tmp/check.out 2> /tmp/check.err &
teachpad=$!
vb_wait_for "press each button" 60 /tmp/check.out $teachpad || { cat /tmp/check.err; vb_fail "check-board did not reach the button check"; }
sleep 1
vb_gpio_press 5
sleep 1
up_lit=$(vb_gpio_value 12)
vb_gpio_release 5
sleep 1
up_after=$(vb_gpio_value 12)
vb_gpio_press 21
sleep 1
status_lit=$(vb_gpio_value 24)
vb_gpio_release 21
status=0
wait $teachpad || status=$?
cat /tmp/check.out; sed 's/^/  log: /' /tmp/check.err
vb_note "UP held: LED line 12 = $up_lit, released: $up_after; PLAY held: STATUS line 24 = $status_lit"
vb_note "the host received: $(tr -d '\r' < /vboard/peer-received)"
[ "$status" = 0 ] || vb_fail "check-board exited with $status"
grep -q '^camera /dev/video0: ' /tmp/check.out || vb_fail "no camera report"
grep -qi 'button up (pin 5): press' /tmp/check.out || vb_fail "the UP press was not reported"
grep -qi 'button up (pin 5): release' /tmp/check.out || vb_fail "the UP release was not reported"
[ "$up_lit$up_after" = 10 ] || vb_fail "UP's LED should be on while held and off after"
[ "$status_lit" = 1 ] || vb_fail "PLAY should light the STATUS LED while held"
grep -q 'check-board: serial test' /vboard/peer-received || vb_fail "the test line did not reach the host"
