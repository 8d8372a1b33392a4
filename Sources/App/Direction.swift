import Board

/// The four classes the player teaches, one per label button and LED.
/// The raw value is the class label stored in the dataset.
public enum Direction: Int, CaseIterable {
  case up = 0, down, left, right

  /// The label button for this direction.
  public init?(button: Button) {
    switch button {
    case .up: self = .up
    case .down: self = .down
    case .left: self = .left
    case .right: self = .right
    case .train, .play: return nil
    }
  }

  public var light: Light {
    switch self {
    case .up: return .up
    case .down: return .down
    case .left: return .left
    case .right: return .right
    }
  }

  /// The word on the serial line and in logs: `UP`, `DOWN`, `LEFT`, `RIGHT`.
  public var token: StaticString {
    switch self {
    case .up: return "UP"
    case .down: return "DOWN"
    case .left: return "LEFT"
    case .right: return "RIGHT"
    }
  }

  /// The token as a `String`, for text built at run time.
  public var name: String {
    token.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
  }
}
