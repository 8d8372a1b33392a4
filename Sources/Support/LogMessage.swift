import CShims

/// A line of text built in place, up to `capacity` bytes; anything longer is
/// cut and ends in "...". Interpolating integers, strings and static strings
/// allocates nothing, which keeps logging off the heap.
public struct LogMessage: ExpressibleByStringInterpolation {
  public static let capacity = 240

  private var storage: (
    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
  ) = (
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  )
  public private(set) var count = 0
  private var truncated = false

  public init() {}

  public init(stringLiteral value: StaticString) {
    append(value)
  }

  public init(stringInterpolation: LogMessage) {
    self = stringInterpolation
  }

  /// The bytes written so far.
  public func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    withUnsafeBytes(of: storage) { all in
      body(UnsafeRawBufferPointer(rebasing: all[0..<count]))
    }
  }

  public mutating func append(byte: UInt8) {
    guard !truncated else { return }
    // Keep room for "...\n" after the text.
    guard count < Self.capacity - 4 else {
      truncated = true
      for dot in 0..<3 { put(UInt8(ascii: "."), at: count + dot) }
      count += 3
      return
    }
    put(byte, at: count)
    count += 1
  }

  private mutating func put(_ byte: UInt8, at index: Int) {
    withUnsafeMutableBytes(of: &storage) { $0[index] = byte }
  }

  public mutating func append(_ text: StaticString) {
    text.withUTF8Buffer { for byte in $0 { append(byte: byte) } }
  }

  public mutating func append(_ text: String) {
    for byte in text.utf8 { append(byte: byte) }
  }

  public mutating func append(_ other: LogMessage) {
    other.withBytes { for byte in $0 { append(byte: byte) } }
  }

  public mutating func append(_ value: Int) {
    var magnitude = value.magnitude
    if value < 0 { append(byte: UInt8(ascii: "-")) }
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
    var digitCount = 0
    withUnsafeMutableBytes(of: &digits) { buffer in
      repeat {
        buffer[digitCount] = UInt8(ascii: "0") + UInt8(magnitude % 10)
        magnitude /= 10
        digitCount += 1
      } while magnitude > 0
    }
    withUnsafeBytes(of: digits) { buffer in
      for index in stride(from: digitCount - 1, through: 0, by: -1) {
        append(byte: buffer[index])
      }
    }
  }

  /// A fixed-point decimal with `fractionDigits` digits after the point.
  public mutating func append(_ value: Double, fractionDigits: Int) {
    guard value.isFinite else {
      append(value.isNaN ? "nan" as StaticString : "inf" as StaticString)
      return
    }
    var scale = 1.0
    for _ in 0..<fractionDigits { scale *= 10 }
    let scaled = (value.magnitude * scale).rounded()
    guard scaled < 9.0e18 else {
      append("huge" as StaticString)
      return
    }
    let whole = Int(scaled)
    var divisor = 1
    for _ in 0..<fractionDigits { divisor *= 10 }
    if value < 0 && whole != 0 { append(byte: UInt8(ascii: "-")) }
    append(whole / divisor)
    guard fractionDigits > 0 else { return }
    append(byte: UInt8(ascii: "."))
    var fraction = whole % divisor
    var place = divisor / 10
    while place > 0 {
      append(byte: UInt8(ascii: "0") + UInt8(fraction / place))
      fraction %= place
      place /= 10
    }
  }

  mutating func appendNewline() {
    if count >= Self.capacity { count = Self.capacity - 1 }
    put(UInt8(ascii: "\n"), at: count)
    count += 1
  }

  func write(to descriptor: Int32) {
    withBytes { bytes in
      _ = shim_write_all(descriptor, bytes.baseAddress, bytes.count)
    }
  }
}

extension LogMessage: StringInterpolationProtocol {
  public init(literalCapacity: Int, interpolationCount: Int) {}

  public mutating func appendLiteral(_ literal: StaticString) {
    append(literal)
  }

  public mutating func appendInterpolation(_ value: Int) { append(value) }
  public mutating func appendInterpolation(_ value: Int32) { append(Int(value)) }
  public mutating func appendInterpolation(_ value: UInt32) { append(Int(value)) }
  public mutating func appendInterpolation(_ value: String) { append(value) }
  public mutating func appendInterpolation(_ value: StaticString) {
    append(value)
  }
  public mutating func appendInterpolation(_ value: Bool) {
    append(value ? "true" as StaticString : "false" as StaticString)
  }
  /// A number with a fixed count of digits after the point: `\(loss, 4)`.
  public mutating func appendInterpolation(_ value: Double, _ digits: Int) {
    append(value, fractionDigits: digits)
  }
  public mutating func appendInterpolation(_ value: Float, _ digits: Int) {
    append(Double(value), fractionDigits: digits)
  }
}
