// swift-tools-version:6.0
// The smallest program that exercises the ARM toolchain the way teachpad
// does: Embedded Swift calling a C target and the C library, linked into
// an aarch64 Linux executable. cross/arm-check.sh builds and runs it first,
// so a broken toolchain or sysroot shows up apart from product code.
import PackageDescription

let package = Package(
  name: "probe",
  targets: [
    .target(name: "ProbeC"),
    .executableTarget(name: "probe", dependencies: ["ProbeC"]),
  ],
  swiftLanguageModes: [.v5]
)
