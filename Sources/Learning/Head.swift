/// A trained head of either kind with the names of its classes and the
/// settings it was made with: what the appliance plays with and what a head
/// file holds.
public final class Head {
  public enum Model {
    case dense(DenseHead)
    case nearestNeighbors(NearestNeighborHead)
  }

  public let model: Model
  /// One name per class, in output order (for teachpad: the labels).
  public let classNames: [String]
  public let settings: HeadSettings

  public init(model: Model, classNames: [String], settings: HeadSettings) {
    self.model = model
    self.classNames = classNames
    self.settings = settings
    precondition(classNames.count == classCount,
                 "Head: \(classNames.count) names for \(classCount) classes")
  }

  public var kind: HeadKind {
    switch model {
    case .dense: return .dense
    case .nearestNeighbors: return .nearestNeighbors
    }
  }

  public var shape: ActivationShape {
    switch model {
    case .dense(let head): return head.shape
    case .nearestNeighbors(let head): return head.shape
    }
  }

  public var classCount: Int {
    switch model {
    case .dense(let head): return head.classCount
    case .nearestNeighbors(let head): return head.classCount
    }
  }

  /// Makes the head `settings.kind` from the dataset: trains the dense head
  /// (reporting every batch to `progress`) or keeps the examples for kNN.
  public static func make(
    from dataset: ActivationDataset, classNames: [String],
    settings: HeadSettings,
    progress: (TrainingProgress) -> Void = { _ in }
  ) throws(LearningError) -> (Head, TrainingReport) {
    precondition(classNames.count == dataset.classCount,
                 "Head.make: \(classNames.count) names for \(dataset.classCount) classes")
    switch settings.kind {
    case .dense:
      let (dense, report) = try DenseHead.train(
        dataset, settings: settings, progress: progress)
      return (Head(model: .dense(dense), classNames: classNames,
                   settings: settings), report)
    case .nearestNeighbors:
      try settings.validate()
      var warnings: [TrainingWarning] = []
      for label in 0..<dataset.classCount where dataset.count(ofClass: label) < 5 {
        warnings.append(.fewExamples(label: label, count: dataset.count(ofClass: label)))
      }
      // The smallest class with examples, if k outnumbers it.
      if let smallest = (0..<dataset.classCount)
        .filter({ dataset.count(ofClass: $0) > 0 })
        .min(by: { dataset.count(ofClass: $0) < dataset.count(ofClass: $1) }),
        dataset.count(ofClass: smallest) < settings.neighborCount {
        warnings.append(.neighborsOutnumberClass(
          neighbors: settings.neighborCount, label: smallest,
          count: dataset.count(ofClass: smallest)))
      }
      let neighbors = try NearestNeighborHead(dataset, neighborCount: settings.neighborCount)
      return (Head(model: .nearestNeighbors(neighbors), classNames: classNames,
                   settings: settings),
              TrainingReport(finalLoss: 0, batchSize: 0, stepCount: 0, warnings: warnings))
    }
  }

  /// Class probabilities into `probabilities` (classCount floats); returns
  /// the winning class. Allocates nothing.
  @discardableResult
  public func predict(
    _ activation: UnsafeBufferPointer<UInt8>,
    probabilities: UnsafeMutableBufferPointer<Float>
  ) -> Int {
    switch model {
    case .dense(let head): return head.predict(activation, probabilities: probabilities)
    case .nearestNeighbors(let head):
      return head.predict(activation, probabilities: probabilities)
    }
  }
}

/// The bug-only checks every head's `predict` makes on its buffers.
func checkPredictionArguments(
  _ caller: StaticString, _ activationCount: Int, _ shape: ActivationShape,
  _ probabilityCount: Int, _ classCount: Int
) {
  precondition(activationCount == shape.byteCount,
               "\(caller): \(activationCount) bytes, expected \(shape.byteCount)")
  precondition(probabilityCount == classCount,
               "\(caller): room for \(probabilityCount), expected \(classCount)")
}
