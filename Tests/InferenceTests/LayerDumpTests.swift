import Foundation
import Inference
import XCTest

/// Every operator of the full model, fed the reference output of the one
/// before it, must reproduce the reference dump of its own output.
final class LayerDumpTests: XCTestCase {
  func dumps() throws -> [String] {
    let folder = SharedFiles.root.appendingPathComponent(
      "models/golden/layers_ref_rand_seed0")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
      .filter { $0.hasPrefix("op") && $0.hasSuffix(".bin") }.sorted()
    XCTAssertEqual(names.count, 31)
    return names.map { "layers_ref_rand_seed0/" + $0 }
  }

  func checkEveryLayer(kernels: KernelChoice) throws {
    let engine = try Engine(modelBytes: try SharedFiles.model(),
                            outputTensorName: nil, threadCount: 1,
                            kernels: kernels)
    let names = try dumps()
    XCTAssertEqual(engine.graph.layers.count, names.count)
    var input = try SharedFiles.golden("input_rand_seed0_1x224x224x3_u8.bin")
    for (position, name) in names.enumerated() {
      let expected = try SharedFiles.golden(name)
      var output = [UInt8](repeating: 0, count: expected.count)
      input.withUnsafeBufferPointer { source in
        output.withUnsafeMutableBufferPointer { target in
          engine.runLayer(position, input: source.baseAddress!,
                          output: target.baseAddress!)
        }
      }
      let differing = zip(output, expected).filter { $0 != $1 }.count
      XCTAssertEqual(differing, 0, "\(name) (\(kernels))")
      input = expected
    }
  }

  func testOptimizedKernelsMatchEveryLayerDump() throws {
    try checkEveryLayer(kernels: .optimized)
  }

  func testFloatKernelsMatchEveryLayerDump() throws {
    try checkEveryLayer(kernels: .optimizedFloat)
  }

  func testReferenceKernelsMatchEveryLayerDump() throws {
    try checkEveryLayer(kernels: .reference)
  }
}
