import AllocationCounter
import XCTest
@testable import Learning

/// Playing asks a head and the smoother for an answer every frame; neither
/// may touch the heap once made.
final class PredictionAllocationTests: XCTestCase {
  func testHundredDensePredictionsWithSmoothingAllocateNothing() throws {
    try assertPredictionsAllocateNothing(settings: HeadSettings())
  }

  func testHundredKnnPredictionsWithSmoothingAllocateNothing() throws {
    var settings = HeadSettings()
    settings.kind = .nearestNeighbors
    try assertPredictionsAllocateNothing(settings: settings)
  }

  private func assertPredictionsAllocateNothing(
    settings: HeadSettings, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    // InferenceTests shows the counter counts; here only check it is live.
    XCTAssertEqual(allocation_counter_is_active(), 1, file: file, line: line)
    let dataset = separableDataset(classCount: 4, perClass: 5)
    let (head, _) = try Head.make(from: dataset, classNames: ["0", "1", "2", "5"],
                                  settings: settings)
    let predictor = Predictor(classCount: 4, smoothingFrameCount: 5,
                              confidenceFloor: 0.5)
    var probabilities = [Float](repeating: 0, count: 4)
    var labels = [Int?](repeating: nil, count: 100)
    let activation = dataset.activation(at: 0)

    func playHundredFrames() {
      probabilities.withUnsafeMutableBufferPointer { buffer in
        labels.withUnsafeMutableBufferPointer { answers in
          for index in 0..<100 {
            head.predict(activation, probabilities: buffer)
            answers[index] = predictor.add(UnsafeBufferPointer(buffer)).label
          }
        }
      }
    }

    // The first pass makes the runtime's one-time type metadata; count the
    // second.
    playHundredFrames()
    allocation_counter_start()
    playHundredFrames()
    let allocations = allocation_counter_stop()

    XCTAssertEqual(allocations, 0, "\(head.kind.name) head", file: file, line: line)
    XCTAssertEqual(labels, [Int?](repeating: 0, count: 100), file: file, line: line)
  }
}
