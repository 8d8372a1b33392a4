#!/usr/bin/env bash
# Installs teachpad on a Raspberry Pi running Raspberry Pi OS (Debian 12,
# 64-bit): the runtime libraries, the binary, the default configuration,
# the teachpad user and its data directory, the model, the udev rules and
# the systemd unit, which it enables. Safe to run twice: what is already in
# place is kept, and an edited /etc/teachpad/teachpad.conf is never
# overwritten.
#
# Usage: sudo board/install.sh [--binary FILE] [--model-from FILE]
#                              [--root DIR] [--no-packages]
#   --binary FILE      the ARM teachpad (default: cross/out/teachpad.stripped
#                      of this checkout, else teachpad beside this script)
#   --model-from FILE  copy the model from FILE instead of downloading it
#   --root DIR         install into DIR instead of / (for tests); implies
#                      --no-packages and does not talk to a running systemd
#   --no-packages      do not apt-get install the runtime libraries
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root=""
binary=""
model_from=""
install_packages=yes

say() { echo "install: $*"; }
fail() {
  echo "install: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="${2:?--binary needs a file}"; shift 2 ;;
    --model-from) model_from="${2:?--model-from needs a file}"; shift 2 ;;
    --root) root="$(realpath -m "${2:?--root needs a directory}")"; shift 2 ;;
    --no-packages) install_packages=no; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done
[ "$root" = "/" ] && root=""
[ -n "$root" ] && install_packages=no
[ "$(id -u)" -eq 0 ] || fail "run as root (sudo $0 $*)"

if [ -z "$binary" ]; then
  for candidate in "$here/../cross/out/teachpad.stripped" "$here/teachpad"; do
    if [ -f "$candidate" ]; then binary="$candidate"; break; fi
  done
fi
[ -n "$binary" ] && [ -f "$binary" ] \
  || fail "no teachpad binary (build it with bash cross/build.sh, or pass --binary FILE)"

data_directory="/var/lib/teachpad"
runtime_packages=(
  libv4l-0 libgpiod2 libarmadillo11 libopenblas0-pthread
  libturbojpeg0 libpng16-16 curl
)

# 1. The shared libraries teachpad links (Raspberry Pi OS has most).
if [ "$install_packages" = yes ]; then
  missing=()
  for package in "${runtime_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
      || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends "${missing[@]}"
  else
    say "runtime packages present"
  fi
fi

# 2. The user and its groups. Plain Debian has no gpio group; Raspberry Pi
# OS has one that owns /dev/gpiochip*.
account_options=()
if [ -n "$root" ]; then
  mkdir -p "$root/etc"
  for file in passwd group shadow gshadow; do
    [ -f "$root/etc/$file" ] || touch "$root/etc/$file"
  done
  account_options=(--prefix "$root")
fi
group_exists() { grep -q "^$1:" "$root/etc/group"; }
for group in video gpio dialout teachpad; do
  if ! group_exists "$group"; then
    groupadd "${account_options[@]}" --system "$group"
    say "created group $group"
  fi
done
if ! grep -q "^teachpad:" "$root/etc/passwd"; then
  useradd "${account_options[@]}" --system --gid teachpad \
    --groups video,gpio,dialout --home-dir "$data_directory" --no-create-home \
    --shell /usr/sbin/nologin --comment "teachpad service" teachpad
  say "created user teachpad (groups video, gpio, dialout)"
else
  usermod "${account_options[@]}" --append --groups video,gpio,dialout teachpad
fi

# 3. The data directory: dataset, head and model; the only place the
# service may write.
install -d -m 0750 "$root$data_directory"
chown_teachpad() {
  local user_id group_id
  user_id="$(awk -F: '$1 == "teachpad" { print $3 }' "$root/etc/passwd")"
  group_id="$(awk -F: '$1 == "teachpad" { print $3 }' "$root/etc/group")"
  chown "$user_id:$group_id" "$@"
}
chown_teachpad "$root$data_directory"

# 4. Files: replaced only when they changed.
place() {
  local source="$1" target="$root$2" mode="$3"
  if cmp -s "$source" "$target"; then return 0; fi
  install -D -m "$mode" "$source" "$target"
  say "installed $2"
}
place "$binary" /usr/local/bin/teachpad 0755
place "$here/teachpad.service" /etc/systemd/system/teachpad.service 0644
place "$here/70-teachpad.rules" /etc/udev/rules.d/70-teachpad.rules 0644
configuration="$root/etc/teachpad/teachpad.conf"
if [ ! -f "$configuration" ]; then
  place "$here/teachpad.conf" /etc/teachpad/teachpad.conf 0644
elif ! cmp -s "$here/teachpad.conf" "$configuration"; then
  place "$here/teachpad.conf" /etc/teachpad/teachpad.conf.default 0644
  say "kept the edited /etc/teachpad/teachpad.conf (defaults in teachpad.conf.default)"
fi

# 5. The model, downloaded once and checked by sha256.
model_options=(--out "$root$data_directory/mobilenet_v1_0.25_224_quant.tflite")
[ -z "$model_from" ] || model_options+=(--from "$model_from")
bash "$here/fetch-model.sh" "${model_options[@]}"
chown_teachpad "$root$data_directory/mobilenet_v1_0.25_224_quant.tflite"

# 6. Enable the unit; on a live system also reload udev and systemd.
if [ -n "$root" ]; then
  systemctl --root="$root" enable teachpad.service > /dev/null 2>&1 \
    || { mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
         ln -sfn /etc/systemd/system/teachpad.service \
           "$root/etc/systemd/system/multi-user.target.wants/teachpad.service"; }
  say "enabled teachpad.service in $root"
else
  # In a chroot (an image being prepared) neither udevd nor systemd runs;
  # enabling still works there, reloading does not.
  if [ -d /run/systemd/system ]; then
    if command -v udevadm > /dev/null; then
      udevadm control --reload || say "note: udev rules load at the next boot"
      udevadm trigger --subsystem-match=video4linux --subsystem-match=tty \
        --subsystem-match=gpio || true
    fi
    systemctl daemon-reload
  fi
  systemctl enable teachpad.service
  say "enabled teachpad.service; start it now with: sudo systemctl start teachpad"
fi

# 7. The UART on GPIO 14/15 needs a firmware setting (board/FIRMWARE.md).
firmware_config="$root/boot/firmware/config.txt"
if [ -f "$firmware_config" ] && ! grep -q "^enable_uart=1" "$firmware_config"; then
  say "note: $firmware_config has no enable_uart=1; /dev/serial0 needs it" \
    "(see board/FIRMWARE.md)"
fi
say "done"
