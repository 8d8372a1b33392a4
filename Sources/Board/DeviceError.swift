/// A device problem the world caused: a missing camera, a port that cannot
/// be configured. The message says what failed, on which device, why, and
/// what to try.
public struct DeviceError: Error, Equatable {
  public let message: String
  /// Whether opening again later may work: false for a mistake that only
  /// the user can fix, such as a path that is not a terminal device or a
  /// baud the driver does not offer; true for a device that is missing or
  /// was unplugged.
  public let retryCanFix: Bool

  public init(_ message: String, retryCanFix: Bool = true) {
    self.message = message
    self.retryCanFix = retryCanFix
  }
}

/// A GPIO request that failed. Each case names the chip and the pin (BCM
/// offset) so that the message points at the wire.
public enum GPIOError: Error, Equatable {
  /// No chip matches the name, path, label or number.
  case chipNotFound(chip: String, reason: String)
  /// The chip has fewer lines than the pin needs.
  case noSuchLine(chip: String, pin: Int, lineCount: Int)
  /// Another consumer holds the line.
  case lineBusy(chip: String, pin: Int, consumer: String)
  /// The kernel refused the request for another reason.
  case requestFailed(chip: String, pin: Int, reason: String)

  public var message: String {
    switch self {
    case .chipNotFound(let chip, let reason):
      return "gpio chip '\(chip)': not found (\(reason)); "
        + "check gpio.chip in the configuration or run gpiodetect"
    case .noSuchLine(let chip, let pin, let lineCount):
      return "gpio chip '\(chip)' pin \(pin): no such line "
        + "(the chip has \(lineCount) lines, 0 to \(lineCount - 1))"
    case .lineBusy(let chip, let pin, let consumer):
      return "gpio chip '\(chip)' pin \(pin): busy, held by '\(consumer)'; "
        + "stop that program or choose another pin"
    case .requestFailed(let chip, let pin, let reason):
      return "gpio chip '\(chip)' pin \(pin): request failed (\(reason))"
    }
  }
}
