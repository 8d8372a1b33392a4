// The four kinds of device the appliance talks to. Each has a real Linux
// implementation in this module and a scripted one for tests; the App
// layer sees only these protocols.

/// A camera frame: packed RGB24 rows, `bytesPerRow` apart. The pixels belong
/// to the camera and stay valid until its next `nextFrame` call.
public struct Frame {
  public let pixels: UnsafeBufferPointer<UInt8>
  public let width: Int
  public let height: Int
  public let bytesPerRow: Int

  public init(pixels: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
              bytesPerRow: Int) {
    precondition(width > 0 && height > 0 && bytesPerRow >= width * 3,
                 "Frame: bad geometry \(width)x\(height) row \(bytesPerRow)")
    precondition(pixels.count >= bytesPerRow * (height - 1) + width * 3,
                 "Frame: \(pixels.count) bytes is too few for the geometry")
    self.pixels = pixels
    self.width = width
    self.height = height
    self.bytesPerRow = bytesPerRow
  }
}

/// What a camera had when asked.
public enum CameraReading {
  /// The newest frame.
  case frame(Frame)
  /// Nothing arrived within the timeout; the camera is still open.
  case noFrame
  /// The camera is missing or failed; it retries by itself with back-off.
  case unavailable
}

public protocol Camera: AnyObject {
  /// Waits at most `timeoutMilliseconds` for the newest frame.
  func nextFrame(timeoutMilliseconds: Int) -> CameraReading
}

/// The six buttons: four labels and two commands.
public enum Button: Int, CaseIterable {
  case up = 0, down, left, right, train, play
}

/// `press` and `release` follow the debounced level; `hold` comes once per
/// press, when the button has stayed down for the hold interval.
public enum ButtonAction {
  case press, hold, release
}

public struct ButtonEvent: Equatable {
  public let button: Button
  public let action: ButtonAction
  /// CLOCK_MONOTONIC time of the edge, in nanoseconds.
  public let timeNanoseconds: Int64

  public init(button: Button, action: ButtonAction, timeNanoseconds: Int64) {
    self.button = button
    self.action = action
    self.timeNanoseconds = timeNanoseconds
  }
}

public protocol Buttons: AnyObject {
  /// Debounced events since the last call, waiting at most
  /// `timeoutMilliseconds` for the first one. Never blocks longer.
  func events(timeoutMilliseconds: Int, _ handle: (ButtonEvent) -> Void)
  /// Whether the button is down now, from the debounced state.
  func isPressed(_ button: Button) -> Bool
}

/// The five LEDs.
public enum Light: Int, CaseIterable {
  case up = 0, down, left, right, status
}

public protocol Lights: AnyObject {
  func set(_ light: Light, on: Bool)
}

/// The serial line to the console. Sending never blocks: when the peer
/// stops reading, only the newest pending message of each kind is kept.
/// A line's kind is its bytes before the first comma (the sentence name
/// of an NMEA-style line such as `$TPDIR,17,UP,0.93*5A`); a line without a
/// comma is a kind of its own.
public protocol SerialLink: AnyObject {
  /// Queues one line (without its newline) for sending.
  func send(line: UnsafeRawBufferPointer)
  /// Writes what the port accepts now and reopens a lost port when due.
  func service()
  /// Lines dropped or coalesced because the peer did not keep up.
  var droppedLineCount: Int { get }
}
