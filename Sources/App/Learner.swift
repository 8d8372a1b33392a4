import Learning

/// What the state machine needs from the Learning module: the dataset of
/// activations, the head trained on it, prediction with smoothing, and
/// keeping both on disk. Labels are `Direction` raw values.
///
/// The state machine depends on this protocol rather than on the concrete
/// Learning types so that tests can script predictions and training, and so
/// that a head kind can change without touching the state machine.
public protocol Learner: AnyObject {
  /// Examples stored for all classes together.
  var exampleCount: Int { get }
  func exampleCount(of direction: Direction) -> Int
  /// Whether a trained head is ready to predict.
  var hasHead: Bool { get }

  /// Stores one example. Throws `datasetFull` when there is no room.
  func addExample(
    _ activation: UnsafeBufferPointer<UInt8>, label: Direction
  ) throws(LearningError)
  func removeAllExamples()

  /// Fits the head to the stored examples, reporting after each batch.
  /// Returns the final loss (nil when the head has none, as kNN).
  func train(
    progress: (TrainingStep) -> Void
  ) throws(LearningError) -> Double?

  /// Forgets the smoothing history; called whenever playing (re)starts.
  func startPredicting()
  /// The smoothed answer for one more frame.
  func classify(_ activation: UnsafeBufferPointer<UInt8>) -> Classification

  func saveExamples() throws(LearningError)
  func saveHead() throws(LearningError)
  /// Loads what was saved; a missing file is no error and leaves it empty.
  func loadExamples() throws(LearningError)
  func loadHead() throws(LearningError)
}

/// How far training has come, reported once per batch.
public struct TrainingStep: Equatable {
  /// 0 at the start, 1 when the last batch is done.
  public var fraction: Double
  /// The loss of the latest batch, if the head has one.
  public var loss: Double?

  public init(fraction: Double, loss: Double?) {
    self.fraction = fraction
    self.loss = loss
  }
}

/// The head's answer for a frame, after smoothing.
public struct Classification: Equatable {
  /// The winning class, or nil when the smoothed confidence is below the
  /// configured floor.
  public var direction: Direction?
  /// The smoothed probability of the best class, 0...1.
  public var confidence: Double

  public init(direction: Direction?, confidence: Double) {
    self.direction = direction
    self.confidence = confidence
  }
}
