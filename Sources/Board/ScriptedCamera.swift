/// A camera that plays given frames, for tests and for `teachpad replay`.
/// Each `nextFrame` takes the next step at once, whatever the timeout;
/// after the last step it answers `.noFrame`, or starts over when
/// `repeats` is set.
public final class ScriptedCamera: Camera {
  public enum Step {
    /// Packed RGB24, rows of `width * 3` bytes.
    case frame(pixels: [UInt8], width: Int, height: Int)
    case noFrame
    case unavailable
  }

  public var repeats: Bool
  /// Calls to `nextFrame` so far.
  public private(set) var requestCount = 0
  private var steps: [Step]
  private var position = 0
  /// Where the frame handed out lives until the next call.
  private var storage: UnsafeMutableBufferPointer<UInt8>

  public init(steps: [Step] = [], repeats: Bool = false) {
    self.steps = steps
    self.repeats = repeats
    storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 0)
  }

  deinit {
    storage.deallocate()
  }

  /// Adds a step after the others.
  public func append(_ step: Step) {
    steps.append(step)
  }

  /// Steps not yet played.
  public var remainingStepCount: Int { steps.count - position }

  public func nextFrame(timeoutMilliseconds: Int) -> CameraReading {
    requestCount += 1
    if position == steps.count && repeats && !steps.isEmpty { position = 0 }
    guard position < steps.count else { return .noFrame }
    let step = steps[position]
    position += 1

    switch step {
    case .noFrame:
      return .noFrame
    case .unavailable:
      return .unavailable
    case .frame(let pixels, let width, let height):
      precondition(pixels.count == width * height * 3,
                   "ScriptedCamera: \(pixels.count) bytes for \(width)x\(height)")
      if storage.count < pixels.count {
        storage.deallocate()
        storage = UnsafeMutableBufferPointer<UInt8>.allocate(
          capacity: pixels.count)
      }
      _ = storage.initialize(from: pixels)
      return .frame(Frame(
        pixels: UnsafeBufferPointer(rebasing: storage[0..<pixels.count]),
        width: width, height: height, bytesPerRow: width * 3))
    }
  }
}
