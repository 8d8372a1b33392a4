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

# arm_build_executable PACKAGE_DIR SCRATCH_DIR TARGET OUTPUT
# Compiles TARGET and its dependencies with arm_swift_build, then links
# them here: clang drives lld for aarch64-linux-gnu against the sysroot
# (crt files, libc, libgcc, interpreter /lib/ld-linux-aarch64.so.1), with
# the libraries of the targets' linkerSettings (Embedded Swift ignores
# autolink) and the toolchain's Unicode tables. Unused sections are
# dropped, identical functions folded, relative relocations packed
# (DT_RELR, glibc 2.36 as on bookworm) and the unwind tables left out
# (cross/no-unwind-tables.ld says why that is safe). lld writes its link
# map beside the output (OUTPUT.map) for cross/inspect-binary.py.
arm_build_executable() {
  local package="$1" scratch="$2" target="$3" output="$4" plan
  arm_swift_build "$package" "$scratch" --target "$target" || return 1
  plan="$(TEACHPAD_TARGET=aarch64 swift package dump-package \
      --package-path "$package" 2> /dev/null \
    | python3 "$root/cross/link-plan.py" "$target" \
      "$scratch/aarch64-none-none-elf/release")" || return 1
  mapfile -t link_inputs <<< "$plan"
  mkdir -p "$(dirname "$output")"
  "$toolchain/bin/clang" -fuse-ld=lld --target=aarch64-linux-gnu \
    --sysroot="$sysroot" -o "$output" "${link_inputs[@]}" \
    "$embedded_libraries/libswiftUnicodeDataTables.a" \
    -Wl,--gc-sections -Wl,--icf=all -Wl,-z,pack-relative-relocs \
    -Wl,--no-eh-frame-hdr -Wl,-T,"$root/cross/no-unwind-tables.ld" \
    -Wl,-Map,"$output.map" \
    -Wl,--defsym,main="${target}_main"
}
