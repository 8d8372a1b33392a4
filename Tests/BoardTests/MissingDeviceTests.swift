import Board
import Foundation
import XCTest

/// The real camera and GPIO code facing devices that are not there. The
/// kernel-device cases (vivid, gpio-sim) run in the virtual board.
final class MissingDeviceTests: XCTestCase {
  func testMissingCameraIsUnavailableWithinTheTimeoutAndSaysWhy() {
    let camera = V4L2Camera(settings: CameraSettings(
      path: "/dev/teachpad-no-such-video"))

    let start = Date()
    let reading = camera.nextFrame(timeoutMilliseconds: 120)
    let seconds = Date().timeIntervalSince(start)

    guard case .unavailable = reading else {
      return XCTFail("expected .unavailable, got \(reading)")
    }
    XCTAssertGreaterThanOrEqual(seconds, 0.1)
    XCTAssertLessThan(seconds, 0.6)
    XCTAssertFalse(camera.isStreaming)
    XCTAssertEqual(camera.problem,
                   "camera /dev/teachpad-no-such-video: cannot open "
                   + "(No such file or directory); is it plugged in?")
  }

  func testFileThatIsNoCameraIsRefused() {
    let camera = V4L2Camera(settings: CameraSettings(path: "/dev/null"))

    XCTAssertFalse(camera.isStreaming)
    XCTAssertEqual(camera.problem,
                   "camera /dev/null: not a video capture device with "
                   + "streaming (Inappropriate ioctl for device)")
  }

  func testZeroTimeoutNeverWaits() {
    let camera = V4L2Camera(settings: CameraSettings(
      path: "/dev/teachpad-no-such-video"))

    let start = Date()
    for _ in 0..<100 { _ = camera.nextFrame(timeoutMilliseconds: 0) }

    XCTAssertLessThan(Date().timeIntervalSince(start), 0.2)
  }

  func testMissingGPIOChipNamesTheChip() {
    XCTAssertThrowsError(try GPIOButtons(settings: ButtonSettings(
      chip: "teachpad-no-such-chip"))) { error in
      guard case .chipNotFound(let chip, _)? = error as? GPIOError else {
        return XCTFail("expected chipNotFound, got \(error)")
      }
      XCTAssertEqual(chip, "teachpad-no-such-chip")
    }
  }

  func testBusyLineMessageNamesChipPinAndConsumer() {
    let error = GPIOError.lineBusy(chip: "gpiochip0", pin: 26,
                                   consumer: "gpio-keys")

    XCTAssertEqual(error.message,
                   "gpio chip 'gpiochip0' pin 26: busy, held by 'gpio-keys'; "
                   + "stop that program or choose another pin")
  }
}
