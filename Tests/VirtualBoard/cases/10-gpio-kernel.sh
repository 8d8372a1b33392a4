# Harness check: gpio-sim looks like the Pi's header to libgpiod tools; a
# simulated press and release are one falling and one rising edge; a line
# driven by a program shows its level; a held line names its consumer.
source "$VBOARD_HERE/guest/lib.sh"
set -e
chip=$VBOARD_GPIOCHIP
gpioinfo "$chip" | head -1
[ "$(gpiofind GPIO5)" = "gpiochip0 5" ] || vb_fail "gpiofind GPIO5 gave $(gpiofind GPIO5)"
[ "$(gpioget -B pull-up "$chip" 5)" = 1 ] || vb_fail "a released button should read 1"

gpiomon --num-events=2 --format='%e' "$chip" 5 > /tmp/edges &
monitor=$!
sleep 0.5
vb_gpio_press 5
sleep 0.2
vb_gpio_release 5
wait $monitor
[ "$(tr '\n' ' ' < /tmp/edges)" = "0 1 " ] || vb_fail "edges were $(cat /tmp/edges)"
vb_note "press then release: falling then rising edge"

gpioset --mode=signal "$chip" 12=1 &
holder=$!
sleep 0.5
[ "$(vb_gpio_value 12)" = 1 ] || vb_fail "LED line 12 should be high"
gpioinfo "$chip" | grep -E 'line +12:' | grep -q '"gpioset"' || vb_fail "consumer not shown"
if gpioget "$chip" 12 2>/tmp/busy; then vb_fail "a held line could be requested again"; fi
vb_note "held line: $(cat /tmp/busy)"
kill $holder; wait $holder 2>/dev/null || true
gpioset "$chip" 12=0
[ "$(vb_gpio_value 12)" = 0 ] || vb_fail "LED line 12 should be low"
