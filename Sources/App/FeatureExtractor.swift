import Board
import Inference

/// Turns a camera frame into the activation the head works on.
public protocol FeatureExtractor: AnyObject {
  /// The activation of `frame`, valid until the next call.
  func activation(of frame: Frame) -> UnsafeBufferPointer<UInt8>
}

/// The truncated MobileNet: centre crop, resize, run to the cut.
extension Engine: FeatureExtractor {
  public func activation(of frame: Frame) -> UnsafeBufferPointer<UInt8> {
    setInput(rgb: frame.pixels, width: frame.width, height: frame.height,
             bytesPerRow: frame.bytesPerRow)
    invoke()
    return output
  }
}
