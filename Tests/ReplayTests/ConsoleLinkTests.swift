import App
import XCTest

/// The console's checks of received lines and its maze.
final class ConsoleLinkTests: XCTestCase {
  private func receive(_ link: inout ConsoleLink, _ line: String) -> ConsoleLink.Outcome? {
    var copy = line
    return copy.withUTF8 { link.receive(UnsafeRawBufferPointer($0)) }
  }

  private func line(_ message: ProtocolMessage, sequence: Int) -> String {
    var encoder = ProtocolEncoder(firstSequence: sequence)
    return encoder.line(for: message)
  }

  func testCountsLostCorruptAndOutOfOrderLines() {
    var link = ConsoleLink()
    XCTAssertEqual(receive(&link, line(.state(.playing), sequence: 0)), .state(.playing))
    XCTAssertEqual(receive(&link, line(.direction(.up, confidence: 0.93), sequence: 1)),
                   .move(.up, confidence: 0.93))
    XCTAssertEqual(link.lastGap, 0)
    // 2 and 3 never arrive.
    XCTAssertEqual(receive(&link, line(.direction(.left, confidence: 0.8), sequence: 4)),
                   .move(.left, confidence: 0.8))
    XCTAssertEqual(link.lastGap, 2)
    XCTAssertEqual(receive(&link, line(.heartbeat(uptimeSeconds: 1), sequence: 3)),
                   .outOfOrder(sequence: 3))
    // One flipped bit in the body: the checksum catches it.
    let good = line(.direction(.up, confidence: 0.5), sequence: 5)
    let sent = UInt8(good.suffix(2), radix: 16)!
    var damaged = Array(good.utf8)
    damaged[8] ^= 0x01
    XCTAssertEqual(receive(&link, String(decoding: damaged, as: UTF8.self)),
                   .corrupt(.checksumMismatch(expected: sent ^ 0x01, found: sent)))
    XCTAssertEqual(receive(&link, "garbage"), .corrupt(.malformed))
    XCTAssertNil(receive(&link, ""))

    XCTAssertEqual(link.lineCount, 6)
    XCTAssertEqual(link.moveCount, 2)
    XCTAssertEqual(link.lostCount, 2)
    XCTAssertEqual(link.corruptCount, 2)
    XCTAssertEqual(link.outOfOrderCount, 1)
    XCTAssertEqual(link.lastState, .playing)
    XCTAssertEqual(link.statistics,
                   "link: 6 lines, 2 moves, 2 lost, 2 corrupt, 1 out-of-order")
  }

  func testPacmanWalksEatsDotsAndStopsAtWalls() {
    var maze = ConsoleMaze()
    XCTAssertEqual(maze.row, 7)
    XCTAssertEqual(maze.column, 9)
    XCTAssertFalse(maze.move(.up))
    XCTAssertEqual(maze.blockedCount, 1)
    XCTAssertTrue(maze.move(.left))
    XCTAssertTrue(maze.move(.left))
    XCTAssertEqual(maze.column, 7)
    XCTAssertEqual(maze.score, 20)
    XCTAssertTrue(maze.move(.right))
    XCTAssertEqual(maze.score, 20, "the dot there was eaten already")
    XCTAssertEqual(maze.lines[7], "#...... C ........#")
  }
}
