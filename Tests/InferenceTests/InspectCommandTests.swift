import TestSupport
import XCTest

/// `teachpad inspect` as built: the same cut as `infer` and `bench` unless
/// `--tensor` names another.
final class InspectCommandTests: XCTestCase {
  private let cutLine = "model: 89 tensors, 31 operators; running 27 up to tensor 31 "
    + "'MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6'"
  private let arenaLine = "arena: 301056 bytes; lower bound (most bytes alive at once): "
    + "301056 bytes"

  private func inspect(_ arguments: [String], file: StaticString = #filePath,
                       line: UInt = #line) throws -> [String] {
    let run = try runTeachpad(["inspect", try SharedFolder.modelPath()] + arguments)
    XCTAssertEqual(run.status, 0, run.errors, file: file, line: line)
    return run.output.split(separator: "\n").map(String.init)
  }

  func testInspectStopsAtTheCutTensorByDefault() throws {
    let lines = try inspect([])

    XCTAssertEqual(lines.first, cutLine)
    XCTAssertTrue(lines.contains("multiply-accumulates per inference: 40774272"))
    XCTAssertEqual(lines.last, arenaLine)
  }

  func testInspectTensorNamesTheWholeModelsOutput() throws {
    let lines = try inspect(["--tensor", "MobilenetV1/Predictions/Reshape_1"])

    XCTAssertEqual(lines.first, "model: 89 tensors, 31 operators; running 31 up to "
                   + "tensor 87 'MobilenetV1/Predictions/Reshape_1'")
    XCTAssertEqual(lines.last, arenaLine)
  }
}
