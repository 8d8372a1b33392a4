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
    let header: [UInt8] = [0, 0, 0x40, 0, 0, 0, 0x40, 0, 8, 2, 0, 0, 0]
    let png = pngFile(header: header, data: storedZlib([0]))
    let path = scratch.path + "/huge.png"
    try Data(png).write(to: URL(fileURLWithPath: path))
    let (status, errors) = try infer(path)
    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: image \(path): image too large: 16384 x 16384 "
                   + "pixels; teachpad reads images of at most 40 megapixels, "
                   + "scale it down first")
  }

  /// An 8 x 8 CMYK JPEG (Adobe marker, as print software writes them):
  /// named as what it is, not as a damaged file.
  func testCmykJpegIsNamedAsSuch() throws {
    let path = scratch.path + "/cmyk.jpg"
    let cmyk = "/9j/7gAOQWRvYmUAZAAAAAAC/9sAQwADAgICAgIDAgICAwMDAwQGBAQEBAQIBgYFBgkICgoJCAkJ"
      + "CgwPDAoLDgsJCQ0RDQ4PEBAREAoMEhMSEBMPEBAQ/9sAQwEDAwMEAwQIBAQIEAsJCxAQEBAQEBAQ"
      + "EBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ/8AAFAgACAAIBAERAAIR"
      + "AQMRAQQRAP/EABUAAQEAAAAAAAAAAAAAAAAAAAgJ/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/EABUB"
      + "AQEAAAAAAAAAAAAAAAAAAAcJ/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAA4EAQACEQMRBAAAPwBE"
      + "HNKpVN//2Q=="
    try XCTUnwrap(Data(base64Encoded: cmyk)).write(to: URL(fileURLWithPath: path))

    let (status, errors) = try infer(path)

    XCTAssertEqual(status, 2)
    XCTAssertEqual(errors, "teachpad: image \(path): a CMYK JPEG, which teachpad cannot "
                   + "read (save it as an RGB JPEG or a PNG)")
  }

  /// Samples stored 16-bit are the 8-bit ones times 257: both files are
  /// one picture (libpng's simple reader took 16-bit samples for linear
  /// light and encoded them to sRGB once more, changing the colours).
  func test16BitPngIsReadAsThe8BitOneItWidens() throws {
    var samples: [UInt8] = []
    for y in 0..<8 {
      for x in 0..<8 { samples += [UInt8(x * 30), UInt8(y * 30), UInt8(40 + x * y * 3)] }
    }
    let wide = samples.flatMap { [$0, $0] }  // v * 257, big-endian
    var outputs: [Data] = []
    for (name, depth, bytes) in [("narrow.png", UInt8(8), samples), ("wide.png", 16, wide)] {
      let header = bigEndian(8) + bigEndian(8) + [depth, 2, 0, 0, 0]
      let rowBytes = bytes.count / 8
      var raw: [UInt8] = []
      for row in 0..<8 { raw += [0] + bytes[row * rowBytes..<(row + 1) * rowBytes] }
      let path = scratch.path + "/" + name
      try Data(pngFile(header: header, data: storedZlib(raw)))
        .write(to: URL(fileURLWithPath: path))
      let (status, errors) = try infer(path)
      XCTAssertEqual(status, 0, errors)
      outputs.append(try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/out.bin")))
    }
    XCTAssertEqual(outputs[0].count, 12_544)
    XCTAssertEqual(outputs[0], outputs[1])
  }
}

private func bigEndian(_ value: UInt32) -> [UInt8] {
  [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF),
   UInt8(value & 0xFF)]
}

/// A PNG file of an IHDR body and one IDAT of zlib data.
private func pngFile(header: [UInt8], data: [UInt8]) -> [UInt8] {
  func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
    let typed = Array(type.utf8) + body
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in typed {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return bigEndian(UInt32(body.count)) + typed + bigEndian(crc ^ 0xFFFF_FFFF)
  }
  return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    + chunk("IHDR", header) + chunk("IDAT", data) + chunk("IEND", [])
}

/// `raw` (under 64 KB) as a zlib stream of one stored block.
private func storedZlib(_ raw: [UInt8]) -> [UInt8] {
  var a: UInt32 = 1
  var b: UInt32 = 0
  for byte in raw {
    a = (a + UInt32(byte)) % 65521
    b = (b + a) % 65521
  }
  let length = UInt16(raw.count)
  return [0x78, 0x01, 0x01, UInt8(length & 0xFF), UInt8(length >> 8),
          UInt8(~length & 0xFF), UInt8(~length >> 8)] + raw + bigEndian(b << 16 | a)
}
