#!/bin/bash
# Stage 2 of the virtual board, run by the initramfs init in a chroot on
# the host's root (overlay, writable, discarded at power-off) once the
# devices are up. Runs the command in the project folder with its output
# in /vboard/output and its status in /vboard/status. Messages here go to
# the guest console (the console log on the host).
set -u
# shellcheck disable=SC1091
source /vboard/env
if [ ! -f /vboard/devices.env ]; then
  echo "vboard-stage2: the devices did not come up"
  echo 125 > /vboard/status
  exit 0
fi
# shellcheck disable=SC1091
source /vboard/devices.env
export PATH="$VBOARD_PATH:/usr/sbin:/sbin"
export VBOARD_GUEST=1 VBOARD_SHARE=/vboard VBOARD_PROJECT VBOARD_HERE VBOARD_CACHE \
  VBOARD_MODULES VBOARD_TOOLS VBOARD_GPIOCHIP VBOARD_GPIO_SYSFS
for var in HOME LANG TEACHPAD_MODEL TEACHPAD_SHARED TEACHPAD_BIN VBOARD_VERBOSE; do
  [ -n "${!var:-}" ] && export "${var?}"
done

cd "$VBOARD_PROJECT" || { echo 125 > /vboard/status; exit 0; }
timeout --kill-after=3 "$VBOARD_TIMEOUT" bash -c "$VBOARD_COMMAND" > /vboard/output 2>&1 < /dev/null
status=$?
read -r up _ < /proc/uptime
echo "vboard-stage2: command ended with status $status at ${up} s"
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then status=timeout; fi
echo "$status" > /vboard/status.tmp && mv /vboard/status.tmp /vboard/status
