import Foundation
import TestSupport
import XCTest

/// The acceptance run, end to end through the `teachpad` binary:
/// train on the by-person training part of sign-language-digits (classes
/// 0,1,2,5, split seed 1, a quarter of the subject groups held out), then
/// evaluate on the held-out people. Activations are cached under
/// $TMPDIR/teachpad-test-cache, so only the first run pays for inference.
final class SignLanguageAcceptanceTests: XCTestCase {
  private var repositoryRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
  }

  private var shared: URL {
    if let path = ProcessInfo.processInfo.environment["TEACHPAD_SHARED"] {
      return URL(fileURLWithPath: path)
    }
    return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
  }

  private func run(_ arguments: [String]) throws -> (Int32, String, String) {
    var environment: [String: String] = [:]
    if ProcessInfo.processInfo.environment["TEACHPAD_MODEL"] == nil {
      environment["TEACHPAD_MODEL"] =
        shared.appendingPathComponent("models/mobilenet_v1_0.25_224_quant.tflite").path
    }
    let run = try runTeachpad(arguments, environment: environment)
    return (run.status, run.output, run.errors)
  }

  private func accuracy(head kind: String) throws -> String {
    let images = shared.appendingPathComponent("data/sign-language-digits/images").path
    guard FileManager.default.fileExists(atPath: images) else {
      throw XCTSkip("no ../shared/data/sign-language-digits beside the repository")
    }
    let folder = makeScratchFolder("acceptance-\(kind)")
    let cache = NSTemporaryDirectory() + "teachpad-test-cache"
    let common = ["--data", images, "--classes", "0,1,2,5", "--split-seed", "1",
                  "--test-fraction", "0.25", "--cache", cache]

    let (trainStatus, trainOutput, trainErrors) = try run(
      ["train"] + common + ["--split", "train", "--head", kind, "--out", folder + "/head"])
    XCTAssertEqual(trainStatus, 0, trainErrors)
    XCTAssertTrue(trainOutput.hasPrefix("examples: 322 (0: 79, 1: 81, 2: 80, 5: 82)\n"),
                  trainOutput)

    let (evalStatus, evalOutput, evalErrors) = try run(
      ["eval"] + common + ["--split", "test", "--head", folder + "/head"])
    XCTAssertEqual(evalStatus, 0, evalErrors)
    return evalOutput
  }

  func testDenseHeadReachesNinetySevenPercentOnUnseenPeople() throws {
    let output = try accuracy(head: "dense")
    XCTAssertTrue(output.hasPrefix("accuracy: 0.990\nexamples: 102\n"), output)
  }

  func testKnnHeadReachesNinetyFivePercentOnUnseenPeople() throws {
    let output = try accuracy(head: "knn")
    XCTAssertTrue(output.hasPrefix("accuracy: 0.990\nexamples: 102\n"), output)
  }
}
