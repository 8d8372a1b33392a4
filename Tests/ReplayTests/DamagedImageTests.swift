import Foundation
import TestSupport
import XCTest

/// Image files that are not whole pictures are refused by name, before any
/// pixel memory is taken, instead of being decoded to a half-grey picture
/// or allocating what a forged header claims.
final class DamagedImageTests: XCTestCase {
  private var scratch: ScratchFolder!
  override func setUpWithError() throws {
    scratch = try ScratchFolder("damaged-image")
  }

  override func tearDownWithError() throws {
    try scratch.remove()
  }

  private func sharedFile(_ relative: String) throws -> String {
    try SharedFolder.path(relative)
  }

  /// `teachpad infer` on `image`: exit status and standard error without
  /// the engine's log lines.
  private func infer(_ image: String) throws -> (Int32, String) {
    let run = try runTeachpad([
      "infer", "--model", try sharedFile("models/mobilenet_v1_0.25_224_quant.tflite"),
      "--input", image, "--out", scratch.path + "/out.bin",
    ])
    let text = run.errors.split(separator: "\n")
      .filter { !$0.hasPrefix("inference:") }.joined(separator: "\n")
    return (run.status, text)
  }

  private func photo() throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: try sharedFile(
      "data/sign-language-digits/images/3/IMG_4959.JPG")))
  }

  func testWholePhotoIsRead() throws {
    let path = scratch.path + "/whole.jpg"
    try photo().write(to: URL(fileURLWithPath: path))
    let (status, errors) = try infer(path)
    XCTAssertEqual(status, 0, errors)
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/out.bin")).count,
                   12_544)
  }

  func testJpegCutShortIsRefused() throws {
    let path = scratch.path + "/cut.jpg"
    let whole = try photo()
    XCTAssertEqual(whole.count, 9_535)
    try whole.prefix(8_000).write(to: URL(fileURLWithPath: path))
    let (status, errors) = try infer(path)
    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: image \(path): damaged or truncated JPEG: "
                   + "Premature end of JPEG file")
    XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path + "/out.bin"))
  }

  func testJpegCutBeforeItsSizeIsRefused() throws {
    let path = scratch.path + "/header.jpg"
    try photo().prefix(3_000).write(to: URL(fileURLWithPath: path))
    let (status, errors) = try infer(path)
    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: image \(path): no image size in the header "
                   + "(width or height 0): the file is damaged or truncated")
  }

  /// A valid PNG header claiming 16384 x 16384 pixels (805 MB of RGB) in a
  /// file of 70 bytes.
  func testPngClaimingAHugeSizeIsRefusedBeforeDecoding() throws {
    func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
      let typed = Array(type.utf8) + body
      var crc: UInt32 = 0xFFFF_FFFF
      for byte in typed {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
      }
      crc ^= 0xFFFF_FFFF
      func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF),
         UInt8(value & 0xFF)]
      }
      return bigEndian(UInt32(body.count)) + typed + bigEndian(crc)
    }
    let header: [UInt8] = [0, 0, 0x40, 0, 0, 0, 0x40, 0, 8, 2, 0, 0, 0]
    // A stored (uncompressed) zlib stream of one filter byte.
    let data: [UInt8] = [0x78, 0x01, 0x01, 0x01, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x01, 0x00, 0x01]
    let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
      + chunk("IHDR", header) + chunk("IDAT", data) + chunk("IEND", [])
    let path = scratch.path + "/huge.png"
    try Data(png).write(to: URL(fileURLWithPath: path))
    let (status, errors) = try infer(path)
    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: image \(path): image too large: 16384 x 16384 "
                   + "pixels; teachpad reads images of at most 40 megapixels, "
                   + "scale it down first")
  }
}
