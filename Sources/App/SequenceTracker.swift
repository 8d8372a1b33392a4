/// What one received sequence number says about the link.
public enum SequenceCheck: Equatable {
  /// The number after the previous one (or the first line seen).
  case inOrder
  /// `missing` lines were lost (or coalesced by the sender) before this one.
  case afterGap(missing: Int)
  /// Older than the previous line: reordered or repeated.
  case outOfOrder
  /// Far older than the previous line: the device started again (its
  /// numbers restart at 0); counting goes on from this line.
  case restarted
}

/// Follows the sequence numbers of received lines, for the console side of
/// the link. Numbers wrap from 65535 to 0; a jump of less than half the
/// range forward counts as lost lines, one back by at most
/// `reorderWindow` as out of order, and one further back as a restart of
/// the device.
public struct SequenceTracker {
  /// The number the next line should carry; nil before the first line.
  public private(set) var expected: Int?
  public private(set) var lostCount = 0
  public private(set) var outOfOrderCount = 0
  public private(set) var restartCount = 0
  /// How far back a number may be and still count as reordered. A serial
  /// line does not reorder; this covers repeated and damaged lines.
  public static let reorderWindow = 64

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
      if modulus - gap > SequenceTracker.reorderWindow {
        restartCount += 1
        self.expected = (sequence + 1) % modulus
        return .restarted
      }
      outOfOrderCount += 1
      return .outOfOrder
    }
    self.expected = (sequence + 1) % modulus
    guard gap > 0 else { return .inOrder }
    lostCount += gap
    return .afterGap(missing: gap)
  }
}
