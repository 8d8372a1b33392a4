/// Buttons that replay given events, for tests and `teachpad replay`.
/// Each `events` call delivers the next batch at once (an empty batch is
/// a call with nothing new) and never waits; when the batches run out it
/// delivers nothing. `isPressed` follows the delivered press and release.
public final class ScriptedButtons: Buttons {
  private var batches: [[ButtonEvent]]
  private var position = 0
  private var pressed = [Bool](repeating: false, count: Button.allCases.count)
  private var queued: [ButtonEvent] = []

  public init(batches: [[ButtonEvent]] = []) {
    self.batches = batches
  }

  /// Adds a batch after the others.
  public func append(_ batch: [ButtonEvent]) {
    batches.append(batch)
  }

  /// Batches not yet delivered.
  public var remainingBatchCount: Int { batches.count - position }

  public func events(timeoutMilliseconds: Int,
                     _ handle: (ButtonEvent) -> Void) {
    if queued.isEmpty {
      guard position < batches.count else { return }
      queued = batches[position]
      position += 1
    }
    // A handler that calls `events` again gets the rest of this batch
    // there, in order; the next batch waits for the next call.
    while !queued.isEmpty {
      let event = queued.removeFirst()
      switch event.action {
      case .press: pressed[event.button.rawValue] = true
      case .release: pressed[event.button.rawValue] = false
      case .hold: break
      }
      handle(event)
    }
  }

  public func isPressed(_ button: Button) -> Bool {
    pressed[button.rawValue]
  }
}

/// One change of one LED.
public struct LightChange: Equatable {
  public let light: Light
  public let on: Bool

  public init(_ light: Light, on: Bool) {
    self.light = light
    self.on = on
  }
}

/// LEDs that record every change, for tests and `teachpad replay`.
public final class RecordingLights: Lights {
  public private(set) var changes: [LightChange] = []
  private var states = [Bool](repeating: false, count: Light.allCases.count)

  public init() {}

  public func set(_ light: Light, on: Bool) {
    states[light.rawValue] = on
    changes.append(LightChange(light, on: on))
  }

  public func isOn(_ light: Light) -> Bool {
    states[light.rawValue]
  }

  /// Forgets the recorded changes; the current states stay.
  public func clearChanges() {
    changes.removeAll()
  }
}

/// A serial link that records the lines sent, for tests and `teachpad
/// replay`. It never drops a line; `droppedLineCount` is whatever a test
/// sets.
public final class RecordingSerialLink: SerialLink {
  /// The lines in the order sent, without newlines.
  public private(set) var lines: [[UInt8]] = []
  public var droppedLineCount = 0
  /// Calls to `service` so far.
  public private(set) var serviceCount = 0

  public init() {}

  public func send(line: UnsafeRawBufferPointer) {
    lines.append([UInt8](line))
  }

  public func service() {
    serviceCount += 1
  }

  /// The lines as text (invalid UTF-8 repaired).
  public var text: [String] {
    lines.map { String(decoding: $0, as: UTF8.self) }
  }

  public func clear() {
    lines.removeAll()
  }
}
