import Inference
import XCTest

/// Byte-for-byte equality with TFLite's reference kernels (BUILTIN_REF).
final class GoldenTests: XCTestCase {
  func differingBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Int {
    XCTAssertEqual(a.count, b.count)
    return zip(a, b).filter { $0 != $1 }.count
  }

  func checkCutTensor(threads: Int, kernels: KernelChoice) throws {
    let engine = try Engine(modelBytes: try SharedFiles.model(),
                            outputTensorName: Engine.defaultCutTensorName,
                            threadCount: threads, kernels: kernels)
    XCTAssertEqual(engine.outputShape, [1, 7, 7, 256])
    for name in SharedFiles.goldenInputs {
      let input = try SharedFiles.golden("input_\(name)_1x224x224x3_u8.bin")
      let expected = try SharedFiles.golden("trunc_ref_\(name)_1x7x7x256_u8.bin")
      _ = engine.input.update(fromContentsOf: input)
      engine.invoke()
      XCTAssertEqual(differingBytes(engine.output, expected), 0,
                     "\(name), \(threads) threads")
    }
  }

  func testCutTensorMatchesReferenceOnOneThread() throws {
    try checkCutTensor(threads: 1, kernels: .optimized)
  }

  func testCutTensorMatchesReferenceOnTwoThreads() throws {
    try checkCutTensor(threads: 2, kernels: .optimized)
  }

  func testCutTensorMatchesReferenceOnThreeThreads() throws {
    try checkCutTensor(threads: 3, kernels: .optimized)
  }

  func testFloatKernelsMatchGoldenCutTensorOnOneAndTwoThreads() throws {
    try checkCutTensor(threads: 1, kernels: .optimizedFloat)
    try checkCutTensor(threads: 2, kernels: .optimizedFloat)
  }

  func testReferenceKernelsMatchGoldenCutTensor() throws {
    try checkCutTensor(threads: 1, kernels: .reference)
  }

  func testProbabilitiesMatchReference() throws {
    for threads in [1, 2] {
      let engine = try Engine(modelBytes: try SharedFiles.model(),
                              outputTensorName: nil, threadCount: threads)
      XCTAssertEqual(engine.outputShape, [1, 1001])
      for name in SharedFiles.goldenInputs {
        let input = try SharedFiles.golden("input_\(name)_1x224x224x3_u8.bin")
        let expected = try SharedFiles.golden("probs_ref_\(name)_1x1001_u8.bin")
        _ = engine.input.update(fromContentsOf: input)
        engine.invoke()
        XCTAssertEqual(differingBytes(engine.output, expected), 0,
                       "\(name), \(threads) threads")
      }
    }
  }

  func testCatIsEgyptianCat() throws {
    let engine = try Engine(modelBytes: try SharedFiles.model(),
                            outputTensorName: nil, threadCount: 1)
    let input = try SharedFiles.golden("input_chelsea_1x224x224x3_u8.bin")
    _ = engine.input.update(fromContentsOf: input)
    engine.invoke()
    let best = engine.output.enumerated().max { $0.element < $1.element }
    XCTAssertEqual(best?.offset, 286)
    XCTAssertEqual(best?.element, 160)
  }
}
