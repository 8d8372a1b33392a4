import CShims
import Foundation
import Support
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
