# teachpad's GPIOLights on gpio-sim: the LED lines carry the levels set.
source "$VBOARD_HERE/guest/lib.sh"
vb_need_probe
set -e
for pattern in 10110 01001; do
  rm -f /tmp/lights
  "$VB_PROBE" lights $pattern 2 > /tmp/lights 2>&1 &
  probe=$!
  vb_wait_for ready 20 /tmp/lights
  levels=""
  for pin in $VB_LED_PINS; do levels+=$(vb_gpio_value $pin); done
  vb_note "set $pattern on pins $VB_LED_PINS, lines read $levels"
  [ "$levels" = "$pattern" ] || vb_fail "LED lines read $levels, expected $pattern"
  wait $probe
done
