import Foundation
import TestSupport
import XCTest

/// What `teachpad train` makes of the label folders and of the split
/// manifest, through the binary. The image files are empty: every check
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

  /// The status and standard error of a `--split train` run with `manifest`
  /// as DIR/manifest.csv.
  private func trainWithManifest(
    _ manifest: String, name: String = #function
  ) throws -> (String, Int32, String) {
    let (data, arguments) = try folder(["a/1.jpg", "a/2.jpg", "b/3.jpg", "b/4.jpg"],
                                       name: name)
    let manifestPath = data + "/manifest.csv"
    try manifest.write(toFile: manifestPath, atomically: true, encoding: .utf8)
    let run = try runTeachpad(arguments + ["--split", "train"])
    return (manifestPath, run.status, run.errors)
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

  /// A hidden folder (.git, .thumbnails) is no label, and a hidden file
  /// (macOS's `._1.jpg` beside each copied image) no image: this one, a
  /// folder, would otherwise be refused.
  func testHiddenFoldersAndFilesAreLeftOut() throws {
    let (data, arguments) = try folder(["a/1.jpg", "b/2.jpg"])
    for hidden in ["/.thumbnails", "/a/._1.jpg"] {
      try FileManager.default.createDirectory(atPath: data + hidden,
                                              withIntermediateDirectories: true)
    }

    let run = try runTeachpad(arguments)

    XCTAssertEqual(run.status, 2)
    XCTAssertEqual(run.errors, modelMissing)
  }

  func testClassesThatReachOutsideTheFolderAreRefused() throws {
    let (data, arguments) = try folder(["a/1.jpg", "b/2.jpg"])
    for label in ["../data/a", ".."] {
      let run = try runTeachpad(arguments + ["--classes", "\(label),b"])

      XCTAssertEqual(run.status, 2)
      XCTAssertEqual(run.errors, "teachpad: option --classes: '\(label)' is not the name "
                     + "of a subfolder of \(data) (a label has no '/' and is not '.' or "
                     + "'..')\n")
    }
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

  /// The labels become the head's class names, printed on terminals and
  /// checked when a head is loaded.
  func testLabelsWithControlCharactersAreRefused() throws {
    let (data, arguments) = try folder(["a\u{1B}[2J/1.jpg", "c/2.jpg"])

    let run = try runTeachpad(arguments)

    XCTAssertEqual(run.status, 2)
    XCTAssertEqual(run.errors, "teachpad: labels of \(data): class 0's name has control "
                   + "characters; rename the folder or choose the labels with --classes\n")
  }

  /// Also as a spreadsheet saves it: a byte order mark, other case and
  /// spaces in the header.
  func testSplitAcceptsAManifestOfTwoGroups() throws {
    for header in ["path,subject_group", "\u{FEFF}Path, Subject_Group"] {
      let (_, status, errors) = try trainWithManifest(
        header + "\na/1.jpg,0\na/2.jpg,1\nb/3.jpg,0\nimages/b/4.jpg,1\n")

      XCTAssertEqual(status, 2, header)
      XCTAssertEqual(errors, modelMissing, header)
    }
  }

  func testSplitRefusesASubjectGroupThatIsNotAWholeNumber() throws {
    for group in ["", "x1", "-1", "1.5", "1000000", "99999999999999999999"] {
      let (manifest, status, errors) = try trainWithManifest(
        "path,subject_group\na/1.jpg,0\na/2.jpg,\(group)\nb/3.jpg,0\nb/4.jpg,1\n")

      XCTAssertEqual(status, 2, group)
      XCTAssertEqual(errors, "teachpad: manifest \(manifest) line 3: subject_group "
                     + "'\(group)' is not a whole number from 0 to 999999 (give each "
                     + "person one number)\n")
    }
  }

  func testSplitRefusesAnImageListedTwice() throws {
    for group in ["0", "1"] {
      let (manifest, status, errors) = try trainWithManifest(
        "path,subject_group\na/1.jpg,0\na/2.jpg,1\nb/3.jpg,0\nb/4.jpg,1\n"
        + "x/a/1.jpg,\(group)\n")

      XCTAssertEqual(status, 2, group)
      XCTAssertEqual(errors, "teachpad: manifest \(manifest) line 6: image x/a/1.jpg is "
                     + "listed again (first on line 2); list each image once\n")
    }
  }

  func testSplitRefusesALineWithoutItsFields() throws {
    let (manifest, status, errors) = try trainWithManifest(
      "path,subject_group\na/1.jpg,0\na/2.jpg\nb/3.jpg,0\nb/4.jpg,1\n")

    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: manifest \(manifest) line 3: 1 field, the header "
                   + "has 2; give every line all the columns\n")
  }

  /// One person cannot be both trained on and tested on.
  func testSplitRefusesAManifestWhosePartIsEmpty() throws {
    let (manifest, status, errors) = try trainWithManifest(
      "path,subject_group\na/1.jpg,7\na/2.jpg,7\nb/3.jpg,7\nb/4.jpg,7\n")

    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: manifest \(manifest): its 1 subject group gives 0 "
                   + "to the test part and 1 to the train part at --test-fraction 0.25; "
                   + "both need at least one (list more people or change --test-fraction)\n")
  }

  func testSplitNamesEveryPlaceItLookedForTheManifest() throws {
    let (data, arguments) = try folder(["a/1.jpg", "b/2.jpg"])

    let run = try runTeachpad(arguments + ["--split", "test"])

    XCTAssertEqual(run.status, 2)
    XCTAssertEqual(run.errors, "teachpad: no manifest of subject groups: looked for "
                   + "\(data)/manifest.csv and \(data)/../manifest.csv (give one with "
                   + "--manifest FILE)\n")
  }
}
