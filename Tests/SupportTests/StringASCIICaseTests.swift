import Support
import XCTest

final class StringASCIICaseTests: XCTestCase {
  func testSuffixMatchesEitherCase() {
    XCTAssertTrue("input.rgb".hasSuffix(ignoringASCIICase: ".rgb"))
    XCTAssertTrue("INPUT.RGB".hasSuffix(ignoringASCIICase: ".rgb"))
    XCTAssertTrue("golden/Input.Bin".hasSuffix(ignoringASCIICase: ".bin"))
    XCTAssertTrue(".bin".hasSuffix(ignoringASCIICase: ".bin"))
  }

  func testSuffixRefusesOtherEndings() {
    XCTAssertFalse("input.rgbx".hasSuffix(ignoringASCIICase: ".rgb"))
    XCTAssertFalse("input_rgb".hasSuffix(ignoringASCIICase: ".rgb"))
    XCTAssertFalse("bin".hasSuffix(ignoringASCIICase: ".bin"))
    XCTAssertFalse("".hasSuffix(ignoringASCIICase: ".bin"))
    XCTAssertFalse("photo.jpg".hasSuffix(ignoringASCIICase: ".rgb"))
    // Case folding applies to ASCII letters only, never to punctuation.
    XCTAssertFalse("input\u{0E}rgb".hasSuffix(ignoringASCIICase: ".rgb"))
  }

  /// The answers of `lowercased().hasSuffix(_:)`, which the image loader
  /// used before, for names with non-ASCII letters and marks in them.
  func testSuffixAnswersAsLowercasedHasSuffix() {
    let names = [
      "bild-ÄÖÜ.RGB", "фото.Bin", "写真.bin", "e\u{301}.rgb", "x.rgb\u{301}",
      "x.bİn", "x.BIN ", "\u{212A}.bin", "ß.RGB", "ǅ.bIn", "📷.rgb",
      "📷.png", "x.RGB.jpg", "İ", "x.rg", ".Rgb",
    ]
    for name in names {
      for suffix in [".rgb", ".bin"] {
        XCTAssertEqual(name.hasSuffix(ignoringASCIICase: suffix),
                       name.lowercased().hasSuffix(suffix),
                       "\(name) ends with \(suffix)")
      }
    }
  }
}
