import XCTest

/// The split rule and report format of `teachpad eval`, checked through the
/// binary on a tiny folder (no inference needed: usage errors come first).
final class CommandUsageTests: XCTestCase {
  private func run(_ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = Bundle.main.bundleURL.appendingPathComponent("teachpad")
    process.arguments = arguments
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = Pipe()
    try process.run()
    let data = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  func testTrainWithoutDataIsAUsageError() throws {
    let (status, errors) = try run(["train", "--out", "/tmp/x"])
    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: option --data is required\n")
  }

  func testUnknownHeadKindIsAUsageError() throws {
    let folder = makeScratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/up",
                                            withIntermediateDirectories: true)
    let (status, errors) = try run(["train", "--data", folder, "--out", folder + "/h",
                                    "--head", "tree"])
    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: option --head: expected dense or knn, got 'tree'\n")
  }

  func testSplitNeedsTrainOrTest() throws {
    let (status, errors) = try run(["eval", "--data", "/nonexistent", "--head", "h",
                                    "--split", "both"])
    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: option --split: expected train or test, got 'both'\n")
  }

  func testEmptyClassFolderIsNamed() throws {
    let folder = makeScratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/up",
                                            withIntermediateDirectories: true)
    let (status, errors) = try run(["train", "--data", folder, "--out", folder + "/h",
                                    "--model", "/dev/null"])
    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: class 'up': no JPEG or PNG files in \(folder)/up\n")
  }
}
