import Foundation
import TestSupport
import XCTest

/// `teachpad train` through the binary: options the chosen head would
/// ignore, a batch fraction too small for the examples, and what a
/// killed save left beside the head.
final class TrainCommandTests: XCTestCase {
  /// A folder of two classes with three photos each (six examples), and
  /// the common arguments that train on it with its own activation cache.
  private func smallFolder(_ name: String = #function) throws -> (String, [String]) {
    let folder = makeScratchFolder(name)
    let images = try SharedFolder.path("data/sign-language-digits/images")
    for (label, files) in [("0", ["IMG_1118", "IMG_1128", "IMG_1138"]),
                           ("1", ["IMG_1119", "IMG_1129", "IMG_1139"])] {
      try FileManager.default.createDirectory(atPath: folder + "/data/" + label,
                                              withIntermediateDirectories: true)
      for file in files {
        try FileManager.default.copyItem(atPath: "\(images)/\(label)/\(file).JPG",
                                         toPath: "\(folder)/data/\(label)/\(file).JPG")
      }
    }
    let arguments = ["train", "--data", folder + "/data", "--cache", folder + "/cache",
                     "--model", try SharedFolder.modelPath()]
    return (folder, arguments)
  }

  /// The lines of standard error that start with `prefix` (`teachpad:`,
  /// a logger's subsystem), without progress and engine lines.
  private func lines(_ errors: String, startingWith prefix: String) -> String {
    errors.split(separator: "\n").filter { $0.hasPrefix(prefix) }
      .map { $0 + "\n" }.joined()
  }

  func testTrainRefusesOptionsTheChosenHeadWouldIgnore() throws {
    let folder = makeScratchFolder()
    let common = ["train", "--data", folder, "--out", folder + "/h", "--model", "/nonexistent"]
    let cases: [([String], String)] = [
      (["--k", "5"], "option --k applies to --head knn only, not to the default --head dense"),
      (["--head", "dense", "--k", "5"],
       "option --k applies to --head knn only, not to --head dense"),
    ] + [("epochs", "5"), ("units", "10"), ("learning-rate", "0.01"),
         ("batch-fraction", "0.5"), ("seed", "2")].map { name, value in
      (["--head", "knn", "--" + name, value],
       "option --\(name) applies to --head dense only, not to --head knn")
    }

    for (arguments, message) in cases {
      let run = try runTeachpad(common + arguments)
      XCTAssertEqual(run.status, 2, "\(arguments)")
      XCTAssertEqual(run.errors, "teachpad: \(message)\n")
    }
    // Each head's own options pass on to the next check: the empty folder.
    for arguments in [["--head", "knn", "--k", "5"],
                      ["--epochs", "5", "--units", "10", "--learning-rate", "0.01",
                       "--batch-fraction", "0.5", "--seed", "2"]] {
      let run = try runTeachpad(common + arguments)
      XCTAssertEqual(run.errors, "teachpad: folder \(folder) has no label subfolders\n")
    }
  }

  func testTrainNamesTheBatchFractionOptionWhenItGivesEmptyBatches() throws {
    let (folder, arguments) = try smallFolder()

    let run = try runTeachpad(arguments + ["--out", folder + "/h", "--batch-fraction", "0.1"])

    XCTAssertEqual(run.status, 1, run.errors)
    XCTAssertEqual(lines(run.errors, startingWith: "teachpad:"),
                   "teachpad: option --batch-fraction 0.1 gives batches of 0 of the 6 "
                   + "examples; use at least 0.17 or train on at least 10 examples\n")
    XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/h"))
  }

  /// A failure to save after the fit (here the temporary file's name
  /// passes the 255-byte limit) says what to change. (The other lines
  /// starting with `teachpad:` are the few-examples warnings.)
  func testTrainSaysWhatToDoWhenTheHeadCannotBeSaved() throws {
    let (folder, arguments) = try smallFolder()
    let head = folder + "/" + String(repeating: "h", count: 250)

    let run = try runTeachpad(arguments + ["--out", head, "--head", "knn"])

    XCTAssertEqual(run.status, 1, run.errors)
    XCTAssertEqual(lines(run.errors, startingWith: "teachpad: /"),
                   "teachpad: \(head): open failed: File name too long (the head is not "
                   + "saved: make \(folder) writable with room to spare, or choose another "
                   + "--out)\n")
  }

  /// A head save left by a killed process (its number no longer in use)
  /// goes, with a line saying so; one of a live process (this test's)
  /// stays.
  func testTrainRemovesWhatAnEndedProcessLeftWhileSavingTheHead() throws {
    let (folder, arguments) = try smallFolder()
    let head = folder + "/h.head"
    let ended = try endedProcessID()
    let stale = head + ".tmp.\(ended).1"
    let live = head + ".tmp.\(getpid()).1"
    for name in [stale, live] {
      try "half a head".write(toFile: name, atomically: false, encoding: .utf8)
    }

    let run = try runTeachpad(arguments + ["--out", head, "--head", "knn"])

    XCTAssertEqual(run.status, 0, run.errors)
    XCTAssertEqual(lines(run.errors, startingWith: "files:"),
                   "files: removed \(stale), an unfinished save of process \(ended), "
                   + "which has ended\n")
    XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
    XCTAssertEqual(try String(contentsOfFile: live, encoding: .utf8), "half a head")
    XCTAssertTrue(FileManager.default.fileExists(atPath: head))
  }

  /// An activation written by a process killed before its rename.
  func testTrainRemovesCacheEntriesThatAnEndedProcessLeftHalfWritten() throws {
    let (folder, arguments) = try smallFolder()
    let head = folder + "/h.head"
    var run = try runTeachpad(arguments + ["--out", head, "--head", "knn"])
    XCTAssertEqual(run.status, 0, run.errors)
    let models = try FileManager.default.contentsOfDirectory(atPath: folder + "/cache/activations")
    XCTAssertEqual(models.count, 1)
    let entries = folder + "/cache/activations/" + models[0] + "/"
    let image = String(repeating: "ab", count: 32)
    let stale = entries + image + ".tmp\(try endedProcessID())"
    let live = entries + image + ".tmp\(getpid())"
    for name in [stale, live] {
      try "half an activation".write(toFile: name, atomically: false, encoding: .utf8)
    }

    run = try runTeachpad(arguments + ["--out", head, "--head", "knn"])

    XCTAssertEqual(run.status, 0, run.errors)
    XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
    XCTAssertTrue(FileManager.default.fileExists(atPath: live))
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: entries).count, 7)
  }
}
