import Board
import CShims
import Foundation
import XCTest

final class SerialLinkTests: XCTestCase {
  private let quickRetry = RetrySchedule(initialDelayNanoseconds: 10_000_000,
                                         maximumDelayNanoseconds: 40_000_000)

  func testLineWithEveryByteValueButNewlineArrivesUnchanged() throws {
    let peer = try PseudoTerminal()
    let link = LinuxSerialLink(settings: SerialSettings(path: peer.slavePath))
    let line = (0...255).map { UInt8($0) }.filter { $0 != 10 }

    line.withUnsafeBytes { link.send(line: $0) }
    let received = peer.read(count: 256, withinMilliseconds: 2000)

    XCTAssertTrue(link.isConnected)
    XCTAssertEqual(received, line + [10])
    XCTAssertEqual(link.droppedLineCount, 0)
  }

  func testPeerThatStopsReadingNeverStallsSending() throws {
    let peer = try PseudoTerminal()
    let link = LinuxSerialLink(settings: SerialSettings(path: peer.slavePath))
    let lineCount = 20_000

    let start = Date()
    for index in 0..<lineCount {
      send(index.isMultiple(of: 2) ? "$DIR,\(index),UP" : "$HB,\(index)",
           on: link)
    }
    let sendingSeconds = Date().timeIntervalSince(start)

    // The peer reads again: everything pending drains, newest last.
    var received: [UInt8] = []
    let deadline = Date().addingTimeInterval(5)
    while link.pendingLineCount > 0 && Date() < deadline {
      received += peer.read(quietMilliseconds: 10)
      link.service()
    }
    received += peer.read(quietMilliseconds: 100)
    let lines = splitLines(received)

    XCTAssertLessThan(sendingSeconds, 2.0)
    XCTAssertGreaterThan(link.droppedLineCount, 0)
    XCTAssertEqual(lines.count + link.droppedLineCount, lineCount)
    XCTAssertEqual(Array(lines.suffix(2)), ["$DIR,19998,UP", "$HB,19999"])
  }

  func testPendingLinesCoalesceByKindWhileThePortIsMissing() throws {
    let path = temporaryLinkPath()
    let link = LinuxSerialLink(settings: SerialSettings(path: path,
                                                        retry: quickRetry))

    send("$DIR,1,UP", on: link)
    send("$HB,2", on: link)
    send("$DIR,3,LEFT", on: link)
    send("PLAIN", on: link)
    send("PLAIN", on: link)

    XCTAssertFalse(link.isConnected)
    XCTAssertEqual(link.pendingLineCount, 3)
    XCTAssertEqual(link.droppedLineCount, 2)

    let peer = try PseudoTerminal()
    try FileManager.default.createSymbolicLink(atPath: path,
                                               withDestinationPath: peer.slavePath)
    defer { try? FileManager.default.removeItem(atPath: path) }
    XCTAssertTrue(serviceUntilConnected(link))
    let lines = splitLines(peer.read(count: 24, withinMilliseconds: 2000))

    XCTAssertEqual(lines, ["$HB,2", "$DIR,3,LEFT", "PLAIN"])
  }

  func testBeyondThePendingKindLimitTheOldestKindIsDropped() throws {
    let path = temporaryLinkPath()
    let link = LinuxSerialLink(settings: SerialSettings(
      path: path, pendingKindLimit: 2, retry: quickRetry))

    send("$A,1", on: link)
    send("$B,1", on: link)
    send("$C,1", on: link)
    send("$B,2", on: link)
    let peer = try PseudoTerminal()
    try FileManager.default.createSymbolicLink(atPath: path,
                                               withDestinationPath: peer.slavePath)
    defer { try? FileManager.default.removeItem(atPath: path) }
    XCTAssertTrue(serviceUntilConnected(link))

    XCTAssertEqual(splitLines(peer.read(count: 10, withinMilliseconds: 2000)),
                   ["$C,1", "$B,2"])
    XCTAssertEqual(link.droppedLineCount, 2)
  }

  func testPeerThatDisappearsAndReturnsIsPickedUpAgain() throws {
    let path = temporaryLinkPath()
    let first = try PseudoTerminal()
    try FileManager.default.createSymbolicLink(atPath: path,
                                               withDestinationPath: first.slavePath)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let link = LinuxSerialLink(settings: SerialSettings(path: path,
                                                        retry: quickRetry))
    send("$HB,1", on: link)
    XCTAssertEqual(splitLines(first.read(count: 6, withinMilliseconds: 2000)),
                   ["$HB,1"])

    // The cable is pulled: the peer and its device node go away.
    first.hangUp()
    try FileManager.default.removeItem(atPath: path)
    send("$HB,2", on: link)
    send("$DIR,3,DOWN", on: link)
    send("$HB,4", on: link)
    XCTAssertFalse(link.isConnected)

    // It comes back under the same name.
    let second = try PseudoTerminal()
    try FileManager.default.createSymbolicLink(atPath: path,
                                               withDestinationPath: second.slavePath)
    XCTAssertTrue(serviceUntilConnected(link))
    let lines = splitLines(second.read(count: 18, withinMilliseconds: 2000))

    XCTAssertEqual(lines, ["$DIR,3,DOWN", "$HB,4"])
    XCTAssertEqual(link.droppedLineCount, 1)
  }

  func testReceiveHandsOutLinesFromThePeer() throws {
    let peer = try PseudoTerminal()
    let link = LinuxSerialLink(settings: SerialSettings(path: peer.slavePath))
    var reader = SerialLineReader()
    var lines: [String] = []

    peer.write(Array("$ACK,1\r\n$ACK,2\n$AC".utf8))
    let deadline = Date().addingTimeInterval(2)
    while lines.count < 2 && Date() < deadline {
      link.receive(into: &reader, timeoutMilliseconds: 50) {
        lines.append(String(decoding: $0, as: UTF8.self))
      }
    }

    XCTAssertEqual(lines, ["$ACK,1", "$ACK,2"])
  }

  private func send(_ text: String, on link: LinuxSerialLink) {
    Array(text.utf8).withUnsafeBytes { link.send(line: $0) }
  }

  private func serviceUntilConnected(_ link: LinuxSerialLink) -> Bool {
    let deadline = Date().addingTimeInterval(3)
    while !link.isConnected && Date() < deadline {
      usleep(5000)
      link.service()
    }
    return link.isConnected
  }

  private func temporaryLinkPath() -> String {
    NSTemporaryDirectory() + "teachpad-serial-\(getpid())-\(UUID().uuidString)"
  }
}
