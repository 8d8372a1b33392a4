/// What the player's pose means right now: a class, or none when the head
/// is not sure enough.
public struct Prediction: Equatable {
  /// The winning class, or nil below the confidence floor.
  public var label: Int?
  /// The (smoothed) probability of the best class.
  public var confidence: Float
}

/// Turns per-frame probabilities into a steady answer: the mean over the
/// last `smoothingFrameCount` frames (1 = no smoothing), and no answer when
/// the best mean probability is below `confidenceFloor`. Memory for the
/// frames is reserved at init; `add` allocates nothing.
public final class Predictor {
  public let classCount: Int
  public let smoothingFrameCount: Int
  public let confidenceFloor: Float

  private let history: UnsafeMutablePointer<Float>
  private let sums: UnsafeMutablePointer<Double>
  private var next = 0
  private var filled = 0

  public init(classCount: Int, smoothingFrameCount: Int = 1, confidenceFloor: Float = 0) {
    precondition(classCount >= 1, "Predictor: classCount \(classCount) < 1")
    precondition(smoothingFrameCount >= 1,
                 "Predictor: smoothingFrameCount \(smoothingFrameCount) < 1")
    self.classCount = classCount
    self.smoothingFrameCount = smoothingFrameCount
    self.confidenceFloor = confidenceFloor
    history = .allocate(capacity: classCount * smoothingFrameCount)
    history.initialize(repeating: 0, count: classCount * smoothingFrameCount)
    sums = .allocate(capacity: classCount)
    sums.initialize(repeating: 0, count: classCount)
  }

  deinit {
    history.deallocate()
    sums.deallocate()
  }

  /// Forgets earlier frames (after training, or when play starts).
  public func reset() {
    next = 0
    filled = 0
    sums.update(repeating: 0, count: classCount)
  }

  /// Sums the window again from the stored frames once per pass, so the
  /// running sums cannot drift over hours of play.
  private func recomputeSums() {
    for label in 0..<classCount {
      var total = 0.0
      for frame in 0..<filled { total += Double(history[frame * classCount + label]) }
      sums[label] = total
    }
  }

  /// Adds one frame's probabilities and returns the current answer.
  public func add(_ probabilities: UnsafeBufferPointer<Float>) -> Prediction {
    precondition(probabilities.count == classCount,
                 "Predictor.add: \(probabilities.count) probabilities, expected \(classCount)")
    let slot = history + next * classCount
    for label in 0..<classCount {
      if filled == smoothingFrameCount { sums[label] -= Double(slot[label]) }
      slot[label] = probabilities[label]
      sums[label] += Double(probabilities[label])
    }
    next = (next + 1) % smoothingFrameCount
    filled = min(filled + 1, smoothingFrameCount)
    if next == 0 { recomputeSums() }

    var best = 0
    for label in 1..<classCount where sums[label] > sums[best] { best = label }
    let confidence = Float(sums[best] / Double(filled))
    return Prediction(label: confidence >= confidenceFloor ? best : nil,
                      confidence: confidence)
  }
}
