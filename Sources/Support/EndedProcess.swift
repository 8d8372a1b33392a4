import CShims

/// Process numbers written into file and folder names, and whether the
/// process that wrote one has ended: the test for leftovers that only a
/// SIGKILL or a power cut can leave.
public enum EndedProcess {
  /// Whether no process has this number: kill(2) with signal 0 checks
  /// without sending anything, and only ESRCH means there is none (EPERM,
  /// a process of another user, counts as live).
  public static func hasEnded(_ processID: Int32) -> Bool {
    kill(processID, 0) != 0 && shim_errno() == ESRCH
  }

  /// The process number spelled by `digits` as a plain decimal from 1 to
  /// Int32.max (no sign, no leading zero), else nil.
  public static func processID(_ digits: Substring.UTF8View) -> Int32? {
    guard let value = plainDecimal(digits), value >= 1, value <= Int(Int32.max) else {
      return nil
    }
    return Int32(value)
  }

  /// The value of 1 to 18 digits without a leading zero ("0" itself
  /// allowed), which cannot overflow; nil for anything else.
  public static func plainDecimal(_ digits: Substring.UTF8View) -> Int? {
    guard (1...18).contains(digits.count),
          digits.first != UInt8(ascii: "0") || digits.count == 1 else { return nil }
    var value = 0
    for byte in digits {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return value
  }
}
