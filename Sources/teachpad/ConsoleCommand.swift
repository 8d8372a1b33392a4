import App
import Board
import CShims
import Learning
import Support

/// `teachpad console`: the other end of the serial line, for when no game
/// console is attached. Reads the protocol from a tty, checks every line
/// and drives a Pacman maze in the terminal (or prints moves).
enum ConsoleCommand {
  static let summary = "console simulator: a Pacman maze driven by the serial line"
  static let help = """
    usage: teachpad console (--port TTY | --pty) [--baud N] [--headless]
                            [--exit-on-hangup]

    Reads teachpad's serial protocol, checks each line's checksum, grammar
    and sequence number, and moves Pacman one cell per direction received.
    The maze is drawn with ANSI escapes; --headless prints one line per
    move, state change and bad line instead. At the end (SIGINT, SIGTERM,
    or the writer hanging up with --exit-on-hangup) it prints the link
    statistics: lines, moves, lost, corrupt and out-of-order lines.

      --port TTY         a serial port such as /dev/ttyUSB0 or a pty slave,
                         opened raw 8N1 at --baud (default 115200)
      --pty              make a pseudo-terminal pair, print the path of its
                         slave ("console: listening on /dev/pts/N") and
                         read the master; point `teachpad replay --serial`
                         or `serial.device` at that path
      --headless         print moves and statistics instead of the maze
      --exit-on-hangup   stop when the writer closes the line (after at
                         least one line was received)

    A --port that is missing or unplugged is waited for and reopened. Exit
    status: 0 at the end, 2 for a bad option, a --port that is not a
    terminal device or a --baud that is not a standard rate from 1200 to
    1000000 (at once, with no retrying), 1 when no pseudo-terminal can be
    made.

    """

  static func run(_ words: ArraySlice<String>) -> Int32 {
    if words.contains("--help") {
      writeStandardOutput(help)
      return 0
    }
    let session: ConsoleSession
    do throws(UsageError) {
      var options = try Options(words, flags: ["pty", "headless", "exit-on-hangup"])
      let port = try options.path("port", of: "device")
      let makePty = options.flag("pty")
      let baud = try options.integer("baud", default: 115_200, range: 1...4_000_000)
      let headless = options.flag("headless")
      let exitOnHangup = options.flag("exit-on-hangup")
      try options.rejectUnknown(allowingOperands: true)
      guard options.operands.isEmpty else {
        throw UsageError(message: "unexpected '\(options.operands[0])'")
      }
      guard (port != nil) != makePty else {
        throw UsageError(message: "give exactly one of --port TTY and --pty")
      }
      if makePty && options.string("baud") != nil {
        throw UsageError(message: "option --baud applies to --port only; a "
          + "pseudo-terminal has no line speed")
      }
      session = ConsoleSession(headless: headless, exitOnHangup: exitOnHangup)
      StopSignals.install()
      if let port {
        return session.read(port: port, baud: baud)
      }
      return session.readPseudoTerminal()
    } catch {
      writeStandardError("teachpad: \(error.message)\n")
      return 2
    }
  }
}

/// One run of the console: the link checker, the maze and the screen.
final class ConsoleSession {
  let headless: Bool
  let exitOnHangup: Bool
  var link = ConsoleLink()
  var maze = ConsoleMaze()
  var reader = SerialLineReader()
  var lastEvent = "waiting for teachpad"
  var source = ""

  init(headless: Bool, exitOnHangup: Bool) {
    self.headless = headless
    self.exitOnHangup = exitOnHangup
  }

  /// Reads a tty by path, reopening it while it is missing; 2 at once for
  /// a path or baud that no retry can make work.
  func read(port path: String, baud: Int) -> Int32 {
    source = path
    var warned = false
    var screenStarted = false
    while !StopSignals.requested {
      let port: SerialPort
      do throws(DeviceError) {
        port = try SerialPort(path: path, baud: baud)
      } catch {
        guard error.retryCanFix else {
          if screenStarted && !headless { writeStandardOutput("\u{1B}[?25h\n") }
          writeStandardError("teachpad: \(error.message)\n")
          return 2
        }
        if !warned { writeStandardError("teachpad: \(error.message) (retrying)\n") }
        warned = true
        if !screenStarted { startScreen() }
        screenStarted = true
        usleep(500_000)
        continue
      }
      if !screenStarted { startScreen() }
      screenStarted = true
      warned = false
      do throws(SystemError) {
        while !StopSignals.requested {
          try reader.read(from: port, timeoutMilliseconds: 200) { handle($0) }
        }
      } catch {
        if exitOnHangup && link.lineCount > 0 { break }
        usleep(200_000)
      }
    }
    return finish()
  }

  /// Makes a pty pair and reads its master.
  func readPseudoTerminal() -> Int32 {
    var master: Int32 = -1
    var name = [CChar](repeating: 0, count: 128)
    let status = shim_pty_open(&master, &name, name.count)
    guard status == 0 else {
      writeStandardError("teachpad: cannot make a pseudo-terminal: "
        + "\(SystemError("posix_openpt", code: status).reason)\n")
      return 1
    }
    defer { close(master) }
    _ = shim_pty_make_raw(master)
    source = String(cString: name)
    writeStandardOutput("console: listening on \(source)\n")
    startScreen()

    var chunk = [UInt8](repeating: 0, count: 4096)
    while !StopSignals.requested {
      var entry = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
      let ready = poll(&entry, 1, 200)
      if ready <= 0 { continue }
      let got = chunk.withUnsafeMutableBytes { CShims.read(master, $0.baseAddress, $0.count) }
      if got > 0 {
        chunk.withUnsafeBytes { bytes in
          reader.append(UnsafeRawBufferPointer(rebasing: bytes[0..<got])) { handle($0) }
        }
        continue
      }
      let code = got < 0 ? shim_errno() : EIO
      if code == EAGAIN || code == EINTR { continue }
      // EIO: no writer has the slave open (not yet, or it hung up).
      if exitOnHangup && link.lineCount > 0 { break }
      usleep(50_000)
    }
    return finish()
  }

  private func handle(_ line: UnsafeRawBufferPointer) {
    guard let outcome = link.receive(line) else { return }
    if link.lastGap > 0 { show("lost \(link.lastGap) lines") }
    if link.lastRestarted { show("device restarted") }
    switch outcome {
    case .move(let direction, let confidence):
      let moved = maze.move(direction)
      show("move \(direction.name) \(formatDecimal(confidence, digits: 2)) "
        + (moved ? "to \(maze.column),\(maze.row)" : "blocked"))
    case .state(let state):
      show("state " + describe(state))
    case .heartbeat:
      if !headless { draw() }
    case .corrupt(let error):
      show("corrupt: " + describe(error))
    case .outOfOrder(let sequence):
      show("out-of-order: \(sequence)")
    }
  }

  private func show(_ event: String) {
    if headless {
      writeStandardOutput(event + "\n")
    } else {
      lastEvent = event
      draw()
    }
  }

  private func startScreen() {
    guard !headless else { return }
    // Hide the cursor and clear the screen.
    writeStandardOutput("\u{1B}[?25l\u{1B}[2J")
    draw()
  }

  private func draw() {
    var text = "\u{1B}[H"
    text += "teachpad console on \(source)   score \(maze.score)\u{1B}[K\n\n"
    for line in maze.lines {
      text += "  " + line.replacingAll("C", "\u{1B}[1;33mC\u{1B}[0m") + "\u{1B}[K\n"
    }
    text += "\nstate: " + (link.lastState.map(describe) ?? "unknown") + "\u{1B}[K\n"
    text += "last:  " + lastEvent + "\u{1B}[K\n"
    text += link.statistics + "\u{1B}[K\n"
    writeStandardOutput(text)
  }

  private func finish() -> Int32 {
    if !headless { writeStandardOutput("\u{1B}[?25h") }
    writeStandardOutput(link.statistics + "\n")
    return 0
  }
}

extension String {
  /// Every `target` character replaced by `replacement` (no Foundation).
  fileprivate func replacingAll(_ target: Character, _ replacement: String) -> String {
    var result = ""
    for character in self {
      if character == target { result += replacement } else { result.append(character) }
    }
    return result
  }
}
