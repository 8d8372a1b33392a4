import Inference
import XCTest

/// Centre-square crop and bilinear resize into the input tensor.
final class PreprocessTests: XCTestCase {
  var engine: Engine!

  override func setUpWithError() throws {
    engine = try Engine(modelBytes: try SharedFiles.model(),
                        outputTensorName: Engine.defaultCutTensorName,
                        threadCount: 1)
  }

  func fill(width: Int, height: Int, bytesPerRow: Int,
            _ pixel: (Int, Int, Int) -> UInt8) -> [UInt8] {
    var frame = [UInt8](repeating: 0xEE, count: bytesPerRow * height)
    for y in 0..<height {
      for x in 0..<width {
        for channel in 0..<3 {
          frame[y * bytesPerRow + x * 3 + channel] = pixel(x, y, channel)
        }
      }
    }
    return frame
  }

  func testUniformFrameStaysUniform() {
    let frame = fill(width: 640, height: 480, bytesPerRow: 640 * 3) { _, _, c in
      [10, 200, 77][c]
    }
    frame.withUnsafeBufferPointer {
      engine.setInput(rgb: $0, width: 640, height: 480, bytesPerRow: 640 * 3)
    }
    for pixel in 0..<(224 * 224) {
      XCTAssertEqual(engine.input[pixel * 3], 10)
      XCTAssertEqual(engine.input[pixel * 3 + 1], 200)
      XCTAssertEqual(engine.input[pixel * 3 + 2], 77)
    }
  }

  func testSameSizeSquareIsCopiedExactly() {
    let frame = fill(width: 224, height: 224, bytesPerRow: 224 * 3) { x, y, c in
      UInt8(truncatingIfNeeded: x * 3 + y * 7 + c)
    }
    frame.withUnsafeBufferPointer {
      engine.setInput(rgb: $0, width: 224, height: 224, bytesPerRow: 224 * 3)
    }
    XCTAssertEqual(Array(engine.input), frame)
  }

  func testWideFrameKeepsOnlyTheCentreSquareAndHonoursRowStride() {
    // 300x100 with padding bytes at the end of each row: the left and
    // right 100 columns are red, the centre square is green.
    let stride = 300 * 3 + 16
    let frame = fill(width: 300, height: 100, bytesPerRow: stride) { x, _, c in
      let centre = x >= 100 && x < 200
      return c == (centre ? 1 : 0) ? 255 : 0
    }
    frame.withUnsafeBufferPointer {
      engine.setInput(rgb: $0, width: 300, height: 100, bytesPerRow: stride)
    }
    for pixel in 0..<(224 * 224) {
      XCTAssertEqual(engine.input[pixel * 3], 0)
      XCTAssertEqual(engine.input[pixel * 3 + 1], 255)
    }
  }

  func testUpscaleInterpolatesBetweenTwoPixels() {
    // A 2x2 frame: left column 0, right column 200. Output column x maps
    // to source (x + 0.5) · 2/224 − 0.5, so weights run 0 → 256 across.
    let frame = fill(width: 2, height: 2, bytesPerRow: 6) { x, _, _ in
      x == 0 ? 0 : 200
    }
    frame.withUnsafeBufferPointer {
      engine.setInput(rgb: $0, width: 2, height: 2, bytesPerRow: 6)
    }
    let row = (0..<224).map { engine.input[$0 * 3] }
    XCTAssertEqual(row[0], 0)        // clamped to the first pixel
    XCTAssertEqual(row[223], 200)    // clamped to the last
    // Column 111: source 0.4955 in 16.16 fixed point is 32475/65536; its
    // 8-bit weight is 126, and (200 · 126 · 256 + 2^15) >> 16 = 98.
    XCTAssertEqual(row[111], 98)
    XCTAssertEqual(row, row.sorted())
  }
}
