/// What one received sequence number says about the link.
public enum SequenceCheck: Equatable {
  /// The number after the previous one (or the first line seen).
  case inOrder
  /// `missing` lines were lost (or coalesced by the sender) before this one.
  case afterGap(missing: Int)
  /// Older than the previous line: reordered or repeated.
  case outOfOrder
}

/// Follows the sequence numbers of received lines, for the console side of
/// the link. Numbers wrap from 65535 to 0; a jump of less than half the
/// range forward counts as lost lines, anything else as out of order.
public struct SequenceTracker {
  /// The number the next line should carry; nil before the first line.
  public private(set) var expected: Int?
  public private(set) var lostCount = 0
  public private(set) var outOfOrderCount = 0

  public init() {}

  public mutating func note(_ sequence: Int) -> SequenceCheck {
    let modulus = ProtocolEncoder.sequenceModulus
    precondition(sequence >= 0 && sequence < modulus,
                 "SequenceTracker.note: sequence \(sequence) is out of range")
    guard let expected else {
      self.expected = (sequence + 1) % modulus
      return .inOrder
    }
    let gap = (sequence - expected + modulus) % modulus
    guard gap < modulus / 2 else {
      outOfOrderCount += 1
      return .outOfOrder
    }
    self.expected = (sequence + 1) % modulus
    guard gap > 0 else { return .inOrder }
    lostCount += gap
    return .afterGap(missing: gap)
  }
}
