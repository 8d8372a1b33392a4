import CShims
import Foundation
import Support
import TestSupport
import XCTest

/// Crash-safe replacement: its temporary file is its own (never a file or
/// link someone left at a fixed name), leaves nothing behind, and a stop
/// signal during it waits until the file is in place.
final class FileBytesTests: XCTestCase {
  private func scratchFolder() -> String {
    let folder = NSTemporaryDirectory() + "filebytes-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
  }

  private func write(_ text: String, to path: String) throws {
    let bytes = Array(text.utf8)
    let failure = bytes.withUnsafeBytes { raw -> SystemError? in
      do throws(SystemError) {
        try FileBytes.writeAtomically(path: path, bytes: raw)
        return nil
      } catch {
        return error
      }
    }
    if let failure { throw failure }
  }

  func testFilesAndLinksAtTemporaryNamesAreLeftAlone() throws {
    let folder = scratchFolder()
    let target = folder + "/x.head"
    let precious = folder + "/precious.txt"
    try "keep me".write(toFile: precious, atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: target + ".tmp",
                                               withDestinationPath: precious)
    // Names this process could pick next: each is skipped, none is taken.
    let taken = (1...40).map { target + ".tmp.\(getpid()).\($0)" }
    for name in taken { try "also mine".write(toFile: name, atomically: false, encoding: .utf8) }

    try write("new head", to: target)

    XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "new head")
    XCTAssertEqual(try String(contentsOfFile: precious, encoding: .utf8), "keep me")
    for name in taken {
      XCTAssertEqual(try String(contentsOfFile: name, encoding: .utf8), "also mine")
    }
    let names = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
    XCTAssertEqual(names, Set(["precious.txt", "x.head", "x.head.tmp"]
      + taken.map { String($0.split(separator: "/").last!) }))
  }

  func testRepeatedWritesLeaveOnlyTheFile() throws {
    let folder = scratchFolder()
    for round in 0..<20 { try write("round \(round)", to: folder + "/f") }
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["f"])
    XCTAssertEqual(try String(contentsOfFile: folder + "/f", encoding: .utf8), "round 19")
  }

  /// What the logger writes while `body` runs.
  private func logLines(_ body: () throws -> Void) throws -> String {
    let logPath = scratchFolder() + "/log"
    let descriptor = open(logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    XCTAssertGreaterThanOrEqual(descriptor, 0)
    LogSettings.outputDescriptor = descriptor
    defer {
      LogSettings.outputDescriptor = 2
      close(descriptor)
    }
    try body()
    return try String(contentsOfFile: logPath, encoding: .utf8)
  }

  /// What a SIGKILL or power cut during a save left (NAME.tmp.PID.N of a
  /// process that has ended) goes at the next save of NAME, with a line
  /// in the log; the files of a live process, of another NAME, of another
  /// kind, and names that only look alike stay.
  func testASaveRemovesTemporaryFilesOfEndedProcessesOnly() throws {
    let folder = scratchFolder()
    let target = folder + "/x.head"
    let ended = try endedProcessID()
    let signalled = kill(ended, 0)
    let code = errno
    XCTAssertEqual(signalled, -1)
    XCTAssertEqual(code, ESRCH, "process \(ended) runs again")
    let stale = [target + ".tmp.\(ended).3", target + ".tmp.\(ended).0"]
    let kept = [
      target + ".tmp.\(getpid()).7",  // this live process's
      target + ".tmp.1.2",  // init's: always live
      folder + "/y.head.tmp.\(ended).3",  // another NAME
      folder + "/xx.head.tmp.\(ended).3",
      target + ".tmp.\(ended)",
      target + ".tmp.\(ended).3.bak",
      target + ".tmp.\(ended).",
      target + ".tmp..3",
      target + ".tmp.0\(ended).3",  // leading zeros
      target + ".tmp.\(ended).03",
      target + ".tmp.+\(ended).3",
      target + ".tmp.\(ended).x",
      target + ".tmp.0.3",  // no process 0: kill would ask the group
      target + ".tmp.4294967297.3",  // past pid_t: kill would see 1
    ]
    for name in stale + kept {
      try "left".write(toFile: name, atomically: false, encoding: .utf8)
    }
    let folderNamedLikeOne = target + ".tmp.\(ended).9"
    try FileManager.default.createDirectory(atPath: folderNamedLikeOne,
                                            withIntermediateDirectories: false)

    let log = try logLines { try write("new head", to: target) }

    XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "new head")
    for name in stale { XCTAssertFalse(FileManager.default.fileExists(atPath: name), name) }
    for name in kept {
      XCTAssertEqual(try String(contentsOfFile: name, encoding: .utf8), "left", name)
    }
    XCTAssertTrue(FileManager.default.fileExists(atPath: folderNamedLikeOne))
    XCTAssertEqual(log, """
      files: removed \(stale[1]), an unfinished save of process \(ended), which has ended
      files: removed \(stale[0]), an unfinished save of process \(ended), which has ended

      """)
  }

  /// With nothing left over, a save says nothing.
  func testASaveWithNothingLeftOverLogsNothing() throws {
    let folder = scratchFolder()
    let log = try logLines {
      try write("one", to: folder + "/f")
      try write("two", to: folder + "/f")
    }
    XCTAssertEqual(log, "")
  }

  /// SIGTERM while stop signals are held reaches the process's own handler
  /// only when they are released.
  func testStopSignalsWaitUntilReleased() {
    Self.received = []
    let handler: @convention(c) (Int32) -> Void = { number in
      FileBytesTests.received.append(number)
    }
    let previous = signal(SIGTERM, handler)
    defer { signal(SIGTERM, previous) }

    shim_hold_stop_signals()
    shim_hold_stop_signals()
    raise(SIGTERM)
    XCTAssertEqual(Self.received, [], "delivered while held")
    shim_release_stop_signals()
    XCTAssertEqual(Self.received, [], "the inner release let it go")
    shim_release_stop_signals()
    XCTAssertEqual(Self.received, [SIGTERM])
  }

  /// Two different signals while held both arrive on release; an ignored
  /// one stays ignored throughout.
  func testEverySignalHeldArrivesAndIgnoredOnesStayIgnored() {
    Self.received = []
    let handler: @convention(c) (Int32) -> Void = { number in
      FileBytesTests.received.append(number)
    }
    let previousInterrupt = signal(SIGINT, handler)
    let previousTerminate = signal(SIGTERM, handler)
    let previousHangUp = signal(SIGHUP, SIG_IGN)
    defer {
      signal(SIGINT, previousInterrupt)
      signal(SIGTERM, previousTerminate)
      signal(SIGHUP, previousHangUp)
    }

    shim_hold_stop_signals()
    var current = sigaction()
    sigaction(SIGHUP, nil, &current)
    XCTAssertEqual(unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self),
                   unsafeBitCast(SIG_IGN, to: Int.self), "SIGHUP no longer ignored")
    raise(SIGTERM)
    raise(SIGINT)
    raise(SIGHUP)
    shim_release_stop_signals()
    XCTAssertEqual(Self.received, [SIGINT, SIGTERM])
  }

  nonisolated(unsafe) static var received: [Int32] = []
}
