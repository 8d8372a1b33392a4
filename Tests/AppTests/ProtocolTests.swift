import App
import XCTest

final class ProtocolEncoderTests: XCTestCase {
  func testEncodesEveryMessageWithItsChecksum() {
    var encoder = ProtocolEncoder()
    let messages: [ProtocolMessage] = [
      .state(.idle),
      .state(.collecting(.left, count: 12)),
      .state(.training(percent: 40, loss: 0.693147)),
      .state(.training(percent: 0, loss: nil)),
      .state(.playing),
      .state(.error(.noHead)),
      .direction(.up, confidence: 0.934),
      .direction(.right, confidence: 1),
      .heartbeat(uptimeSeconds: 86_400),
    ]

    let lines = messages.map { encoder.line(for: $0) }

    XCTAssertEqual(lines, [
      "$TPSTA,0,IDLE*76",
      "$TPSTA,1,COLLECT,LEFT,12*35",
      "$TPSTA,2,TRAIN,40,0.6931*27",
      "$TPSTA,3,TRAIN,0,*01",
      "$TPSTA,4,PLAY*72",
      "$TPSTA,5,ERROR,NO_HEAD*55",
      "$TPDIR,6,UP,0.93*50",
      "$TPDIR,7,RIGHT,1.00*1F",
      "$TPHBT,8,86400*58",
    ])
  }

  func testEveryErrorReasonHasItsWord() {
    var encoder = ProtocolEncoder(firstSequence: 9)

    let lines = ErrorReason.allCases.map { encoder.line(for: .state(.error($0))) }

    XCTAssertEqual(lines, [
      "$TPSTA,9,ERROR,NO_EXAMPLES*4A", "$TPSTA,10,ERROR,ONE_CLASS*62",
      "$TPSTA,11,ERROR,NO_HEAD*60", "$TPSTA,12,ERROR,DATASET_FULL*2B",
      "$TPSTA,13,ERROR,TRAIN_FAILED*28", "$TPSTA,14,ERROR,SAVE_FAILED*6E",
      "$TPSTA,15,ERROR,LOAD_FAILED*68", "$TPSTA,16,ERROR,NO_CAMERA*76",
    ])
  }

  func testSequenceWrapsAfter65535() {
    var encoder = ProtocolEncoder(firstSequence: 65_535)

    let lines = [encoder.line(for: .state(.playing)), encoder.line(for: .state(.playing))]

    XCTAssertEqual(lines, ["$TPSTA,65535,PLAY*76", "$TPSTA,0,PLAY*76"])
    XCTAssertEqual(encoder.nextSequence, 1)
  }

  func testOutOfRangeNumbersAreClampedOrLeftEmpty() {
    var encoder = ProtocolEncoder()

    let lines = [
      encoder.line(for: .direction(.down, confidence: 1.7)),
      encoder.line(for: .direction(.down, confidence: -0.2)),
      encoder.line(for: .direction(.down, confidence: .nan)),
      encoder.line(for: .state(.training(percent: 140, loss: .infinity))),
      encoder.line(for: .state(.training(percent: -3, loss: 1_000_000))),
      encoder.line(for: .state(.training(percent: 7, loss: 999_999.99994))),
    ]

    XCTAssertEqual(lines, [
      "$TPDIR,0,DOWN,1.00*4A", "$TPDIR,1,DOWN,0.00*4A", "$TPDIR,2,DOWN,0.00*49",
      "$TPSTA,3,TRAIN,100,*00", "$TPSTA,4,TRAIN,0,*06", "$TPSTA,5,TRAIN,7,999999.9999*2E",
    ])
  }

  func testEncodingAllocatesNoNewBufferAfterTheFirstLine() {
    var encoder = ProtocolEncoder()
    var addresses: Set<Int> = []

    for count in 0..<50 {
      encoder.encode(.state(.collecting(.up, count: count))) { line in
        addresses.insert(Int(bitPattern: line.baseAddress))
      }
    }

    XCTAssertEqual(addresses.count, 1)
  }
}

final class ProtocolParserTests: XCTestCase {
  func testParsesEveryMessage() throws {
    let cases: [(String, ReceivedLine)] = [
      ("$TPSTA,0,IDLE*76", ReceivedLine(sequence: 0, message: .state(.idle))),
      ("$TPSTA,1,COLLECT,LEFT,12*35",
       ReceivedLine(sequence: 1, message: .state(.collecting(.left, count: 12)))),
      ("$TPSTA,2,TRAIN,40,0.6931*27",
       ReceivedLine(sequence: 2, message: .state(.training(percent: 40, loss: 0.6931)))),
      ("$TPSTA,3,TRAIN,0,*01",
       ReceivedLine(sequence: 3, message: .state(.training(percent: 0, loss: nil)))),
      ("$TPSTA,4,PLAY*72", ReceivedLine(sequence: 4, message: .state(.playing))),
      ("$TPSTA,5,ERROR,NO_CAMERA*44",
       ReceivedLine(sequence: 5, message: .state(.error(.noCamera)))),
      ("$TPDIR,65535,UP,0.93*56",
       ReceivedLine(sequence: 65_535, message: .direction(.up, confidence: 0.93))),
      ("$TPHBT,8,86400*58", ReceivedLine(sequence: 8, message: .heartbeat(uptimeSeconds: 86_400))),
    ]

    for (line, expected) in cases {
      XCTAssertEqual(try ProtocolParser.parse(line), expected, line)
    }
  }

  func testEncodedLinesParseBackToTheSameMessage() throws {
    var encoder = ProtocolEncoder(firstSequence: 300)
    let messages: [ProtocolMessage] = [
      .direction(.left, confidence: 0.61), .state(.training(percent: 99, loss: 12.5)),
      .state(.collecting(.right, count: 0)), .heartbeat(uptimeSeconds: 0),
    ]

    for (offset, message) in messages.enumerated() {
      let line = encoder.line(for: message)
      XCTAssertEqual(try ProtocolParser.parse(line),
                     ReceivedLine(sequence: 300 + offset, message: message))
    }
  }

  func testAcceptsLineEndingsAndLowercaseChecksum() throws {
    let expected = ReceivedLine(sequence: 4, message: .heartbeat(uptimeSeconds: 2))

    XCTAssertEqual(try ProtocolParser.parse("$TPHBT,4,2*5C\r\n"), expected)
    XCTAssertEqual(try ProtocolParser.parse("$TPHBT,4,2*5c\n"), expected)
  }

  func testDamagedLineReportsBothChecksums() {
    XCTAssertThrowsError(try ProtocolParser.parse("$TPHBT,4,3*5C")) { error in
      XCTAssertEqual(error as? ProtocolError, .checksumMismatch(expected: 0x5D, found: 0x5C))
    }
  }

  func testRejectsLinesOutsideTheGrammar() {
    let cases: [(String, ProtocolError)] = [
      ("TPHBT,4,2*5C", .malformed),
      ("$TPHBT,4,2", .malformed),
      ("$TPHBT,4,2*5", .malformed),
      ("$TPHBT,4,2*G0", .malformed),
      ("$TP\u{7}HBT,4,2*5C", .malformed),
      ("", .malformed),
      ("$TPXYZ,1,UP*6B", .unknownSentence),
      ("$TPDIR,1,NORTH,0.50*12", .badField(index: 2)),
      ("$TPDIR,1,UP,1.01*5D", .badField(index: 3)),
      ("$TPDIR,1,UP,0.5*68", .badField(index: 3)),
      ("$TPDIR,65536,UP,0.50*5A", .badField(index: 1)),
      ("$TPDIR,,UP,0.50*69", .badField(index: 1)),
      ("$TPDIR,1,UP,0.50,X*2C", .badField(index: 4)),
      ("$TPSTA,1,SLEEP*3C", .badField(index: 2)),
      ("$TPSTA,1,COLLECT,UP*04", .badField(index: 4)),
      ("$TPSTA,1,TRAIN,101,0.5000*18", .badField(index: 3)),
      ("$TPSTA,1,TRAIN,50*1A", .badField(index: 4)),
      ("$TPSTA,1,ERROR,TOO_HOT*5F", .badField(index: 3)),
      ("$TPHBT,1,-5*73", .badField(index: 2)),
    ]

    for (line, expected) in cases {
      XCTAssertThrowsError(try ProtocolParser.parse(line), line) { error in
        XCTAssertEqual(error as? ProtocolError, expected, line)
      }
    }
  }
}

final class SequenceTrackerTests: XCTestCase {
  func testCountsLostAndOutOfOrderLinesAcrossTheWrap() {
    var tracker = SequenceTracker()

    let checks = [65_530, 65_531, 65_534, 0, 65_535, 1, 1, 5].map { tracker.note($0) }

    XCTAssertEqual(checks, [
      .inOrder, .inOrder, .afterGap(missing: 2), .afterGap(missing: 1), .outOfOrder,
      .inOrder, .outOfOrder, .afterGap(missing: 3),
    ])
    XCTAssertEqual(tracker.lostCount, 6)
    XCTAssertEqual(tracker.outOfOrderCount, 2)
    XCTAssertEqual(tracker.expected, 6)
  }

  func testANumberFarBehindIsARestartAndCountingGoesOn() {
    var tracker = SequenceTracker()

    // 238 is 64 behind the expected 302: reordered; 236 is 66 behind: the
    // device restarted (and its first lines were lost); 0 restarts again.
    let checks = [300, 301, 238, 236, 0, 1, 3, 2].map { tracker.note($0) }

    XCTAssertEqual(checks, [
      .inOrder, .inOrder, .outOfOrder, .restarted, .restarted, .inOrder,
      .afterGap(missing: 1), .outOfOrder,
    ])
    XCTAssertEqual(tracker.restartCount, 2)
    XCTAssertEqual(tracker.outOfOrderCount, 2)
    XCTAssertEqual(tracker.lostCount, 1)
    XCTAssertEqual(tracker.expected, 4)
  }
}
