import CShims
import Support

/// Splits incoming serial bytes into lines. A line ends at "\n"; a "\r"
/// right before it is dropped. A line longer than `maximumLineLength` is
/// skipped up to its newline and counted, so a noisy wire cannot grow the
/// buffer. Bytes other than the line ends pass unchanged.
public struct SerialLineReader {
  public let maximumLineLength: Int
  /// Lines skipped because they were too long.
  public private(set) var overlongLineCount = 0
  private var partial: [UInt8] = []
  private var skippingOverlongLine = false

  public init(maximumLineLength: Int = 512) {
    precondition(maximumLineLength > 0,
                 "SerialLineReader: maximumLineLength must be positive")
    self.maximumLineLength = maximumLineLength
    partial.reserveCapacity(maximumLineLength)
  }

  /// Feeds received bytes; calls `handle` with each completed line
  /// (without its line end). The buffer is valid during the call only.
  public mutating func append(
    _ bytes: UnsafeRawBufferPointer,
    _ handle: (UnsafeRawBufferPointer) -> Void
  ) {
    for byte in bytes {
      if byte == UInt8(ascii: "\n") {
        finishLine(handle)
      } else if skippingOverlongLine {
        continue
      } else if partial.count == maximumLineLength {
        partial.removeAll(keepingCapacity: true)
        skippingOverlongLine = true
        overlongLineCount += 1
      } else {
        partial.append(byte)
      }
    }
  }

  /// Reads what `port` has within `timeoutMilliseconds` and hands out the
  /// lines it completes. Throws when the port is gone.
  public mutating func read(
    from port: SerialPort, timeoutMilliseconds: Int,
    _ handle: (UnsafeRawBufferPointer) -> Void
  ) throws(SystemError) {
    guard port.waitReadable(timeoutMilliseconds: timeoutMilliseconds) else {
      return
    }
    var chunk: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                   0, 0)
    while true {
      let got = try withUnsafeMutableBytes(of: &chunk) {
        (buffer) throws(SystemError) -> Int in try port.read(into: buffer)
      }
      if got == 0 {
        // A hung-up pseudo-terminal reads 0 forever; report it as gone.
        if port.hasHungUp { throw SystemError("read", code: EIO) }
        return
      }
      withUnsafeBytes(of: chunk) { append(UnsafeRawBufferPointer(
        rebasing: $0[0..<got]), handle) }
    }
  }

  private mutating func finishLine(
    _ handle: (UnsafeRawBufferPointer) -> Void
  ) {
    if skippingOverlongLine {
      skippingOverlongLine = false
      return
    }
    if partial.last == UInt8(ascii: "\r") { partial.removeLast() }
    partial.withUnsafeBytes { handle($0) }
    partial.removeAll(keepingCapacity: true)
  }
}
