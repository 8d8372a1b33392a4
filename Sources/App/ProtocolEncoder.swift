/// Turns messages into protocol lines (see `ProtocolMessage` for the
/// grammar), numbering them in order. The line is built in a buffer that is
/// reused, so encoding allocates nothing after the first message.
public struct ProtocolEncoder {
  /// The longest line the encoder writes, without its newline.
  public static let maximumLineLength = 64
  /// Sequence numbers run from 0 to `sequenceModulus - 1`, then wrap.
  public static let sequenceModulus = 65_536

  /// The sequence number the next line gets.
  public private(set) var nextSequence: Int
  private var bytes: [UInt8] = []

  public init(firstSequence: Int = 0) {
    precondition(firstSequence >= 0 && firstSequence < Self.sequenceModulus,
                 "ProtocolEncoder: first sequence \(firstSequence) is out of range")
    nextSequence = firstSequence
    bytes.reserveCapacity(Self.maximumLineLength)
  }

  /// Encodes `message` and hands the line, without a newline, to `body`.
  public mutating func encode<Result>(
    _ message: ProtocolMessage, _ body: (UnsafeRawBufferPointer) -> Result
  ) -> Result {
    bytes.removeAll(keepingCapacity: true)
    bytes.append(UInt8(ascii: "$"))
    appendBody(of: message)
    appendChecksum()
    precondition(bytes.count <= Self.maximumLineLength,
                 "ProtocolEncoder: line of \(bytes.count) bytes is too long")
    nextSequence = (nextSequence + 1) % Self.sequenceModulus
    return bytes.withUnsafeBytes(body)
  }

  /// The line for `message` as a string, for tests and tools.
  public mutating func line(for message: ProtocolMessage) -> String {
    encode(message) { String(decoding: $0, as: UTF8.self) }
  }

  private mutating func appendBody(of message: ProtocolMessage) {
    switch message {
    case .direction(let direction, let confidence):
      appendSentence("TPDIR")
      append(direction.token)
      appendComma()
      appendFixed(hundredths(confidence), fractionDigits: 2)
    case .state(let state):
      appendSentence("TPSTA")
      appendFields(of: state)
    case .heartbeat(let uptimeSeconds):
      appendSentence("TPHBT")
      append(max(0, uptimeSeconds))
    }
  }

  private mutating func appendFields(of state: DeviceState) {
    switch state {
    case .idle:
      append("IDLE")
    case .collecting(let direction, let count):
      append("COLLECT,")
      append(direction.token)
      appendComma()
      append(max(0, count))
    case .training(let percent, let loss):
      append("TRAIN,")
      append(min(100, max(0, percent)))
      appendComma()
      if let loss, let scaled = tenThousandths(loss) {
        appendFixed(scaled, fractionDigits: 4)
      }
    case .playing:
      append("PLAY")
    case .error(let reason):
      append("ERROR,")
      append(reason.token)
    }
  }

  /// The sentence name and the sequence number, each followed by a comma.
  private mutating func appendSentence(_ name: StaticString) {
    append(name)
    appendComma()
    append(nextSequence)
    appendComma()
  }

  private mutating func appendChecksum() {
    let checksum = ProtocolChecksum.of(bytes.dropFirst())
    bytes.append(UInt8(ascii: "*"))
    bytes.append(ProtocolChecksum.hexDigit(checksum >> 4))
    bytes.append(ProtocolChecksum.hexDigit(checksum & 0x0F))
  }

  private mutating func appendComma() {
    bytes.append(UInt8(ascii: ","))
  }

  private mutating func append(_ text: StaticString) {
    text.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }

  private mutating func append(_ value: Int) {
    precondition(value >= 0, "ProtocolEncoder: negative field \(value)")
    var divisor = 1
    while divisor <= value / 10 { divisor *= 10 }
    var rest = value
    while divisor > 0 {
      bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
      rest %= divisor
      divisor /= 10
    }
  }

  /// `scaled / 10^fractionDigits` written with exactly that many decimals.
  private mutating func appendFixed(_ scaled: Int, fractionDigits: Int) {
    var divisor = 1
    for _ in 0..<fractionDigits { divisor *= 10 }
    append(scaled / divisor)
    bytes.append(UInt8(ascii: "."))
    var fraction = scaled % divisor
    var place = divisor / 10
    while place > 0 {
      bytes.append(UInt8(ascii: "0") + UInt8(fraction / place))
      fraction %= place
      place /= 10
    }
  }

  /// A confidence in hundredths, rounded and clamped to 0...100.
  private func hundredths(_ confidence: Double) -> Int {
    guard confidence.isFinite else { return 0 }
    return Int((min(1, max(0, confidence)) * 100).rounded())
  }

  /// A loss in ten-thousandths, or nil when it does not fit the grammar
  /// (negative, not finite, or a million or more).
  private func tenThousandths(_ loss: Double) -> Int? {
    guard loss.isFinite, loss >= 0, loss < 1_000_000 else { return nil }
    return Int((loss * 10_000).rounded())
  }
}

/// The NMEA 0183 checksum: the XOR of the bytes between `$` and `*`.
public enum ProtocolChecksum {
  public static func of<Bytes: Sequence>(_ body: Bytes) -> UInt8
  where Bytes.Element == UInt8 {
    var checksum: UInt8 = 0
    for byte in body { checksum ^= byte }
    return checksum
  }

  static func hexDigit(_ value: UInt8) -> UInt8 {
    value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
  }

  /// The value of an uppercase or lowercase hex digit, or nil.
  static func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
    default: return nil
    }
  }
}
