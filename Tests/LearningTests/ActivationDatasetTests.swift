import Foundation
import XCTest
@testable import Learning

final class ActivationDatasetTests: XCTestCase {
  func testAppendCountsPerClassAndStoresBytes() {
    let dataset = ActivationDataset(classCount: 4, capacity: 5)
    add(dataset, [1, 2, 3], label: 2)
    add(dataset, [9], label: 0)
    add(dataset, [7], label: 2)

    XCTAssertEqual(dataset.count, 3)
    XCTAssertEqual((0..<4).map { dataset.count(ofClass: $0) }, [1, 0, 2, 0])
    XCTAssertEqual(dataset.classesWithExamples, 2)
    XCTAssertEqual(Array(dataset.activation(at: 0).prefix(4)), [1, 2, 3, 0])
    XCTAssertEqual(dataset.activation(at: 0).count, 12_544)
    XCTAssertEqual(dataset.label(at: 1), 0)
    XCTAssertEqual(dataset.freeCapacity, 2)
  }

  func testFullDatasetRefusesMoreForSmallCapacities() {
    for capacity in [0, 1, 2, 3, 5, 10] {
      let dataset = ActivationDataset(classCount: 2, capacity: capacity)
      for index in 0..<capacity { add(dataset, [UInt8(index)], label: index % 2) }
      XCTAssertTrue(dataset.isFull)
      let activation = [UInt8](repeating: 0, count: 12_544)
      let error = learningError {
        try activation.withUnsafeBufferPointer { buffer in
          try dataset.append(buffer, label: 0)
        }
      }
      XCTAssertEqual(error, .datasetFull(capacity: capacity))
      XCTAssertEqual(dataset.count, capacity)
    }
  }

  func testAppendRefusesWrongSizeAndLabel() {
    let dataset = ActivationDataset(classCount: 2, capacity: 3)
    let short = [UInt8](repeating: 0, count: 100)
    XCTAssertEqual(learningError {
      try short.withUnsafeBufferPointer { buffer in
        try dataset.append(buffer, label: 0)
      }
    }, .wrongActivationSize(expected: 12_544, got: 100))
    let right = [UInt8](repeating: 0, count: 12_544)
    XCTAssertEqual(learningError {
      try right.withUnsafeBufferPointer { buffer in
        try dataset.append(buffer, label: 2)
      }
    }, .labelOutOfRange(label: 2, classCount: 2))
    XCTAssertEqual(dataset.count, 0)
  }

  func testUndoRemovesLastExamplesAndFixesCounts() {
    let dataset = ActivationDataset(classCount: 3, capacity: 10)
    for label in [0, 1, 1, 2, 2, 2] { add(dataset, [UInt8(label)], label: label) }

    XCTAssertEqual(dataset.undoLast(2), 2)
    XCTAssertEqual((0..<3).map { dataset.count(ofClass: $0) }, [1, 2, 1])
    XCTAssertEqual(dataset.undoLast(10), 4)
    XCTAssertEqual(dataset.count, 0)
    XCTAssertEqual((0..<3).map { dataset.count(ofClass: $0) }, [0, 0, 0])
    XCTAssertEqual(dataset.undoLast(1), 0)
  }

  func testClearKeepsCapacity() {
    let dataset = ActivationDataset(classCount: 2, capacity: 2)
    add(dataset, [1], label: 0)
    add(dataset, [2], label: 1)
    dataset.clear()
    XCTAssertEqual(dataset.count, 0)
    XCTAssertEqual(dataset.count(ofClass: 1), 0)
    add(dataset, [3], label: 1)
    add(dataset, [4], label: 1)
    XCTAssertEqual(dataset.count(ofClass: 1), 2)
  }

  func testSaveAndLoadRestoreEveryExample() throws {
    let folder = makeScratchFolder()
    let path = folder + "/examples.tpds"
    let dataset = ActivationDataset(classCount: 3, capacity: 4)
    add(dataset, [5, 6], label: 2)
    add(dataset, [0, 0, 255], label: 0)
    try dataset.save(path: path)

    let loaded = ActivationDataset(classCount: 3, capacity: 4)
    add(loaded, [1], label: 1)
    try loaded.load(path: path)
    XCTAssertEqual(loaded.count, 2)
    XCTAssertEqual(loaded.label(at: 0), 2)
    XCTAssertEqual(Array(loaded.activation(at: 1).prefix(3)), [0, 0, 255])
    XCTAssertEqual((0..<3).map { loaded.count(ofClass: $0) }, [1, 0, 1])
    let left = try FileManager.default.contentsOfDirectory(atPath: folder)
    XCTAssertEqual(left, ["examples.tpds"], "no temporary file left beside it")
    let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
    XCTAssertEqual(size, 8 + 20 + 2 + 2 * 12_544 + 4)
  }

  func testDamagedFileIsReportedAndMovedAside() throws {
    let folder = makeScratchFolder()
    let path = folder + "/examples.tpds"
    let dataset = ActivationDataset(classCount: 2, capacity: 2)
    add(dataset, [5], label: 1)
    try dataset.save(path: path)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    bytes[40] ^= 0xFF
    try bytes.write(to: URL(fileURLWithPath: path))

    let error = learningError { try dataset.load(path: path) }
    XCTAssertEqual(error, .damagedFile(path: path, reason: "checksum does not match",
                                       movedTo: path + ".damaged"))
    XCTAssertEqual(error?.message,
                   "\(path) is damaged (checksum does not match); moved it aside to "
                   + "\(path).damaged")
    XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    XCTAssertTrue(FileManager.default.fileExists(atPath: path + ".damaged"))
    XCTAssertEqual(dataset.count, 0)
  }

  func testTruncatedFileIsDamaged() throws {
    let folder = makeScratchFolder()
    let path = folder + "/examples.tpds"
    let dataset = ActivationDataset(classCount: 2, capacity: 2)
    add(dataset, [5], label: 1)
    try dataset.save(path: path)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    try bytes.prefix(100).write(to: URL(fileURLWithPath: path))

    let error = learningError { try dataset.load(path: path) }
    XCTAssertEqual(error, .damagedFile(path: path, reason: "checksum does not match",
                                       movedTo: path + ".damaged"))
  }

  func testForeignFileIsMovedAsideAndNeverOverwritten() throws {
    let folder = makeScratchFolder()
    let path = folder + "/examples.tpds"
    try Data("hello, not a dataset".utf8).write(to: URL(fileURLWithPath: path))
    let dataset = ActivationDataset(classCount: 2, capacity: 2)

    XCTAssertEqual(learningError { try dataset.save(path: path) },
                   .refusingToOverwrite(path: path, reason: "it exists and is not a "
                     + "teachpad file of this kind (move it away first)"))
    XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "hello, not a dataset")

    // A second bad file goes to the next free name.
    try Data("second".utf8).write(to: URL(fileURLWithPath: path + ".damaged"))
    XCTAssertEqual(learningError { try dataset.load(path: path) },
                   .foreignFile(path: path, movedTo: path + ".damaged-2"))
    XCTAssertEqual(try String(contentsOfFile: path + ".damaged-2", encoding: .utf8),
                   "hello, not a dataset")
  }

  func testFileForAnotherClassCountOrShapeIsKeptAsUnused() throws {
    let folder = makeScratchFolder()
    let path = folder + "/examples.tpds"
    let dataset = ActivationDataset(classCount: 3, capacity: 2)
    add(dataset, [5], label: 1)
    try dataset.save(path: path)
    let saved = try Data(contentsOf: URL(fileURLWithPath: path))

    let other = ActivationDataset(classCount: 4, capacity: 2)
    XCTAssertEqual(learningError { try other.load(path: path) },
                   .classCountMismatch(path: path, expected: 4, found: 3,
                                       movedTo: path + ".unused"))
    XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + ".unused")), saved)

    try dataset.save(path: path)
    let small = ActivationDataset(
      shape: ActivationShape(height: 1, width: 1, channels: 4), classCount: 3, capacity: 2)
    XCTAssertEqual(learningError { try small.load(path: path) },
                   .shapeMismatch(path: path, expected: "1x1x4", found: "7x7x256",
                                  movedTo: path + ".unused-2"))
  }

  func testMoreExamplesThanTheCapacityAreKeptAsUnusedNotCutShort() throws {
    let folder = makeScratchFolder()
    let path = folder + "/examples.tpds"
    let dataset = ActivationDataset(classCount: 2, capacity: 3)
    add(dataset, [1], label: 0)
    add(dataset, [2], label: 1)
    add(dataset, [3], label: 1)
    try dataset.save(path: path)
    let saved = try Data(contentsOf: URL(fileURLWithPath: path))

    let smaller = ActivationDataset(classCount: 2, capacity: 2)
    let error = learningError { try smaller.load(path: path) }

    XCTAssertEqual(error, .datasetTooLarge(path: path, exampleCount: 3, capacity: 2,
                                           movedTo: path + ".unused"))
    XCTAssertEqual(error?.message, "\(path) holds 3 examples, more than the dataset's "
                   + "capacity of 2 (raise the capacity to at least 3 to use it); kept it "
                   + "as \(path).unused, a new one will be saved in its place")
    XCTAssertEqual(smaller.count, 0)
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + ".unused")), saved)
    add(smaller, [4], label: 0)
    try smaller.save(path: path)
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + ".unused")), saved)
  }

  func testADatasetWhoseSizesOverflowIsDamaged() throws {
    let folder = makeScratchFolder()
    let path = folder + "/examples.tpds"
    let dataset = ActivationDataset(classCount: 2, capacity: 1)
    add(dataset, [1], label: 0)
    try dataset.save(path: path)
    let forged = resealed(try Data(contentsOf: URL(fileURLWithPath: path))) {
      for offset in 8..<20 { $0[offset] = 0xFF }
    }
    try forged.write(to: URL(fileURLWithPath: path))

    guard case .damagedFile(path, let reason, path + ".damaged")? =
      learningError({ try dataset.load(path: path) }) else {
      return XCTFail("expected a damaged file")
    }
    XCTAssertEqual(reason, "1 activations of shape 4294967295x4294967295x4294967295 "
                   + "are more bytes than a file holds")
  }

  func testChecksumIsStandardCRC32() {
    let bytes = Array("123456789".utf8)
    XCTAssertEqual(bytes.withUnsafeBytes { CRC32.of($0) }, 0xCBF4_3926)
  }
}
