import Foundation
import TestSupport
import XCTest

/// `teachpad replay` as built: the data folder it makes for itself,
/// `/tmp/teachpad-replay-PID`, goes however the replay ends, except by
/// SIGKILL, whose leftover a later replay removes.
final class ReplayCommandTests: XCTestCase {
  private var scratch: ScratchFolder!
  private var session = ""

  override func setUpWithError() throws {
    scratch = try ScratchFolder("replay-command")
    session = scratch.path("steps.session")
    try "teachpad-session 1\nstep\n".write(toFile: session, atomically: true,
                                            encoding: .utf8)
  }

  override func tearDownWithError() throws {
    try scratch.remove()
  }

  /// Starts a replay of the one-step session; standard error goes to a
  /// pipe, standard output to `output`.
  private func startReplay(_ arguments: [String], output: Pipe = Pipe()) throws
    -> (process: Process, errors: Pipe) {
    let process = Process()
    process.executableURL = teachpadBinary
    process.arguments = ["replay", session, "--activations", "cache",
                         "--cache", scratch.path("cache"),
                         "--model", try SharedFolder.modelPath()] + arguments
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    return (process, errors)
  }

  private func dataFolder(of process: Process) -> String {
    "/tmp/teachpad-replay-\(process.processIdentifier)"
  }

  private func waitForEnd(_ process: Process, _ errors: Pipe) -> String {
    let text = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: text, as: UTF8.self)
  }

  func testSerialDeviceThatIsNotATerminalSaysWhatToUse() throws {
    let (process, errors) = try startReplay(["--serial", "/dev/null"])
    let message = waitForEnd(process, errors)

    XCTAssertEqual(process.terminationStatus, 2)
    XCTAssertEqual(message, "teachpad: option --serial: /dev/null is a device that is not "
                   + "a terminal; use --serial none to send the lines nowhere, or a file "
                   + "outside /dev to keep them\n")
  }

  func testRefusedReplayLeavesNoDataFolder() throws {
    for serial in [scratch.path("no-folder/x.log"), scratch.path, "/dev/null"] {
      let (process, errors) = try startReplay(["--serial", serial])
      let message = waitForEnd(process, errors)

      XCTAssertEqual(process.terminationStatus, 2, message)
      XCTAssertFalse(FileManager.default.fileExists(atPath: dataFolder(of: process)), serial)
    }
  }

  /// It also prints the summary of the frames played so far. A closed
  /// terminal (SIGHUP) and Ctrl-\\ (SIGQUIT) stop it as SIGTERM does.
  func testStopSignalEndsReplayAndRemovesItsDataFolder() throws {
    for signal in [SIGTERM, SIGHUP, SIGQUIT] {
      let output = Pipe()
      let (process, errors) = try startReplay(["--serial", "none", "--frames", "1000000"],
                                              output: output)
      let deadline = Date().addingTimeInterval(10)
      while !FileManager.default.fileExists(atPath: dataFolder(of: process)),
            process.isRunning, Date() < deadline {
        usleep(5_000)
      }
      kill(process.processIdentifier, signal)
      let message = waitForEnd(process, errors)

      XCTAssertEqual(process.terminationStatus, 128 + signal, message)
      XCTAssertTrue(message.hasPrefix("teachpad: replay stopped by signal \(signal) after "),
                    message)
      XCTAssertTrue(message.hasSuffix(" of 1000000 frames\n"), message)
      XCTAssertFalse(FileManager.default.fileExists(atPath: dataFolder(of: process)))
      let summary = String(decoding: output.fileHandleForReading.readDataToEndOfFile(),
                           as: UTF8.self)
      XCTAssertTrue(summary.contains("(1 step, 0 images, "), summary)
      let played = message.split(separator: " ")[7]
      XCTAssertTrue(summary.contains("\nframes: \(played)\n"), summary)
      XCTAssertTrue(summary.contains("\ndirection accuracy: none (no frame of the session "
                                     + "has a true direction)\n"), summary)
    }
  }

  /// --serial empties its file: one that holds anything but serial lines
  /// is refused and kept, and a named pipe without a reader is named so.
  func testSerialFileThatIsNoLogIsKept() throws {
    let notes = scratch.path("notes.txt")
    try "my notes\n".write(toFile: notes, atomically: true, encoding: .utf8)
    XCTAssertEqual(mkfifo(scratch.path("pipe"), 0o644), 0)

    var (process, errors) = try startReplay(["--serial", notes])
    var message = waitForEnd(process, errors)

    XCTAssertEqual(process.terminationStatus, 2)
    XCTAssertEqual(message, "teachpad: option --serial: \(notes) holds something other "
                   + "than teachpad's serial lines; name a new file or one an earlier "
                   + "replay wrote (it is emptied first)\n")
    XCTAssertEqual(try String(contentsOfFile: notes, encoding: .utf8), "my notes\n")
    // A log with a line of something else is kept too; a whole log is reused.
    let log = scratch.path("serial.log")
    (process, errors) = try startReplay(["--serial", log])
    XCTAssertEqual(waitForEnd(process, errors), "")
    XCTAssertEqual(process.terminationStatus, 0)
    let written = try String(contentsOfFile: log, encoding: .utf8)
    XCTAssertTrue(written.hasPrefix("$TP"), written)
    (process, errors) = try startReplay(["--serial", log])
    XCTAssertEqual(waitForEnd(process, errors), "")
    XCTAssertEqual(process.terminationStatus, 0)
    try (written + "my line\n").write(toFile: log, atomically: true, encoding: .utf8)
    (process, errors) = try startReplay(["--serial", log])
    XCTAssertEqual(waitForEnd(process, errors), "teachpad: option --serial: \(log) holds "
                   + "something other than teachpad's serial lines; name a new file or one "
                   + "an earlier replay wrote (it is emptied first)\n")
    XCTAssertEqual(try String(contentsOfFile: log, encoding: .utf8), written + "my line\n")
    (process, errors) = try startReplay(["--serial", scratch.path("pipe")])
    message = waitForEnd(process, errors)
    XCTAssertEqual(process.terminationStatus, 2)
    XCTAssertEqual(message, "teachpad: option --serial: cannot open \(scratch.path("pipe")): "
                   + "No such device or address (a named pipe with no reader: start its "
                   + "reader first)\n")
  }

  /// A FIFO would make the read wait for a writer, where no signal reaches:
  /// the session file and its images are refused first.
  func testSessionOrImageThatIsAPipeIsRefused() throws {
    XCTAssertEqual(mkfifo(scratch.path("pipe.jpg"), 0o644), 0)
    try "teachpad-session 1\nframe pipe.jpg\n".write(toFile: session, atomically: true,
                                                      encoding: .utf8)
    var (process, errors) = try startReplay(["--serial", "none"])
    var message = waitForEnd(process, errors)

    XCTAssertEqual(process.terminationStatus, 2)
    XCTAssertEqual(message, "teachpad: session \(session): image \(scratch.path)/pipe.jpg: "
                   + "it is a pipe (FIFO), not a regular file\n")
    try FileManager.default.removeItem(atPath: session)
    XCTAssertEqual(mkfifo(session, 0o644), 0)
    (process, errors) = try startReplay(["--serial", "none"])
    message = waitForEnd(process, errors)
    XCTAssertEqual(process.terminationStatus, 2)
    XCTAssertEqual(message, "teachpad: cannot read session \(session): it is a pipe "
                   + "(FIFO), not a regular file\n")
  }

  /// `teachpad replay ... | head -1`: the reader goes, the replay ends.
  func testClosedStandardOutputEndsReplayAndRemovesItsDataFolder() throws {
    let output = Pipe()
    try output.fileHandleForReading.close()
    let (process, errors) = try startReplay(["--frames", "1000000"], output: output)
    try output.fileHandleForWriting.close()
    let message = waitForEnd(process, errors)

    XCTAssertEqual(process.terminationStatus, 128 + SIGPIPE, message)
    XCTAssertEqual(message, "")
    XCTAssertFalse(FileManager.default.fileExists(atPath: dataFolder(of: process)))
  }

  func testLeftoverFolderOfAnEndedProcessGoesAndALiveOnesStays() throws {
    let leftover = "/tmp/teachpad-replay-\(try endedProcessID())"
    let live = "/tmp/teachpad-replay-\(getpid())-7"
    for folder in [leftover, live] {
      try FileManager.default.createDirectory(atPath: folder,
                                              withIntermediateDirectories: true)
      try Data([1]).write(to: URL(fileURLWithPath: folder + "/head.tphd"))
    }
    defer { try? FileManager.default.removeItem(atPath: live) }

    let (process, errors) = try startReplay(["--serial", "none"])
    let message = waitForEnd(process, errors)

    XCTAssertEqual(process.terminationStatus, 0, message)
    XCTAssertFalse(FileManager.default.fileExists(atPath: leftover))
    XCTAssertTrue(FileManager.default.fileExists(atPath: live + "/head.tphd"))
  }
}
