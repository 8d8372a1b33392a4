# Helpers for commands and cases inside the virtual board (source it).
# Device layout, the same in every boot:
#   /dev/video0    vivid, a webcam-like capture device (YUYV, RGB24; fixed sizes)
#   /dev/video10   v4l2loopback "vb-mjpeg": capture shows what a feeder writes
#   /dev/video11   v4l2loopback "vb-yuyv"   (formats appear once a feeder writes)
#   /dev/gpiochip0 gpio-sim, label pinctrl-bcm2835, 54 lines named GPIO0..GPIO53;
#                  button pins (BCM 5 6 13 19 26 21) start released (pulled up)
#   /dev/ttyS1     16550 UART wired to the host (vboard.sh test: the vbpeer
#                  program, driven by vb_peer_mode); /dev/serial0 -> ttyS1

VB_BUTTON_PINS="5 6 13 19 26 21"   # UP DOWN LEFT RIGHT TRAIN PLAY
VB_LED_PINS="12 16 20 25 24"       # UP DOWN LEFT RIGHT STATUS
VB_MJPEG_CAMERA=/dev/video10
VB_YUYV_CAMERA=/dev/video11

vb_modprobe() { modprobe -d "$VBOARD_MODULES" "$@"; }

# Sleeps without starting a program (each start costs ~0.1-0.5 s under
# TCG): a read with a time-out on a FIFO that nobody writes.
vb_sleep() {
  if [ -z "${VB_SLEEP_FD:-}" ]; then
    local fifo=/tmp/vboard-sleep.$$
    mkfifo "$fifo" && exec {VB_SLEEP_FD}<>"$fifo" && rm -f "$fifo"
  fi
  read -r -t "$1" -u "$VB_SLEEP_FD" _ || true
}


# Buttons are wired to ground with a pull-up: pressed pulls the line low.
vb_gpio_press() { echo pull-down > "$VBOARD_GPIO_SYSFS/sim_gpio$1/pull"; }
vb_gpio_release() { echo pull-up > "$VBOARD_GPIO_SYSFS/sim_gpio$1/pull"; }
# The level a program drives (or the simulated input level): 0 or 1.
vb_gpio_value() { local v; read -r v < "$VBOARD_GPIO_SYSFS/sim_gpio$1/value"; echo "$v"; }

# Tells the host serial peer what to do (echo, record, stall) and waits
# until it has switched. Only under `vboard.sh test`.
vb_peer_mode() {
  [ -f /vboard/peer-mode ] || { echo "vboard: no serial peer in this run"; return 1; }
  echo "$1" > /vboard/peer-mode
  local ack end=$((EPOCHSECONDS + 10))
  while ((EPOCHSECONDS <= end)); do
    ack=""
    [ -f /vboard/peer-ack ] && read -r ack < /vboard/peer-ack
    [ "$ack" = "$1" ] && return 0
    vb_sleep 0.02
  done
  echo "vboard: the serial peer did not switch to $1"
  return 1
}

# The teachpad binary built on the host (release first), or nothing.
vb_teachpad() {
  local candidate
  for candidate in "${TEACHPAD_BIN:-}" "$VBOARD_PROJECT/.build/release/teachpad" \
    "$VBOARD_PROJECT/.build/debug/teachpad"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  return 1
}

# For cases: a skipped case exits 77 after saying why.
vb_skip() { echo "SKIP: $*"; exit 77; }
vb_fail() { echo "FAIL: $*"; exit 1; }
vb_note() { echo "  $*"; }
# Milliseconds since the epoch.
vb_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# Loads v4l2loopback again (after a case removed it), as init does.
vb_load_loopback() {
  vb_modprobe v4l2loopback devices=2 video_nr=10,11 card_label=vb-mjpeg,vb-yuyv exclusive_caps=1,1
  local i
  for i in $(seq 1 50); do [ -e "$VB_MJPEG_CAMERA" ] && return 0; sleep 0.1; done
  return 1
}

# vb_grab DEVICE FILE [FRAMES]: captures RGB24 through libv4l2 (the
# harness's reference client) and sets VB_WIDTH, VB_HEIGHT, VB_STRIDE.
vb_grab() {
  local line
  line=$("$VBOARD_TOOLS/vbgrab" "$1" 640 480 "${3:-3}" "$2") || { echo "$line"; return 1; }
  echo "  $line"
  read -r _ _ VB_WIDTH VB_HEIGHT VB_STRIDE _ <<< "$line"
}

# Cases that run teachpad's Board code through vbprobe call this first:
# with no Swift build the case is skipped (saying so); a probe that did
# not compile against the current Board code fails the case.
vb_need_probe() {
  VB_PROBE="$VBOARD_TOOLS/vbprobe"
  case "$(cat "$VBOARD_TOOLS/vbprobe.status" 2>/dev/null)" in
    ok) return 0 ;;
    no-build) vb_skip "$(cat "$VBOARD_TOOLS/vbprobe.log")" ;;
    *) cat "$VBOARD_TOOLS/vbprobe.log" 2>/dev/null
       vb_fail "vbprobe did not build against teachpad's Board code (log above)" ;;
  esac
}

# Waits up to $2 seconds (default 20) for text $1 to appear in file $3
# (bash only: starting programs is slow under TCG); gives up at once when
# the optional process $4 has ended.
vb_wait_for() {
  local text=$1 seconds=${2:-20} file=$3 pid=${4:-}
  local end=$((EPOCHSECONDS + seconds))
  while ((EPOCHSECONDS <= end)); do
    [ -f "$file" ] && [[ "$(< "$file")" == *"$text"* ]] && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "vboard: no '$text' in $file: process $pid has ended"
      return 1
    fi
    vb_sleep 0.05
  done
  echo "vboard: no '$text' in $file within $seconds s:"; cat "$file"
  return 1
}

# A check that fails because of a known, reported bug in teachpad's code:
# printed as KNOWN-BUG with the reason, counted as skipped, never passed.
# Remove the call once the bug is fixed.
vb_known_bug() { echo "KNOWN-BUG: $*"; exit 78; }

# Takes vivid's device away as an unplug would (unbinding the driver
# closes nothing: open descriptors get ENODEV) and brings it back.
vb_vivid_unplug() { echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind; }
vb_vivid_plug() {
  echo vivid.0 > /sys/bus/platform/drivers/vivid/bind
  local i
  for i in $(seq 1 50); do [ -e /dev/video0 ] && return 0; sleep 0.1; done
  return 1
}

# Cases that run the teachpad binary call this with the subcommand they
# need: skipped (saying why) when there is no binary or no such command.
vb_need_teachpad() {
  VB_TEACHPAD=$(vb_teachpad) \
    || vb_skip "no teachpad binary (.build/release/teachpad or TEACHPAD_BIN); run: swift build -c release --product teachpad"
  "$VB_TEACHPAD" "$1" --help > /dev/null 2>&1 \
    || vb_skip "$VB_TEACHPAD has no working '$1' command yet"
}

# A configuration for the virtual board: the defaults of
# board/teachpad.conf with the camera, serial port and data folder set
# here, plus any KEY=VALUE lines given.
vb_teachpad_config() {
  local file=$1 camera=$2; shift 2
  local keys="camera\.device|serial\.device|data\.directory" setting
  for setting in "$@"; do keys+="|${setting%%=*}"; done
  {
    grep -v -E "^($keys) *=" "$VBOARD_PROJECT/board/teachpad.conf"
    echo "camera.device = $camera"
    echo "serial.device = /dev/ttyS1"
    echo "data.directory = /tmp/teachpad-data"
    for setting in "$@"; do echo "${setting%%=*} = ${setting#*=}"; done
  } > "$file"
  mkdir -p /tmp/teachpad-data
}

# Starts a fresh /vboard/peer-received (earlier cases' bytes dropped).
vb_peer_record() { vb_peer_mode "record $(vb_ms)"; }
