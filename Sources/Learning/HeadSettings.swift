/// Which head learns from the examples.
public enum HeadKind: UInt8, Equatable {
  /// The TensorFlow.js demo's two dense layers, trained with Adam.
  case dense = 0
  /// k nearest stored examples by cosine similarity; no training.
  case nearestNeighbors = 1

  /// `dense` or `knn`, as the command line spells it.
  public var name: String {
    switch self {
    case .dense: return "dense"
    case .nearestNeighbors: return "knn"
    }
  }

  public init?(name: String) {
    switch name {
    case "dense": self = .dense
    case "knn": self = .nearestNeighbors
    default: return nil
    }
  }
}

/// Everything that decides how a head is made. Defaults are the demo's.
public struct HeadSettings: Equatable {
  public var kind: HeadKind = .dense
  /// Units of the hidden dense layer.
  public var units = 100
  public var epochs = 20
  public var learningRate = 0.0001
  /// Batch size is floor(examples x batchFraction).
  public var batchFraction = 0.4
  /// Seeds the initial weights and every epoch's shuffle.
  public var seed: UInt64 = 1
  /// k of the nearest-neighbour head.
  public var neighborCount = 3
  /// Threads for training (0: one per processor, at most 16). Not saved
  /// with a head; the result does not depend on it. The threads stay up for
  /// the whole fit and take blocks of work from a counter, so a processor
  /// the system holds back costs its share, not the step.
  public var threadCount = 0

  public init() {}

  /// Checks the ranges; throws `invalidSetting` naming the first bad one.
  public func validate() throws(LearningError) {
    guard units >= 1 && units <= 4096 else {
      throw .invalidSetting(name: "units", value: "\(units)", allowed: "1 to 4096")
    }
    guard epochs >= 1 && epochs <= 100_000 else {
      throw .invalidSetting(name: "epochs", value: "\(epochs)", allowed: "1 to 100000")
    }
    guard learningRate > 0 && learningRate <= 1 else {
      throw .invalidSetting(name: "learning rate",
                            value: formatDecimal(learningRate, digits: 6),
                            allowed: "more than 0 and at most 1")
    }
    guard batchFraction > 0 && batchFraction <= 1 else {
      throw .invalidSetting(name: "batch fraction",
                            value: formatDecimal(batchFraction, digits: 4),
                            allowed: "more than 0 and at most 1")
    }
    guard neighborCount >= 1 && neighborCount <= 255 else {
      throw .invalidSetting(name: "k", value: "\(neighborCount)", allowed: "1 to 255")
    }
  }

  /// floor(exampleCount x batchFraction), the demo's batch size rule.
  public func batchSize(exampleCount: Int) -> Int {
    Int((Double(exampleCount) * batchFraction).rounded(.down))
  }

  /// The smallest batch fraction of two significant digits that gives
  /// `exampleCount` examples batches of one or more: 322 -> 0.0032,
  /// 2 -> 0.5.
  public static func smallestBatchFraction(exampleCount: Int) -> Double {
    let count = Double(max(1, exampleCount))
    // Steps of 1 / scale, with scale the power of ten that puts two
    // significant digits of 1 / count before the point.
    var scale = 10.0
    while scale / count < 10 { scale *= 10 }
    var steps = (scale / count).rounded(.up)
    var settings = HeadSettings()
    settings.batchFraction = steps / scale
    // One more step where the division rounded below the true quotient.
    while settings.batchSize(exampleCount: max(1, exampleCount)) < 1 {
      steps += 1
      settings.batchFraction = steps / scale
    }
    return settings.batchFraction
  }

  /// The fewest examples that `batchFraction` gives batches of one or
  /// more: ceil(1 / batchFraction), 0.4 -> 3, at most 10^15.
  public static func smallestExampleCount(batchFraction: Double) -> Int {
    let mostExamples = 1_000_000_000_000_000
    guard batchFraction > 0 else { return mostExamples }
    var settings = HeadSettings()
    settings.batchFraction = batchFraction
    var count = Int(min(Double(mostExamples), (1 / batchFraction).rounded(.up)))
    // 1 / fraction is rounded: step to the exact edge of the rule.
    while count < mostExamples && settings.batchSize(exampleCount: count) < 1 {
      count += 1
    }
    while count > 1 && settings.batchSize(exampleCount: count - 1) >= 1 {
      count -= 1
    }
    return count
  }
}
