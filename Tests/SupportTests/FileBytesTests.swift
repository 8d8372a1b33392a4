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

  func testFilesAndLinksAtTheOldTemporaryNameAreLeftAlone() throws {
    let folder = scratchFolder()
    let target = folder + "/x.head"
    let precious = folder + "/precious.txt"
    try "keep me".write(toFile: precious, atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: target + ".tmp",
                                               withDestinationPath: precious)
    try "also mine".write(toFile: target + ".tmp.\(getpid()).1", atomically: false,
                          encoding: .utf8)

    try write("new head", to: target)

    XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "new head")
    XCTAssertEqual(try String(contentsOfFile: precious, encoding: .utf8), "keep me")
    XCTAssertEqual(try String(contentsOfFile: target + ".tmp.\(getpid()).1",
                              encoding: .utf8), "also mine")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    XCTAssertEqual(names, ["precious.txt", "x.head", "x.head.tmp",
                           "x.head.tmp.\(getpid()).1"])
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
    Self.received = 0
    let handler: @convention(c) (Int32) -> Void = { number in
      FileBytesTests.received = number
    }
    let previous = signal(SIGTERM, handler)
    defer { signal(SIGTERM, previous) }

    shim_hold_stop_signals()
    shim_hold_stop_signals()
    raise(SIGTERM)
    XCTAssertEqual(Self.received, 0, "delivered while held")
    shim_release_stop_signals()
    XCTAssertEqual(Self.received, 0, "the inner release let it go")
    shim_release_stop_signals()
    XCTAssertEqual(Self.received, SIGTERM)
  }

  nonisolated(unsafe) static var received: Int32 = 0
}
