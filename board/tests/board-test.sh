#!/usr/bin/env bash
# Tests of what goes on the Pi, run by Tests/run-all.sh: the unit and the
# udev rules pass systemd's and udev's own checks where this machine has
# them, and board/install.sh installs into a scratch root, twice, leaving
# the same result. Needs root (install.sh creates accounts in the scratch
# root's /etc with useradd --prefix).
#
# Usage: bash board/tests/board-test.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
board="$PWD/board"
shared="${TEACHPAD_SHARED:-$PWD/../shared}"
model="${TEACHPAD_MODEL:-$shared/models/mobilenet_v1_0.25_224_quant.tflite}"
work="$(mktemp -d "${TMPDIR:-/tmp}/board-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# check NAME COMMAND...: runs COMMAND in a subshell with errexit in force
# (it would be off inside an `if`), so any failing step fails the check.
check() {
  local name="$1" status
  shift
  set +e
  (set -e; "$@") > "$work/check.log" 2>&1
  status=$?
  set -e
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
    echo "board-test: ok: $name"
  else
    failed=$((failed + 1))
    echo "board-test: FAILED: $name"
    sed 's/^/    /' "$work/check.log"
  fi
}

# The binary to install: the ARM build when there is one, else a stand-in
# (install.sh only copies it).
binary="$PWD/cross/out/teachpad.stripped"
if [ ! -f "$binary" ]; then
  binary="$work/teachpad"
  printf '#!/bin/sh\nexit 0\n' > "$binary"
  chmod +x "$binary"
fi
root="$work/root"
install_into_root() {
  bash "$board/install.sh" --root "$root" --binary "$binary" --model-from "$model"
}

check "install.sh into a scratch root" install_into_root
listing() {
  (cd "$root" && find . -printf '%p %M %u %g %s %l\n' | LC_ALL=C sort)
  sha256sum "$root/etc/passwd" "$root/etc/group" | cut -d' ' -f1
}
listing > "$work/first.txt"

installed_as_expected() {
  local data="$root/var/lib/teachpad"
  [ -x "$root/usr/local/bin/teachpad" ]
  cmp "$binary" "$root/usr/local/bin/teachpad"
  cmp "$board/teachpad.conf" "$root/etc/teachpad/teachpad.conf"
  cmp "$board/teachpad.service" "$root/etc/systemd/system/teachpad.service"
  cmp "$board/70-teachpad.rules" "$root/etc/udev/rules.d/70-teachpad.rules"
  [ "$(readlink "$root/etc/systemd/system/multi-user.target.wants/teachpad.service")" \
    = /etc/systemd/system/teachpad.service ]
  grep -q '^teachpad:x:[0-9]*:[0-9]*:.*:/var/lib/teachpad:/usr/sbin/nologin$' \
    "$root/etc/passwd"
  for group in video gpio dialout; do
    grep -Eq "^$group:x:[0-9]+:(.*,)?teachpad(,.*)?$" "$root/etc/group"
  done
  [ "$(stat -c %a "$data")" = 750 ]
  [ "$(stat -c %u "$data")" = "$(awk -F: '$1 == "teachpad" { print $3 }' "$root/etc/passwd")" ]
  [ "$(sha256sum < "$data/mobilenet_v1_0.25_224_quant.tflite" | cut -d' ' -f1)" \
    = e480eb15572f86d3d5f1be6e83e35b3c7d509ab2bcec353707d1f614e14edca2 ]
}
check "the scratch root holds the binary, config, unit, rules, user, data and model" \
  installed_as_expected

check "install.sh a second time" install_into_root
second_run_changes_nothing() {
  listing > "$work/second.txt"
  diff "$work/first.txt" "$work/second.txt"
}
check "the second install changes nothing" second_run_changes_nothing

edited_configuration_is_kept() {
  echo "camera.device = /dev/teachpad-camera" >> "$root/etc/teachpad/teachpad.conf"
  install_into_root
  grep -q "^camera.device = /dev/teachpad-camera$" "$root/etc/teachpad/teachpad.conf"
  cmp "$board/teachpad.conf" "$root/etc/teachpad/teachpad.conf.default"
}
check "an edited teachpad.conf survives a reinstall" edited_configuration_is_kept

wrong_model_is_refused() {
  head -c 1000 "$model" > "$work/damaged.tflite"
  if bash "$board/fetch-model.sh" --from "$work/damaged.tflite" \
    --out "$work/model.tflite" > "$work/fetch.log" 2>&1; then
    echo "fetch-model.sh accepted a damaged model"
    return 1
  fi
  grep -q "expected e480eb15" "$work/fetch.log"
  [ ! -e "$work/model.tflite" ] && [ ! -e "$work/model.tflite.partial" ]
}
check "fetch-model.sh refuses a file with the wrong sha256" wrong_model_is_refused

model_from_environment() {
  TEACHPAD_MODEL="$model" bash "$board/fetch-model.sh" --out "$work/env.tflite"
  cmp "$model" "$work/env.tflite"
  TEACHPAD_MODEL="$model" bash "$board/fetch-model.sh" --out "$work/env.tflite" \
    | grep -q "already there"
}
check "fetch-model.sh copies \$TEACHPAD_MODEL once" model_from_environment

# systemd's own check of the unit; the ExecStart path is pointed into the
# scratch root, where the binary is.
unit_verifies() {
  mkdir -p "$work/units"
  sed "s|^ExecStart=/usr/local/bin/|ExecStart=$root/usr/local/bin/|" \
    "$board/teachpad.service" > "$work/units/teachpad.service"
  systemd-analyze verify "$work/units/teachpad.service"
}
if command -v systemd-analyze > /dev/null; then
  check "systemd-analyze verify teachpad.service" unit_verifies
else
  echo "board-test: skipped systemd-analyze verify (no systemd-analyze here)"
fi

unit_is_hardened() {
  local unit="$board/teachpad.service"
  for line in "Type=notify" "Restart=on-failure" "NoNewPrivileges=yes" \
    "ProtectSystem=strict" "ReadWritePaths=/var/lib/teachpad" "PrivateTmp=yes" \
    "User=teachpad" "SupplementaryGroups=video gpio dialout"; do
    grep -qx "$line" "$unit" || { echo "missing $line"; return 1; }
  done
  grep -Eq "^WatchdogSec=[0-9]+" "$unit"
}
check "the unit has the user, restart, watchdog and hardening settings" unit_is_hardened

# udev's own check where udevadm has one (systemd 254 and later), else a
# syntax check of the rules.
if command -v udevadm > /dev/null && udevadm verify --help > /dev/null 2>&1; then
  check "udevadm verify 70-teachpad.rules" udevadm verify "$board/70-teachpad.rules"
else
  check "70-teachpad.rules syntax (this udevadm has no verify)" \
    python3 "$board/tests/lint-udev-rules.py" "$board/70-teachpad.rules"
fi

echo "board-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
