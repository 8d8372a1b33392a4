import Foundation

/// The teachpad binary SwiftPM built beside the test bundle.
public let teachpadBinary = URL(fileURLWithPath: CommandLine.arguments[0])
  .deletingLastPathComponent().appendingPathComponent("teachpad")

/// What one run of the teachpad binary left behind.
public struct TeachpadRun {
  public var status: Int32
  public var output: String
  public var errors: String
}

/// Runs teachpad with `arguments` to its end (with `environment` added to
/// this process's). Standard error is drained on another thread while
/// standard output is read here, so a run that writes a lot to one of them
/// never blocks on a full pipe. `launcher` (a program and its arguments,
/// such as setpriv's) starts the binary when given. A run still going after
/// `timeoutSeconds` is terminated (SIGTERM): a test of something that used
/// to hang fails instead of hanging the suite.
public func runTeachpad(
  _ arguments: [String], environment: [String: String] = [:],
  launcher: [String] = [], timeoutSeconds: Double? = nil
) throws -> TeachpadRun {
  let process = Process()
  if let program = launcher.first {
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = launcher.dropFirst() + [teachpadBinary.path] + arguments
  } else {
    process.executableURL = teachpadBinary
    process.arguments = arguments
  }
  if !environment.isEmpty {
    process.environment = ProcessInfo.processInfo.environment
      .merging(environment) { _, added in added }
  }
  let output = Pipe()
  let errors = Pipe()
  process.standardOutput = output
  process.standardError = errors
  try process.run()
  if let timeoutSeconds {
    DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds) {
      if process.isRunning { process.terminate() }
    }
  }
  let drained = ErrorBytes()
  let thread = Thread {
    drained.data = errors.fileHandleForReading.readDataToEndOfFile()
    drained.done.signal()
  }
  thread.start()
  let outputData = output.fileHandleForReading.readDataToEndOfFile()
  drained.done.wait()
  process.waitUntilExit()
  return TeachpadRun(status: process.terminationStatus,
                     output: String(decoding: outputData, as: UTF8.self),
                     errors: String(decoding: drained.data, as: UTF8.self))
}

private final class ErrorBytes: @unchecked Sendable {
  var data = Data()
  let done = DispatchSemaphore(value: 0)
}

/// The shared files: `$TEACHPAD_SHARED`, else `../shared` beside the
/// repository.
public enum SharedFolder {
  public static let root: URL = {
    if let path = ProcessInfo.processInfo.environment["TEACHPAD_SHARED"] {
      return URL(fileURLWithPath: path)
    }
    return URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent()  // TestSupport
      .deletingLastPathComponent()  // Tests
      .deletingLastPathComponent()  // repository
      .deletingLastPathComponent()
      .appendingPathComponent("shared")
  }()

  /// A file of the shared folder; throws a message naming it if missing.
  public static func path(_ relative: String) throws -> String {
    let path = root.appendingPathComponent(relative).standardized.path
    guard FileManager.default.fileExists(atPath: path) else {
      throw MissingSharedFile(path: path)
    }
    return path
  }

  /// `$TEACHPAD_MODEL`, else the shared model.
  public static func modelPath() throws -> String {
    if let path = ProcessInfo.processInfo.environment["TEACHPAD_MODEL"], !path.isEmpty {
      return path
    }
    return try path("models/mobilenet_v1_0.25_224_quant.tflite")
  }
}

public struct MissingSharedFile: Error, CustomStringConvertible {
  public var path: String
  public var description: String { "\(path) is missing (set TEACHPAD_SHARED)" }
}

/// The number of a process that has ended: /bin/true is run, waited for
/// and reaped, so kill(number, 0) fails with ESRCH until the system hands
/// the number out again.
public func endedProcessID() throws -> Int32 {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/true")
  try process.run()
  process.waitUntilExit()
  return process.processIdentifier
}
