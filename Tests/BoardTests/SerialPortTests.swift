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
    }
  }

  func testOpeningAFileThatIsNoTerminalIsRefused() {
    XCTAssertThrowsError(try SerialPort(path: "/dev/null", baud: 115_200)) {
      XCTAssertEqual(($0 as? DeviceError)?.message,
                     "serial port /dev/null: not a terminal device")
    }
  }

  func testNonStandardBaudIsRefused() throws {
    let peer = try PseudoTerminal()
    XCTAssertThrowsError(try SerialPort(path: peer.slavePath, baud: 12_345)) {
      XCTAssertEqual(($0 as? DeviceError)?.message,
                     "serial port \(peer.slavePath): unsupported baud 12345 "
                     + "(use a standard rate such as 9600, 57600 or 115200)")
    }
  }
}
