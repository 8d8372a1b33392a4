/// The console's side of the serial link: checks each received line's
/// checksum, grammar and sequence number, keeps the link statistics, and
/// says what the line means for the game.
public struct ConsoleLink {
  /// What one received line amounts to.
  public enum Outcome: Equatable {
    /// A direction to move in (possibly after lost lines).
    case move(Direction, confidence: Double)
    case state(DeviceState)
    case heartbeat(uptimeSeconds: Int)
    /// A damaged or ungrammatical line, dropped.
    case corrupt(ProtocolError)
    /// A good line older than one already seen, dropped.
    case outOfOrder(sequence: Int)
  }

  /// Lines received, good or not (empty lines are not counted).
  public private(set) var lineCount = 0
  public private(set) var moveCount = 0
  public private(set) var corruptCount = 0
  /// Lines of the link reported missing by the sequence numbers.
  public var lostCount: Int { tracker.lostCount }
  public var outOfOrderCount: Int { tracker.outOfOrderCount }
  /// Times the device started again (its sequence numbers went back to 0).
  public var restartCount: Int { tracker.restartCount }
  /// Whether the line just handled was the first after a restart.
  public private(set) var lastRestarted = false
  /// The device's last reported state.
  public private(set) var lastState: DeviceState?
  /// Missing lines found before the line just handled (0 if none).
  public private(set) var lastGap = 0
  private var tracker = SequenceTracker()

  public init() {}

  public mutating func receive(_ line: UnsafeRawBufferPointer) -> Outcome? {
    lastGap = 0
    lastRestarted = false
    guard !line.isEmpty else { return nil }
    lineCount += 1
    let received: ReceivedLine
    do {
      received = try ProtocolParser.parse(line)
    } catch {
      corruptCount += 1
      return .corrupt(error)
    }
    switch tracker.note(received.sequence) {
    case .outOfOrder: return .outOfOrder(sequence: received.sequence)
    case .afterGap(let missing): lastGap = missing
    case .restarted: lastRestarted = true
    case .inOrder: break
    }
    switch received.message {
    case .direction(let direction, let confidence):
      moveCount += 1
      return .move(direction, confidence: confidence)
    case .state(let state):
      lastState = state
      return .state(state)
    case .heartbeat(let uptime):
      return .heartbeat(uptimeSeconds: uptime)
    }
  }

  /// `link: N lines, M moves, L lost, C corrupt, O out-of-order`, then
  /// `, R restarts` when the device started again.
  public var statistics: String {
    "link: \(lineCount) lines, \(moveCount) moves, \(lostCount) lost, "
      + "\(corruptCount) corrupt, \(outOfOrderCount) out-of-order"
      + (restartCount > 0 ? ", \(restartCount) restarts" : "")
  }
}

/// Text for a device state, as the console shows it.
public func describe(_ state: DeviceState) -> String {
  switch state {
  case .idle: return "IDLE"
  case .playing: return "PLAY"
  case .collecting(let direction, let count): return "COLLECT \(direction.name) \(count)"
  case .training(let percent, let loss):
    return "TRAIN \(percent)%" + (loss.map { " loss " + formatHundredths($0) } ?? "")
  case .error(let reason):
    return "ERROR " + reason.token.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
  }
}

/// 0.934 -> "0.93", without Foundation.
func formatHundredths(_ value: Double) -> String {
  let scaled = Int((max(0, value) * 100).rounded())
  let fraction = scaled % 100
  return "\(scaled / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
}

/// A describe for protocol errors.
public func describe(_ error: ProtocolError) -> String {
  switch error {
  case .malformed: return "malformed"
  case .checksumMismatch(let expected, let found):
    return "checksum \(hex(found)), expected \(hex(expected))"
  case .unknownSentence: return "unknown sentence"
  case .badField(let index): return "bad field \(index)"
  }
}

private func hex(_ byte: UInt8) -> String {
  let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
                             "A", "B", "C", "D", "E", "F"]
  return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
}
