import Support

/// What the world can do wrong to a dataset, a head or training. Each case
/// carries what a person needs to fix it; `message` says it in words.
public enum LearningError: Error, Equatable {
  /// The dataset holds `capacity` examples already.
  case datasetFull(capacity: Int)
  /// A label outside 0..<classCount.
  case labelOutOfRange(label: Int, classCount: Int)
  /// An activation of the wrong size.
  case wrongActivationSize(expected: Int, got: Int)
  /// Training with no examples at all.
  case noExamples
  /// Training with examples of fewer than two classes.
  case tooFewClasses(classesWithExamples: Int)
  /// floor(examples x fraction) is zero. `setting` is the words that
  /// introduce the value in the message: how the person set it
  /// (`option --batch-fraction`, `dense.batch_fraction =`).
  case batchTooSmall(fraction: Double, exampleCount: Int,
                     setting: String = "batch fraction")
  /// A setting outside what the head accepts.
  case invalidSetting(name: String, value: String, allowed: String)
  /// A file that is not ours (no magic), moved aside to `movedTo` (nil:
  /// left where it is).
  case foreignFile(path: String, movedTo: String?)
  /// Ours, but of the other kind (a dataset where a head belongs, or the
  /// reverse), moved aside like a foreign file.
  case otherKind(path: String, found: String, expected: String, movedTo: String?)
  /// One of ours but damaged (bad checksum, short), moved aside.
  case damagedFile(path: String, reason: String, movedTo: String?)
  /// A file written by a newer or older format version; like the next
  /// three, sound but unusable here, moved aside to `movedTo` (nil: left
  /// where it is).
  case unsupportedVersion(path: String, version: Int, supported: Int,
                          movedTo: String? = nil)
  /// A head or dataset made for another input shape.
  case shapeMismatch(path: String, expected: String, found: String,
                     movedTo: String? = nil)
  /// A head or dataset made for another class count.
  case classCountMismatch(path: String, expected: Int, found: Int,
                          movedTo: String? = nil)
  /// A saved dataset with more examples than this dataset's capacity;
  /// `setting` names the capacity as the person sets it.
  case datasetTooLarge(path: String, exampleCount: Int, capacity: Int,
                       movedTo: String? = nil, setting: String = "the capacity")
  /// Refusing to replace something that is not one of our files.
  case refusingToOverwrite(path: String, reason: String)
  /// A system call failed on `path`.
  case system(path: String, call: String, reason: String)

  public var message: String {
    switch self {
    case .datasetFull(let capacity):
      return "dataset is full: it holds \(capacity) examples (clear it "
        + "or undo examples to add more)"
    case .labelOutOfRange(let label, let classCount):
      return "label \(label) is outside 0..<\(classCount)"
    case .wrongActivationSize(let expected, let got):
      return "activation has \(got) bytes, expected \(expected)"
    case .noExamples:
      return "no examples to train on (collect some for at least two classes)"
    case .tooFewClasses(let classesWithExamples):
      return "only \(classesWithExamples) class has examples; training needs "
        + "examples of at least two classes"
    case .batchTooSmall(let fraction, let exampleCount, let setting):
      return "\(setting) \(shortDecimal(fraction, digits: 9)) gives batches of 0 "
        + "of the \(exampleCount) examples; use at least "
        + shortDecimal(HeadSettings.smallestBatchFraction(exampleCount: exampleCount),
                       digits: 9)
        + " or train on at least "
        + "\(HeadSettings.smallestExampleCount(batchFraction: fraction)) examples"
    case .invalidSetting(let name, let value, let allowed):
      return "\(name) \(value) is not allowed: expected \(allowed)"
    case .foreignFile(let path, let movedTo):
      return "\(path) is not a teachpad file" + setAsideText(movedTo)
    case .otherKind(let path, let found, let expected, let movedTo):
      return "\(path) is a teachpad \(found) file, not a \(expected) file"
        + setAsideText(movedTo)
    case .damagedFile(let path, let reason, let movedTo):
      return "\(path) is damaged (\(reason))" + setAsideText(movedTo)
    case .unsupportedVersion(let path, let version, let supported, let movedTo):
      return "\(path) has format version \(version), this teachpad reads "
        + "version \(supported) (make it again with this version)"
        + keptText(movedTo)
    case .shapeMismatch(let path, let expected, let found, let movedTo):
      return "\(path) was made for activations of shape \(found), "
        + "expected \(expected) (train it again for this model)" + keptText(movedTo)
    case .classCountMismatch(let path, let expected, let found, let movedTo):
      return "\(path) has \(found) classes, expected \(expected) "
        + "(train it again with these classes)" + keptText(movedTo)
    case .datasetTooLarge(let path, let exampleCount, let capacity, let movedTo,
                          let setting):
      return "\(path) holds \(exampleCount) examples, more than the dataset's "
        + "capacity of \(capacity) (raise \(setting) to at least "
        + "\(exampleCount) to use it)" + keptText(movedTo)
    case .refusingToOverwrite(let path, let reason):
      return "will not overwrite \(path): \(reason)"
    case .system(let path, let call, let reason):
      return "\(path): \(call) failed: \(reason)"
    }
  }

  /// The same error with the batch fraction called by the name the
  /// person set it with; other errors are returned as they are.
  public func namingBatchFraction(_ setting: String) -> LearningError {
    guard case .batchTooSmall(let fraction, let exampleCount, _) = self else {
      return self
    }
    return .batchTooSmall(fraction: fraction, exampleCount: exampleCount, setting: setting)
  }

  /// The same error with the dataset's capacity called by the name the
  /// person set it with; other errors are returned as they are.
  public func namingCapacity(_ setting: String) -> LearningError {
    guard case .datasetTooLarge(let path, let exampleCount, let capacity, let movedTo, _)
      = self else { return self }
    return .datasetTooLarge(path: path, exampleCount: exampleCount, capacity: capacity,
                            movedTo: movedTo, setting: setting)
  }

  static func system(_ path: String, _ error: SystemError) -> LearningError {
    .system(path: path, call: error.call.description, reason: error.reason)
  }
}

/// A fixed-point decimal with `digits` digits after the point, built by hand
/// because Embedded Swift has no float formatting: 0.98765 -> "0.988".
public func formatDecimal(_ value: Double, digits: Int) -> String {
  guard value.isFinite else { return value.isNaN ? "nan" : "inf" }
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let scaled = (value.magnitude * scale).rounded()
  guard scaled < 9.0e18 else { return value < 0 ? "-huge" : "huge" }
  let whole = UInt64(scaled)
  let divisor = UInt64(scale)
  var text = value < 0 && whole != 0 ? "-" : ""
  text += String(whole / divisor)
  guard digits > 0 else { return text }
  var fraction = String(whole % divisor)
  while fraction.utf8.count < digits { fraction = "0" + fraction }
  return text + "." + fraction
}

/// A decimal with at most `digits` digits after the point and no
/// trailing zeros: 0.4 -> "0.4", 0.0032 -> "0.0032", 1 -> "1".
public func shortDecimal(_ value: Double, digits: Int) -> String {
  var text = Array(formatDecimal(value, digits: digits).utf8)
  guard text.contains(UInt8(ascii: ".")) else { return String(decoding: text, as: UTF8.self) }
  while text.last == UInt8(ascii: "0") { text.removeLast() }
  if text.last == UInt8(ascii: ".") { text.removeLast() }
  return String(decoding: text, as: UTF8.self)
}

/// What became of a bad file, for its message.
private func setAsideText(_ movedTo: String?) -> String {
  guard let movedTo else { return " (left as it is)" }
  return "; moved it aside to \(movedTo)"
}

/// Where a sound but unusable file was kept, so nothing overwrites it.
private func keptText(_ movedTo: String?) -> String {
  guard let movedTo else { return "" }
  return "; kept it as \(movedTo), a new one will be saved in its place"
}
