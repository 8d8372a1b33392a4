/// The serial protocol from teachpad to the console.
///
/// Line-based ASCII, one message per line, in the style of NMEA 0183:
///
///     line      = "$" body "*" checksum [CR] LF
///     body      = sentence "," sequence "," fields
///     sentence  = "TPDIR" / "TPSTA" / "TPHBT"
///     sequence  = 1*5DIGIT      ; 0 to 65535, +1 per line, then wraps to 0
///     checksum  = 2HEXDIGIT     ; XOR of every byte of body, uppercase
///
///     TPDIR fields: direction "," confidence
///         direction  = "UP" / "DOWN" / "LEFT" / "RIGHT"
///         confidence = DIGIT "." 2DIGIT             ; 0.00 to 1.00
///     TPSTA fields: one of
///         "IDLE"
///         "COLLECT," direction "," count            ; examples of that class
///         "TRAIN," percent "," [loss]               ; loss = 1*6DIGIT "." 4DIGIT
///         "PLAY"
///         "ERROR," reason                           ; see `ErrorReason`
///     TPHBT fields: uptime                          ; whole seconds since start
///
/// Examples: `$TPDIR,17,UP,0.93*60`, `$TPSTA,3,COLLECT,LEFT,12*37`,
/// `$TPHBT,4,2*5C`. A line is at most `ProtocolEncoder.maximumLineLength`
/// bytes before its newline. The sentence name is the line's kind: a serial
/// link that falls behind keeps only the newest line of each kind, so gaps
/// in the sequence numbers count lines the console never saw.
public enum ProtocolMessage: Equatable {
  /// The predicted direction while playing, sent when it changes and again
  /// at the configured repeat interval while it holds.
  case direction(Direction, confidence: Double)
  /// What the device is doing, sent on every change.
  case state(DeviceState)
  /// Sent once a second whatever the state.
  case heartbeat(uptimeSeconds: Int)
}

/// The device's state as the console sees it.
public enum DeviceState: Equatable {
  case idle
  /// A label button is held; `count` examples of that class are stored.
  case collecting(Direction, count: Int)
  /// The head is being fitted; `loss` is nil before the first batch ends.
  case training(percent: Int, loss: Double?)
  case playing
  /// A refused or failed action, shown for a moment before the device
  /// returns to where it was.
  case error(ErrorReason)
}

/// Why the device shows an error, as a short word on the serial line.
public enum ErrorReason: Int, CaseIterable {
  /// TRAIN was pressed with no examples stored.
  case noExamples
  /// TRAIN was pressed with examples of one class only.
  case oneClass
  /// PLAY was pressed before any head was trained.
  case noHead
  /// A label button was held but the dataset has no room left.
  case datasetFull
  /// Fitting the head failed.
  case trainingFailed
  /// Writing the dataset or the head to the data directory failed.
  case saveFailed
  /// The saved dataset or head could not be read at start.
  case loadFailed
  /// The camera is missing or stopped delivering frames.
  case noCamera

  public var token: StaticString {
    switch self {
    case .noExamples: return "NO_EXAMPLES"
    case .oneClass: return "ONE_CLASS"
    case .noHead: return "NO_HEAD"
    case .datasetFull: return "DATASET_FULL"
    case .trainingFailed: return "TRAIN_FAILED"
    case .saveFailed: return "SAVE_FAILED"
    case .loadFailed: return "LOAD_FAILED"
    case .noCamera: return "NO_CAMERA"
    }
  }
}
