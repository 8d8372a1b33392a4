/// When to try a lost device again: the first retry after
/// `initialDelayNanoseconds`, each following one twice as late, never later
/// than `maximumDelayNanoseconds`, and never given up. A success resets it.
public struct RetrySchedule {
  public let initialDelayNanoseconds: Int64
  public let maximumDelayNanoseconds: Int64
  /// Failures since the last success.
  public private(set) var failureCount = 0
  /// When the next attempt is due (CLOCK_MONOTONIC nanoseconds); 0 means
  /// at once.
  public private(set) var nextAttemptNanoseconds: Int64 = 0

  public init(initialDelayNanoseconds: Int64 = 250_000_000,
              maximumDelayNanoseconds: Int64 = 5_000_000_000) {
    precondition(initialDelayNanoseconds > 0
                   && maximumDelayNanoseconds >= initialDelayNanoseconds,
                 "RetrySchedule: delays must be positive and ordered")
    self.initialDelayNanoseconds = initialDelayNanoseconds
    self.maximumDelayNanoseconds = maximumDelayNanoseconds
  }

  public func isDue(now: Int64) -> Bool {
    now >= nextAttemptNanoseconds
  }

  /// The delay that follows the current failure count.
  public var currentDelayNanoseconds: Int64 {
    var delay = initialDelayNanoseconds
    var doublings = failureCount - 1
    while doublings > 0 && delay < maximumDelayNanoseconds {
      delay *= 2
      doublings -= 1
    }
    return min(delay, maximumDelayNanoseconds)
  }

  /// Records a failed attempt at `now` and schedules the next one.
  public mutating func failed(now: Int64) {
    failureCount += 1
    nextAttemptNanoseconds = now + currentDelayNanoseconds
  }

  public mutating func succeeded() {
    failureCount = 0
    nextAttemptNanoseconds = 0
  }
}
