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

    let classError = learningError { _ = try Head.load(path: path, expectedClassCount: 4) }
    XCTAssertEqual(classError?.message,
                   "\(path) has 2 classes, expected 4 (train it again with these classes)")
    let shapeError = learningError {
      _ = try Head.load(path: path,
                        expectedShape: ActivationShape(height: 1, width: 1, channels: 1024))
    }
    XCTAssertEqual(shapeError?.message, "\(path) was made for activations of shape "
                   + "7x7x256, expected 1x1x1024 (train it again for this model)")
    XCTAssertTrue(FileManager.default.fileExists(atPath: path))
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

  func testDatasetFileIsForeignToHeadLoading() throws {
    let path = makeScratchFolder() + "/not-a-head"
    let dataset = separableDataset(classCount: 2, perClass: 1)
    try dataset.save(path: path)
    XCTAssertEqual(learningError { _ = try Head.load(path: path) },
                   .foreignFile(path: path, movedTo: path + ".damaged"))
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
