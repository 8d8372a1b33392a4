import Foundation
import TestSupport
import XCTest

/// The split rule and report format of `teachpad eval`, checked through the
/// binary on a tiny folder (no inference needed: usage errors come first).
final class CommandUsageTests: XCTestCase {
  private func run(_ arguments: [String]) throws -> (Int32, String) {
    let (status, _, errors) = try runWithOutput(arguments)
    return (status, errors)
  }

  /// Exit status, standard output and standard error.
  private func runWithOutput(_ arguments: [String]) throws -> (Int32, String, String) {
    let run = try runTeachpad(arguments)
    return (run.status, run.output, run.errors)
  }

  func testEveryCommandPrintsItsUsageForHelp() throws {
    for command in ["infer", "inspect", "bench", "classify", "train", "eval",
                    "session", "replay", "console", "check-board", "run"] {
      let (status, output, _) = try runWithOutput([command, "--help"])
      XCTAssertEqual(status, 0, command)
      XCTAssertTrue(output.hasPrefix("usage: teachpad \(command)"), "\(command): \(output)")
      let (helpStatus, helpOutput, _) = try runWithOutput(["help", command])
      XCTAssertEqual(helpStatus, 0, command)
      XCTAssertEqual(helpOutput, output, command)
    }
  }

  func testAStrayWordIsAUsageError() throws {
    let (status, errors) = try run(["bench", "--full", "x"])
    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: unexpected 'x': this command takes only options "
                   + "(see its --help)\n")
  }

  func testBenchRefusesBothWaysOfSayingWhereToCut() throws {
    for arguments in [["--full", "--tensor", "x"], ["--tensor", "x", "--full"]] {
      let (status, errors) = try run(["bench"] + arguments)
      XCTAssertEqual(status, 2)
      XCTAssertEqual(errors, "teachpad: options --tensor and --full both say where to "
                     + "cut; give one of them\n")
    }
  }

  /// The tensor would replace the input it was computed from.
  func testInferRefusesToWriteOverItsInput() throws {
    let input = makeScratchFolder() + "/in.bin"
    let bytes = Data(repeating: 7, count: 224 * 224 * 3)
    try bytes.write(to: URL(fileURLWithPath: input))

    let (status, errors) = try run(["infer", "--model", try SharedFolder.modelPath(),
                                    "--input", input, "--out", input])

    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: options --out and --input name the same file "
                   + "\(input); give --out a file of its own\n")
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: input)), bytes)
  }

  /// A file named by mistake is kept; an earlier output is replaced.
  func testInferReplacesOnlyAnEarlierOutput() throws {
    let folder = makeScratchFolder()
    let notes = folder + "/notes.txt"
    try "my notes\n".write(toFile: notes, atomically: true, encoding: .utf8)
    let input = try SharedFolder.path("models/golden/input_chelsea_1x224x224x3_u8.bin")
    let arguments = ["infer", "--model", try SharedFolder.modelPath(), "--input", input]

    let (status, errors) = try run(arguments + ["--out", notes])

    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors.split(separator: "\n").last.map(String.init),
                   "teachpad: option --out: \(notes) exists and holds 9 bytes, not the "
                   + "12544 of this tensor, so it is no earlier output; remove it or name "
                   + "a new file")
    XCTAssertEqual(try String(contentsOfFile: notes, encoding: .utf8), "my notes\n")
    let earlier = folder + "/cut.bin"
    try Data(repeating: 1, count: 12_544).write(to: URL(fileURLWithPath: earlier))
    XCTAssertEqual(try run(arguments + ["--out", earlier]).0, 0)
    XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: earlier)),
                      Data(repeating: 1, count: 12_544))
  }

  /// Reading a FIFO would wait for a writer; every file a command reads is
  /// checked first (here the model).
  func testAModelThatIsAPipeIsRefused() throws {
    let pipe = makeScratchFolder() + "/model.tflite"
    XCTAssertEqual(mkfifo(pipe, 0o644), 0)

    let (status, errors) = try run(["inspect", pipe])

    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: model \(pipe): it is a pipe (FIFO), not a regular "
                   + "file (pass --model, set TEACHPAD_MODEL, or run board/fetch-model.sh)\n")
  }

  func testConsoleRefusesAnEmptyPort() throws {
    let (status, errors) = try run(["console", "--port", ""])
    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: option --port: expected a device path, got ''\n")
  }

  func testAnUnknownOptionWithoutValueSaysItMayNotExist() throws {
    let (status, errors) = try run(["infer", "--bogus"])
    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: option --bogus needs a value (or is not an "
                   + "option of this command; see its --help)\n")
  }

  func testReplayRefusesToCreateAFileInDev() throws {
    let session = makeScratchFolder() + "/s.txt"
    try "teachpad-session 1\nstep\n".write(toFile: session, atomically: true,
                                            encoding: .utf8)
    let (status, errors) = try run(["replay", session, "--serial", "/dev/ttyTEACHPAD9",
                                    "--model", "/nonexistent", "--activations", "cache"])
    XCTAssertEqual(status, 2)
    XCTAssertTrue(errors.contains("option --serial: /dev/ttyTEACHPAD9 does not exist "
                                  + "(is the adapter plugged in?"), errors)
    XCTAssertFalse(FileManager.default.fileExists(atPath: "/dev/ttyTEACHPAD9"))
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

  /// Where the head goes is checked before the images and the fit: an
  /// empty name, a folder, a file that is not a head.
  func testTrainRefusesAnOutputItCannotReplaceBeforeTheFit() throws {
    let folder = makeScratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/up",
                                            withIntermediateDirectories: true)
    let common = ["train", "--data", folder, "--model", "/nonexistent"]

    var (status, errors) = try run(common + ["--out", ""])
    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: option --out: expected a file path, got ''\n")

    (status, errors) = try run(common + ["--out", folder + "/up"])
    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: option --out: \(folder)/up is a folder, device or "
                   + "pipe, not a file (name a file instead)\n")

    let notes = folder + "/notes.txt"
    try Data("mine".utf8).write(to: URL(fileURLWithPath: notes))
    (status, errors) = try run(common + ["--out", notes])
    XCTAssertEqual(status, 1)
    XCTAssertEqual(errors, "teachpad: will not overwrite \(notes): it exists and is not a "
                   + "teachpad file of this kind (move it away first)\n")
    XCTAssertEqual(try String(contentsOfFile: notes, encoding: .utf8), "mine")
  }

  /// An empty label between commas is a mistake, not a way to skip one.
  func testEmptyClassNameIsAUsageError() throws {
    for list in ["0,,1", ",0,1", "0,1,", ""] {
      let (status, errors) = try run(["train", "--data", "/nonexistent", "--out", "/tmp/h",
                                      "--classes", list])
      XCTAssertEqual(status, 2, list)
      XCTAssertEqual(errors, "teachpad: option --classes: expected distinct labels like "
                     + "0,1,2,5, got '\(list)'\n", list)
    }
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

  func testEvalLeavesAFileThatIsNotAHeadWhereItIs() throws {
    let folder = makeScratchFolder()
    try FileManager.default.createDirectory(atPath: folder + "/a/x", withIntermediateDirectories: true)
    let photo = folder + "/photo.jpg"
    try Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).write(to: URL(fileURLWithPath: photo))

    let (status, errors) = try run(["eval", "--data", folder + "/a", "--head", photo,
                                    "--model", "/dev/null"])

    XCTAssertEqual(status, 1)
    XCTAssertEqual(errors, "teachpad: \(photo) is not a teachpad file (left as it is)\n")
    XCTAssertTrue(FileManager.default.fileExists(atPath: photo))
    let (deviceStatus, deviceErrors) = try run(["eval", "--data", folder + "/a",
                                                "--head", "/dev/null"])
    XCTAssertEqual(deviceStatus, 2)
    XCTAssertEqual(deviceErrors, "teachpad: --head /dev/null is not a regular file "
                   + "(give a head file from teachpad train)\n")
  }

  /// A folder holding one empty label folder, and train's arguments on it
  /// with a model that is not there: every check below comes first.
  private func trainArguments(_ name: String = #function) throws -> (String, [String]) {
    let folder = makeScratchFolder(name)
    try FileManager.default.createDirectory(atPath: folder + "/up",
                                            withIntermediateDirectories: true)
    return (folder, ["train", "--data", folder, "--model", "/nonexistent"])
  }

  func testAnOptionGivenTwiceIsAUsageError() throws {
    let (folder, common) = try trainArguments()
    let cases: [([String], String)] = [
      (common + ["--out", folder + "/h", "--epochs", "2", "--epochs", "3"], "epochs"),
      (common + ["--out", folder + "/h", "--out", folder + "/g"], "out"),
      (["bench", "--full", "--full"], "full"),
      (["session", "--data", folder, "--seed", "1", "--seed", "1"], "seed"),
    ]

    for (arguments, name) in cases {
      let (status, errors) = try run(arguments)
      XCTAssertEqual(status, 2, "\(arguments)")
      XCTAssertEqual(errors, "teachpad: option --\(name) is given twice; give it once\n")
    }
  }

  func testSplitOptionsWithoutSplitAreUsageErrors() throws {
    let (folder, common) = try trainArguments()
    for (name, value) in [("test-fraction", "0.5"), ("split-seed", "2"),
                          ("manifest", folder + "/manifest.csv")] {
      let (status, errors) = try run(common + ["--out", folder + "/h", "--" + name, value])
      XCTAssertEqual(status, 2, name)
      XCTAssertEqual(errors, "teachpad: option --\(name) applies only with --split "
                     + "train or test (add --split or drop --\(name))\n")
    }
  }

  func testEmptyCacheFolderIsAUsageError() throws {
    let (folder, common) = try trainArguments()

    let (status, errors) = try run(common + ["--out", folder + "/h", "--cache", ""])

    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: option --cache: expected a folder path, got ''\n")
  }

  func testTrainRefusesTheSameFileForTheHeadAndTheDataset() throws {
    let (folder, common) = try trainArguments()
    for (head, dataset) in [(folder + "/h", folder + "/h"), (folder + "/h", folder + "/./h")] {
      let (status, errors) = try run(common + ["--out", head, "--save-dataset", dataset])
      XCTAssertEqual(status, 2, dataset)
      XCTAssertEqual(errors, "teachpad: options --out and --save-dataset name the same "
                     + "file \(dataset); give each its own file\n")
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/h"))
  }

  func testEvalRefusesTheHeadAsItsDatasetFile() throws {
    let (folder, common) = try trainArguments()
    let head = folder + "/h"
    try Data("not a head".utf8).write(to: URL(fileURLWithPath: head))
    let arguments = ["eval"] + common.dropFirst() + ["--head", head, "--save-dataset", head]

    let (status, errors) = try run(arguments)

    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: options --head and --save-dataset name the same "
                   + "file \(head); give each its own file\n")
    XCTAssertEqual(try String(contentsOfFile: head, encoding: .utf8), "not a head")
  }

  /// A read-only folder is found before any work. Root passes permission
  /// checks, so as root the binary runs as nobody (through setpriv).
  func testTrainRefusesAnOutputFolderItCannotWriteBeforeTheFit() throws {
    let (folder, common) = try trainArguments()
    let locked = folder + "/locked"
    try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
    try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked)
    try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder)
    var launcher: [String] = []
    if geteuid() == 0 {
      guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
        throw XCTSkip("running as root without /usr/bin/setpriv to drop privileges")
      }
      launcher = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    }

    for option in ["out", "save-dataset"] {
      let head = option == "out" ? [] : ["--out", folder + "/h"]
      let arguments = common + head + ["--" + option, locked + "/file"]
      let run = try runTeachpad(arguments, launcher: launcher)
      XCTAssertEqual(run.status, 2, option)
      XCTAssertEqual(run.errors, "teachpad: cannot write \(locked)/file: folder \(locked) "
                     + "is not writable (Permission denied); make it writable or choose "
                     + "another --\(option)\n")
    }
  }

  func testSessionWillNotOverwriteAFileThatIsNotASession() throws {
    let head = makeScratchFolder() + "/kept.head"
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: head))

    let (status, errors) = try run(["session", "--data", "/nonexistent", "--classes", "a,b",
                                    "--out", head])

    XCTAssertEqual(status, 1)
    XCTAssertEqual(errors, "teachpad: will not overwrite \(head): it exists and is not a "
                   + "teachpad session (move it away first)\n")
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: head)), Data([1, 2, 3]))
  }

  /// A folder as --out is named as one, as train names it.
  func testSessionOutputThatIsAFolderIsAUsageError() throws {
    let folder = makeScratchFolder()

    let (status, errors) = try run(["session", "--data", "/nonexistent", "--classes", "a,b",
                                    "--out", folder])

    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: option --out: \(folder) is a folder, device or pipe, "
                   + "not a file (name a file instead)\n")
  }
}
