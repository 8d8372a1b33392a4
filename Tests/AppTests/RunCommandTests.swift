import Foundation
import TestSupport
import XCTest

/// `teachpad run` as a user meets it: message on standard error and exit
/// status, for the mistakes that stop it before any device opens.
final class RunCommandTests: XCTestCase {
  private var scratch: URL!

  override func setUpWithError() throws {
    scratch = FileManager.default.temporaryDirectory
      .appendingPathComponent("run-command-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try FileManager.default.removeItem(at: scratch)
  }

  private func run(_ arguments: [String]) throws -> (status: Int32, standardError: String) {
    let run = try runTeachpad(arguments)
    return (run.status, run.errors)
  }

  private func configuration(_ text: String) throws -> String {
    let path = scratch.appendingPathComponent("teachpad.conf").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  func testBadValueExitsWithStatus2AndNamesIt() throws {
    let path = try configuration("# mine\nbutton.up = 40\n")

    let result = try run(["run", "--config", path])

    XCTAssertEqual(result.status, 2)
    XCTAssertEqual(result.standardError, "teachpad: \(path) line 2: button.up = 40: "
      + "expected a BCM pin number from 0 to 27\n")
  }

  func testUnknownKeyExitsWithStatus2() throws {
    let path = try configuration("serial.speed = 9600\n")

    let result = try run(["run", "--config", path])

    XCTAssertEqual(result.status, 2)
    XCTAssertEqual(result.standardError, "teachpad: \(path) line 1: unknown key "
      + "'serial.speed' (set to '9600'); the serial keys are: serial.device, "
      + "serial.baud, serial.direction_repeat_ms\n")
  }

  func testMissingConfigurationFileExitsWithStatus2() throws {
    let path = scratch.appendingPathComponent("absent.conf").path

    let result = try run(["run", "--config", path])

    XCTAssertEqual(result.status, 2)
    XCTAssertEqual(result.standardError, "teachpad: configuration \(path): cannot read "
      + "it: No such file or directory (board/install.sh installs "
      + "/etc/teachpad/teachpad.conf; board/teachpad.conf in the repository lists "
      + "every key with its default)\n")
  }

  func testUnknownOptionExitsWithStatus2() throws {
    let result = try run(["run", "--confg", "x"])

    XCTAssertEqual(result.status, 2)
    XCTAssertEqual(result.standardError, "teachpad: unknown option --confg\n")
  }

  func testUnusableGPIOChipExitsWithStatus1() throws {
    let path = try configuration("model.path = \(try SharedFolder.modelPath())\n"
      + "gpio.chip = /nonexistent/gpiochip9\nlog.level = warning\n")

    let result = try run(["run", "--config", path])

    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.standardError.hasPrefix(
      "teachpad: gpio chip '/nonexistent/gpiochip9': "), result.standardError)
  }

  func testMissingModelIsReportedBeforeAnyGPIOLineIsClaimed() throws {
    let model = scratch.appendingPathComponent("absent.tflite").path
    let path = try configuration("model.path = \(model)\n"
      + "gpio.chip = /nonexistent/gpiochip9\nlog.level = warning\n")

    let result = try run(["run", "--config", path])

    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(result.standardError, "teachpad: model \(model): No such file or directory (set model.path in the configuration or "
      + "TEACHPAD_MODEL, or fetch it with board/fetch-model.sh)\n")
  }

  /// The lookup's own errno would say a path to a file is not there.
  func testGPIOChipThatIsARegularFileIsNamedSo() throws {
    let chip = scratch.appendingPathComponent("chip").path
    try "not a chip".write(toFile: chip, atomically: false, encoding: .utf8)
    let path = try configuration("model.path = \(try SharedFolder.modelPath())\n"
      + "gpio.chip = \(chip)\nlog.level = warning\n")

    let result = try run(["run", "--config", path])

    XCTAssertEqual(result.status, 1)
    XCTAssertEqual(result.standardError, "teachpad: gpio chip '\(chip)': not found (it is a "
      + "regular file, not a GPIO chip device); check gpio.chip in the configuration or "
      + "run gpiodetect\n")
  }

  /// No waiting mends a file where a device or the data folder belongs.
  func testPathsOfTheWrongKindAreUsageMistakes() throws {
    let file = scratch.appendingPathComponent("plain").path
    try "x".write(toFile: file, atomically: false, encoding: .utf8)
    for (key, kind) in [("camera.device", "device (name the device node, such as "
                          + "/dev/video0 or /dev/ttyUSB0)"),
                        ("serial.device", "device (name the device node, such as "
                          + "/dev/video0 or /dev/ttyUSB0)"),
                        ("data.directory", "folder")] {
      let path = try configuration("\(key) = \(file)\n")

      let result = try run(["run", "--config", path])

      XCTAssertEqual(result.status, 2, key)
      XCTAssertEqual(result.standardError, "teachpad: \(path): \(key) = \(file): it is a "
        + "regular file, not a \(kind)\n")
    }
  }
}
