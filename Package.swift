// swift-tools-version:6.0
// teachpad: a Raspberry Pi game controller taught by the player.
// See README.md for the two builds; this manifest is the host build.
import PackageDescription

// Kernels are written with SIMD types; tell the code generator which vector
// unit the host has. x86_64 hosts need AVX2 and FMA (haswell or newer);
// aarch64 always has NEON.
// cross/build.sh runs this manifest on x86_64 to build for the Pi and says
// so with TEACHPAD_TARGET=aarch64.
#if arch(x86_64)
let x86VectorUnit = Context.environment["TEACHPAD_TARGET"] != "aarch64"
#else
let x86VectorUnit = false
#endif
let vectorFlags: [SwiftSetting] =
  x86VectorUnit ? [.unsafeFlags(["-target-cpu", "haswell"])] : []
let cxxVectorFlags = x86VectorUnit ? ["-mavx2", "-mfma"] : []
// The AVX-512 kernels are compiled for AVX-512 with VNNI (Cascade Lake's
// set, which AMD Zen 4 has too) and run only where the processor says it
// has them (AVX512.isAvailable).
let avx512Flags: [SwiftSetting] =
  x86VectorUnit ? [.unsafeFlags(["-target-cpu", "cascadelake", "-Ounchecked"])] : []
// The Pi build is optimized for size, except the inference kernels, which
// keep their speed (cross/README.md, "Size").
let armBuild = Context.environment["TEACHPAD_TARGET"] == "aarch64"
let sizeFlags: [SwiftSetting] = armBuild ? [.unsafeFlags(["-Osize"])] : []

let package = Package(
  name: "teachpad",
  products: [
    .executable(name: "teachpad", targets: ["teachpad"]),
  ],
  targets: [
    // C shims: variadic and macro C calls, pthreads, atomics, library headers.
    .target(
      name: "CShims",
      linkerSettings: [
        .linkedLibrary("pthread"),
        .linkedLibrary("m"),
        .linkedLibrary("v4l2"),
        .linkedLibrary("gpiod"),
        .linkedLibrary("turbojpeg"),
        .linkedLibrary("png16"),
      ]
    ),
    // Allocation-free logging to stderr, errno messages, whole-file I/O.
    .target(name: "Support", dependencies: ["CShims"], swiftSettings: sizeFlags),
    // AVX-512 kernels: VNNI tiles for pointwise convolutions, 16-lane
    // depthwise rows (empty on aarch64).
    .target(name: "AVX512Kernels", dependencies: ["CShims"],
            swiftSettings: avx512Flags),
    // The .tflite reader, graph cut, arena planner and uint8 kernels.
    .target(
      name: "Inference",
      dependencies: ["CShims", "Support", "AVX512Kernels"],
      swiftSettings: vectorFlags + [.unsafeFlags(["-Ounchecked"])]
    ),
    // C interface over Armadillo for the dense head's matrix work.
    .target(
      name: "HeadMath",
      // Optimized even in debug builds: training speed is a requirement.
      cxxSettings: [.unsafeFlags(["-O3", "-ffp-contract=fast", "-fno-math-errno"] + cxxVectorFlags)],
      linkerSettings: [
        .linkedLibrary("armadillo"),
        .linkedLibrary("stdc++"),
      ]
    ),
    // Activation dataset, dense and kNN heads, training, persistence.
    .target(
      name: "Learning",
      dependencies: ["CShims", "Support", "HeadMath"],
      swiftSettings: vectorFlags + sizeFlags
    ),
    // Camera, buttons, LEDs and serial port: protocols, Linux and scripted.
    .target(name: "Board", dependencies: ["CShims", "Support"], swiftSettings: sizeFlags),
    // The appliance: state machine, configuration, serial protocol.
    .target(
      name: "App",
      dependencies: ["CShims", "Support", "Inference", "Learning", "Board"],
      swiftSettings: sizeFlags
    ),
    .executableTarget(
      name: "teachpad",
      dependencies: ["CShims", "Support", "Inference", "Learning", "Board", "App"],
      swiftSettings: sizeFlags
    ),

    // Test support: counts heap allocations by wrapping malloc and friends.
    .target(name: "AllocationCounter", path: "Tests/AllocationCounter"),
    // Running the built binary and finding ../shared, for the test targets.
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(
      name: "InferenceTests",
      dependencies: ["Inference", "AVX512Kernels", "CShims", "AllocationCounter", "TestSupport"]
    ),
    .testTarget(
      name: "LearningTests",
      dependencies: ["Learning", "HeadMath", "AllocationCounter", "TestSupport"]
    ),
    .testTarget(name: "BoardTests", dependencies: ["Board", "CShims", "TestSupport"]),
    .testTarget(name: "SupportTests", dependencies: ["Support", "CShims", "TestSupport"]),
    .testTarget(
      name: "ReplayTests",
      dependencies: ["App", "Board", "Learning", "AllocationCounter", "TestSupport"]
    ),
    .testTarget(
      name: "AppTests",
      dependencies: ["App", "Board", "Learning", "Inference", "TestSupport"]
    ),
  ],
  swiftLanguageModes: [.v5]
)
