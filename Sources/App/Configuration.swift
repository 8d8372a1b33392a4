import Board
import Learning
import Support

/// Everything `teachpad run` can be told in its configuration file. The
/// defaults are the documented ones in `board/teachpad.conf` and the wiring
/// table of the design (BCM pin numbers).
public struct Configuration: Equatable {
  // Camera.
  public var cameraDevice = "/dev/video0"
  public var cameraWidth = 640
  public var cameraHeight = 480
  /// Frames thrown away after the camera starts, while exposure settles.
  public var cameraWarmupFrames = 5
  /// A camera that sends nothing for this long is closed and reopened.
  public var cameraStallMilliseconds = 3000

  // Buttons and LEDs.
  /// A gpiochip name (`gpiochip0`), number or `/dev` path.
  public var gpioChip = "gpiochip0"
  /// BCM pin of each button, indexed by `Button.rawValue`.
  public var buttonPins = [5, 6, 13, 19, 26, 21]
  public var buttonActiveLevel = ActiveLevel.low
  public var buttonDebounceMilliseconds = 20
  /// BCM pin of each LED, indexed by `Light.rawValue`.
  public var lightPins = [12, 16, 20, 25, 24]
  public var lightActiveLevel = ActiveLevel.high

  // Serial link to the console.
  public var serialDevice = "/dev/serial0"
  public var serialBaud = 115_200
  /// How often an unchanged direction is sent again while playing.
  public var directionRepeatMilliseconds = 500

  // Head and training.
  /// Kind, hidden units, epochs, learning rate, batch fraction and k.
  public var head = HeadSettings()

  // Prediction.
  /// Predictions are averaged over this many frames (1: no smoothing).
  public var smoothingFrames = 3
  /// A prediction less confident than this sends nothing and lights no LED.
  public var confidenceFloor = 0.6

  // Storage, inference and logging.
  /// Where the dataset and the head are kept between runs.
  public var dataDirectory = "/var/lib/teachpad"
  /// The most examples the dataset holds (all classes together).
  public var datasetCapacity = 2000
  /// Inference worker threads; 0 is one per processor.
  public var inferenceThreads = 0
  /// The model file; nil means `$TEACHPAD_MODEL`, else the installed one.
  public var modelPath: String?
  public var logLevel = LogLevel.info

  public init() {}

  public func pin(of button: Button) -> Int { buttonPins[button.rawValue] }
  public func pin(of light: Light) -> Int { lightPins[light.rawValue] }

  /// The dataset file inside the data directory.
  public var datasetPath: String { dataDirectory + "/dataset.tpds" }
  /// The head file inside the data directory.
  public var headPath: String { dataDirectory + "/head.tphd" }
}

/// Which electrical level means "pressed" or "lit".
public enum ActiveLevel: Equatable {
  case low, high
}

/// A configuration file the program cannot use. The message names the
/// file, the line, the key, the value and what is allowed.
public struct ConfigurationError: Error, Equatable {
  public let message: String

  public init(_ message: String) {
    self.message = message
  }
}
