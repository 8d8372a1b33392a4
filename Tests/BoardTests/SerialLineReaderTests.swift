import Board
import XCTest

final class SerialLineReaderTests: XCTestCase {
  private func feed(_ reader: inout SerialLineReader, _ bytes: [UInt8])
    -> [[UInt8]] {
    var lines: [[UInt8]] = []
    bytes.withUnsafeBytes { reader.append($0) { lines.append(Array($0)) } }
    return lines
  }

  func testSplitsAtNewlinesAndKeepsTheUnfinishedLine() {
    var reader = SerialLineReader()

    let first = feed(&reader, Array("one\ntwo\r\nthr".utf8))
    let second = feed(&reader, Array("ee\n".utf8))

    XCTAssertEqual(first, [Array("one".utf8), Array("two".utf8)])
    XCTAssertEqual(second, [Array("three".utf8)])
  }

  func testEveryByteValueOtherThanNewlinePassesUnchanged() {
    var reader = SerialLineReader(maximumLineLength: 300)
    let line = (0...255).map { UInt8($0) }.filter { $0 != 10 }

    let lines = feed(&reader, line + [10])

    XCTAssertEqual(lines, [line])
  }

  func testOverlongLineIsSkippedAndCounted() {
    var reader = SerialLineReader(maximumLineLength: 4)

    let lines = feed(&reader, Array("abcd\nabcde\nxy\n".utf8))

    XCTAssertEqual(lines, [Array("abcd".utf8), Array("xy".utf8)])
    XCTAssertEqual(reader.overlongLineCount, 1)
  }

  func testEmptyLinesAreLines() {
    var reader = SerialLineReader()

    XCTAssertEqual(feed(&reader, [10, 13, 10]), [[], []])
  }
}
