import CShims

/// An errno value from a failed system call, with the call's name.
public struct SystemError: Error, Equatable {
  public let call: StaticString
  public let code: Int32

  public init(_ call: StaticString, code: Int32 = shim_errno()) {
    self.call = call
    self.code = code
  }

  public static func == (left: SystemError, right: SystemError) -> Bool {
    left.code == right.code && left.call.description == right.call.description
  }

  /// The C library's text for the code, such as "No such file or directory".
  public var reason: String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
  }
}

/// Runs a system call, retrying while it fails with EINTR, and throws its
/// errno when it returns -1.
@discardableResult
public func retryingInterrupts<Result: BinaryInteger>(
  _ call: StaticString, _ body: () -> Result
) throws(SystemError) -> Result {
  while true {
    let result = body()
    if result != -1 { return result }
    let code = shim_errno()
    if code != EINTR { throw SystemError(call, code: code) }
  }
}
