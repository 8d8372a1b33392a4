import CShims
import Learning
import Support

private let log = Logger("learn")

/// The Learning module behind the state machine's `Learner`: an
/// `ActivationDataset` of the four directions, the `Head` trained on it, a
/// `Predictor` for smoothing and the confidence floor, and their files in
/// the data directory.
public final class StoredLearner: Learner {
  public static let classNames = ["UP", "DOWN", "LEFT", "RIGHT"]

  public let dataset: ActivationDataset
  public private(set) var head: Head?
  let settings: HeadSettings
  let predictor: Predictor
  let dataDirectory: String
  let datasetPath: String
  let headPath: String
  private let probabilities: UnsafeMutableBufferPointer<Float>

  public init(configuration: Configuration) {
    let classCount = Direction.allCases.count
    dataset = ActivationDataset(classCount: classCount,
                                capacity: configuration.datasetCapacity)
    settings = configuration.head
    predictor = Predictor(classCount: classCount,
                          smoothingFrameCount: configuration.smoothingFrames,
                          confidenceFloor: Float(configuration.confidenceFloor))
    dataDirectory = configuration.dataDirectory
    datasetPath = configuration.datasetPath
    headPath = configuration.headPath
    probabilities = .allocate(capacity: classCount)
    probabilities.initialize(repeating: 0)
  }

  deinit {
    probabilities.deallocate()
  }

  public var exampleCount: Int { dataset.count }

  public func exampleCount(of direction: Direction) -> Int {
    dataset.count(ofClass: direction.rawValue)
  }

  public var hasHead: Bool { head != nil }

  public func addExample(
    _ activation: UnsafeBufferPointer<UInt8>, label: Direction
  ) throws(LearningError) {
    try dataset.append(activation, label: label.rawValue)
  }

  public func removeAllExamples() {
    dataset.clear()
  }

  /// Trains a new head; a batch fraction too small for the examples is
  /// refused naming its configuration key.
  public func train(
    progress: (TrainingStep) -> Void
  ) throws(LearningError) -> Double? {
    let made: (Head, TrainingReport)
    do throws(LearningError) {
      made = try Head.make(
        from: dataset, classNames: Self.classNames, settings: settings
      ) { batch in
        let done = batch.epoch * batch.batchCount + batch.batch + 1
        let total = max(1, batch.epochCount * batch.batchCount)
        progress(TrainingStep(fraction: Double(done) / Double(total),
                              loss: Double(batch.loss)))
      }
    } catch {
      throw error.namingBatchFraction("dense.batch_fraction =")
    }
    let (trained, report) = made
    for warning in report.warnings {
      log.warning("\(warning.message(naming: Self.classNames))")
    }
    head = trained
    predictor.reset()
    return trained.kind == .dense ? Double(report.finalLoss) : nil
  }

  public func startPredicting() {
    predictor.reset()
  }

  public func classify(_ activation: UnsafeBufferPointer<UInt8>) -> Classification {
    guard let head else { return Classification(direction: nil, confidence: 0) }
    head.predict(activation, probabilities: probabilities)
    let answer = predictor.add(UnsafeBufferPointer(probabilities))
    return Classification(direction: answer.label.flatMap { Direction(rawValue: $0) },
                          confidence: Double(answer.confidence))
  }

  public func saveExamples() throws(LearningError) {
    try makeDataDirectory()
    try dataset.save(path: datasetPath)
  }

  public func saveHead() throws(LearningError) {
    guard let head else { return }
    try makeDataDirectory()
    try head.save(path: headPath)
  }

  /// Loads the saved examples. A file this dataset cannot hold (more
  /// examples than data.capacity, other classes) is kept aside as
  /// `.unused`, a damaged one as `.damaged`, and the dataset starts empty.
  public func loadExamples() throws(LearningError) {
    guard FileBytes.exists(path: datasetPath) else { return }
    do {
      try dataset.load(path: datasetPath)
    } catch {
      throw error.namingCapacity("data.capacity")
    }
  }

  public func loadHead() throws(LearningError) {
    head = nil
    guard FileBytes.exists(path: headPath) else { return }
    head = try Head.load(path: headPath, expectedClassCount: Direction.allCases.count)
  }

  /// Creates the data directory (one level) the first time something is saved.
  private func makeDataDirectory() throws(LearningError) {
    guard !FileBytes.exists(path: dataDirectory) else { return }
    if mkdir(dataDirectory, 0o755) != 0, shim_errno() != EEXIST {
      let error = SystemError("mkdir")
      throw .system(path: dataDirectory, call: "mkdir", reason: error.reason)
    }
  }
}
