import App
import Board
import CShims
import Foundation
import XCTest

/// The controller's lines through the real termios serial link on a
/// pseudo-terminal pair, read back and checked as a console would.
final class SerialLinkProtocolTests: XCTestCase {
  private var master: Int32 = -1

  override func tearDown() {
    if master >= 0 { close(master) }
  }

  /// Opens a raw pseudo-terminal master and returns its slave's path.
  private func openPseudoTerminal() throws -> String {
    var path = [CChar](repeating: 0, count: 128)
    let status = shim_pty_open(&master, &path, path.count)
    guard status == 0, shim_pty_make_raw(master) == 0 else {
      throw XCTSkip("no pseudo-terminals here (errno \(status))")
    }
    return String(cString: path)
  }

  /// Everything the master has, after `quietMilliseconds` of silence.
  private func readAll(quietMilliseconds: Int32 = 200) -> [UInt8] {
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      var entry = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
      guard poll(&entry, 1, quietMilliseconds) > 0 else { return received }
      let count = chunk.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
      guard count > 0 else { return received }
      received += chunk[0..<count]
    }
  }

  func testConsoleReadsEveryLineIntactAndInOrder() throws {
    let slavePath = try openPseudoTerminal()
    let link = LinuxSerialLink(settings: SerialSettings(path: slavePath, baud: 115_200))
    XCTAssertTrue(link.isConnected, link.problem ?? "")
    let time = SteppedTime()
    let learner = ScriptedLearner()
    let controller = Controller(settings: ControllerSettings(), learner: learner,
                                lights: RecordingLights(), serial: link, time: time)
    func handle(_ button: Button, _ action: ButtonAction) {
      controller.handle(ButtonEvent(button: button, action: action,
                                    timeNanoseconds: time.nanoseconds))
    }
    func frame(_ first: UInt8) {
      [first, 75].withUnsafeBufferPointer { controller.process(activation: $0) }
    }

    controller.start()
    for (button, label) in [(Button.up, UInt8(1)), (.down, 2)] {
      handle(button, .press)
      frame(label)
      handle(button, .release)
    }
    handle(.train, .press)
    handle(.train, .release)
    handle(.play, .press)
    handle(.play, .release)
    frame(1)
    time.advance(milliseconds: 1000)
    controller.tick()
    frame(3)
    controller.finish()
    for _ in 0..<100 where link.pendingLineCount > 0 { link.service() }

    let lines = readAll().split(separator: UInt8(ascii: "\n")).map(Array.init)
    var tracker = SequenceTracker()
    var messages: [ProtocolMessage] = []
    for line in lines {
      let received = try line.withUnsafeBytes { try ProtocolParser.parse($0) }
      XCTAssertEqual(tracker.note(received.sequence), .inOrder)
      messages.append(received.message)
    }
    XCTAssertEqual(messages, [
      .state(.idle), .state(.collecting(.up, count: 0)), .state(.collecting(.up, count: 1)),
      .state(.idle), .state(.collecting(.down, count: 0)),
      .state(.collecting(.down, count: 1)), .state(.idle),
      .state(.training(percent: 0, loss: nil)), .state(.training(percent: 50, loss: 1.2)),
      .state(.training(percent: 100, loss: 0.4)), .state(.idle), .state(.playing),
      .direction(.up, confidence: 0.75), .heartbeat(uptimeSeconds: 1),
      .direction(.left, confidence: 0.75), .state(.idle),
    ])
    XCTAssertEqual(link.droppedLineCount, 0)
  }
}
