#!/usr/bin/env bash
# Installs the Debian packages the host build and its tests need.
# Safe to run twice; needs root (or sudo) and Debian 12.
set -euo pipefail

packages=(
  pkg-config
  libv4l-dev v4l-utils
  libgpiod-dev gpiod
  libarmadillo-dev libopenblas-dev
  libturbojpeg0-dev libpng-dev
  qemu-user-static
  # The ARM build and the board tests: Debian's archive keys for the arm64
  # sysroot, python3 for the binary checks, systemd-analyze and useradd.
  debian-archive-keyring python3 systemd passwd
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-build-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-build-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
