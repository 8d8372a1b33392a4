import App
import Learning

/// A `Learner` whose answers the test decides. An activation's first byte
/// picks the answer: 0 is "not sure", 1 to 4 are UP to RIGHT; the second
/// byte is the confidence in hundredths. "Files" are fields, so a test can
/// make a second learner from the first's saved state.
final class ScriptedLearner: Learner {
  var counts = [0, 0, 0, 0]
  var capacity = 1000
  var trainedHead = false

  var savedCounts: [Int]?
  var savedHead = false
  var saveExamplesCallCount = 0
  var saveHeadCallCount = 0
  var startPredictingCallCount = 0
  var saveError: LearningError?
  var loadError: LearningError?

  /// What `train` reports, batch by batch, and returns.
  var trainingSteps = [TrainingStep(fraction: 0.5, loss: 1.2),
                       TrainingStep(fraction: 1, loss: 0.4)]
  var finalLoss: Double? = 0.4
  var trainingError: LearningError?
  /// Runs after each reported step (to move time or press buttons).
  var afterTrainingStep: (TrainingStep) -> Void = { _ in }

  var exampleCount: Int { counts.reduce(0, +) }

  func exampleCount(of direction: Direction) -> Int { counts[direction.rawValue] }

  var hasHead: Bool { trainedHead }

  func addExample(
    _ activation: UnsafeBufferPointer<UInt8>, label: Direction
  ) throws(LearningError) {
    guard exampleCount < capacity else { throw .datasetFull(capacity: capacity) }
    counts[label.rawValue] += 1
  }

  func removeAllExamples() {
    counts = [0, 0, 0, 0]
  }

  func train(progress: (TrainingStep) -> Void) throws(LearningError) -> Double? {
    if let trainingError { throw trainingError }
    for step in trainingSteps {
      progress(step)
      afterTrainingStep(step)
    }
    trainedHead = true
    return finalLoss
  }

  func startPredicting() {
    startPredictingCallCount += 1
  }

  func classify(_ activation: UnsafeBufferPointer<UInt8>) -> Classification {
    Classification(direction: Direction(rawValue: Int(activation[0]) - 1),
                   confidence: Double(activation[1]) / 100)
  }

  func saveExamples() throws(LearningError) {
    saveExamplesCallCount += 1
    if let saveError { throw saveError }
    savedCounts = counts
  }

  func saveHead() throws(LearningError) {
    saveHeadCallCount += 1
    if let saveError { throw saveError }
    savedHead = trainedHead
  }

  func loadExamples() throws(LearningError) {
    if let loadError { throw loadError }
    counts = savedCounts ?? [0, 0, 0, 0]
  }

  func loadHead() throws(LearningError) {
    trainedHead = savedHead
  }
}
