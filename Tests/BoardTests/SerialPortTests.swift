import Board
import CShims
import Foundation
import XCTest

final class SerialPortTests: XCTestCase {
  func testAllByteValuesPassUnchangedFromPortToPeer() throws {
    let peer = try PseudoTerminal()
    let port = try SerialPort(path: peer.slavePath, baud: 115_200)
    let allBytes = (0...255).map { UInt8($0) }

    let written = try allBytes.withUnsafeBytes { try port.write($0) }
    let received = peer.read(count: 256, withinMilliseconds: 2000)

    XCTAssertEqual(written, 256)
    XCTAssertEqual(received, allBytes)
  }

  func testAllByteValuesPassUnchangedFromPeerToPort() throws {
    let peer = try PseudoTerminal()
    let port = try SerialPort(path: peer.slavePath, baud: 115_200)
    let allBytes = (0...255).map { UInt8($0) }

    peer.write(allBytes)
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 512)
    let deadline = Date().addingTimeInterval(2)
    while received.count < 256 && Date() < deadline {
      _ = port.waitReadable(timeoutMilliseconds: 50)
      let got = try chunk.withUnsafeMutableBytes { try port.read(into: $0) }
      received += chunk[0..<got]
    }

    XCTAssertEqual(received, allBytes)
  }

  func testOpeningAMissingPortNamesItAndTheReason() {
    XCTAssertThrowsError(
      try SerialPort(path: "/dev/teachpad-no-such-tty", baud: 115_200)
    ) { error in
      XCTAssertEqual((error as? DeviceError)?.message,
                     "serial port /dev/teachpad-no-such-tty: cannot open "
                     + "(No such file or directory); is the adapter plugged "
                     + "in and the UART enabled?")
      XCTAssertEqual((error as? DeviceError)?.retryCanFix, true)
    }
  }

  /// Opening `path` fails with `message`, and no retry can mend it.
  private func assertRefusedForGood(_ path: String, _ message: String,
                                    file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try SerialPort(path: path, baud: 115_200),
                         file: file, line: line) {
      XCTAssertEqual($0 as? DeviceError, DeviceError(message, retryCanFix: false),
                     file: file, line: line)
    }
  }

  func testOpeningAFileThatIsNoTerminalIsRefusedForGood() {
    assertRefusedForGood("/dev/null", "serial port /dev/null: not a terminal device "
                         + "(name a serial port such as /dev/ttyUSB0, or a pty)")
  }

  func testOpeningAFolderIsRefusedForGood() {
    assertRefusedForGood("/tmp", "serial port /tmp: a folder, not a terminal device "
                         + "(name a serial port such as /dev/ttyUSB0, or a pty)")
  }

  func testNonStandardBaudIsRefused() throws {
    let peer = try PseudoTerminal()
    XCTAssertThrowsError(try SerialPort(path: peer.slavePath, baud: 12_345)) {
      XCTAssertEqual(($0 as? DeviceError)?.message,
                     "serial port \(peer.slavePath): unsupported baud 12345 "
                     + "(use a standard rate such as 9600, 57600 or 115200)")
      XCTAssertEqual(($0 as? DeviceError)?.retryCanFix, false)
    }
  }
}
