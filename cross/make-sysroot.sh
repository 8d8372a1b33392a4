#!/usr/bin/env bash
# Builds cross/sysroot: a Debian bookworm arm64 root holding the headers and
# libraries that the Pi build of teachpad compiles and links against, and
# that qemu-aarch64-static loads it with (-L cross/sysroot).
#
# Only Debian's own packages are used, fetched by apt-get with a private
# configuration under cross/cache/apt (its own sources list, package lists,
# dpkg status and download cache), then unpacked with dpkg -x. The machine's
# apt sources, architectures and installed packages stay untouched.
#
# Cached: downloaded .debs stay in cross/cache/debs, and a stamp holding the
# package list skips the work when nothing changed. Safe to run twice.
#
# Usage: bash cross/make-sysroot.sh [--force]
#   DEBIAN_MIRROR  the Debian mirror (default http://deb.debian.org/debian)
set -euo pipefail
cd "$(dirname "$0")"
here="$PWD"
sysroot="$here/sysroot"
cache="$here/cache"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# Headers and link-time symlinks (lib*.so) for what teachpad links.
development_packages=(
  libc6-dev linux-libc-dev libgcc-12-dev libstdc++-12-dev
  libv4l-dev libgpiod-dev libarmadillo-dev libsuperlu-dev
  libturbojpeg0-dev libpng-dev zlib1g-dev
)
# The shared libraries the binary loads; apt adds what they depend on.
runtime_packages=(
  libc6 libgcc-s1 libstdc++6
  libv4l-0 libv4lconvert0 libgpiod2
  libarmadillo11 libarpack2 libsuperlu5 libopenblas0-pthread
  libblas3 liblapack3
  libturbojpeg0 libpng16-16 zlib1g
)

say() { echo "make-sysroot: $*"; }

stamp="$sysroot/.teachpad-sysroot"
wanted="bookworm arm64 ${development_packages[*]} ${runtime_packages[*]}"
if [ "${1:-}" != "--force" ] && [ -f "$stamp" ] \
  && [ "$(head -1 "$stamp")" = "$wanted" ]; then
  say "cross/sysroot is up to date ($(tail -1 "$stamp"))"
  exit 0
fi
[ -r "$keyring" ] || {
  say "missing $keyring (install the debian-archive-keyring package)" >&2
  exit 1
}

# The private apt: every path it reads or writes lives under cache/apt.
apt_root="$cache/apt"
mkdir -p "$apt_root/sources.list.d" "$apt_root/preferences.d" \
  "$apt_root/state/lists/partial" "$apt_root/cache/archives/partial" \
  "$cache/debs"
: > "$apt_root/status"
cat > "$apt_root/sources.list" <<SOURCES
deb [arch=arm64 signed-by=$keyring] $mirror bookworm main
deb [arch=arm64 signed-by=$keyring] $mirror bookworm-updates main
deb [arch=arm64 signed-by=$keyring] $security_mirror bookworm-security main
SOURCES
apt_options=(
  -o "APT::Architecture=arm64"
  -o "APT::Architectures::=arm64"
  -o "Dir::Etc::SourceList=$apt_root/sources.list"
  -o "Dir::Etc::SourceParts=$apt_root/sources.list.d"
  -o "Dir::Etc::Preferences=$apt_root/preferences"
  -o "Dir::Etc::PreferencesParts=$apt_root/preferences.d"
  -o "Dir::State=$apt_root/state"
  -o "Dir::State::status=$apt_root/status"
  -o "Dir::Cache=$apt_root/cache"
  -o "Debug::NoLocking=true"
  -o "APT::Sandbox::User=root"
  -o "APT::Install-Recommends=false"
  -o "APT::Get::Download-Only=false"
)
private_apt() { apt-get "${apt_options[@]}" "$@"; }
private_apt_cache() { apt-cache "${apt_options[@]}" "$@"; }

# Refresh the package lists at most once a day.
lists_stamp="$apt_root/state/lists/.updated"
if [ -z "$(find "$lists_stamp" -mmin -1440 2>/dev/null)" ]; then
  say "fetching the bookworm arm64 package lists"
  private_apt -qq update
  touch "$lists_stamp"
fi

# The closure of the runtime libraries as apt resolves it on an empty
# system, plus the development packages themselves without their
# dependencies (those pull in compilers and HDF5, which the build never uses).
mapfile -t closure < <(private_apt -s install "${runtime_packages[@]}" \
  | awk '$1 == "Inst" { print $2 }')
packages=("${closure[@]}" "${development_packages[@]}")
say "${#packages[@]} packages: ${#closure[@]} runtime, ${#development_packages[@]} development"

# Download what is not cached yet. apt-get download names each file
# package_version_architecture.deb (":" of an epoch written "%3a"), so a
# cached .deb is used only while it is still the current version.
mapfile -t file_names < <(private_apt_cache show --no-all-versions "${packages[@]}" \
  | awk '/^Package:/ { name = $2 } /^Version:/ { version = $2 }
         /^Architecture:/ { sub(/:/, "%3a", version)
                            print name "_" version "_" $2 ".deb" }')
[ ${#file_names[@]} -eq ${#packages[@]} ] || {
  say "apt-cache found ${#file_names[@]} files for ${#packages[@]} packages" >&2
  exit 1
}
missing=()
for index in "${!packages[@]}"; do
  [ -f "$cache/debs/${file_names[$index]}" ] || missing+=("${packages[$index]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "downloading ${#missing[@]} packages"
  (cd "$cache/debs" && private_apt -qq download "${missing[@]}")
fi

# Unpack into a fresh tree, then swap it in, so a failed run leaves the old
# sysroot (or none) rather than half of one.
fresh="$sysroot.new"
rm -rf "$fresh"
mkdir -p "$fresh"
for name in "${file_names[@]}"; do
  dpkg-deb -x "$cache/debs/$name" "$fresh"
done
rm -rf "$fresh/usr/share/doc" "$fresh/usr/share/man" "$fresh/usr/share/locale"

# Merge /lib into /usr/lib as Raspberry Pi OS does, so every library has one
# path and /lib/ld-linux-aarch64.so.1 resolves inside the sysroot.
if [ -d "$fresh/lib" ] && [ ! -L "$fresh/lib" ]; then
  cp -a "$fresh/lib/." "$fresh/usr/lib/"
  rm -rf "$fresh/lib"
fi
ln -s usr/lib "$fresh/lib"

# Absolute symlinks (libz.so -> /lib/...) would point out of the sysroot
# into the build machine; make them relative.
find "$fresh" -type l -lname '/*' | while read -r link; do
  target="$(readlink "$link")"
  ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$fresh$target")" "$link"
done

# BLAS and LAPACK are chosen by update-alternatives on a real system, which
# dpkg -x does not run; pick OpenBLAS as a Pi with libopenblas0 does.
multiarch="$fresh/usr/lib/aarch64-linux-gnu"
for library in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  ln -sfn "openblas-pthread/$library" "$multiarch/$library"
done

# pkg-config files name /usr paths; with PKG_CONFIG_SYSROOT_DIR set by the
# toolset they resolve inside the sysroot unchanged.
rm -rf "$sysroot"
mv "$fresh" "$sysroot"
printf '%s\n%s packages, %s\n' "$wanted" "${#packages[@]}" \
  "$(du -sh "$sysroot" | cut -f1)" > "$stamp"
say "cross/sysroot ready: $(tail -1 "$stamp")"
