import XCTest
@testable import Learning

final class NearestNeighborHeadTests: XCTestCase {
  let shape = ActivationShape(height: 1, width: 1, channels: 3)

  private func head(_ rows: [[UInt8]], _ labels: [UInt8], k: Int = 3) -> NearestNeighborHead {
    NearestNeighborHead(shape: shape, classCount: 3, neighborCount: k,
                        examples: rows.flatMap { $0 }, labels: labels)
  }

  private func predict(_ head: NearestNeighborHead, _ query: [UInt8]) -> (Int, [Float]) {
    var probabilities: [Float] = [0, 0, 0]
    let winner = query.withUnsafeBufferPointer { activation in
      probabilities.withUnsafeMutableBufferPointer {
        head.predict(activation, probabilities: $0)
      }
    }
    return (winner, probabilities)
  }

  func testMajorityOfThreeMostCosineSimilar() {
    // Cosine ignores length: [10, 0, 0] and [1, 0, 0] are the same direction.
    let neighbors = head(
      [[10, 0, 0], [1, 0, 0], [0, 5, 0], [0, 4, 1], [0, 0, 9]], [0, 0, 1, 1, 2])
    let (winner, probabilities) = predict(neighbors, [3, 1, 0])
    XCTAssertEqual(winner, 0)
    XCTAssertEqual(probabilities, [2.0 / 3, 1.0 / 3, 0])
  }

  func testTieGoesToTheMoreSimilarClass() {
    let neighbors = head([[10, 1, 0], [0, 10, 0], [0, 0, 10]], [0, 1, 2], k: 2)
    let (winner, probabilities) = predict(neighbors, [9, 3, 0])
    XCTAssertEqual(probabilities, [0.5, 0.5, 0])
    XCTAssertEqual(winner, 0)
  }

  func testFewerExamplesThanKUseAll() {
    let neighbors = head([[0, 0, 1], [0, 1, 0]], [2, 1], k: 3)
    XCTAssertEqual(predict(neighbors, [0, 1, 1]).1, [0, 0.5, 0.5])
  }

  func testKnnLearnsSeparableClasses() throws {
    let dataset = separableDataset(classCount: 4, perClass: 10)
    var settings = HeadSettings()
    settings.kind = .nearestNeighbors
    let (head, report) = try Head.make(from: dataset, classNames: ["a", "b", "c", "d"],
                                       settings: settings)
    XCTAssertEqual(report.warnings, [])
    XCTAssertEqual(predictions(head, dataset), (0..<40).map { $0 % 4 })
  }

  /// k above the smallest class's examples: a warning naming the class.
  func testKnnWarnsWhenKOutnumbersTheSmallestClass() throws {
    let dataset = separableDataset(classCount: 3, perClass: 6)
    var settings = HeadSettings()
    settings.kind = .nearestNeighbors
    settings.neighborCount = 7
    let (_, report) = try Head.make(from: dataset, classNames: ["a", "b", "c"],
                                    settings: settings)
    XCTAssertEqual(report.warnings, [.neighborsOutnumberClass(neighbors: 7, label: 0,
                                                              count: 6)])
    XCTAssertEqual(report.warnings.first?.message,
                   "k = 7 is more than the 6 examples of class 0: larger classes "
                   + "outvote it (choose k of at most 6)")
    settings.neighborCount = 6
    let (_, fitting) = try Head.make(from: dataset, classNames: ["a", "b", "c"],
                                     settings: settings)
    XCTAssertEqual(fitting.warnings, [])
  }
}

final class PredictorTests: XCTestCase {
  private func add(_ predictor: Predictor, _ probabilities: [Float]) -> Prediction {
    probabilities.withUnsafeBufferPointer { predictor.add($0) }
  }

  func testWithoutSmoothingTheWinnerIsTheFrame() {
    let predictor = Predictor(classCount: 3)
    XCTAssertEqual(add(predictor, [0.1, 0.7, 0.2]), Prediction(label: 1, confidence: 0.7))
    XCTAssertEqual(add(predictor, [0.6, 0.3, 0.1]), Prediction(label: 0, confidence: 0.6))
  }

  func testSmoothingAveragesTheLastFrames() {
    let predictor = Predictor(classCount: 2, smoothingFrameCount: 3)
    XCTAssertEqual(add(predictor, [1, 0]), Prediction(label: 0, confidence: 1))
    XCTAssertEqual(add(predictor, [0, 1]), Prediction(label: 0, confidence: 0.5))
    XCTAssertEqual(add(predictor, [0, 1]).label, 1)
    // The first frame has left the window now.
    XCTAssertEqual(add(predictor, [0.5, 0.5]), Prediction(label: 1, confidence: 2.5 / 3))
    predictor.reset()
    XCTAssertEqual(add(predictor, [0.25, 0.75]), Prediction(label: 1, confidence: 0.75))
  }

  func testBelowTheFloorTheAnswerIsNone() {
    let predictor = Predictor(classCount: 4, confidenceFloor: 0.5)
    XCTAssertEqual(add(predictor, [0.4, 0.3, 0.2, 0.1]), Prediction(label: nil, confidence: 0.4))
    XCTAssertEqual(add(predictor, [0.5, 0.3, 0.2, 0]), Prediction(label: 0, confidence: 0.5))
  }
}
