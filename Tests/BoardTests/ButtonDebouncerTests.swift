import Board
import XCTest

/// Times are in milliseconds on the debouncer's nanosecond clock.
private func ms(_ milliseconds: Double) -> Int64 {
  Int64(milliseconds * 1_000_000)
}

private struct Report: Equatable {
  let action: ButtonAction
  let time: Int64
}

final class ButtonDebouncerTests: XCTestCase {
  private var debouncer = ButtonDebouncer(debounceNanoseconds: ms(20),
                                          holdNanoseconds: ms(1000))

  /// Advances at `now` with the line reading `level`, returning reports.
  private func advance(at now: Int64, level: Bool?) -> [Report] {
    var reports: [Report] = []
    debouncer.advance(now: now, readLevel: { level }) {
      reports.append(Report(action: $0, time: $1))
    }
    return reports
  }

  func testCleanPressAndReleaseReportOnceEachAtTheirEdges() {
    debouncer.edge(toPressed: true, at: ms(0))
    XCTAssertEqual(advance(at: ms(19.999), level: true), [])
    XCTAssertEqual(advance(at: ms(20), level: true),
                   [Report(action: .press, time: ms(0))])
    XCTAssertTrue(debouncer.isPressed)

    debouncer.edge(toPressed: false, at: ms(300))
    XCTAssertEqual(advance(at: ms(320), level: false),
                   [Report(action: .release, time: ms(300))])
    XCTAssertFalse(debouncer.isPressed)
    XCTAssertNil(debouncer.nextDeadline)
  }

  func testBouncingPressCountsOnceAfterTheLastEdgeSettles() {
    for (index, time) in [0.0, 0.4, 1.1, 2.0, 3.5].enumerated() {
      debouncer.edge(toPressed: index.isMultiple(of: 2), at: ms(time))
    }

    XCTAssertEqual(debouncer.edgeCountInBurst, 5)
    XCTAssertEqual(debouncer.nextDeadline, ms(23.5))
    XCTAssertEqual(advance(at: ms(23.4), level: true), [])
    XCTAssertEqual(advance(at: ms(23.5), level: true),
                   [Report(action: .press, time: ms(0))])
    XCTAssertEqual(advance(at: ms(500), level: true), [])
    XCTAssertEqual(debouncer.edgeCountInBurst, 0)
  }

  func testPulseShorterThanTheDebounceIntervalIsIgnored() {
    debouncer.edge(toPressed: true, at: ms(0))
    debouncer.edge(toPressed: false, at: ms(5))

    XCTAssertEqual(advance(at: ms(25), level: false), [])
    XCTAssertFalse(debouncer.isPressed)
  }

  func testBurstWhoseLastEdgesWereLostSettlesOnTheLevelReadAgain() {
    // Pressed, then a release burst longer than the kernel queue: the
    // last edge seen says "pressed", but the line reads released.
    debouncer.edge(toPressed: true, at: ms(0))
    XCTAssertEqual(advance(at: ms(20), level: true).count, 1)
    for index in 0..<16 {
      debouncer.edge(toPressed: !index.isMultiple(of: 2),
                     at: ms(100 + Double(index) * 0.1))
    }

    XCTAssertEqual(advance(at: ms(122), level: false),
                   [Report(action: .release, time: ms(100))])
    XCTAssertFalse(debouncer.isPressed)
  }

  func testBurstThatEndsWhereItStartedReportsNothing() {
    for index in 0..<40 {
      debouncer.edge(toPressed: index.isMultiple(of: 2),
                     at: ms(Double(index) * 0.2))
    }

    XCTAssertEqual(advance(at: ms(27.8), level: false), [])
    XCTAssertFalse(debouncer.isPressed)
  }

  func testWithoutALevelTheLastEdgeDecides() {
    debouncer.edge(toPressed: true, at: ms(0))
    debouncer.edge(toPressed: false, at: ms(2))
    debouncer.edge(toPressed: true, at: ms(4))

    XCTAssertEqual(advance(at: ms(24), level: nil),
                   [Report(action: .press, time: ms(0))])
  }

  func testHoldComesOnceAfterTheHoldInterval() {
    debouncer.edge(toPressed: true, at: ms(10))
    XCTAssertEqual(advance(at: ms(30), level: true).count, 1)

    XCTAssertEqual(debouncer.nextDeadline, ms(1010))
    XCTAssertEqual(advance(at: ms(1009), level: true), [])
    XCTAssertEqual(advance(at: ms(1500), level: true),
                   [Report(action: .hold, time: ms(1010))])
    XCTAssertNil(debouncer.nextDeadline)
    XCTAssertEqual(advance(at: ms(5000), level: true), [])
  }

  func testReleaseBeforeTheHoldIntervalMeansNoHold() {
    debouncer.edge(toPressed: true, at: ms(0))
    _ = advance(at: ms(20), level: true)
    debouncer.edge(toPressed: false, at: ms(500))

    XCTAssertEqual(advance(at: ms(2000), level: false),
                   [Report(action: .release, time: ms(500))])
  }

  func testButtonHeldAtStartIsPressedWithoutAnEvent() {
    debouncer = ButtonDebouncer(initiallyPressed: true)

    XCTAssertTrue(debouncer.isPressed)
    XCTAssertNil(debouncer.nextDeadline)
    XCTAssertEqual(advance(at: ms(5000), level: true), [])
  }
}

/// Edges read long after they happened: a busy loop reads a whole press
/// and release in one go.
final class ButtonDebouncerLateReadTests: XCTestCase {
  func testPressAndReleaseReadTogetherAreBothReported() {
    var debouncer = ButtonDebouncer(debounceNanoseconds: 20_000_000)
    debouncer.edge(toPressed: true, at: 1_000_000_000)
    debouncer.edge(toPressed: false, at: 1_300_000_000)
    var seen: [String] = []
    debouncer.advance(now: 2_500_000_000, readLevel: { false }) { action, time in
      seen.append("\(action)@\(time / 1_000_000)")
    }
    XCTAssertEqual(seen, ["press@1000", "release@1300"])
    XCTAssertFalse(debouncer.isPressed)
  }

  func testBounceInsideTheQuietPeriodStillCountsOnce() {
    var debouncer = ButtonDebouncer(debounceNanoseconds: 20_000_000)
    for (index, time) in [0, 2, 5, 9, 300, 303].enumerated() {
      debouncer.edge(toPressed: index % 2 == 0, at: Int64(time) * 1_000_000)
    }
    var seen: [String] = []
    debouncer.advance(now: 1_000_000_000, readLevel: { false }) { action, time in
      seen.append("\(action)@\(time / 1_000_000)")
    }
    // Edges 0, 2, 5, 9 ms are one burst that ends released (no change);
    // 300 and 303 ms are another that also ends released: contact bounce
    // with no settled press, so nothing is reported.
    XCTAssertEqual(seen, [])
    XCTAssertFalse(debouncer.isPressed)
  }

  func testManyShortPressesKeepPressAndReleasePaired() {
    var debouncer = ButtonDebouncer(debounceNanoseconds: 20_000_000)
    for press in 0..<5 {
      let start = Int64(press) * 200_000_000
      debouncer.edge(toPressed: true, at: start)
      debouncer.edge(toPressed: false, at: start + 100_000_000)
    }
    var seen: [String] = []
    debouncer.advance(now: 5_000_000_000, readLevel: { false }) { action, time in
      seen.append("\(action)@\(time / 1_000_000)")
    }
    // Four changes wait at most; older press-and-release pairs are dropped
    // whole, and the last burst settles by reading the line.
    XCTAssertEqual(seen, ["press@600", "release@700", "press@800", "release@900"])
    XCTAssertFalse(debouncer.isPressed)
  }
}
