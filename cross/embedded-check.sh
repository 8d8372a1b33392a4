#!/usr/bin/env bash
# Proves that the product modules stay inside the Embedded Swift subset:
# compiles each one with -enable-experimental-feature Embedded, whole-module,
# for x86_64 (no sysroot needed), in dependency order. Any module that leaves
# the subset (an `any P` on a non-class protocol, untyped `throws`,
# Foundation, `weak`, String(describing:), ...) fails this script.
#
# -enable-testing makes internal declarations part of the module's surface,
# so the compiler checks them too; without it, code that nothing calls yet
# is dropped before the Embedded checks see it. -Onone: the Embedded checks
# run in the mandatory passes, and skipping the optimizer halves the time.
#
# Usage: bash cross/embedded-check.sh        (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."

# Swift modules in dependency order. A new module under Sources/ must be
# added here; the script refuses to pass while one is missing.
modules=(Support AVX512Kernels Inference Learning Board App teachpad)
# C targets: imported through a module map like SwiftPM's generated one.
c_modules=(CShims HeadMath)

target=x86_64-unknown-linux-gnu
work="$(mktemp -d "${TMPDIR:-/tmp}/embedded-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

fail() {
  echo "embedded-check: FAILED: $*" >&2
  exit 1
}

for directory in Sources/*/; do
  name="$(basename "$directory")"
  case " ${modules[*]} ${c_modules[*]} " in
    *" $name "*) ;;
    *) fail "Sources/$name is not listed in cross/embedded-check.sh" ;;
  esac
done

module_map="$work/module.modulemap"
: > "$module_map"
for name in "${c_modules[@]}"; do
  echo "module $name { umbrella header \"$PWD/Sources/$name/include/$name.h\"" \
    "export * }" >> "$module_map"
done

# compile NAME FILE... : one Embedded whole-module compile into $work.
compile() {
  local name="$1"
  shift
  local mode=(-parse-as-library)
  [ "$name" = teachpad ] && mode=()
  # The AVX-512 kernels are compiled for AVX-512, as in Package.swift.
  [ "$name" = AVX512Kernels ] && mode+=(-target-cpu cascadelake)
  swiftc -target "$target" -enable-experimental-feature Embedded \
    -wmo -Onone -enable-testing -swift-version 5 "${mode[@]}" \
    -Xcc -fmodule-map-file="$module_map" -I "$work" \
    -module-name "$name" -emit-module -emit-module-path "$work/$name.swiftmodule" \
    -c -o "$work/$name.o" "$@"
}

# A control: the same flags must reject a non-class existential, or this
# check proves nothing (a toolchain change could relax it silently).
cat > "$work/control.swift" <<'EOF'
protocol Shape { func area() -> Int }
struct Square: Shape { func area() -> Int { 4 } }
func total(_ shape: any Shape) -> Int { shape.area() }
EOF
if compile Control "$work/control.swift" > "$work/control.log" 2>&1; then
  fail "the control with 'any Shape' compiled; the Embedded flags check nothing"
fi
grep -q "embedded Swift" "$work/control.log" \
  || fail "the control failed for another reason: $(head -3 "$work/control.log")"

for name in "${modules[@]}"; do
  start=$SECONDS
  files=(Sources/"$name"/*.swift)
  if ! compile "$name" "${files[@]}" > "$work/$name.log" 2>&1; then
    cat "$work/$name.log" >&2
    fail "module $name does not compile in Embedded Swift ($target)," \
      "see the errors above"
  fi
  echo "embedded-check: $name compiles in Embedded Swift" \
    "(${#files[@]} files, $((SECONDS - start)) s)"
done
echo "embedded-check: ${#modules[@]} modules inside the Embedded subset"
