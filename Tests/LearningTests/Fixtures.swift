import Foundation
import XCTest
@testable import Learning

/// A fresh empty folder under /tmp for one test.
func makeScratchFolder(_ name: String = #function) -> String {
  let cleaned = name.filter { $0.isLetter || $0.isNumber }
  let path = NSTemporaryDirectory() + "learning-tests-\(cleaned)-\(getpid())"
  try? FileManager.default.removeItem(atPath: path)
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// Adds one example whose bytes are `bytes` (padded with zeros).
func add(
  _ dataset: ActivationDataset, _ bytes: [UInt8], label: Int,
  file: StaticString = #filePath, line: UInt = #line
) {
  var activation = [UInt8](repeating: 0, count: dataset.shape.byteCount)
  for (index, byte) in bytes.enumerated() { activation[index] = byte }
  XCTAssertNoThrow(
    try activation.withUnsafeBufferPointer { try dataset.append($0, label: label) },
    file: file, line: line)
}

/// Runs `body` and returns the LearningError it threw, or nil.
func learningError(_ body: () throws -> Void) -> LearningError? {
  do {
    try body()
    return nil
  } catch {
    return error as? LearningError
  }
}

/// A dataset of `perClass` noisy examples per class, each class lighting
/// its own block of features, from a fixed seed.
func separableDataset(
  classCount: Int, perClass: Int, shape: ActivationShape = .mobileNetCut,
  seed: UInt64 = 7
) -> ActivationDataset {
  let dataset = ActivationDataset(shape: shape, classCount: classCount,
                                  capacity: classCount * perClass)
  var random = SeededRandom(seed: seed)
  let block = shape.byteCount / classCount
  for example in 0..<(classCount * perClass) {
    let label = example % classCount
    var activation = [UInt8](repeating: 0, count: shape.byteCount)
    for index in 0..<shape.byteCount where random.nextIndex(below: 10) == 0 {
      activation[index] = UInt8(random.nextIndex(below: 60))
    }
    for index in (label * block)..<(label * block + block) where index % 7 == 0 {
      activation[index] = UInt8(100 + random.nextIndex(below: 100))
    }
    try? activation.withUnsafeBufferPointer { try dataset.append($0, label: label) }
  }
  return dataset
}

func predictions(_ head: Head, _ dataset: ActivationDataset) -> [Int] {
  var probabilities = [Float](repeating: 0, count: head.classCount)
  return (0..<dataset.count).map { index in
    probabilities.withUnsafeMutableBufferPointer {
      head.predict(dataset.activation(at: index), probabilities: $0)
    }
  }
}
