import CShims
import Inference
import Support

/// An image file decoded to packed RGB (3 bytes a pixel).
struct DecodedImage {
  let width: Int
  let height: Int
  let pixels: [UInt8]

  /// Decodes a JPEG or PNG file with libturbojpeg or libpng.
  static func read(path: String) -> Result<DecodedImage, UsageError> {
    let file: [UInt8]
    do {
      file = try FileBytes.read(path: path)
    } catch {
      return .failure(UsageError(message: "image \(path): \(error.reason)"))
    }
    var message = [CChar](repeating: 0, count: 256)
    var width: Int32 = 0
    var height: Int32 = 0
    let sized = shim_image_size(file, file.count, &width, &height, &message,
                                message.count)
    guard sized == 0 else {
      return .failure(UsageError(
        message: "image \(path): \(String(cString: message))"))
    }
    var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
    let decoded = shim_image_decode_rgb(file, file.count, &pixels, pixels.count,
                                        &message, message.count)
    guard decoded == 0 else {
      return .failure(UsageError(
        message: "image \(path): \(String(cString: message))"))
    }
    return .success(DecodedImage(width: Int(width), height: Int(height),
                                 pixels: pixels))
  }
}

/// Fills the engine's input from a file: raw 224x224x3 bytes (`.rgb`,
/// `.bin`) are copied as they are; JPEG and PNG are decoded, centre-cropped
/// and resized.
func loadInput(path: String, into engine: Engine) -> UsageError? {
  if path.hasSuffix(ignoringASCIICase: ".rgb")
    || path.hasSuffix(ignoringASCIICase: ".bin") {
    let bytes: [UInt8]
    do {
      bytes = try FileBytes.read(path: path)
    } catch {
      return UsageError(message: "input \(path): \(error.reason)")
    }
    let expected = engine.inputHeight * engine.inputWidth * 3
    guard bytes.count == expected else {
      return UsageError(message:
        "input \(path): \(bytes.count) bytes, expected \(expected) "
        + "(raw \(engine.inputHeight)x\(engine.inputWidth)x3 RGB)")
    }
    _ = engine.input.update(fromContentsOf: bytes)
    return nil
  }
  switch DecodedImage.read(path: path) {
  case .failure(let error):
    return error
  case .success(let image):
    image.pixels.withUnsafeBufferPointer {
      engine.setInput(rgb: $0, width: image.width, height: image.height,
                      bytesPerRow: image.width * 3)
    }
    return nil
  }
}
