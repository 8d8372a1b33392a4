import CShims
import Support

private let log = Logger("serial")

/// Where the console is wired and how fast it talks.
public struct SerialSettings {
  /// The tty: `/dev/serial0` (the Pi's UART on GPIO 14/15), a USB adapter
  /// such as `/dev/ttyUSB0`, or a stable `/dev/serial/by-id/...` name.
  public var path: String
  public var baud: Int
  /// Kinds of line kept while the peer is not reading; beyond this the
  /// oldest pending kind is dropped.
  public var pendingKindLimit: Int
  /// Back-off for reopening a missing or vanished port.
  public var retry: RetrySchedule

  public init(path: String = "/dev/serial0", baud: Int = 115_200,
              pendingKindLimit: Int = 16,
              retry: RetrySchedule = RetrySchedule()) {
    precondition(pendingKindLimit > 0,
                 "SerialSettings: pendingKindLimit must be positive")
    self.path = path
    self.baud = baud
    self.pendingKindLimit = pendingKindLimit
    self.retry = retry
  }
}

/// The serial link on a real tty. `send` and `service` never wait: bytes
/// go out as fast as the port takes them; when the peer stops reading,
/// pending lines coalesce by kind (see `SerialLink`) and the replaced ones
/// are counted in `droppedLineCount`. A port that is missing at start or
/// vanishes later is reopened with back-off, forever; lines sent meanwhile
/// wait, coalesced, and go out once it is back.
public final class LinuxSerialLink: SerialLink {
  public let settings: SerialSettings
  public private(set) var droppedLineCount = 0
  /// The open port, nil while it is missing.
  public private(set) var port: SerialPort?
  /// Why the port is closed, nil while it is open.
  public private(set) var problem: String?

  private var retry: RetrySchedule
  /// Lines not yet started, oldest first, at most one per kind.
  private var pending: [PendingLine] = []
  /// The line being written, with its newline, and how much went out.
  private var inFlight: [UInt8] = []
  private var inFlightSent = 0
  private var peerStalled = false

  public init(settings: SerialSettings = SerialSettings()) {
    self.settings = settings
    self.retry = settings.retry
    reopenIfDue()
  }

  public var isConnected: Bool { port != nil }

  /// Lines waiting to go out, including the one partly written.
  public var pendingLineCount: Int {
    pending.count + (inFlight.isEmpty ? 0 : 1)
  }

  public func send(line: UnsafeRawBufferPointer) {
    let kind = Self.kindLength(of: line)
    if let index = pending.firstIndex(where: { $0.matches(kind: line, kind) }) {
      pending.remove(at: index)
      countDrop()
    } else if pending.count == settings.pendingKindLimit {
      pending.removeFirst()
      countDrop()
    }
    var bytes = [UInt8](line)
    bytes.append(UInt8(ascii: "\n"))
    pending.append(PendingLine(bytes: bytes, kindLength: kind))
    service()
  }

  public func service() {
    reopenIfDue()
    guard let port else { return }

    if port.hasHungUp {
      lose(SystemError("poll", code: EIO))
      return
    }
    do throws(SystemError) {
      try writeWhatFits(port)
    } catch {
      lose(error)
      return
    }
    noteStall(!inFlight.isEmpty)
  }

  /// Reads the lines that arrived, waiting at most `timeoutMilliseconds`.
  public func receive(
    into reader: inout SerialLineReader, timeoutMilliseconds: Int,
    _ handle: (UnsafeRawBufferPointer) -> Void
  ) {
    reopenIfDue()
    guard let port else {
      MonotonicClock.sleep(milliseconds: Int32(min(timeoutMilliseconds,
                                                   1000)))
      return
    }
    do throws(SystemError) {
      try reader.read(from: port, timeoutMilliseconds: timeoutMilliseconds,
                      handle)
    } catch {
      lose(error)
    }
  }

  /// The bytes before the first comma, or the whole line.
  static func kindLength(of line: UnsafeRawBufferPointer) -> Int {
    line.firstIndex(of: UInt8(ascii: ",")) ?? line.count
  }

  private func writeWhatFits(_ port: SerialPort) throws(SystemError) {
    while true {
      if inFlight.isEmpty {
        guard !pending.isEmpty else { return }
        inFlight = pending.removeFirst().bytes
        inFlightSent = 0
      }
      var failure: SystemError?
      let written = inFlight.withUnsafeBytes { bytes -> Int in
        do throws(SystemError) {
          return try port.write(UnsafeRawBufferPointer(
            rebasing: bytes[inFlightSent...]))
        } catch {
          failure = error
          return 0
        }
      }
      if let failure { throw failure }
      if written == 0 { return }
      inFlightSent += written
      if inFlightSent == inFlight.count {
        inFlight.removeAll(keepingCapacity: true)
        inFlightSent = 0
      }
    }
  }

  private func reopenIfDue() {
    guard port == nil else { return }
    let now = MonotonicClock.nanoseconds
    guard retry.isDue(now: now) else { return }
    do throws(DeviceError) {
      port = try SerialPort(path: settings.path, baud: settings.baud)
    } catch {
      retry.failed(now: now)
      if problem == nil {
        log.warning("\(error.message) (retrying in the background)")
      }
      problem = error.message
      return
    }
    retry.succeeded()
    problem = nil
    log.info("\(settings.path): open, raw 8N1 at \(settings.baud) baud")
    restartInFlightLine()
  }

  private func lose(_ error: SystemError) {
    let message = "serial port \(settings.path): lost (\(error.reason))"
    log.warning("\(message); reopening with back-off")
    problem = message
    port = nil
    retry.failed(now: MonotonicClock.nanoseconds)
    restartInFlightLine()
  }

  /// A line cut off by a lost port goes out whole on the next one, unless
  /// a newer line of its kind already waits.
  private func restartInFlightLine() {
    guard !inFlight.isEmpty else { return }
    let line = inFlight
    inFlight.removeAll(keepingCapacity: true)
    inFlightSent = 0

    let kindLength = line.firstIndex(of: UInt8(ascii: ",")) ?? line.count - 1
    let superseded = line.withUnsafeBytes { bytes in
      pending.contains { $0.matches(kind: bytes, kindLength) }
    }
    if superseded {
      droppedLineCount += 1
    } else {
      pending.insert(PendingLine(bytes: line, kindLength: kindLength), at: 0)
    }
  }

  private func countDrop() {
    droppedLineCount += 1
    if port != nil { noteStall(true) }
  }

  private func noteStall(_ stalled: Bool) {
    guard stalled != peerStalled else { return }
    peerStalled = stalled
    if stalled {
      log.warning(
        "\(settings.path): peer not reading; keeping the newest line of each kind")
    } else {
      log.info("\(settings.path): peer reading again; \(droppedLineCount) lines dropped so far")
    }
  }
}

/// A line waiting to be sent: its bytes with the newline, and how many
/// leading bytes name its kind.
private struct PendingLine {
  let bytes: [UInt8]
  let kindLength: Int

  func matches(kind line: UnsafeRawBufferPointer, _ length: Int) -> Bool {
    guard length == kindLength else { return false }
    for index in 0..<length where bytes[index] != line[index] {
      return false
    }
    return true
  }
}
