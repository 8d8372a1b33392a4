import Foundation
import TestSupport
import XCTest

/// What `teachpad train` makes of the label folders, through the binary. The image files are empty: every check
/// here comes before the model (which is not there) and the images' bytes.
final class ImageFolderCommandTests: XCTestCase {
  /// `files` (`label/name`) as empty files under a fresh folder's `data`.
  private func folder(
    _ files: [String], name: String = #function
  ) throws -> (data: String, arguments: [String]) {
    let data = makeScratchFolder(name) + "/data"
    for file in files {
      let path = data + "/" + file
      try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent,
        withIntermediateDirectories: true)
      FileManager.default.createFile(atPath: path, contents: Data())
    }
    let arguments = ["train", "--data", data, "--out", data + "/../h",
                     "--model", "/nonexistent"]
    return (data, arguments)
  }

  private let modelMissing = "teachpad: cannot read model /nonexistent: No such file or "
    + "directory (give --model or set TEACHPAD_MODEL)\n"

  /// open() of a FIFO waits for a writer: the listing refuses it first.
  func testTrainRefusesAnImageNameThatIsNotARegularFile() throws {
    let (data, arguments) = try folder(["b/3.jpg"])
    try FileManager.default.createDirectory(atPath: data + "/a",
                                            withIntermediateDirectories: true)
    XCTAssertEqual(mkfifo(data + "/a/fifo.jpg", 0o644), 0)
    try FileManager.default.createDirectory(atPath: data + "/b/folder.png",
                                            withIntermediateDirectories: true)
    var withModel = Array(arguments.dropLast(2))
    withModel += ["--model", try SharedFolder.modelPath(), "--cache", data + "/../cache"]

    var run = try runTeachpad(withModel, timeoutSeconds: 60)

    XCTAssertEqual(run.status, 2)
    XCTAssertEqual(run.errors, "teachpad: cannot use image \(data)/a/fifo.jpg: it is a "
                   + "pipe (FIFO), not a regular file; replace or remove the file\n")
    try FileManager.default.removeItem(atPath: data + "/a/fifo.jpg")
    FileManager.default.createFile(atPath: data + "/a/1.jpg", contents: Data())
    run = try runTeachpad(arguments, timeoutSeconds: 60)
    XCTAssertEqual(run.status, 2)
    XCTAssertEqual(run.errors, "teachpad: cannot use image \(data)/b/folder.png: it is a "
                   + "folder, not a regular file; replace or remove the file\n")
  }

  /// A hidden folder (.git, .thumbnails) is no label.
  func testDefaultClassesLeaveOutHiddenFolders() throws {
    let (data, arguments) = try folder(["a/1.jpg", "b/2.jpg"])
    try FileManager.default.createDirectory(atPath: data + "/.thumbnails",
                                            withIntermediateDirectories: true)

    let run = try runTeachpad(arguments)

    XCTAssertEqual(run.status, 2)
    XCTAssertEqual(run.errors, modelMissing)
  }

  /// Skipping it would quietly train without that label.
  func testDefaultClassesRefuseAFolderWithACommaInItsName() throws {
    let (data, arguments) = try folder(["a,b/1.jpg", "c/2.jpg"])

    var run = try runTeachpad(arguments)

    XCTAssertEqual(run.status, 2)
    XCTAssertEqual(run.errors, "teachpad: label folder \(data)/a,b has a comma in its "
                   + "name, which --classes cannot name; rename it or choose the labels "
                   + "with --classes\n")
    run = try runTeachpad(arguments + ["--classes", "c"])
    XCTAssertEqual(run.errors, modelMissing)
  }
}
