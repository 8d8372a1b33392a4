import Board
import CShims
import Learning

/// The devices of a replay: each plays the current step of a
/// `SessionScript`, which `ReplayRunner` sets before every pass of the
/// appliance loop. Nothing here allocates per frame.

/// Decoded session images, handed out as camera frames. The camera shows
/// the current step's image; a step without one, or a second request in
/// the same step, gives `.noFrame`, as a live camera with nothing new.
public final class ReplayCamera: Camera {
  private var pixels: [UnsafeMutableBufferPointer<UInt8>] = []
  private var sizes: [(width: Int, height: Int)] = []
  /// The image of the current step, until it was handed out.
  var pending: Int?
  /// The image handed out last.
  public private(set) var shownImage: Int?

  public init() {}

  deinit {
    for buffer in pixels { buffer.deallocate() }
  }

  /// Adds an image (packed RGB24); its index is the count before.
  public func add(rgb: [UInt8], width: Int, height: Int) {
    precondition(rgb.count == width * height * 3,
                 "ReplayCamera: \(rgb.count) bytes for \(width)x\(height)")
    let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: rgb.count)
    _ = buffer.initialize(from: rgb)
    pixels.append(buffer)
    sizes.append((width, height))
  }

  public var imageCount: Int { pixels.count }

  public func nextFrame(timeoutMilliseconds: Int) -> CameraReading {
    guard let index = pending else { return .noFrame }
    pending = nil
    shownImage = index
    let size = sizes[index]
    return .frame(Frame(pixels: UnsafeBufferPointer(pixels[index]), width: size.width,
                        height: size.height, bytesPerRow: size.width * 3))
  }
}

/// Activations looked up by image instead of computed, for replays from
/// the activation cache: the camera says which image it showed.
public final class TableExtractor: FeatureExtractor {
  let camera: ReplayCamera
  let table: UnsafeMutableBufferPointer<UInt8>
  let byteCount: Int

  /// `activations` holds the activation of image `i` at `i * byteCount`.
  public init(camera: ReplayCamera, activations: [UInt8], byteCount: Int) {
    precondition(activations.count == camera.imageCount * byteCount,
                 "TableExtractor: \(activations.count) bytes for \(camera.imageCount) images")
    self.camera = camera
    self.byteCount = byteCount
    table = .allocate(capacity: activations.count)
    _ = table.initialize(from: activations)
  }

  deinit {
    table.deallocate()
  }

  public func activation(of frame: Frame) -> UnsafeBufferPointer<UInt8> {
    guard let image = camera.shownImage else {
      preconditionFailure("TableExtractor: a frame that no replay image showed")
    }
    return UnsafeBufferPointer(rebasing: table[(image * byteCount)..<((image + 1) * byteCount)])
  }
}

/// The buttons of the current step: its events on the first call in the
/// step, nothing on further calls (the appliance asks again while
/// training; those events belong to later steps).
public final class ReplayButtons: Buttons {
  private var pressed: UInt8 = 0
  private var events: [SessionScript.Event] = []
  private var time: SteppedTime

  init(time: SteppedTime) {
    self.time = time
  }

  /// Sets the events of the next pass (an empty list for none).
  func load(_ step: [SessionScript.Event]) {
    events = step
  }

  public func events(timeoutMilliseconds: Int, _ handle: (ButtonEvent) -> Void) {
    guard !events.isEmpty else { return }
    let batch = events
    events = []
    for event in batch {
      let bit = UInt8(1) << UInt8(event.button.rawValue)
      if event.pressed { pressed |= bit } else { pressed &= ~bit }
      handle(ButtonEvent(button: event.button, action: event.pressed ? .press : .release,
                         timeNanoseconds: time.nanoseconds))
    }
  }

  public func isPressed(_ button: Button) -> Bool {
    pressed & (UInt8(1) << UInt8(button.rawValue)) != 0
  }
}

/// LEDs that keep only their levels, so a long replay does not grow.
public final class ReplayLights: Lights {
  public private(set) var levels: UInt8 = 0

  public init() {}

  public func set(_ light: Light, on: Bool) {
    let bit = UInt8(1) << UInt8(light.rawValue)
    if on { levels |= bit } else { levels &= ~bit }
  }

  /// The direction whose LED is lit, when exactly one is.
  public var litDirection: Direction? {
    var found: Direction?
    for direction in Direction.allCases
    where levels & (UInt8(1) << UInt8(direction.light.rawValue)) != 0 {
      if found != nil { return nil }
      found = direction
    }
    return found
  }
}

/// Counts the lines by sentence and passes them on.
public final class CountingSerialLink: SerialLink {
  let inner: any SerialLink
  public private(set) var directionCount = 0
  public private(set) var stateCount = 0
  public private(set) var heartbeatCount = 0
  public private(set) var lineCount = 0

  public init(_ inner: any SerialLink) {
    self.inner = inner
  }

  public func send(line: UnsafeRawBufferPointer) {
    lineCount += 1
    if line.count > 6, line[3] == UInt8(ascii: "D") {
      directionCount += 1
    } else if line.count > 6, line[3] == UInt8(ascii: "S") {
      stateCount += 1
    } else {
      heartbeatCount += 1
    }
    inner.send(line: line)
  }

  public func service() {
    inner.service()
  }

  public var droppedLineCount: Int { inner.droppedLineCount }
}

/// Writes each line and a newline to a descriptor (standard output or a
/// regular file), waiting as a file does; nil descriptor discards.
public final class DescriptorSerialLink: SerialLink {
  let descriptor: Int32?
  public private(set) var droppedLineCount = 0
  /// Whether a write found no reader left (EPIPE: the read end of a pipe
  /// such as `| head -1` was closed; SIGPIPE must be ignored to see it).
  public private(set) var readerHasGone = false

  public init(descriptor: Int32?) {
    self.descriptor = descriptor
  }

  public func send(line: UnsafeRawBufferPointer) {
    guard let descriptor else { return }
    var newline = UInt8(ascii: "\n")
    var code = shim_write_all(descriptor, line.baseAddress, line.count)
    if code == 0 { code = shim_write_all(descriptor, &newline, 1) }
    if code != 0 { droppedLineCount += 1 }
    if code == EPIPE { readerHasGone = true }
  }

  public func service() {}
}

/// The learner of a replay: the appliance's own, remembering the final
/// training loss for the summary.
public final class ObservingLearner: Learner {
  public let inner: any Learner
  public private(set) var finalLoss: Double?
  public private(set) var trainingCount = 0

  public init(_ inner: any Learner) {
    self.inner = inner
  }

  public var exampleCount: Int { inner.exampleCount }
  public func exampleCount(of direction: Direction) -> Int {
    inner.exampleCount(of: direction)
  }
  public var hasHead: Bool { inner.hasHead }

  public func addExample(
    _ activation: UnsafeBufferPointer<UInt8>, label: Direction
  ) throws(LearningError) {
    try inner.addExample(activation, label: label)
  }

  public func removeAllExamples() { inner.removeAllExamples() }

  public func train(progress: (TrainingStep) -> Void) throws(LearningError) -> Double? {
    let loss = try inner.train(progress: progress)
    finalLoss = loss
    trainingCount += 1
    return loss
  }

  public func startPredicting() { inner.startPredicting() }
  public func classify(_ activation: UnsafeBufferPointer<UInt8>) -> Classification {
    inner.classify(activation)
  }
  public func saveExamples() throws(LearningError) { try inner.saveExamples() }
  public func saveHead() throws(LearningError) { try inner.saveHead() }
  public func loadExamples() throws(LearningError) { try inner.loadExamples() }
  public func loadHead() throws(LearningError) { try inner.loadHead() }
}
