import Foundation
import XCTest
@testable import Learning

final class HeadFileTests: XCTestCase {
  func testDenseHeadRoundTripsWithSettingsAndNames() throws {
    let path = makeScratchFolder() + "/head.tphd"
    let dataset = separableDataset(classCount: 4, perClass: 5)
    var settings = HeadSettings()
    settings.epochs = 2
    settings.units = 7
    settings.seed = 99
    let (head, _) = try Head.make(from: dataset, classNames: ["0", "1", "2", "5"],
                                  settings: settings)
    try head.save(path: path)

    let loaded = try Head.load(path: path, expectedClassCount: 4)
    XCTAssertEqual(loaded.kind, .dense)
    XCTAssertEqual(loaded.classNames, ["0", "1", "2", "5"])
    XCTAssertEqual(loaded.settings, settings)
    XCTAssertEqual(loaded.shape, .mobileNetCut)
    guard case .dense(let original) = head.model, case .dense(let copy) = loaded.model else {
      return XCTFail("expected dense heads")
    }
    XCTAssertEqual(copy.firstWeights, original.firstWeights)
    XCTAssertEqual(copy.firstBias, original.firstBias)
    XCTAssertEqual(copy.secondWeights, original.secondWeights)
  }

  func testNearestNeighborHeadRoundTrips() throws {
    let path = makeScratchFolder() + "/head.tphd"
    let dataset = separableDataset(classCount: 3, perClass: 4)
    var settings = HeadSettings()
    settings.kind = .nearestNeighbors
    settings.neighborCount = 5
    let (head, _) = try Head.make(from: dataset, classNames: ["up", "down", "left"],
                                  settings: settings)
    try head.save(path: path)

    let loaded = try Head.load(path: path)
    XCTAssertEqual(loaded.kind, .nearestNeighbors)
    XCTAssertEqual(loaded.settings.neighborCount, 5)
    XCTAssertEqual(predictions(loaded, dataset), predictions(head, dataset))
  }

  func testWrongClassCountAndShapeAreClearErrors() throws {
    let path = makeScratchFolder() + "/head.tphd"
    let dataset = separableDataset(classCount: 2, perClass: 5)
    let (head, _) = try Head.make(from: dataset, classNames: ["a", "b"],
                                  settings: HeadSettings())
    try head.save(path: path)

    let classError = learningError {
      _ = try Head.load(path: path, expectedClassCount: 4, movingDamagedFilesAside: false)
    }
    XCTAssertEqual(classError?.message,
                   "\(path) has 2 classes, expected 4 (train it again with these classes)")
    let shapeError = learningError {
      _ = try Head.load(path: path,
                        expectedShape: ActivationShape(height: 1, width: 1, channels: 1024),
                        movingDamagedFilesAside: false)
    }
    XCTAssertEqual(shapeError?.message, "\(path) was made for activations of shape "
                   + "7x7x256, expected 1x1x1024 (train it again for this model)")
    XCTAssertTrue(FileManager.default.fileExists(atPath: path))
  }

  func testAHeadForAnotherClassCountIsKeptAsUnusedSoNoSaveReplacesIt() throws {
    let path = makeScratchFolder() + "/head.tphd"
    let head = try savedTwoClassHead(at: path)
    let saved = try Data(contentsOf: URL(fileURLWithPath: path))

    let error = learningError { _ = try Head.load(path: path, expectedClassCount: 4) }
    XCTAssertEqual(error, .classCountMismatch(path: path, expected: 4, found: 2,
                                              movedTo: path + ".unused"))
    XCTAssertEqual(error?.message, "\(path) has 2 classes, expected 4 (train it again "
                   + "with these classes); kept it as \(path).unused, a new one will be "
                   + "saved in its place")
    XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + ".unused")), saved)

    // A second one goes to the next free name.
    try head.save(path: path)
    XCTAssertEqual(learningError {
      _ = try Head.load(path: path, expectedShape: ActivationShape(
        height: 1, width: 1, channels: 1024))
    }, .shapeMismatch(path: path, expected: "1x1x1024", found: "7x7x256",
                      movedTo: path + ".unused-2"))
  }

  func testAHeadOfAnotherFormatVersionIsKeptAsUnused() throws {
    let path = makeScratchFolder() + "/head.tphd"
    _ = try savedTwoClassHead(at: path)
    let future = resealed(try Data(contentsOf: URL(fileURLWithPath: path))) { $0[4] = 2 }
    try future.write(to: URL(fileURLWithPath: path))

    XCTAssertEqual(learningError { _ = try Head.load(path: path) },
                   .unsupportedVersion(path: path, version: 2, supported: 1,
                                       movedTo: path + ".unused"))
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + ".unused")), future)
  }

  func testHeadsWithImpossibleContentsAreDamagedEvenWithAGoodChecksum() throws {
    let path = makeScratchFolder() + "/head.tphd"
    _ = try savedTwoClassHead(at: path)
    let good = try Data(contentsOf: URL(fileURLWithPath: path))
    // Header: magic, version, kind, shape (3), scale, class count, then
    // the names ("a", "b": u32 length and one byte each).
    let scaleOffset = 24
    let classCountOffset = 28
    let secondNameOffset = 32 + 5 + 4
    let lastWeightOffset = good.count - 8

    func reason(_ change: (inout Data) -> Void) -> String? {
      try? resealed(good, change).write(to: URL(fileURLWithPath: path))
      let error = learningError { _ = try Head.load(path: path, movingDamagedFilesAside: false) }
      guard case .damagedFile(_, let reason, nil)? = error else { return nil }
      return reason
    }

    XCTAssertEqual(reason { $0[secondNameOffset] = UInt8(ascii: "a") },
                   "class name a is given twice")
    XCTAssertEqual(reason { $0[secondNameOffset] = 0x1B },
                   "class 1's name has control characters")
    XCTAssertEqual(reason { $0[lastWeightOffset + 3] = 0x7F; $0[lastWeightOffset + 2] = 0xC0 },
                   "weights that are not numbers or infinite")
    XCTAssertEqual(reason { $0[scaleOffset + 3] = 0xFF; $0[scaleOffset + 2] = 0x80 },
                   "an input scale that is not a positive number")
    XCTAssertEqual(reason { $0[classCountOffset] = 1 }, "class count 1")
  }
  func testDamagedHeadIsRefusedAndMovedAside() throws {
    let path = makeScratchFolder() + "/head.tphd"
    let dataset = separableDataset(classCount: 2, perClass: 5)
    let (head, _) = try Head.make(from: dataset, classNames: ["a", "b"],
                                  settings: HeadSettings())
    try head.save(path: path)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    bytes[bytes.count / 2] ^= 0x01
    try bytes.write(to: URL(fileURLWithPath: path))

    XCTAssertEqual(learningError { _ = try Head.load(path: path) },
                   .damagedFile(path: path, reason: "checksum does not match",
                                movedTo: path + ".damaged"))
  }

  /// A dataset where a head belongs is named as one, and the reverse.
  func testTheOtherKindOfTeachpadFileIsNamedAndMovedAside() throws {
    let path = makeScratchFolder() + "/not-a-head"
    let dataset = separableDataset(classCount: 2, perClass: 1)
    try dataset.save(path: path)

    let error = learningError { _ = try Head.load(path: path) }

    XCTAssertEqual(error, .otherKind(path: path, found: "dataset", expected: "head",
                                     movedTo: path + ".damaged"))
    XCTAssertEqual(error?.message, "\(path) is a teachpad dataset file, not a head file; "
                   + "moved it aside to \(path).damaged")
    let headPath = makeScratchFolder() + "/not-a-dataset"
    _ = try savedTwoClassHead(at: headPath)
    let empty = ActivationDataset(classCount: 2, capacity: 1)
    XCTAssertEqual(learningError { try empty.load(path: headPath) },
                   .otherKind(path: headPath, found: "head", expected: "dataset",
                              movedTo: headPath + ".damaged"))
  }

  func testAReaderThatNeverWritesLeavesABadFileInPlace() throws {
    let path = makeScratchFolder() + "/photo.jpg"
    let photo = Data([0xFF, 0xD8, 0xFF, 0xE0] + [UInt8](repeating: 7, count: 60))
    try photo.write(to: URL(fileURLWithPath: path))

    let error = learningError { _ = try Head.load(path: path, movingDamagedFilesAside: false) }

    XCTAssertEqual(error, .foreignFile(path: path, movedTo: nil))
    XCTAssertEqual(error?.message, "\(path) is not a teachpad file (left as it is)")
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), photo)
    XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".damaged"))
  }

  func testSavingOverADamagedHeadKeepsTheDamagedOneAside() throws {
    let path = makeScratchFolder() + "/head.tphd"
    let dataset = separableDataset(classCount: 2, perClass: 5)
    let (head, _) = try Head.make(from: dataset, classNames: ["a", "b"],
                                  settings: HeadSettings())
    try head.save(path: path)
    var damaged = try Data(contentsOf: URL(fileURLWithPath: path))
    damaged[damaged.count / 2] ^= 0x01
    try damaged.write(to: URL(fileURLWithPath: path))

    try head.save(path: path)

    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + ".damaged")), damaged)
    XCTAssertNotNil(try? Head.load(path: path))
  }
}

/// A dense head for classes "a" and "b", saved at `path`.
func savedTwoClassHead(at path: String) throws -> Head {
  let (head, _) = try Head.make(from: separableDataset(classCount: 2, perClass: 5),
                                classNames: ["a", "b"], settings: HeadSettings())
  try head.save(path: path)
  return head
}

/// A file's bytes changed by `change`, with the CRC-32 at its end made to
/// match again: a file that is damaged but passes the checksum.
func resealed(_ bytes: Data, _ change: (inout Data) -> Void) -> Data {
  var changed = bytes
  change(&changed)
  let body = [UInt8](changed.prefix(changed.count - 4))
  let checksum = body.withUnsafeBytes { CRC32.of($0) }
  for index in 0..<4 {
    changed[changed.count - 4 + index] = UInt8(truncatingIfNeeded: checksum >> (8 * index))
  }
  return changed
}
