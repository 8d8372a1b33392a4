import CShims
import Learning
import Support

/// Reading `key = value` files. One setting per line; blank lines and lines
/// whose first non-blank character is `#` are ignored; spaces around the key
/// and the value do not matter; a key may appear once. Keys not in the file
/// keep their defaults.
extension Configuration {
  /// Every key a file may set, in the order of `board/teachpad.conf`.
  public static let keys: [String] = [
    "camera.device", "camera.width", "camera.height", "camera.warmup_frames",
    "camera.stall_ms",
    "gpio.chip",
  ] + buttonKeys + ["button.active", "button.debounce_ms"]
    + lightKeys + ["led.active"] + [
    "serial.device", "serial.baud", "serial.direction_repeat_ms",
    "head.kind", "dense.hidden_units", "dense.epochs", "dense.batch_fraction",
    "dense.learning_rate", "dense.seed", "knn.k",
    "predict.smoothing_frames", "predict.confidence_floor",
    "data.directory", "data.capacity", "inference.threads", "model.path",
    "log.level",
  ]

  /// The button keys, indexed by `Button.rawValue`.
  static let buttonKeys = [
    "button.up", "button.down", "button.left", "button.right",
    "button.train", "button.play",
  ]
  /// The LED keys, indexed by `Light.rawValue`.
  static let lightKeys = ["led.up", "led.down", "led.left", "led.right", "led.status"]

  /// The baud rates the serial port can be set to.
  public static let baudRates = [9600, 19_200, 38_400, 57_600, 115_200, 230_400,
                                 460_800, 921_600]

  /// Reads and checks the file at `path`.
  public static func load(path: String) throws(ConfigurationError) -> Configuration {
    let bytes: [UInt8]
    do {
      bytes = try FileBytes.read(path: path)
    } catch {
      // A missing file is most often the installed one on a machine where
      // board/install.sh has not run.
      let hint = error.code == ENOENT
        ? " (board/install.sh installs /etc/teachpad/teachpad.conf; board/teachpad.conf "
          + "in the repository lists every key with its default)" : ""
      throw ConfigurationError(
        "configuration \(path): cannot read it: \(error.reason)\(hint)")
    }
    return try parse(String(decoding: bytes, as: UTF8.self), source: path)
  }

  /// Checks `text`; `source` names it in messages (usually the path).
  public static func parse(
    _ text: String, source: String
  ) throws(ConfigurationError) -> Configuration {
    var configuration = Configuration()
    var lineOfKey: [String: Int] = [:]
    var lineNumber = 0

    // An editor's byte order mark is no part of the first key.
    let bytes = text.utf8.starts(with: [0xEF, 0xBB, 0xBF])
      ? text.utf8.dropFirst(3) : text.utf8.dropFirst(0)
    for line in bytes.split(separator: UInt8(ascii: "\n"),
                            omittingEmptySubsequences: false) {
      lineNumber += 1
      let content = trimmed(line)
      if content.isEmpty || content.first == UInt8(ascii: "#") { continue }
      let place = "\(source) line \(lineNumber)"

      guard let equals = content.firstIndex(of: UInt8(ascii: "=")) else {
        throw ConfigurationError("\(place): expected 'key = value', got '"
          + String(decoding: content, as: UTF8.self) + "'")
      }
      let key = String(decoding: trimmed(content[..<equals]), as: UTF8.self)
      let value = String(
        decoding: trimmed(content[content.index(after: equals)...]), as: UTF8.self)
      if let firstLine = lineOfKey[key] {
        throw ConfigurationError(
          "\(place): \(key) is set again (first on line \(firstLine)); keep one")
      }
      lineOfKey[key] = lineNumber

      do {
        try configuration.set(key, to: value)
      } catch {
        throw ConfigurationError("\(place): " + error.message)
      }
    }

    try configuration.checkPinsAreDistinct(source: source, lineOfKey: lineOfKey)
    return configuration
  }

  /// Sets one key from its text. The error's message starts with the key.
  mutating func set(_ key: String, to value: String) throws(ConfigurationError) {
    let reader = ValueReader(key: key, value: value)
    switch key {
    case "camera.device": cameraDevice = try reader.path()
    case "camera.width": cameraWidth = try reader.integer(16...4096)
    case "camera.height": cameraHeight = try reader.integer(16...4096)
    case "camera.warmup_frames": cameraWarmupFrames = try reader.integer(0...300)
    case "camera.stall_ms": cameraStallMilliseconds = try reader.integer(100...60_000)
    case "gpio.chip": gpioChip = try reader.path()
    case "button.active": buttonActiveLevel = try reader.level()
    case "button.debounce_ms": buttonDebounceMilliseconds = try reader.integer(0...1000)
    case "led.active": lightActiveLevel = try reader.level()
    case "serial.device": serialDevice = try reader.path()
    case "serial.baud": serialBaud = try reader.choice(Self.baudRates)
    case "serial.direction_repeat_ms":
      directionRepeatMilliseconds = try reader.integer(20...60_000)
    case "head.kind": head.kind = try reader.headKind()
    case "dense.hidden_units": head.units = try reader.integer(1...4096)
    case "dense.epochs": head.epochs = try reader.integer(1...10_000)
    case "dense.batch_fraction": head.batchFraction = try reader.decimal(0.01...1)
    case "dense.learning_rate": head.learningRate = try reader.decimal(0.000001...1)
    case "dense.seed": head.seed = UInt64(try reader.integer(0...4_294_967_295))
    case "knn.k": head.neighborCount = try reader.integer(1...255)
    case "predict.smoothing_frames": smoothingFrames = try reader.integer(1...30)
    case "predict.confidence_floor": confidenceFloor = try reader.decimal(0...1)
    case "data.directory": dataDirectory = try reader.path()
    case "data.capacity": datasetCapacity = try reader.integer(1...100_000)
    case "inference.threads": inferenceThreads = try reader.integer(0...8)
    case "model.path": modelPath = try reader.path()
    case "log.level": logLevel = try reader.logLevel()
    default:
      if let index = Self.buttonKeys.firstIndex(of: key) {
        buttonPins[index] = try reader.pin()
      } else if let index = Self.lightKeys.firstIndex(of: key) {
        lightPins[index] = try reader.pin()
      } else {
        throw ConfigurationError(Self.unknownKeyMessage(key, value))
      }
    }
  }

  /// Names the keys of the same section, or the sections.
  static func unknownKeyMessage(_ key: String, _ value: String) -> String {
    var sections: [String] = []
    var sameSection: [String] = []
    let section = sectionName(of: key)
    for known in keys {
      let knownSection = sectionName(of: known)
      if !sections.contains(knownSection) { sections.append(knownSection) }
      if knownSection == section { sameSection.append(known) }
    }
    let message = "unknown key '\(key)' (set to '\(value)'); "
    if sameSection.isEmpty {
      return message + "keys start with one of: " + joined(sections)
    }
    return message + "the \(section) keys are: " + joined(sameSection)
  }

  private static func sectionName(of key: String) -> String {
    guard let dot = key.utf8.firstIndex(of: UInt8(ascii: ".")) else { return key }
    return String(decoding: key.utf8[..<dot], as: UTF8.self)
  }

  /// Each pin may have one role only.
  func checkPinsAreDistinct(
    source: String, lineOfKey: [String: Int]
  ) throws(ConfigurationError) {
    let roles = Self.buttonKeys + Self.lightKeys
    let pins = buttonPins + lightPins
    for later in 0..<pins.count {
      for earlier in 0..<later where pins[earlier] == pins[later] {
        func setting(_ index: Int) -> String {
          let key = roles[index]
          let origin = lineOfKey[key].map { "line \($0)" } ?? "default"
          return "\(key) = \(pins[index]) (\(origin))"
        }
        throw ConfigurationError("\(source): \(setting(earlier)) and "
          + "\(setting(later)) use the same pin; give each button and LED its own")
      }
    }
  }
}

private func joined(_ words: [String]) -> String {
  var text = ""
  for word in words {
    if !text.isEmpty { text += ", " }
    text += word
  }
  return text
}

private func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
  var result = bytes
  while let first = result.first, isBlank(first) { result = result.dropFirst() }
  while let last = result.last, isBlank(last) { result = result.dropLast() }
  return result
}

private func isBlank(_ byte: UInt8) -> Bool {
  byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
}

/// Turns one value's text into a setting, or a message that starts with
/// `key = value` and says what is allowed.
private struct ValueReader {
  let key: String
  let value: String

  func refuse(_ allowed: String) -> ConfigurationError {
    ConfigurationError("\(key) = \(value): expected \(allowed)")
  }

  func integer(_ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
    guard let number = Int(value), range.contains(number) else {
      throw refuse("a whole number from \(range.lowerBound) to \(range.upperBound)")
    }
    return number
  }

  func pin() throws(ConfigurationError) -> Int {
    guard let number = Int(value), (0...27).contains(number) else {
      throw refuse("a BCM pin number from 0 to 27")
    }
    return number
  }

  func choice(_ allowed: [Int]) throws(ConfigurationError) -> Int {
    guard let number = Int(value), allowed.contains(number) else {
      var list = ""
      for option in allowed {
        list += list.isEmpty ? "" : ", "
        list += String(option)
      }
      throw refuse("one of \(list)")
    }
    return number
  }

  /// Digits with an optional fraction (`0.0001`); no sign, no exponent.
  func decimal(_ range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
    guard let number = parseDecimal(value), range.contains(number) else {
      throw refuse("a number from \(shortDecimal(range.lowerBound, digits: 6)) "
        + "to \(shortDecimal(range.upperBound, digits: 6)), written like 0.25")
    }
    return number
  }

  /// Anything without spaces: a path, a device name.
  func path() throws(ConfigurationError) -> String {
    guard !value.isEmpty else { throw refuse("a path, got none") }
    guard !value.utf8.contains(where: isBlank) else {
      throw refuse("a path without spaces")
    }
    return value
  }

  func level() throws(ConfigurationError) -> ActiveLevel {
    switch value {
    case "low": return .low
    case "high": return .high
    default: throw refuse("low or high")
    }
  }

  func headKind() throws(ConfigurationError) -> HeadKind {
    guard let kind = HeadKind(name: value) else { throw refuse("dense or knn") }
    return kind
  }

  func logLevel() throws(ConfigurationError) -> LogLevel {
    switch value {
    case "debug": return .debug
    case "info": return .info
    case "warning": return .warning
    case "error": return .error
    default: throw refuse("debug, info, warning or error")
    }
  }
}

/// `12`, `0.25`, `.5`; nil for anything else.
private func parseDecimal(_ text: String) -> Double? {
  var scaled = 0.0
  var divisor = 1.0
  var digitCount = 0
  var seenPoint = false
  for byte in text.utf8 {
    if byte == UInt8(ascii: "."), !seenPoint {
      seenPoint = true
      continue
    }
    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digitCount < 15 else {
      return nil
    }
    scaled = scaled * 10 + Double(byte - UInt8(ascii: "0"))
    if seenPoint { divisor *= 10 }
    digitCount += 1
  }
  return digitCount > 0 ? scaled / divisor : nil
}
