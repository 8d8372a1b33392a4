import Inference
import XCTest

/// The reader must turn every damaged file into a ModelError, never a
/// crash: every truncation of the real file, and random byte changes.
final class ReaderFuzzTests: XCTestCase {
  /// Where the model's FlatBuffer ends and the appended zip begins.
  static let flatBufferEnd = 498_184

  func testEveryTruncationIsRefusedWithAnError() throws {
    let model = try SharedFiles.model()
    // The FlatBuffer ends where the appended zip begins; past that point a
    // truncated file still holds the whole graph.
    var firstParsed: Int? = nil
    var refusedAfterParsed = 0
    var kinds: [String: Int] = [:]
    for length in 0..<model.count {
      do {
        let file = try ModelFile(bytes: Array(model[0..<length]))
        _ = try Graph(model: file, outputTensorName: Engine.defaultCutTensorName)
        if firstParsed == nil { firstParsed = length }
      } catch {
        if firstParsed != nil { refusedAfterParsed += 1 }
        switch error {
        case .truncated: kinds["truncated", default: 0] += 1
        case .malformed: kinds["malformed", default: 0] += 1
        default: kinds["other", default: 0] += 1
        }
      }
    }
    // Lengths that keep the whole FlatBuffer parse; all shorter ones fail
    // as truncated (never as anything else, never with a crash).
    XCTAssertEqual(firstParsed, Self.flatBufferEnd)
    XCTAssertEqual(refusedAfterParsed, 0)
    XCTAssertEqual(kinds["truncated"], Self.flatBufferEnd)
    XCTAssertNil(kinds["other"])
  }

  func testRandomByteChangesNeverCrash() throws {
    let model = try SharedFiles.model()
    var generator = SplitMix(seed: 7)
    var refused = 0
    for _ in 0..<3000 {
      var damaged = model
      let flips = 1 + Int(generator.next() % 8)
      for _ in 0..<flips {
        // Favour the tables at the front of the file, where damage matters.
        let range = generator.next() % 4 == 0 ? damaged.count : min(damaged.count, 8192)
        let index = Int(generator.next() % UInt64(range))
        damaged[index] ^= UInt8(truncatingIfNeeded: 1 + generator.next() % 255)
      }
      do {
        let file = try ModelFile(bytes: damaged)
        _ = try Graph(model: file, outputTensorName: Engine.defaultCutTensorName)
      } catch {
        refused += 1
        XCTAssertFalse(error.message.isEmpty)
      }
    }
    XCTAssertGreaterThan(refused, 0)
  }

  func testForeignFileIsRefusedByName() {
    XCTAssertThrowsError(try ModelFile(bytes: Array("not a model at all".utf8))) {
      let message = ($0 as? ModelError)?.message ?? ""
      XCTAssertTrue(message.contains("not a .tflite file"), message)
    }
  }

  func testUnknownTensorNameIsNamed() throws {
    let file = try ModelFile(bytes: try SharedFiles.model())
    XCTAssertThrowsError(try Graph(model: file, outputTensorName: "no/such")) {
      XCTAssertEqual($0 as? ModelError, .tensorNotFound(name: "no/such"))
    }
  }

  func testFloatModelIsRefusedNamingTheTensor() throws {
    let url = SharedFiles.root.appendingPathComponent(
      "models/mobilenet_v1_0.25_224_1_default_1.tflite")
    let bytes = [UInt8](try Data(contentsOf: url))
    let file = try ModelFile(bytes: bytes)
    XCTAssertThrowsError(try Graph(model: file, outputTensorName: nil)) {
      guard case .unsupportedTensor(_, _, let detail)? = $0 as? ModelError else {
        return XCTFail("\($0)")
      }
      XCTAssertEqual(detail, "element type FLOAT32")
    }
  }
}

/// Damage found by hand: values a correct file never holds.
final class DamagedValueTests: XCTestCase {
  func testZeroPointOutsideUInt8IsRefused() throws {
    var bytes = try SharedFiles.model()
    // Tensor 33's zero point (an int64 at byte 492800) set out of range.
    bytes[492803] = 0xdc
    let file = try ModelFile(bytes: bytes)
    XCTAssertThrowsError(try Graph(model: file,
                                   outputTensorName: Engine.defaultCutTensorName)) {
      let message = ($0 as? ModelError)?.message ?? ""
      XCTAssertTrue(message.contains("tensor 33"), message)
      XCTAssertTrue(message.contains("out of range"), message)
    }
  }

  func testCuttingAtWeightsOrTheInputIsRefused() throws {
    let file = try ModelFile(bytes: try SharedFiles.model())
    let weights = "MobilenetV1/Logits/Conv2d_1c_1x1/weights_quant/FakeQuantWithMinMaxVars"
    XCTAssertThrowsError(try Graph(model: file, outputTensorName: weights)) {
      XCTAssertEqual($0 as? ModelError, .notAnActivation(
        name: weights, reason: "it holds constants (weights or biases)"))
    }
    XCTAssertThrowsError(try Graph(model: file, outputTensorName: "input")) {
      XCTAssertEqual($0 as? ModelError, .notAnActivation(
        name: "input", reason: "it is the model's input"))
    }
  }

  func testAnOperatorReadingItsOwnOutputIsRefused() throws {
    var bytes = try SharedFiles.model()
    // Operator 1's input (the int32 at byte 483464 holds tensor 7, the
    // first convolution's output) made tensor 33, its own output: the
    // graph loops back and nothing would write what it reads.
    XCTAssertEqual(bytes[483464], 7)
    bytes[483464] = 33
    let file = try ModelFile(bytes: bytes)
    XCTAssertThrowsError(try Graph(model: file,
                                   outputTensorName: Engine.defaultCutTensorName)) {
      let message = ($0 as? ModelError)?.message ?? ""
      XCTAssertTrue(message.contains("operator 1"), message)
      XCTAssertTrue(message.contains("reads tensor 33"), message)
      XCTAssertTrue(message.contains("before any operator writes it"), message)
    }
  }
}
