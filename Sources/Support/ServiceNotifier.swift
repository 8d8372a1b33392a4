import CShims

/// Tells systemd how the service is doing: ready, alive (the watchdog),
/// stopping, and a one-line status. It speaks the notification protocol
/// directly, one datagram per message to the socket in `$NOTIFY_SOCKET`
/// (`shim_notify_send`), so teachpad needs no libsystemd.
///
/// Outside systemd (no `$NOTIFY_SOCKET`) every call does nothing, so the
/// same code runs from a terminal. A failed send is logged once and then
/// ignored: a service manager that stopped listening must not stop the
/// device.
public final class ServiceNotifier {
  private let socketPath: String?
  /// Half of systemd's `WatchdogSec`, or nil when no watchdog is set.
  public let keepAliveIntervalNanoseconds: Int64?
  private var lastKeepAliveNanoseconds: Int64 = 0
  private var reportedFailure = false

  /// Reads `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and `$WATCHDOG_PID` the way
  /// systemd sets them for the main process of a `Type=notify` unit.
  public convenience init() {
    self.init(socketPath: Self.environment("NOTIFY_SOCKET"),
              watchdogMicroseconds: Self.environment("WATCHDOG_USEC"),
              watchdogProcess: Self.environment("WATCHDOG_PID"),
              processIdentifier: Int(getpid()))
  }

  /// The same from given values; tests use it with their own socket.
  public init(socketPath: String?, watchdogMicroseconds: String?,
              watchdogProcess: String?, processIdentifier: Int) {
    self.socketPath = socketPath
    var interval: Int64? = nil
    // WATCHDOG_PID names the process the watchdog is for; another one
    // (a child that inherited the environment) must not feed it.
    let forThisProcess = watchdogProcess.map { Int($0) == processIdentifier } ?? true
    if socketPath != nil, forThisProcess,
       let text = watchdogMicroseconds, let microseconds = Int64(text),
       microseconds > 0 {
      interval = microseconds * 1000 / 2
    }
    keepAliveIntervalNanoseconds = interval
  }

  /// Whether a service manager is listening.
  public var isActive: Bool { socketPath != nil }

  /// Startup is complete: the devices are open and the loop runs.
  public func ready() { send("READY=1") }

  /// The service is shutting down on purpose.
  public func stopping() { send("STOPPING=1") }

  /// A line for `systemctl status`, such as "playing".
  public func status(_ text: String) { send("STATUS=" + text) }

  /// Feeds the watchdog when half its interval has passed since the last
  /// time. Call it from every turn of the main loop; it is cheap between
  /// feeds (one clock read).
  public func keepAlive() {
    guard let interval = keepAliveIntervalNanoseconds else { return }
    let now = shim_monotonic_nanoseconds()
    guard lastKeepAliveNanoseconds == 0
      || now - lastKeepAliveNanoseconds >= interval else { return }
    lastKeepAliveNanoseconds = now
    send("WATCHDOG=1")
  }

  private func send(_ message: String) {
    guard let socketPath else { return }
    var text = message
    let status = text.withUTF8 { bytes in
      bytes.withMemoryRebound(to: CChar.self) {
        shim_notify_send(socketPath, $0.baseAddress, $0.count)
      }
    }
    if status != 0 && !reportedFailure {
      reportedFailure = true
      let error = SystemError("sendto", code: status)
      Logger("service").warning(
        "cannot notify systemd at \(socketPath): \(error.reason)")
    }
  }

  private static func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    let text = String(cString: value)
    return text.isEmpty ? nil : text
  }
}
