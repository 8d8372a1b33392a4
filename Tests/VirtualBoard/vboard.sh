#!/usr/bin/env bash
# The virtual board: a small QEMU machine running Debian's own kernel with
# real kernel devices (vivid and v4l2loopback cameras, a gpio-sim chip laid
# out like the Pi's header, a 16550 UART wired to the host), in which tests
# run teachpad's real camera, GPIO and serial code. See README.md here.
#
#   vboard.sh setup                 prepare everything (cached by kernel version)
#   vboard.sh run [options] [--] COMMAND...
#                                   boot, run COMMAND in the project folder in
#                                   the guest, print its output, exit with its status
#   vboard.sh test [CASE...]        run the cases in cases/ (all by default) in one boot
#   vboard.sh clean                 remove the cache
#
# run options: --timeout SEC (default 120), --serial-socket PATH (wire the
# guest's ttyS1 to a unix socket server at PATH), --share DIR (the writable
# folder seen in the guest as $VBOARD_SHARE; a fresh one by default),
# --keep (keep the run folder with the console log).
#
# A VM that fails to boot, panics or runs out of time is reported as such on
# stderr with the guest console log, and the exit status is 124 (time-out)
# or 125 (VM failure), never 0.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(cd "$here/../.." && pwd)"
cache="${VBOARD_CACHE:-$here/cache}"

say() { echo "vboard: $*" >&2; }
die() { say "$*"; exit 1; }

# --------------------------------------------------------------------------
# Setup

host_packages=(qemu-system-x86 busybox-static kmod cpio xz-utils gcc make
  libc6-dev v4l-utils gpiod libv4l-dev libturbojpeg0-dev)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_update() {
  if [ "$apt_updated" -eq 0 ]; then
    say "apt-get update"
    as_root apt-get update -qq
    apt_updated=1
  fi
}

install_missing() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
      || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  apt_update
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
}

# The kernel ABI name Debian's linux-image-amd64 points at now, e.g.
# 6.1.0-57-amd64. VBOARD_KERNEL overrides it.
kernel_version() {
  if [ -n "${VBOARD_KERNEL:-}" ]; then echo "$VBOARD_KERNEL"; return; fi
  local k
  k="$(apt-cache depends linux-image-amd64 2>/dev/null \
    | sed -n 's/.*Depends: linux-image-\(.*-amd64\)$/\1/p' | head -1)"
  if [ -z "$k" ]; then
    apt_update
    k="$(apt-cache depends linux-image-amd64 2>/dev/null \
      | sed -n 's/.*Depends: linux-image-\(.*-amd64\)$/\1/p' | head -1)"
  fi
  if [ -z "$k" ]; then
    # No package lists: fall back to the newest kernel already prepared.
    k="$(ls -1 "$cache" 2>/dev/null | grep -- '-amd64$' | sort -V | tail -1 || true)"
  fi
  [ -n "$k" ] || die "cannot tell which Debian kernel to use (apt-cache knows no linux-image-amd64)"
  echo "$k"
}

# Downloads package $1 (exact name) into $2, retrying once after apt-get update.
download() {
  local name="$1" dir="$2"
  ( cd "$dir" && apt-get download "$name" >/dev/null 2>&1 ) && return 0
  apt_update
  ( cd "$dir" && apt-get download "$name" >/dev/null ) \
    || die "cannot download Debian package $name"
}

# Set by setup: the prepared folder for this kernel version.
board_dir=""

# Modules the initramfs loads to reach the host's files, and those the
# guest loads for its devices (with their dependencies, in load order).
boot_modules=(virtio_pci 9pnet_virtio 9p overlay)
device_modules=(configfs vivid)

setup() {
  local started=$SECONDS kver dir work
  install_missing "${host_packages[@]}"
  kver="$(kernel_version)"
  dir="$cache/$kver"
  if [ -f "$dir/ready" ]; then
    # The init script is part of the initramfs: rebuild it when it changed.
    [ "$here/guest/init" -nt "$dir/initramfs.gz" ] && build_initramfs "$kver" "$dir"
    build_tools
    board_dir="$dir"
    return 0
  fi
  say "preparing the virtual board for kernel $kver (one time)"
  install_missing "linux-headers-$kver"
  rm -rf "$dir"
  work="$dir/work"
  mkdir -p "$work"

  # Kernel image: unpacked, never installed.
  download "linux-image-$kver" "$work"
  dpkg -x "$work"/linux-image-"$kver"_*.deb "$work/image"
  extract_vmlinux "$work/image/boot/vmlinuz-$kver" "$dir/vmlinux"

  # The modules we need, with their dependencies, into a small tree.
  local mods="$dir/modules/lib/modules/$kver"
  mkdir -p "$mods/kernel" "$mods/extra"
  depmod -b "$work/image" "$kver"
  local m file
  for m in "${boot_modules[@]}" "${device_modules[@]}"; do
    modprobe -d "$work/image" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
  done | awk '!seen[$0]++' > "$work/needed"
  while read -r file; do
    local rel="${file#"$work/image/lib/modules/$kver/"}"
    mkdir -p "$mods/$(dirname "$rel")"
    cp "$file" "$mods/$rel"
  done < "$work/needed"
  cp "$work/image/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$mods/" 2>/dev/null || true

  # gpio-sim, out of tree from the matching kernel source, with the
  # interrupt simulator compiled in (Debian's kernel has neither).
  # The source must be the very version the image was built from.
  local image_version
  image_version="$(dpkg-deb -f "$work"/linux-image-"$kver"_*.deb Version)"
  download "linux-source-$(echo "$kver" | cut -d. -f1-2)=$image_version" "$work"
  build_gpio_sim "$kver" "$work" "$mods/extra"

  # v4l2loopback from Debian's DKMS source package.
  download v4l2loopback-dkms "$work"
  dpkg -x "$work"/v4l2loopback-dkms_*.deb "$work/v4l2loopback"
  local v4l_src
  v4l_src="$(ls -d "$work"/v4l2loopback/usr/src/v4l2loopback-* | head -1)"
  make -s -C "/usr/src/linux-headers-$kver" M="$v4l_src" modules >"$work/v4l2loopback.log" 2>&1 \
    || { cat "$work/v4l2loopback.log" >&2; die "v4l2loopback did not build"; }
  cp "$v4l_src/v4l2loopback.ko" "$mods/extra/"
  depmod -b "$dir/modules" "$kver"
  # The order the guest loads them in, dependencies first.
  for m in "${device_modules[@]}" v4l2loopback gpio-sim; do
    modprobe -d "$dir/modules" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
  done | awk '!seen[$0]++' | sed "s|^$mods/||" > "$dir/modules/device-modules"

  build_initramfs "$kver" "$dir"
  rm -rf "$work"
  echo "$kver" > "$dir/ready"
  build_tools
  say "prepared $dir in $((SECONDS - started)) s"
  board_dir="$dir"
}

# vmlinuz is a bzImage with an xz payload; booting the uncompressed ELF
# (PVH entry) saves several seconds of decompression under TCG.
extract_vmlinux() {
  local offset
  offset="$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$1" | head -1 | cut -d: -f1)"
  [ -n "$offset" ] || die "no xz payload in $1"
  # xz stops at the end of its stream, so tail may die of SIGPIPE.
  tail -c +$((offset + 1)) "$1" | xz -dc --single-stream > "$2" || true
  [ "$(head -c 4 "$2" | od -An -c | tr -d " ")" = "177ELF" ] || die "could not unpack vmlinux from $1"
}

build_gpio_sim() {
  local kver="$1" work="$2" out="$3" src="$2/gpio-sim"
  mkdir -p "$src"
  dpkg-deb --fsys-tarfile "$work"/linux-source-*.deb \
    | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' \
    | tar -xJ -C "$src" --strip-components=1 --wildcards \
        '*/drivers/gpio/gpio-sim.c' '*/drivers/gpio/gpiolib.h' '*/kernel/irq/irq_sim.c'
  cp "$src/drivers/gpio/gpio-sim.c" "$src/gpio-sim-main.c"
  cp "$src/drivers/gpio/gpiolib.h" "$src/kernel/irq/irq_sim.c" "$src/"
  # The one change: irq_to_desc is not exported to modules.
  grep -q 'handle_simple_irq(irq_to_desc(irqnum));' "$src/irq_sim.c" \
    || die "irq_sim.c changed upstream: the gpio-sim patch no longer applies"
  sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$src/irq_sim.c"
  printf 'obj-m += gpio-sim.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n' > "$src/Kbuild"
  make -s -C "/usr/src/linux-headers-$kver" M="$src" modules >"$work/gpio-sim.log" 2>&1 \
    || { cat "$work/gpio-sim.log" >&2; die "gpio-sim did not build"; }
  cp "$src/gpio-sim.ko" "$out/"
}

build_initramfs() {
  local kver="$1" dir="$2" root="$2/work/initramfs" m
  rm -rf "$root"
  mkdir -p "$root"/{bin,dev,proc,sys,lower,upper,newroot,modules}
  cp /bin/busybox "$root/bin/busybox"
  cp "$here/guest/init" "$root/init"
  chmod 755 "$root/init"
  : > "$root/modules/order"
  for m in "${boot_modules[@]}"; do
    modprobe -d "$dir/modules" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
  done | awk '!seen[$0]++' | while read -r m; do
    cp "$m" "$root/modules/"
    basename "$m" >> "$root/modules/order"
  done
  ( cd "$root" && find . | cpio -o -H newc --quiet ) | gzip -1 > "$dir/initramfs.gz"
}

# Small C helpers (feeders, pattern check, serial peers), rebuilt when
# their source changes. Host binaries, also run in the guest.
build_tools() {
  local out="$cache/tools" c name
  mkdir -p "$out"
  for c in "$here"/tools/*.c; do
    name="$(basename "$c" .c)"
    if [ ! -x "$out/$name" ] || [ "$c" -nt "$out/$name" ] || [ "$here/tools/vbcommon.h" -nt "$out/$name" ]; then
      local libs=""
      grep -q "turbojpeg.h" "$c" && libs="-lturbojpeg"
      grep -q "libv4l2.h" "$c" && libs="$libs -lv4l2"
      gcc -O2 -Wall -Werror -o "$out/$name" "$c" $libs || die "tool $name did not build"
    fi
  done
}

# The objects of the current sources only (a deleted source's stale object
# may linger in the build folder). A source without an object is left out
# (the manifest may exclude it from the host build); if it was needed, the
# link says so.
module_objects() {
  local build=$1 module=$2 file object
  for file in "$project/Sources/$module"/*.swift "$project/Sources/$module"/*.c; do
    [ -e "$file" ] || continue
    object="$build/$module.build/$(basename "$file").o"
    [ -f "$object" ] || continue
    echo "$object"
  done
}

# vbprobe: probe/main.swift linked with the host build's Board, Support and
# CShims objects (SwiftPM's own output, so it is teachpad's real code).
# Uses VBOARD_SWIFT_BUILD, else .build/release, else .build/debug. Leaves
# cache/tools/vbprobe.status: "ok", "no-build" or "failed" (log beside it).
build_probe() {
  local out="$cache/tools" build="" candidate
  for candidate in "${VBOARD_SWIFT_BUILD:-}" "$project/.build/release" "$project/.build/debug"; do
    if [ -n "$candidate" ] && [ -f "$candidate/Modules/Board.swiftmodule" ] \
      && [ -d "$candidate/Board.build" ]; then
      build="$(cd "$candidate" && pwd -P)"
      break
    fi
  done
  if [ -z "$build" ]; then
    echo "no-build" > "$out/vbprobe.status"
    echo "no Swift build of teachpad found (.build/release or .build/debug);" \
      "run: swift build -c release --product teachpad" > "$out/vbprobe.log"
    return 0
  fi
  local objects=() object
  for object in $(module_objects "$build" Board) $(module_objects "$build" Support) \
    $(module_objects "$build" CShims); do
    objects+=("$object")
  done
  local newest
  newest="$(ls -t "$here/probe/main.swift" "${objects[@]}" | head -1)"
  if [ -x "$out/vbprobe" ] && [ "$out/vbprobe" -nt "$newest" ] \
    && [ "$(cat "$out/vbprobe.from" 2>/dev/null)" = "$build" ]; then
    return 0
  fi
  rm -f "$out/vbprobe"
  if swiftc -O -module-name vbprobe "$here/probe/main.swift" -I "$build/Modules" \
      -Xcc -fmodule-map-file="$build/CShims.build/module.modulemap" \
      -Xcc -I"$project/Sources/CShims/include" "${objects[@]}" \
      $(sed -n 's/.*linkedLibrary("\([^"]*\)").*/-l\1/p' "$project/Package.swift" | sort -u) \
      -o "$out/vbprobe" \
      > "$out/vbprobe.log" 2>&1; then
    echo ok > "$out/vbprobe.status"
    echo "$build" > "$out/vbprobe.from"
    say "built vbprobe against $build"
  else
    echo failed > "$out/vbprobe.status"
    say "vbprobe did not build against $build (the cases that need it will fail):"
    sed 's/^/  /' "$out/vbprobe.log" >&2
  fi
}

# --------------------------------------------------------------------------
# Run

qemu_pid=""
peer_pid=""
cleanup_run() {
  [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null || true
  [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null || true
}

# The guest console log, without the firmware's terminal escapes.
show_console() {
  sed -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/^/  console| /' "$1/console.log" >&2
}

# boot_vm SHARE TIMEOUT SERIAL_SOCKET COMMAND: runs COMMAND (a bash
# string) in the guest; returns its status or 124/125 for VM trouble.
boot_vm() {
  local share="$1" timeout="$2" socket="$3" command="$4"
  local dir kver
  [ -n "$board_dir" ] || setup
  dir="$board_dir"
  kver="$(cat "$dir/ready")"
  rm -f "$share/status" "$share/output" "$share/console.log"
  : > "$share/output"
  {
    echo "VBOARD_PROJECT=$(printf %q "$project")"
    echo "VBOARD_HERE=$(printf %q "$here")"
    echo "VBOARD_CACHE=$(printf %q "$cache")"
    echo "VBOARD_MODULES=$(printf %q "$dir/modules")"
    echo "VBOARD_TOOLS=$(printf %q "$cache/tools")"
    echo "VBOARD_TIMEOUT=$timeout"
    echo "VBOARD_PATH=$(printf %q "$PATH")"
    local var
    for var in HOME LANG TEACHPAD_MODEL TEACHPAD_SHARED TEACHPAD_BIN VBOARD_VERBOSE; do
      [ -n "${!var:-}" ] && echo "$var=$(printf %q "${!var}")"
    done
    echo "VBOARD_COMMAND=$(printf %q "$command")"
  } > "$share/env"

  local serial2=(-serial null)
  [ -n "$socket" ] && serial2=(-serial "unix:$socket,server=on,wait=off")

  local started=$SECONDS status=0
  # The guest's own time-out ends the command first and still reports;
  # the host's ends a VM that hangs.
  timeout --kill-after=5 $((timeout + 90)) \
    qemu-system-x86_64 -nographic -nodefaults -no-user-config -no-reboot \
      -accel tcg,thread=multi,tb-size=128 -cpu max -m 512 -smp 1 \
      -kernel "$dir/vmlinux" -initrd "$dir/initramfs.gz" \
      -append "console=ttyS0 loglevel=4 panic=-1 oops=panic" \
      -serial "file:$share/console.log" "${serial2[@]}" \
      -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
      -virtfs "local,path=$share,mount_tag=share,security_model=none" \
      -monitor none </dev/null >"$share/qemu.log" 2>&1 &
  qemu_pid=$!
  # Stream the command's output as it arrives.
  tail -n +1 -f --pid="$qemu_pid" "$share/output" 2>/dev/null &
  local tail_pid=$!
  wait "$qemu_pid" || status=$?
  qemu_pid=""
  wait "$tail_pid" 2>/dev/null || true
  local took=$((SECONDS - started))

  if [ -f "$share/status" ]; then
    local result
    result="$(cat "$share/status")"
    if [ "$result" = "timeout" ]; then
      say "TIMED OUT: the command ran longer than ${timeout} s in the VM; guest console:"
      show_console "$share"
      return 124
    fi
    [ -n "${VBOARD_VERBOSE:-}" ] && say "VM ran ${took} s, command status $result"
    return "$result"
  fi
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    say "VM TIMED OUT after ${took} s (limit $((timeout + 90)) s: boot allowance included) with no result; guest console:"
    show_console "$share"
    return 124
  fi
  say "VM FAILED after ${took} s (qemu status $status) with no result; qemu said:"
  sed 's/^/  qemu| /' "$share/qemu.log" >&2
  say "guest console:"
  show_console "$share"
  return 125
}

run() {
  local timeout=120 socket="" share="" keep=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --timeout) timeout="$2"; shift 2 ;;
      --serial-socket) socket="$2"; shift 2 ;;
      --share) share="$2"; shift 2 ;;
      --keep) keep=1; shift ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  [ $# -gt 0 ] || die "run: no command given"
  local own_share=0
  if [ -z "$share" ]; then
    share="$(mktemp -d /tmp/vboard-run.XXXXXX)"
    own_share=1
  fi
  trap cleanup_run EXIT
  local command status=0
  if [ $# -eq 1 ]; then command="$1"; else command="$(printf '%q ' "$@")"; fi
  boot_vm "$share" "$timeout" "$socket" "$command" || status=$?
  if [ "$own_share" -eq 1 ] && [ "$keep" -eq 0 ]; then rm -rf "$share"; fi
  [ "$keep" -eq 1 ] && say "run folder kept: $share"
  return "$status"
}

# --------------------------------------------------------------------------
# Test: all cases in one boot, with a serial peer on the host.

test_cases() {
  local started=$SECONDS
  [ -n "$board_dir" ] || setup
  build_probe
  local share socket status=0
  share="$(mktemp -d /tmp/vboard-test.XXXXXX)"
  socket="$share/serial.sock"
  trap cleanup_run EXIT
  echo echo > "$share/peer-mode"
  # The peer connects as soon as QEMU listens, before the guest boots.
  "$cache/tools/vbpeer" "$socket" "$share" 2>"$share/peer.log" &
  peer_pid=$!
  local cases="${*:-all}"
  boot_vm "$share" "${VBOARD_TEST_TIMEOUT:-900}" "$socket" \
    "bash $(printf %q "$here/guest/run-cases.sh") $cases" || status=$?
  kill "$peer_pid" 2>/dev/null || true
  wait "$peer_pid" 2>/dev/null || true
  peer_pid=""
  if [ "$status" -eq 124 ] || [ "$status" -eq 125 ]; then
    say "the virtual-board cases did NOT run to the end (VM trouble above)"
    local last
    last="$(ls -t "$share"/cases/*.log 2>/dev/null | head -1)"
    if [ -n "$last" ]; then
      say "the last case, $(basename "$last" .log), had printed:"
      tail -n 40 "$last" | sed 's/^/  /' >&2
    fi
  fi
  say "whole run ${SECONDS}s wall, $((SECONDS - started)) s in test"
  if [ "$status" -ne 0 ] || [ -n "${VBOARD_KEEP:-}" ]; then
    say "run folder kept: $share"
  else
    rm -rf "$share"
  fi
  return "$status"
}

case "${1:-}" in
  setup) shift; setup; echo "vboard: ready: $board_dir" ;;
  run) shift; run "$@" ;;
  test) shift; test_cases "$@" ;;
  clean) rm -rf "$cache" ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
