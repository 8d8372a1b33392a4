import Inference
import XCTest

/// The fixed-point arithmetic against values worked out by hand and the
/// constants TFLite derives for the model (models/README.md).
final class QuantizationTests: XCTestCase {
  func testMultipliersMatchTheModelTable() throws {
    let model = try ModelFile(bytes: try SharedFiles.model())
    let graph = try Graph(model: model, outputTensorName: nil)
    var constants: [Int: (Int32, Int)] = [:]
    for layer in graph.layers {
      switch layer.kind {
      case .convolution(let parameters):
        constants[layer.operatorIndex] = (parameters.requantization.multiplier,
                                          parameters.requantization.shift)
      case .depthwise(let parameters):
        constants[layer.operatorIndex] = (parameters.requantization.multiplier,
                                          parameters.requantization.shift)
      default:
        break
      }
    }
    XCTAssertEqual(constants[0]?.0, 1361252654); XCTAssertEqual(constants[0]?.1, -7)
    XCTAssertEqual(constants[1]?.0, 2127451242); XCTAssertEqual(constants[1]?.1, -3)
    XCTAssertEqual(constants[4]?.0, 1418096877); XCTAssertEqual(constants[4]?.1, -5)
    XCTAssertEqual(constants[26]?.0, 1599252502); XCTAssertEqual(constants[26]?.1, -4)
    XCTAssertEqual(constants[28]?.0, 1123447582); XCTAssertEqual(constants[28]?.1, -9)
  }

  func testQuantizeMultiplier() {
    XCTAssertEqual(Requantization.quantize(multiplier: 0.5).0, 1 << 30)
    XCTAssertEqual(Requantization.quantize(multiplier: 0.5).1, 0)
    XCTAssertEqual(Requantization.quantize(multiplier: 0.75).0, 1610612736)
    XCTAssertEqual(Requantization.quantize(multiplier: 0.75).1, 0)
    XCTAssertEqual(Requantization.quantize(multiplier: 3).0, 1610612736)
    XCTAssertEqual(Requantization.quantize(multiplier: 3).1, 2)
    // A fraction that rounds up to 2^31 moves to the next exponent.
    let nearlyOne = 1 - 1e-12
    XCTAssertEqual(Requantization.quantize(multiplier: nearlyOne).0, 1 << 30)
    XCTAssertEqual(Requantization.quantize(multiplier: nearlyOne).1, 1)
    XCTAssertEqual(Requantization.quantize(multiplier: 0).0, 0)
  }

  func testDoublingHighMultiplyRoundsTiesUp() {
    // 2·a·b / 2^32 with a·b = ±2^30 is exactly ±0.5: gemmlowp's nudge
    // (2^30, or 1 − 2^30 below zero) then truncation send +0.5 to 1 and
    // −0.5 to 0.
    XCTAssertEqual(Requantization.saturatingRoundingDoublingHighMul(1 << 15, 1 << 15), 1)
    XCTAssertEqual(Requantization.saturatingRoundingDoublingHighMul(-(1 << 15), 1 << 15), 0)
    XCTAssertEqual(Requantization.saturatingRoundingDoublingHighMul(1000, 1 << 30), 500)
    // −500.5 → −500; −500.75 → −501.
    XCTAssertEqual(Requantization.saturatingRoundingDoublingHighMul(-1001, 1 << 30), -500)
    XCTAssertEqual(Requantization.saturatingRoundingDoublingHighMul(-2003, 1 << 29), -501)
    XCTAssertEqual(Requantization.saturatingRoundingDoublingHighMul(Int32.min, Int32.min),
                   Int32.max)
  }

  func testRoundingDivideByPowerOfTwo() {
    XCTAssertEqual(Requantization.roundingDivideByPowerOfTwo(5, 1), 3)    // 2.5 → 3
    XCTAssertEqual(Requantization.roundingDivideByPowerOfTwo(-5, 1), -3)  // −2.5 → −3
    XCTAssertEqual(Requantization.roundingDivideByPowerOfTwo(7, 2), 2)    // 1.75 → 2
    XCTAssertEqual(Requantization.roundingDivideByPowerOfTwo(-6, 2), -2)  // −1.5 → −2
    XCTAssertEqual(Requantization.roundingDivideByPowerOfTwo(-5, 2), -1)  // −1.25 → −1
    XCTAssertEqual(Requantization.roundingDivideByPowerOfTwo(9, 0), 9)
  }

  func testActivationRanges() {
    let relu6 = Requantization.activationRange(.relu6, scale: 0.0235284772,
                                               zeroPoint: 0)
    XCTAssertEqual(relu6.0, 0)
    XCTAssertEqual(relu6.1, 255)
    let shifted = Requantization.activationRange(.relu, scale: 0.1, zeroPoint: 100)
    XCTAssertEqual(shifted.0, 100)
    XCTAssertEqual(shifted.1, 255)
  }
}
