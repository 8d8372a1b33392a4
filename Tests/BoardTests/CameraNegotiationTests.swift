import Board
import XCTest

final class CameraNegotiationTests: XCTestCase {
  private func nearest(_ options: [FrameSizeOption]) -> [Int]? {
    CameraNegotiation.nearestSize(width: 640, height: 480, among: options)
      .map { [$0.width, $0.height] }
  }

  func testExactSizeWins() {
    XCTAssertEqual(nearest([.discrete(width: 320, height: 240),
                            .discrete(width: 640, height: 480),
                            .discrete(width: 1280, height: 720)]), [640, 480])
  }

  func testClosestPixelCountWinsWhenTheWantedSizeIsMissing() {
    XCTAssertEqual(nearest([.discrete(width: 320, height: 240),
                            .discrete(width: 1280, height: 720),
                            .discrete(width: 640, height: 360)]), [640, 360])
  }

  func testTieGoesToTheLargerSize() {
    // 480x500 and 720x520 are both 67,200 pixels from 640x480.
    XCTAssertEqual(nearest([.discrete(width: 480, height: 500),
                            .discrete(width: 720, height: 520)]), [720, 520])
    XCTAssertEqual(nearest([.discrete(width: 720, height: 520),
                            .discrete(width: 480, height: 500)]), [720, 520])
  }

  func testStepwiseRangeOffersTheWantedSizeRoundedToItsSteps() {
    XCTAssertEqual(nearest([.range(minimumWidth: 48, maximumWidth: 1920,
                                   widthStep: 32, minimumHeight: 32,
                                   maximumHeight: 1080, heightStep: 64)]),
                   [656, 480])
  }

  func testContinuousRangeSmallerThanWantedGivesItsLargestSize() {
    XCTAssertEqual(nearest([.range(minimumWidth: 100, maximumWidth: 300,
                                   widthStep: 1, minimumHeight: 80,
                                   maximumHeight: 200, heightStep: 1)]),
                   [300, 200])
  }

  func testNoOfferedSizeGivesNil() {
    XCTAssertNil(nearest([]))
  }

  func testAcceptedFormatUsesTheDriversRowLength() throws {
    let format = try CameraNegotiation.accept(
      width: 640, height: 360, pixelFormat: CameraNegotiation.rgb24,
      bytesPerRow: 2048, imageBytes: 2048 * 360,
      sourcePixelFormat: CameraNegotiation.fourCharacterCode("MJPG"),
      path: "/dev/video0")

    XCTAssertEqual(format, CameraFormat(width: 640, height: 360,
                                        bytesPerRow: 2048,
                                        sourceFormat: "MJPG"))
    XCTAssertEqual(format.frameBytes, 2048 * 359 + 1920)
  }

  func testMissingRowLengthMeansTightRows() throws {
    let format = try CameraNegotiation.accept(
      width: 320, height: 180, pixelFormat: CameraNegotiation.rgb24,
      bytesPerRow: 0, imageBytes: 0,
      sourcePixelFormat: CameraNegotiation.fourCharacterCode("YUYV"),
      path: "/dev/video0")

    XCTAssertEqual(format.bytesPerRow, 960)
  }

  func testFormatOtherThanRGB24IsRefusedWithBothFormatsNamed() {
    XCTAssertThrowsError(try CameraNegotiation.accept(
      width: 640, height: 480,
      pixelFormat: CameraNegotiation.fourCharacterCode("H264"),
      bytesPerRow: 0, imageBytes: 0,
      sourcePixelFormat: CameraNegotiation.fourCharacterCode("H264"),
      path: "/dev/video2")) {
      XCTAssertEqual(($0 as? DeviceError)?.message,
                     "camera /dev/video2: cannot deliver RGB24 (it sends H264 "
                     + "and libv4l2 returned H264); use a camera that sends "
                     + "YUYV or MJPEG")
    }
  }

  func testRowsShorterThanThePixelsAreRefused() {
    XCTAssertThrowsError(try CameraNegotiation.accept(
      width: 640, height: 480, pixelFormat: CameraNegotiation.rgb24,
      bytesPerRow: 1280, imageBytes: 0,
      sourcePixelFormat: CameraNegotiation.rgb24, path: "/dev/video0")) {
      XCTAssertEqual(($0 as? DeviceError)?.message,
                     "camera /dev/video0: driver returned 1280 bytes per row, "
                     + "fewer than 1920 for 640 RGB24 pixels")
    }
  }

  func testImageSmallerThanTheGeometryIsRefused() {
    XCTAssertThrowsError(try CameraNegotiation.accept(
      width: 4, height: 2, pixelFormat: CameraNegotiation.rgb24,
      bytesPerRow: 12, imageBytes: 20,
      sourcePixelFormat: CameraNegotiation.rgb24, path: "/dev/video0")) {
      XCTAssertEqual(($0 as? DeviceError)?.message,
                     "camera /dev/video0: driver returned a 20-byte image, "
                     + "fewer than 24 for 4x2")
    }
  }

  func testFourCharacterCodesMatchTheKernelsByteOrder() {
    XCTAssertEqual(CameraNegotiation.rgb24, 0x3342_4752)
    XCTAssertEqual(CameraNegotiation.fourCharacterName(0x5659_5559), "YUYV")
    XCTAssertEqual(CameraNegotiation.fourCharacterName(0x0000_4142), "BA??")
  }
}
