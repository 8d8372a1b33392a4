# Sourced by the cross/ scripts: the sysroot, the SwiftPM toolset written
# for this checkout, and arm_swift_build, which runs SwiftPM for the Pi.
# Needs $root (the repository) set by the caller.

sysroot="$root/cross/sysroot"
swift_compiler="$(readlink -f "$(command -v swiftc)")"
toolchain="$(dirname "$(dirname "$swift_compiler")")"
embedded_libraries="$toolchain/lib/swift/embedded/aarch64-none-none-elf"
toolset="$root/cross/cache/toolset.json"

# Writes cross/cache/toolset.json from cross/toolset.json.in; the toolset
# names absolute paths, so it is written per checkout.
write_toolset() {
  [ -f "$embedded_libraries/libswiftUnicodeDataTables.a" ] || {
    echo "cross: no Embedded aarch64 libraries in $embedded_libraries" \
      "(a Swift 6.3 toolchain has them)" >&2
    return 1
  }
  mkdir -p "$root/cross/cache"
  sed -e "s|@SYSROOT@|$sysroot|g" \
    -e "s|@EMBEDDED_LIBRARIES@|$embedded_libraries|g" \
    "$root/cross/toolset.json.in" > "$toolset"
}

# arm_swift_build PACKAGE_DIR SCRATCH_DIR [swift build options...]
# A release build for aarch64-none-none-elf with the toolset. SwiftPM does
# not rebuild when only the toolset changes, so a changed toolset starts
# the scratch folder afresh.
arm_swift_build() {
  local package="$1" scratch="$2"
  shift 2
  if ! cmp -s "$toolset" "$scratch/toolset.json" 2>/dev/null; then
    if [ -f "$scratch/build.db" ] || [ -f "$scratch/toolset.json" ]; then
      rm -rf "$scratch"
    fi
    mkdir -p "$scratch"
    cp "$toolset" "$scratch/toolset.json"
  fi
  # TEACHPAD_TARGET tells Package.swift that the x86_64 vector flags do not
  # apply; pkg-config answers from the sysroot's .pc files only.
  TEACHPAD_TARGET=aarch64 \
    PKG_CONFIG_SYSROOT_DIR="$sysroot" \
    PKG_CONFIG_LIBDIR="$sysroot/usr/lib/aarch64-linux-gnu/pkgconfig:$sysroot/usr/share/pkgconfig" \
    PKG_CONFIG_PATH="" \
    swift build -c release --package-path "$package" \
    --triple aarch64-none-none-elf --toolset "$toolset" \
    --scratch-path "$scratch" "$@"
}
