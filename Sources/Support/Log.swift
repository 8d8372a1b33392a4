import CShims

/// How much the logger says. `info` is the default: one line per state
/// change, never one per frame.
public enum LogLevel: Int, Comparable {
  case debug = 0, info, warning, error

  public static func < (left: LogLevel, right: LogLevel) -> Bool {
    left.rawValue < right.rawValue
  }

  var label: StaticString {
    switch self {
    case .debug: return "debug"
    case .info: return "info"
    case .warning: return "warning"
    case .error: return "error"
    }
  }
}

/// Process-wide logging settings. Set once at start, before threads run.
public enum LogSettings {
  /// Lines below this level are dropped.
  nonisolated(unsafe) public static var minimumLevel: LogLevel = .info
  /// Where lines go; standard error unless a test points it elsewhere.
  nonisolated(unsafe) public static var outputDescriptor: Int32 = 2
}

/// A logger for one subsystem. Each line reads `subsystem: message`, or
/// `subsystem: warning: message` above info. Formatting happens in a fixed
/// buffer inside `LogMessage`, so logging allocates nothing.
public struct Logger {
  public let subsystem: StaticString

  public init(_ subsystem: StaticString) {
    self.subsystem = subsystem
  }

  public func debug(_ message: LogMessage) { emit(.debug, message) }
  public func info(_ message: LogMessage) { emit(.info, message) }
  public func warning(_ message: LogMessage) { emit(.warning, message) }
  public func error(_ message: LogMessage) { emit(.error, message) }

  public func emit(_ level: LogLevel, _ message: LogMessage) {
    guard level >= LogSettings.minimumLevel else { return }
    var line = LogMessage()
    line.append(subsystem)
    line.append(": " as StaticString)
    if level != .info {
      line.append(level.label)
      line.append(": " as StaticString)
    }
    line.append(message)
    line.appendNewline()
    line.write(to: LogSettings.outputDescriptor)
  }
}
