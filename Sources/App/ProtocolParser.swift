/// A line read from the serial link, checked and decoded.
public struct ReceivedLine: Equatable {
  public let sequence: Int
  public let message: ProtocolMessage

  public init(sequence: Int, message: ProtocolMessage) {
    self.sequence = sequence
    self.message = message
  }
}

/// Why a line was rejected. `checksumMismatch` means the line was damaged
/// on the way; the others mean it does not follow the grammar.
public enum ProtocolError: Error, Equatable {
  /// No `$` at the start, no `*HH` at the end, or a byte outside
  /// printable ASCII.
  case malformed
  case checksumMismatch(expected: UInt8, found: UInt8)
  /// A sentence name other than TPDIR, TPSTA and TPHBT.
  case unknownSentence
  /// The sequence number or a field does not fit the sentence's grammar.
  case badField(index: Int)
}

/// Checks and decodes protocol lines (grammar in `ProtocolMessage`).
public enum ProtocolParser {
  /// Decodes one line. A trailing CR and/or LF is allowed.
  public static func parse(
    _ line: UnsafeRawBufferPointer
  ) throws(ProtocolError) -> ReceivedLine {
    var end = line.count
    while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D { end -= 1 }
    guard end >= 4, line[0] == UInt8(ascii: "$"),
          line[end - 3] == UInt8(ascii: "*"),
          let high = ProtocolChecksum.hexValue(line[end - 2]),
          let low = ProtocolChecksum.hexValue(line[end - 1])
    else { throw .malformed }
    let body = UnsafeRawBufferPointer(rebasing: line[1..<(end - 3)])
    for byte in body where byte < 0x20 || byte > 0x7E
      || byte == UInt8(ascii: "$") || byte == UInt8(ascii: "*") {
      throw .malformed
    }

    let expected = ProtocolChecksum.of(body)
    let found = high << 4 | low
    guard expected == found else {
      throw .checksumMismatch(expected: expected, found: found)
    }

    var fields = FieldReader(body)
    return try decode(&fields)
  }

  /// Decodes one line given as a string.
  public static func parse(_ line: String) throws(ProtocolError) -> ReceivedLine {
    var copy = line
    let result = copy.withUTF8 { bytes -> Result<ReceivedLine, ProtocolError> in
      do throws(ProtocolError) {
        return .success(try parse(UnsafeRawBufferPointer(bytes)))
      } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  private static func decode(
    _ fields: inout FieldReader
  ) throws(ProtocolError) -> ReceivedLine {
    let sentence = fields.next()
    guard let sequence = fields.nextNumber(maximum: 65_535),
          fields.lastLength <= 5
    else { throw .badField(index: 1) }

    let message: ProtocolMessage
    if sentence.matches("TPDIR") {
      guard let direction = fields.nextDirection() else { throw .badField(index: 2) }
      guard let confidence = fields.nextDecimal(fractionDigits: 2),
            confidence <= 1
      else { throw .badField(index: 3) }
      message = .direction(direction, confidence: confidence)
    } else if sentence.matches("TPSTA") {
      message = .state(try decodeState(&fields))
    } else if sentence.matches("TPHBT") {
      guard let uptime = fields.nextNumber(maximum: Int(Int32.max)) else {
        throw .badField(index: 2)
      }
      message = .heartbeat(uptimeSeconds: uptime)
    } else {
      throw .unknownSentence
    }

    guard fields.isAtEnd else { throw .badField(index: fields.index) }
    return ReceivedLine(sequence: sequence, message: message)
  }

  private static func decodeState(
    _ fields: inout FieldReader
  ) throws(ProtocolError) -> DeviceState {
    let name = fields.next()
    if name.matches("IDLE") { return .idle }
    if name.matches("PLAY") { return .playing }
    if name.matches("COLLECT") {
      guard let direction = fields.nextDirection() else { throw .badField(index: 3) }
      guard let count = fields.nextNumber(maximum: Int(Int32.max)) else {
        throw .badField(index: 4)
      }
      return .collecting(direction, count: count)
    }
    if name.matches("TRAIN") {
      guard let percent = fields.nextNumber(maximum: 100) else {
        throw .badField(index: 3)
      }
      guard !fields.isAtEnd else { throw .badField(index: 4) }
      if fields.peekIsEmpty {
        _ = fields.next()
        return .training(percent: percent, loss: nil)
      }
      guard let loss = fields.nextDecimal(fractionDigits: 4) else {
        throw .badField(index: 4)
      }
      return .training(percent: percent, loss: loss)
    }
    if name.matches("ERROR") {
      let token = fields.next()
      for reason in ErrorReason.allCases where token.matches(reason.token) {
        return .error(reason)
      }
      throw .badField(index: 3)
    }
    throw .badField(index: 2)
  }
}

/// One comma-separated field of a line body.
private struct Field {
  let bytes: UnsafeRawBufferPointer

  func matches(_ text: StaticString) -> Bool {
    text.withUTF8Buffer { expected in
      expected.count == bytes.count && zip(expected, bytes).allSatisfy { $0 == $1 }
    }
  }
}

/// Walks the fields of a body from left to right.
private struct FieldReader {
  private let body: UnsafeRawBufferPointer
  private var position = 0
  private var exhausted = false
  /// Fields read so far; the index of the next one.
  private(set) var index = 0
  private(set) var lastLength = 0

  init(_ body: UnsafeRawBufferPointer) {
    self.body = body
  }

  var isAtEnd: Bool { exhausted }

  var peekIsEmpty: Bool {
    !exhausted && (position == body.count || body[position] == UInt8(ascii: ","))
  }

  /// The next field; an empty one once the body is used up.
  mutating func next() -> Field {
    guard !exhausted else { return Field(bytes: UnsafeRawBufferPointer(rebasing: body[0..<0])) }
    var end = position
    while end < body.count, body[end] != UInt8(ascii: ",") { end += 1 }
    let field = Field(bytes: UnsafeRawBufferPointer(rebasing: body[position..<end]))
    if end == body.count { exhausted = true } else { position = end + 1 }
    index += 1
    lastLength = field.bytes.count
    return field
  }

  /// A whole number of at most ten digits, no sign, no more than `maximum`.
  mutating func nextNumber(maximum: Int) -> Int? {
    let field = next()
    guard field.bytes.count > 0, field.bytes.count <= 10 else { return nil }
    var value = 0
    for byte in field.bytes {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return value <= maximum ? value : nil
  }

  /// A decimal with one to six digits, a point and exactly
  /// `fractionDigits` digits.
  mutating func nextDecimal(fractionDigits: Int) -> Double? {
    let field = next()
    guard let point = field.bytes.firstIndex(of: UInt8(ascii: ".")),
          point >= 1, point <= 6,
          field.bytes.count - point - 1 == fractionDigits
    else { return nil }
    var scaled = 0
    var divisor = 1
    for (offset, byte) in field.bytes.enumerated() where offset != point {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      scaled = scaled * 10 + Int(byte - UInt8(ascii: "0"))
      if offset > point { divisor *= 10 }
    }
    // One division keeps the value the nearest double to the written one.
    return Double(scaled) / Double(divisor)
  }

  mutating func nextDirection() -> Direction? {
    let field = next()
    for direction in Direction.allCases where field.matches(direction.token) {
      return direction
    }
    return nil
  }
}
