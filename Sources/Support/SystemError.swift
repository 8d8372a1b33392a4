import CShims

/// An errno value from a failed system call, with the call's name.
public struct SystemError: Error, Equatable {
  public let call: StaticString
  public let code: Int32
  /// Said instead of the C library's text when the code alone would
  /// mislead ("it is a pipe (FIFO), not a regular file").
  public let detail: String?

  public init(_ call: StaticString, code: Int32 = shim_errno(), detail: String? = nil) {
    self.call = call
    self.code = code
    self.detail = detail
  }

  public static func == (left: SystemError, right: SystemError) -> Bool {
    left.code == right.code && left.call.description == right.call.description
  }

  /// The C library's text for the code, such as "No such file or directory".
  public var reason: String {
    if let detail { return detail }
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
