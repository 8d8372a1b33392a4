/// The inference engine's public surface. Bodies arrive with the engine.
public enum InferenceError: Error {
  case notYetBuilt
}

public final class Engine {
  /// The truncation tensor teachpad uses: 7x7x256 uint8.
  public static let defaultCutTensorName =
    "MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6"

  /// Parses the model, cuts it at `outputTensorName` (nil: the whole
  /// model), plans the arena and starts `threadCount` workers.
  public init(modelBytes: [UInt8], outputTensorName: String?,
              threadCount: Int) throws(InferenceError) {
    throw .notYetBuilt
  }

  /// Crops the centre square of an RGB frame, resizes it bilinearly to the
  /// model's input size and writes it into the input tensor.
  public func setInput(rgb pixels: UnsafeBufferPointer<UInt8>, width: Int,
                       height: Int, bytesPerRow: Int) {}

  /// Runs the graph from the input tensor to the output tensor.
  public func invoke() {}

  /// The output tensor's bytes, valid until the next `invoke`.
  public var output: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: nil, count: 0) }
}
