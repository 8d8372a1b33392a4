import CShims

/// CLOCK_MONOTONIC, the clock of kernel GPIO event times.
enum MonotonicClock {
  static var nanoseconds: Int64 { shim_monotonic_nanoseconds() }

  /// Milliseconds from now until `deadline`, rounded up, at least 0.
  static func milliseconds(until deadline: Int64) -> Int32 {
    let remaining = deadline - nanoseconds
    guard remaining > 0 else { return 0 }
    return Int32(min((remaining + 999_999) / 1_000_000, 86_400_000))
  }

  /// Sleeps for `milliseconds`, or not at all for 0 or less.
  static func sleep(milliseconds: Int32) {
    guard milliseconds > 0 else { return }
    _ = poll(nil, 0, milliseconds)
  }
}
