import CShims
import Foundation
import XCTest

/// The master side of a pseudo-terminal pair, standing in for the device
/// at the other end of a serial cable. Its slave path is what the code
/// under test opens as a serial port.
final class PseudoTerminal {
  private(set) var master: Int32
  let slavePath: String

  init(file: StaticString = #filePath, line: UInt = #line) throws {
    var descriptor: Int32 = -1
    var path = [CChar](repeating: 0, count: 128)
    let status = shim_pty_open(&descriptor, &path, path.count)
    guard status == 0 else {
      XCTFail("posix_openpt failed: errno \(status)", file: file, line: line)
      throw XCTSkip("no pseudo-terminals")
    }
    XCTAssertEqual(shim_pty_make_raw(descriptor), 0, file: file, line: line)
    master = descriptor
    slavePath = String(cString: path)
  }

  deinit {
    hangUp()
  }

  /// Closes the master: the slave sees a hang-up, like an unplugged cable.
  func hangUp() {
    if master >= 0 { close(master) }
    master = -1
  }

  /// Writes all bytes, waiting while the slave's input buffer is full.
  func write(_ bytes: [UInt8]) {
    var sent = 0
    while sent < bytes.count {
      let written = bytes[sent...].withUnsafeBytes {
        Foundation.write(master, $0.baseAddress, $0.count)
      }
      if written > 0 {
        sent += written
      } else {
        usleep(1000)
      }
    }
  }

  /// Reads what has arrived within `milliseconds` of quiet.
  func read(quietMilliseconds: Int32 = 100) -> [UInt8] {
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      var entry = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
      guard poll(&entry, 1, quietMilliseconds) > 0 else { return received }
      let got = chunk.withUnsafeMutableBytes {
        Foundation.read(master, $0.baseAddress, $0.count)
      }
      guard got > 0 else { return received }
      received += chunk[0..<got]
    }
  }

  /// Reads until `count` bytes arrived or `milliseconds` passed.
  func read(count: Int, withinMilliseconds milliseconds: Int) -> [UInt8] {
    var received: [UInt8] = []
    let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
    while received.count < count && Date() < deadline {
      received += read(quietMilliseconds: 20)
    }
    return received
  }
}

/// The lines in received bytes, without their newlines.
func splitLines(_ bytes: [UInt8]) -> [String] {
  bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    .dropLast().map { String(decoding: $0, as: UTF8.self) }
}
