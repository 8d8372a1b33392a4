/// The shape of one activation: the engine's 7x7x256 uint8 cut, row-major
/// height x width x channels, as a head sees its input.
public struct ActivationShape: Equatable {
  public var height: Int
  public var width: Int
  public var channels: Int

  public init(height: Int, width: Int, channels: Int) {
    self.height = height
    self.width = width
    self.channels = channels
  }

  /// Bytes (and features) in one activation.
  public var byteCount: Int { height * width * channels }

  /// Bytes in `count` activations, or nil when that does not fit in an
  /// Int: a shape read from a file may say anything.
  public func byteCount(activations count: Int) -> Int? {
    var total = count
    for factor in [height, width, channels] {
      let (product, overflow) = total.multipliedReportingOverflow(by: factor)
      guard !overflow else { return nil }
      total = product
    }
    return total
  }

  /// `7x7x256`, for messages.
  public var text: String { "\(height)x\(width)x\(channels)" }

  /// MobileNet v1 0.25 at Conv2d_13_pointwise/Relu6.
  public static let mobileNetCut =
    ActivationShape(height: 7, width: 7, channels: 256)

  /// The real value of one uint8 step at the cut (zero point 0): the
  /// float32 0x3cc0becb, so 255 is 5.99976, the ReLU6 ceiling.
  public static let mobileNetCutScale: Float = 0.0235284772
}
