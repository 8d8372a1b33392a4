import Foundation
import TestSupport
import XCTest

/// Where the shared model and golden files are: `$TEACHPAD_SHARED`, else
/// `../shared` beside the repository.
enum SharedFiles {
  static let root: URL = SharedFolder.root

  static var modelPath: String {
    if let path = ProcessInfo.processInfo.environment["TEACHPAD_MODEL"] {
      return path
    }
    return root.appendingPathComponent(
      "models/mobilenet_v1_0.25_224_quant.tflite").path
  }

  static func model(file: StaticString = #filePath, line: UInt = #line)
    throws -> [UInt8]
  {
    let url = URL(fileURLWithPath: modelPath)
    guard let data = try? Data(contentsOf: url) else {
      XCTFail("model missing at \(url.path)", file: file, line: line)
      throw CocoaError(.fileNoSuchFile)
    }
    return [UInt8](data)
  }

  static func golden(_ name: String, file: StaticString = #filePath,
                     line: UInt = #line) throws -> [UInt8] {
    let url = root.appendingPathComponent("models/golden/" + name)
    guard let data = try? Data(contentsOf: url) else {
      XCTFail("golden file missing at \(url.path)", file: file, line: line)
      throw CocoaError(.fileNoSuchFile)
    }
    return [UInt8](data)
  }

  static let goldenInputs = ["const128", "rand_seed0", "chelsea"]
}
