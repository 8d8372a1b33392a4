/// Debounces one button from timestamped edges.
///
/// The steps:
/// 1. Every edge (re)starts a quiet period of `debounceNanoseconds`.
/// 2. When the period ends without a further edge, the line's level is
///    read again and becomes the debounced state. A change reports `press`
///    or `release` at the time of the first edge of the burst.
/// 3. A press that lasts `holdNanoseconds` reports `hold`, once.
///
/// Reading the level in step 2, instead of trusting the last edge, is what
/// keeps a button from staying "pressed" after a burst longer than the
/// kernel's event queue, whose final edges are lost. When no level can be
/// read (a scripted line), the direction of the last edge counts.
///
/// Edges carry the kernel's timestamps and may be read long after they
/// happened (a busy loop reads a whole press and release at once). So an
/// edge that comes a full quiet period after the one before it first
/// settles that earlier state, at its own time; a press and release read
/// together are still both reported.
///
/// Not guaranteed: a press shorter than the quiet period is not reported;
/// that is the price of rejecting contact bounce.
public struct ButtonDebouncer {
  public let debounceNanoseconds: Int64
  public let holdNanoseconds: Int64
  /// The debounced state.
  public private(set) var isPressed: Bool
  /// Edges seen since the state last settled.
  public private(set) var edgeCountInBurst = 0

  private var quietUntil: Int64?
  private var burstStart: Int64 = 0
  private var lastEdgeToPressed = false
  private var pressedSince: Int64 = 0
  private var holdReported = true
  /// Times of changes settled by edge timing, waiting for the next
  /// `advance`. They alternate, the first being a change away from
  /// `isPressed`.
  private var settledTimes: (Int64, Int64, Int64, Int64) = (0, 0, 0, 0)
  private var settledCount = 0

  public init(debounceNanoseconds: Int64 = 20_000_000,
              holdNanoseconds: Int64 = 1_000_000_000,
              initiallyPressed: Bool = false) {
    precondition(debounceNanoseconds >= 0 && holdNanoseconds > 0,
                 "ButtonDebouncer: intervals must not be negative")
    self.debounceNanoseconds = debounceNanoseconds
    self.holdNanoseconds = holdNanoseconds
    self.isPressed = initiallyPressed
  }

  /// Records an edge at `time`; `toPressed` is the level it went to.
  public mutating func edge(toPressed: Bool, at time: Int64) {
    if let quietUntil, time >= quietUntil {
      // The previous burst had settled before this edge came.
      settle(to: lastEdgeToPressed, at: burstStart)
      self.quietUntil = nil
    }
    if quietUntil == nil { burstStart = time }
    edgeCountInBurst += 1
    lastEdgeToPressed = toPressed
    quietUntil = time + debounceNanoseconds
  }

  /// Queues a settled state change. Four fit; beyond that the oldest
  /// press-and-release pair is dropped whole, so reports stay paired.
  private mutating func settle(to level: Bool, at time: Int64) {
    let current = settledCount % 2 == 0 ? isPressed : !isPressed
    guard level != current else { return }
    if settledCount == 4 {
      settledTimes = (settledTimes.2, settledTimes.3, 0, 0)
      settledCount = 2
    }
    switch settledCount {
    case 0: settledTimes.0 = time
    case 1: settledTimes.1 = time
    case 2: settledTimes.2 = time
    default: settledTimes.3 = time
    }
    settledCount += 1
  }

  private mutating func reportSettled(_ report: (ButtonAction, Int64) -> Void) {
    let times = settledTimes
    for index in 0..<settledCount {
      let time = index == 0 ? times.0 : index == 1 ? times.1
        : index == 2 ? times.2 : times.3
      isPressed.toggle()
      if isPressed {
        pressedSince = time
        holdReported = false
      }
      report(isPressed ? .press : .release, time)
    }
    settledCount = 0
  }

  /// The earliest time at which `advance` has something to do.
  public var nextDeadline: Int64? {
    if settledCount > 0 { return 0 }
    if let quietUntil { return quietUntil }
    if isPressed && !holdReported { return pressedSince + holdNanoseconds }
    return nil
  }

  /// Settles the state once the quiet period is over and reports what
  /// changed. `readLevel` gives the line's level now (true = pressed), or
  /// nil to trust the last edge.
  public mutating func advance(
    now: Int64, readLevel: () -> Bool?,
    _ report: (ButtonAction, Int64) -> Void
  ) {
    if settledCount > 0 { reportSettled(report) }
    if let quietUntil, now >= quietUntil {
      let level = readLevel() ?? lastEdgeToPressed
      self.quietUntil = nil
      edgeCountInBurst = 0
      if level != isPressed {
        isPressed = level
        if level {
          pressedSince = burstStart
          holdReported = false
          report(.press, burstStart)
        } else {
          report(.release, burstStart)
        }
      }
    }
    guard quietUntil == nil, isPressed, !holdReported,
          now >= pressedSince + holdNanoseconds else { return }
    holdReported = true
    report(.hold, pressedSince + holdNanoseconds)
  }
}
