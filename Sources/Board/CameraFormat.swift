import CShims

/// The capture format the camera settled on: RGB24 rows of `bytesPerRow`
/// bytes, converted by libv4lconvert from what the camera itself sends.
public struct CameraFormat: Equatable {
  public let width: Int
  public let height: Int
  public let bytesPerRow: Int
  /// The four-character code the camera sends (`YUYV`, `MJPG`, `RGB3`).
  public let sourceFormat: String

  public init(width: Int, height: Int, bytesPerRow: Int,
              sourceFormat: String) {
    self.width = width
    self.height = height
    self.bytesPerRow = bytesPerRow
    self.sourceFormat = sourceFormat
  }

  /// The fewest bytes a buffer must hold for one frame.
  public var frameBytes: Int { bytesPerRow * (height - 1) + width * 3 }
}

/// A frame size a camera offers (VIDIOC_ENUM_FRAMESIZES).
public enum FrameSizeOption: Equatable {
  case discrete(width: Int, height: Int)
  /// Every size from minimum to maximum in steps (continuous: step 1).
  case range(minimumWidth: Int, maximumWidth: Int, widthStep: Int,
             minimumHeight: Int, maximumHeight: Int, heightStep: Int)
}

/// The decisions of format negotiation, apart from the device so that
/// they can be tested.
public enum CameraNegotiation {
  /// V4L2_PIX_FMT_RGB24, the four-character code `RGB3`.
  public static let rgb24 = fourCharacterCode("RGB3")

  /// The offered size whose pixel count is closest to the wanted one's;
  /// on a tie the larger. A range offers its size nearest to the wanted
  /// width and height. Nil when nothing is offered.
  public static func nearestSize(
    width: Int, height: Int, among options: [FrameSizeOption]
  ) -> (width: Int, height: Int)? {
    var best: (width: Int, height: Int)?
    var bestDistance = Int.max
    let wantedPixels = width * height
    for option in options {
      let candidate: (width: Int, height: Int)
      switch option {
      case .discrete(let offeredWidth, let offeredHeight):
        candidate = (offeredWidth, offeredHeight)
      case .range(let minimumWidth, let maximumWidth, let widthStep,
                  let minimumHeight, let maximumHeight, let heightStep):
        candidate = (
          nearest(width, minimumWidth, maximumWidth, widthStep),
          nearest(height, minimumHeight, maximumHeight, heightStep))
      }
      let pixels = candidate.width * candidate.height
      let distance = abs(pixels - wantedPixels)
      let larger = best.map { pixels > $0.width * $0.height } ?? true
      if distance < bestDistance || (distance == bestDistance && larger) {
        best = candidate
        bestDistance = distance
      }
    }
    return best
  }

  /// Checks what VIDIOC_S_FMT returned: RGB24, a sane geometry. The
  /// driver's width, height and bytes per row are what frames use.
  public static func accept(
    width: Int, height: Int, pixelFormat: UInt32, bytesPerRow: Int,
    imageBytes: Int, sourcePixelFormat: UInt32, path: String
  ) throws(DeviceError) -> CameraFormat {
    let source = fourCharacterName(sourcePixelFormat)
    guard pixelFormat == rgb24 else {
      throw DeviceError("camera \(path): cannot deliver RGB24 (it sends "
        + "\(source) and libv4l2 returned \(fourCharacterName(pixelFormat)))"
        + "; use a camera that sends YUYV or MJPEG")
    }
    guard width > 0 && height > 0 else {
      throw DeviceError("camera \(path): driver returned an empty frame "
        + "size \(width)x\(height)")
    }
    // Some drivers leave bytesperline 0 for packed formats: rows are tight.
    let rowBytes = bytesPerRow == 0 ? width * 3 : bytesPerRow
    let format = CameraFormat(width: width, height: height,
                              bytesPerRow: rowBytes, sourceFormat: source)
    guard rowBytes >= width * 3 else {
      throw DeviceError("camera \(path): driver returned \(rowBytes) bytes "
        + "per row, fewer than \(width * 3) for \(width) RGB24 pixels")
    }
    guard imageBytes == 0 || imageBytes >= format.frameBytes else {
      throw DeviceError("camera \(path): driver returned a \(imageBytes)-"
        + "byte image, fewer than \(format.frameBytes) for \(width)x\(height)")
    }
    return format
  }

  public static func fourCharacterCode(_ text: StaticString) -> UInt32 {
    precondition(text.utf8CodeUnitCount == 4,
                 "fourCharacterCode: needs exactly four characters")
    var code: UInt32 = 0
    for index in 0..<4 {
      code |= UInt32(text.utf8Start[index]) << (8 * UInt32(index))
    }
    return code
  }

  public static func fourCharacterName(_ code: UInt32) -> String {
    var bytes: [UInt8] = []
    for index in 0..<4 {
      let byte = UInt8(truncatingIfNeeded: code >> (8 * UInt32(index)))
      bytes.append(byte >= 0x20 && byte < 0x7f ? byte : UInt8(ascii: "?"))
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  private static func nearest(_ wanted: Int, _ minimum: Int, _ maximum: Int,
                              _ step: Int) -> Int {
    let clamped = min(max(wanted, minimum), maximum)
    guard step > 1 else { return clamped }
    let steps = (clamped - minimum + step / 2) / step
    return min(minimum + steps * step, maximum)
  }
}
