import Foundation
import TestSupport
import XCTest

/// `teachpad check-board` as a person wiring a board meets it: one line per
/// device on standard output and the exit status. The working devices are
/// covered in the virtual board; here the devices are missing, except a
/// pseudo-terminal standing in for the serial port.
final class CheckBoardCommandTests: XCTestCase {
  private var configurationPath = ""

  override func tearDown() {
    try? FileManager.default.removeItem(atPath: configurationPath)
  }

  private func run(_ arguments: [String]) throws -> TeachpadRun {
    try runTeachpad(arguments)
  }

  private func configuration(serial: String) throws -> String {
    configurationPath = NSTemporaryDirectory()
      + "check-board-\(UUID().uuidString).conf"
    try """
      camera.device = /dev/teachpad-no-camera
      gpio.chip = teachpad-no-chip
      serial.device = \(serial)

      """.write(toFile: configurationPath, atomically: true, encoding: .utf8)
    return configurationPath
  }

  func testEachMissingDeviceIsNamedWithItsReasonAndTheStatusIs1() throws {
    let path = try configuration(serial: "/dev/teachpad-no-tty")

    let result = try run(["check-board", "--config", path, "--seconds", "0"])

    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(result.output, """
      camera: FAILED: camera /dev/teachpad-no-camera: cannot open (No such file \
      or directory); is it plugged in?
      serial: FAILED: serial port /dev/teachpad-no-tty: cannot open (No such \
      file or directory); is the adapter plugged in and the UART enabled?
      buttons and LEDs: FAILED: gpio chip 'teachpad-no-chip': not found (No \
      such file or directory); check gpio.chip in the configuration or run \
      gpiodetect
      check-board: 3 of 3 checks failed

      """)
  }

  func testSerialCheckSendsItsTestLineToThePeer() throws {
    let peer = try PseudoTerminal()
    let path = try configuration(serial: peer.slavePath)

    let result = try run(["check-board", "--config", path, "--seconds", "0"])
    let received = peer.read(count: 34, withinMilliseconds: 2000)

    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.output.contains(
      "\nserial \(peer.slavePath): sent a test line at 115200 baud, 8N1\n"),
      result.output)
    XCTAssertEqual(String(decoding: received, as: UTF8.self),
                   "teachpad check-board: serial test\n")
  }

  func testUnknownOptionExitsWithStatus2() throws {
    let result = try run(["check-board", "--camera", "/dev/video0"])

    XCTAssertEqual(result.status, 2)
    XCTAssertEqual(result.errors, "teachpad: unknown option --camera\n")
    XCTAssertEqual(result.output, "")
  }
}
