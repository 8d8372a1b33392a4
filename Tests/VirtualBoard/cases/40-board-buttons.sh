# teachpad's GPIOButtons on gpio-sim: a press and a release arrive once
# each; a bouncing press (edges a few ms apart) counts once; a burst of
# more edges than the kernel's event queue holds leaves no button pressed.
source "$VBOARD_HERE/guest/lib.sh"
vb_need_probe
set -e
"$VB_PROBE" buttons 13 > /tmp/buttons 2> /tmp/buttons.log &
probe=$!
vb_wait_for ready 20 /tmp/buttons
# UP (5): one clean press and release.
vb_gpio_press 5; sleep 0.4; vb_gpio_release 5; sleep 0.4
# DOWN (6): bounces a few ms apart on press and on release.
for i in 1 2 3 4; do vb_gpio_press 6; vb_gpio_release 6; done; vb_gpio_press 6
sleep 0.4
for i in 1 2 3 4; do vb_gpio_release 6; vb_gpio_press 6; done; vb_gpio_release 6
sleep 0.4
# LEFT (13): 300 edges as fast as the simulator takes them, ending released.
for i in $(seq 1 150); do
  echo pull-down > "$VBOARD_GPIO_SYSFS/sim_gpio13/pull"
  echo pull-up > "$VBOARD_GPIO_SYSFS/sim_gpio13/pull"
done
# RIGHT (19): the same burst ending pressed, then a clean release.
for i in $(seq 1 150); do
  echo pull-down > "$VBOARD_GPIO_SYSFS/sim_gpio19/pull"
  echo pull-up > "$VBOARD_GPIO_SYSFS/sim_gpio19/pull"
done
vb_gpio_press 19; sleep 0.4; vb_gpio_release 19
# TRAIN (26): a burst that ends pressed must settle pressed (a hold after
# 1 s proves it), then a clean release.
for i in $(seq 1 150); do
  echo pull-up > "$VBOARD_GPIO_SYSFS/sim_gpio26/pull"
  echo pull-down > "$VBOARD_GPIO_SYSFS/sim_gpio26/pull"
done
sleep 1.6; vb_gpio_release 26
wait $probe
cat /tmp/buttons; sed 's/^/  log: /' /tmp/buttons.log
count() { grep -c -x "$1" /tmp/buttons || true; }
[ "$(count 'press up')" = 1 ] && [ "$(count 'release up')" = 1 ] \
  || vb_fail "UP: expected one press and one release"
[ "$(count 'press down')" = 1 ] && [ "$(count 'release down')" = 1 ] \
  || vb_fail "DOWN (bouncing): expected one press and one release"
[ "$(count 'press right')" -ge 1 ] && [ "$(count 'press right')" = "$(count 'release right')" ] \
  || vb_fail "RIGHT: presses and releases do not pair up"
[ "$(count 'press left')" = "$(count 'release left')" ] \
  || vb_fail "LEFT (burst): presses and releases do not pair up"
[ "$(count 'press train')" -ge 1 ] && [ "$(count 'hold train')" -ge 1 ] \
  && [ "$(count 'press train')" = "$(count 'release train')" ] \
  || vb_fail "TRAIN: a burst ending pressed did not settle pressed (no hold) or did not pair up"
grep -q -x 'pressed now: none' /tmp/buttons || vb_fail "a button is still pressed after the bursts"
