import App
import Foundation
import TestSupport
import XCTest

/// `teachpad console` and `teachpad replay` as built, talking over a real
/// pseudo-terminal pair: the console makes the pair and reads the master,
/// the replay (or the test) writes to the slave like a serial port.
final class ConsoleOverPtyTests: XCTestCase {
  private var scratch: ScratchFolder!
  override func setUpWithError() throws {
    scratch = try ScratchFolder("console-pty")
  }

  override func tearDownWithError() throws {
    try scratch.remove()
  }

  /// A file of `$TEACHPAD_SHARED`, else of `../shared` beside the repository.
  private func sharedFile(_ relative: String) throws -> String {
    try SharedFolder.path(relative)
  }

  private func modelPath() throws -> String {
    try SharedFolder.modelPath()
  }

  /// Runs teachpad to the end; standard output and the exit status.
  private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let run = try runTeachpad(arguments)
    return (run.status, run.output)
  }

  /// A headless console on a new pty that stops when the writer hangs up,
  /// and the slave's path.
  private func startConsole() throws -> (Process, Pipe, String) {
    let process = Process()
    process.executableURL = teachpadBinary
    process.arguments = ["console", "--pty", "--headless", "--exit-on-hangup"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    var first = Data()
    while !first.contains(UInt8(ascii: "\n")) {
      let chunk = pipe.fileHandleForReading.availableData
      guard !chunk.isEmpty else { break }
      first.append(chunk)
    }
    let line = String(decoding: first, as: UTF8.self)
    let prefix = "console: listening on "
    XCTAssertTrue(line.hasPrefix(prefix), line)
    let path = line.dropFirst(prefix.count).prefix { $0 != "\n" }
    return (process, pipe, String(path))
  }

  /// The rest of the console's output once it has stopped by itself.
  private func finish(_ process: Process, _ pipe: Pipe) -> String {
    let deadline = Date().addingTimeInterval(30)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning {
      process.terminate()
      XCTFail("the console did not stop when the writer hung up")
    }
    return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  }

  /// Mistakes that no retry can mend end the console at once with status
  /// 2; only a missing or unplugged port is waited for.
  func testConsoleRefusesANonTerminalPortAndAnUnsupportedBaudAtOnce() throws {
    let log = scratch.path("x.log")
    try Data().write(to: URL(fileURLWithPath: log))

    let file = try runTeachpad(["console", "--port", log, "--headless"])
    let baud = try runTeachpad(["console", "--port", "/dev/teachpad-no-tty", "--headless",
                                "--baud", "12345"])

    XCTAssertEqual(file.status, 2)
    XCTAssertEqual(file.errors, "teachpad: serial port \(log): not a terminal device "
                   + "(name a serial port such as /dev/ttyUSB0, or a pty)\n")
    XCTAssertEqual(file.output, "")
    XCTAssertEqual(baud.status, 2)
    XCTAssertEqual(baud.errors, "teachpad: serial port /dev/teachpad-no-tty: unsupported "
                   + "baud 12345 (use a standard rate such as 9600, 57600 or 115200)\n")
  }

  func testConsoleRefusesABaudForAPseudoTerminal() throws {
    let run = try runTeachpad(["console", "--pty", "--headless", "--baud", "9600"])

    XCTAssertEqual(run.status, 2)
    XCTAssertEqual(run.errors, "teachpad: option --baud applies to --port only; a "
                   + "pseudo-terminal has no line speed\n")
  }

  func testReplayedSessionReachesTheConsoleWhole() throws {
    let data = try sharedFile("data/sign-language-digits")
    let model = try modelPath()
    let session = scratch.path("session.txt")
    let written = try run(["session", "--data", data, "--classes", "0,1,2,5",
                           "--per-class", "5", "--test", "8", "--out", session])
    XCTAssertEqual(written.status, 0)
    XCTAssertEqual(written.output, "wrote \(session): 47 steps, 5 training images per "
      + "class, 8 test images from unseen people, 3 frames each\n")

    let (console, pipe, path) = try startConsole()
    let replay = try run(["replay", session, "--serial", path, "--activations", "cache",
                          "--model", model, "--data-dir", scratch.path("data")])
    XCTAssertEqual(replay.status, 0)
    let received = finish(console, pipe)

    // "events sent: D directions, S states, H heartbeats (0 dropped)"
    let sentLine = try XCTUnwrap(replay.output.split(separator: "\n")
      .first { $0.hasPrefix("events sent: ") }, replay.output)
    let numbers = sentLine.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    XCTAssertEqual(numbers.count, 4, String(sentLine))
    let (directions, states, heartbeats, dropped) = (numbers[0], numbers[1], numbers[2], numbers[3])
    XCTAssertEqual(dropped, 0)
    XCTAssertGreaterThan(directions, 0)

    let lines = received.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.filter { $0.hasPrefix("move ") }.count, directions)
    XCTAssertEqual(lines.filter { $0.hasPrefix("state ") }.count, states)
    XCTAssertEqual(lines.last, "link: \(directions + states + heartbeats) lines, "
      + "\(directions) moves, 0 lost, 0 corrupt, 0 out-of-order")
    XCTAssertEqual(lines.first, "state IDLE")
    XCTAssertEqual(lines[1], "state COLLECT UP 0")
  }

  func testConsoleCountsLostDamagedAndReorderedLines() throws {
    let (console, pipe, path) = try startConsole()
    var lines: [String] = []
    var encoder = ProtocolEncoder()
    lines.append(encoder.line(for: .state(.playing)))                          // 0
    lines.append(encoder.line(for: .direction(.up, confidence: 0.93)))        // 1
    var later = ProtocolEncoder(firstSequence: 4)
    lines.append(later.line(for: .direction(.left, confidence: 0.8)))         // 4: 2, 3 lost
    var earlier = ProtocolEncoder(firstSequence: 3)
    lines.append(earlier.line(for: .heartbeat(uptimeSeconds: 2)))             // 3: late
    var damaged = Array(later.line(for: .direction(.down, confidence: 0.7)).utf8)
    damaged[9] = UInt8(ascii: "U")                                           // "$TPDIR,5,UOWN"
    lines.append(String(decoding: damaged, as: UTF8.self))

    let slave = try XCTUnwrap(FileHandle(forWritingAtPath: path))
    slave.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    try slave.close()

    let checksum = UInt8(lines[4].suffix(2), radix: 16)!
    let expected = checksum ^ UInt8(ascii: "D") ^ UInt8(ascii: "U")
    let hex = { (byte: UInt8) in String(format: "%02X", byte) }
    XCTAssertEqual(finish(console, pipe), """
      state PLAY
      move UP 0.93 blocked
      lost 2 lines
      move LEFT 0.80 to 8,7
      out-of-order: 3
      corrupt: checksum \(hex(checksum)), expected \(hex(expected))
      link: 5 lines, 2 moves, 2 lost, 1 corrupt, 1 out-of-order

      """)
  }
}
