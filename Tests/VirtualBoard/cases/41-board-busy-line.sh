# teachpad's GPIOButtons: a button line already held by another program
# gives an error naming the chip, the pin and the holder.
source "$VBOARD_HERE/guest/lib.sh"
vb_need_probe
set -e
gpioset --mode=signal "$VBOARD_GPIOCHIP" 26=1 &
holder=$!
sleep 0.5
if "$VB_PROBE" buttons-open > /tmp/busy 2>&1; then
  cat /tmp/busy; vb_fail "the buttons opened although TRAIN's line (26) is held"
fi
cat /tmp/busy
message=$(grep '^error:' /tmp/busy)
[[ "$message" == *gpiochip0* ]] || vb_fail "the error does not name the chip"
[[ "$message" =~ (^|[^0-9])26([^0-9]|$) ]] || vb_fail "the error does not name pin 26"
[[ "$message" == *gpioset* ]] || vb_fail "the error does not name the holder (gpioset)"
kill $holder; wait $holder 2>/dev/null || true
