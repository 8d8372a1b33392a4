import App
import Foundation
import Learning
import XCTest

/// The real Learning module behind the state machine, on synthetic
/// activations: class k lights its own quarter of the 7x7x256 bytes.
final class StoredLearnerTests: XCTestCase {
  private var configuration = Configuration()
  private var dataDirectory: URL!

  override func setUpWithError() throws {
    dataDirectory = FileManager.default.temporaryDirectory
      .appendingPathComponent("stored-learner-\(UUID().uuidString)")
    configuration.dataDirectory = dataDirectory.path
    configuration.confidenceFloor = 0.5
    configuration.smoothingFrames = 1
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: dataDirectory)
  }

  private func activation(_ direction: Direction, variant: Int) -> [UInt8] {
    let byteCount = ActivationShape.mobileNetCut.byteCount
    let quarter = byteCount / 4
    var bytes = [UInt8](repeating: 0, count: byteCount)
    for index in 0..<quarter where (index + variant) % 3 != 0 {
      bytes[direction.rawValue * quarter + index] = 200
    }
    return bytes
  }

  private func addExamples(to learner: StoredLearner, _ directions: [Direction],
                           each count: Int) throws {
    for direction in directions {
      for variant in 0..<count {
        try activation(direction, variant: variant).withUnsafeBufferPointer {
          try learner.addExample($0, label: direction)
        }
      }
    }
  }

  func testExamplesSurviveARestartInANewDataDirectory() throws {
    let learner = StoredLearner(configuration: configuration)
    try addExamples(to: learner, [.up, .left], each: 3)

    try learner.saveExamples()
    let restarted = StoredLearner(configuration: configuration)
    try restarted.loadExamples()

    XCTAssertEqual(restarted.exampleCount, 6)
    XCTAssertEqual(Direction.allCases.map { restarted.exampleCount(of: $0) }, [3, 0, 3, 0])
  }

  func testNothingSavedLoadsEmptyWithoutError() throws {
    let learner = StoredLearner(configuration: configuration)

    try learner.loadExamples()
    try learner.loadHead()

    XCTAssertEqual(learner.exampleCount, 0)
    XCTAssertFalse(learner.hasHead)
    let answer = activation(.up, variant: 0).withUnsafeBufferPointer { learner.classify($0) }
    XCTAssertEqual(answer, Classification(direction: nil, confidence: 0))
  }

  func testDenseHeadTrainsReportsProgressAndClassifiesAfterRestart() throws {
    let learner = StoredLearner(configuration: configuration)
    try addExamples(to: learner, Direction.allCases, each: 4)
    var fractions: [Double] = []

    let loss = try learner.train { fractions.append($0.fraction) }
    try learner.saveHead()
    let restarted = StoredLearner(configuration: configuration)
    try restarted.loadHead()

    XCTAssertEqual(fractions.count, 60, "20 epochs of 3 batches (16 examples, batch 6)")
    XCTAssertEqual(fractions.last, 1)
    XCTAssertLessThan(try XCTUnwrap(loss), 1.0)
    XCTAssertTrue(restarted.hasHead)
    for direction in Direction.allCases {
      let answer = activation(direction, variant: 1).withUnsafeBufferPointer {
        restarted.classify($0)
      }
      XCTAssertEqual(answer.direction, direction)
    }
  }

  func testNearestNeighbourHeadHasNoLoss() throws {
    configuration.head.kind = .nearestNeighbors
    let learner = StoredLearner(configuration: configuration)
    try addExamples(to: learner, [.down, .right], each: 3)

    let loss = try learner.train { _ in }

    XCTAssertNil(loss)
    let answer = activation(.right, variant: 0).withUnsafeBufferPointer { learner.classify($0) }
    XCTAssertEqual(answer.direction, .right)
  }

  /// On the appliance the batch fraction comes from its configuration,
  /// so the refusal names the key.
  func testBatchTooSmallNamesTheConfigurationKey() throws {
    let learner = StoredLearner(configuration: configuration)
    try addExamples(to: learner, [.up, .down], each: 1)

    XCTAssertThrowsError(try learner.train { _ in }) {
      XCTAssertEqual(($0 as? LearningError)?.message,
                     "dense.batch_fraction = 0.4 gives batches of 0 of the 2 examples; "
                     + "use at least 0.5 or train on at least 3 examples")
    }
    XCTAssertFalse(learner.hasHead)
  }

  func testFullDatasetRefusesAnotherExample() throws {
    configuration.datasetCapacity = 2
    let learner = StoredLearner(configuration: configuration)
    try addExamples(to: learner, [.up], each: 2)

    XCTAssertThrowsError(try addExamples(to: learner, [.up], each: 1)) {
      XCTAssertEqual($0 as? LearningError, .datasetFull(capacity: 2))
    }
  }

  func testDamagedDatasetFileIsReportedAndMovedAside() throws {
    try FileManager.default.createDirectory(at: dataDirectory,
                                            withIntermediateDirectories: true)
    try Data("TPDS and then nonsense".utf8).write(
      to: URL(fileURLWithPath: configuration.datasetPath))
    let learner = StoredLearner(configuration: configuration)

    XCTAssertThrowsError(try learner.loadExamples())
    XCTAssertEqual(learner.exampleCount, 0)
    XCTAssertTrue(FileManager.default.fileExists(atPath: configuration.datasetPath + ".damaged"))
  }

  func testASavedDatasetLargerThanTheCapacityIsKeptAsUnusedNotReplaced() throws {
    configuration.datasetCapacity = 4
    let learner = StoredLearner(configuration: configuration)
    try addExamples(to: learner, [.up, .down], each: 2)
    try learner.saveExamples()
    let saved = try Data(contentsOf: URL(fileURLWithPath: configuration.datasetPath))

    configuration.datasetCapacity = 2
    let smaller = StoredLearner(configuration: configuration)
    XCTAssertThrowsError(try smaller.loadExamples()) {
      XCTAssertEqual(($0 as? LearningError)?.message,
                     "\(configuration.datasetPath) holds 4 examples, more than the "
                     + "dataset's capacity of 2 (raise data.capacity to at least 4 to use "
                     + "it); kept it as \(configuration.datasetPath).unused, a new one "
                     + "will be saved in its place")
    }
    try addExamples(to: smaller, [.left], each: 1)
    try smaller.saveExamples()

    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: configuration.datasetPath
                                                + ".unused")), saved)
    let reloaded = StoredLearner(configuration: configuration)
    try reloaded.loadExamples()
    XCTAssertEqual(reloaded.exampleCount, 1)
  }

  func testAHeadForOtherClassesIsKeptAsUnusedNotReplaced() throws {
    try FileManager.default.createDirectory(at: dataDirectory,
                                            withIntermediateDirectories: true)
    let twoClasses = ActivationDataset(classCount: 2, capacity: 4)
    for label in [0, 1, 0, 1] {
      let bytes = activation(label == 0 ? .up : .down, variant: 0)
      try bytes.withUnsafeBufferPointer { try twoClasses.append($0, label: label) }
    }
    var settings = HeadSettings()
    settings.kind = .nearestNeighbors
    let (head, _) = try Head.make(from: twoClasses, classNames: ["a", "b"],
                                  settings: settings)
    try head.save(path: configuration.headPath)
    let saved = try Data(contentsOf: URL(fileURLWithPath: configuration.headPath))
    let learner = StoredLearner(configuration: configuration)

    XCTAssertThrowsError(try learner.loadHead()) {
      XCTAssertEqual($0 as? LearningError, .classCountMismatch(
        path: configuration.headPath, expected: 4, found: 2,
        movedTo: configuration.headPath + ".unused"))
    }
    XCTAssertFalse(learner.hasHead)
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: configuration.headPath
                                                + ".unused")), saved)
  }
}
