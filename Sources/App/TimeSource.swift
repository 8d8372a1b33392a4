import CShims

/// Where the state machine reads the time. Live runs use the monotonic
/// clock; replays and tests step time by hand so nothing ever sleeps.
public protocol TimeSource: AnyObject {
  /// Nanoseconds on a clock that never goes back.
  var nanoseconds: Int64 { get }
}

/// CLOCK_MONOTONIC, the clock of the button events.
public final class MonotonicTime: TimeSource {
  public init() {}

  public var nanoseconds: Int64 { shim_monotonic_nanoseconds() }
}

/// Time that moves only when told: a replay advances it by one frame
/// interval per recorded frame, a test by whatever the case needs.
public final class SteppedTime: TimeSource {
  public var nanoseconds: Int64

  public init(nanoseconds: Int64 = 0) {
    self.nanoseconds = nanoseconds
  }

  public func advance(milliseconds: Int) {
    nanoseconds += Int64(milliseconds) * 1_000_000
  }
}
