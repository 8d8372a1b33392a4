import HeadMath

/// The small-data head: keeps a copy of every example and answers with the
/// majority label of the k most cosine-similar ones. Ties go to the tied
/// class whose neighbours are the more similar in sum. "Training" is a copy.
/// Scores and the vote use scratch made at init, so prediction never
/// allocates.
public final class NearestNeighborHead {
  public let shape: ActivationShape
  public let classCount: Int
  public let neighborCount: Int
  public let exampleCount: Int

  /// exampleCount x shape.byteCount.
  let examples: [UInt8]
  let labels: [UInt8]
  private let norms: [Float]
  private var scores: [Float]
  private var nearest: [Int]
  private var votes: [Int]
  private var similaritySums: [Float]

  /// Copies the examples; labels must be below `classCount`.
  public init(
    shape: ActivationShape, classCount: Int, neighborCount: Int,
    examples: [UInt8], labels: [UInt8]
  ) {
    precondition(examples.count == labels.count * shape.byteCount,
                 "NearestNeighborHead: \(examples.count) bytes for \(labels.count) labels")
    self.shape = shape
    self.classCount = classCount
    self.neighborCount = neighborCount
    self.exampleCount = labels.count
    self.examples = examples
    self.labels = labels
    let featureCount = Int32(shape.byteCount)
    norms = (0..<labels.count).map { index in
      examples.withUnsafeBufferPointer {
        headmath_uint8_norm($0.baseAddress.map { $0 + index * Int(featureCount) },
                            featureCount)
      }
    }
    scores = [Float](repeating: 0, count: labels.count)
    nearest = [Int](repeating: 0, count: neighborCount)
    votes = [Int](repeating: 0, count: classCount)
    similaritySums = [Float](repeating: 0, count: classCount)
  }

  /// Keeps a copy of the dataset's examples.
  public convenience init(
    _ dataset: ActivationDataset, neighborCount: Int
  ) throws(LearningError) {
    guard !dataset.isEmpty else { throw .noExamples }
    guard dataset.classesWithExamples >= 2 else {
      throw .tooFewClasses(classesWithExamples: dataset.classesWithExamples)
    }
    self.init(shape: dataset.shape, classCount: dataset.classCount,
              neighborCount: neighborCount,
              examples: Array(dataset.activationBytes),
              labels: Array(dataset.labelBytes))
  }

  /// Vote shares of the k nearest examples into `probabilities`; returns
  /// the winning class.
  @discardableResult
  public func predict(
    _ activation: UnsafeBufferPointer<UInt8>,
    probabilities: UnsafeMutableBufferPointer<Float>
  ) -> Int {
    checkPredictionArguments("NearestNeighborHead.predict", activation.count, shape,
                             probabilities.count, classCount)

    examples.withUnsafeBufferPointer { stored in
      norms.withUnsafeBufferPointer { normBuffer in
        scores.withUnsafeMutableBufferPointer { scoreBuffer in
          headmath_cosine_scores(activation.baseAddress, stored.baseAddress,
                                 Int32(exampleCount), Int32(shape.byteCount),
                                 normBuffer.baseAddress, scoreBuffer.baseAddress)
        }
      }
    }

    // Keep the k best in `nearest`, best first (insertion; k is small).
    let kept = min(neighborCount, exampleCount)
    var filled = 0
    for index in 0..<exampleCount {
      let score = scores[index]
      if filled == kept && !(score > scores[nearest[kept - 1]]) { continue }
      var slot = filled < kept ? filled : kept - 1
      if filled < kept { filled += 1 }
      while slot > 0 && scores[nearest[slot - 1]] < score {
        nearest[slot] = nearest[slot - 1]
        slot -= 1
      }
      nearest[slot] = index
    }

    for label in 0..<classCount {
      votes[label] = 0
      similaritySums[label] = 0
    }
    for rank in 0..<kept {
      let label = Int(labels[nearest[rank]])
      votes[label] += 1
      similaritySums[label] += scores[nearest[rank]]
    }

    var winner = 0
    for label in 1..<classCount
    where votes[label] > votes[winner]
      || (votes[label] == votes[winner] && similaritySums[label] > similaritySums[winner]) {
      winner = label
    }
    for label in 0..<classCount {
      probabilities[label] = kept == 0 ? 0 : Float(votes[label]) / Float(kept)
    }
    return winner
  }
}
