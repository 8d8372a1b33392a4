import Support

/// A command-line mistake: the message names the option and the value.
/// Commands print it and exit with status 2.
struct UsageError: Error {
  let message: String
}

/// The words after the subcommand: `--name value` options, `--flag`
/// switches and positional operands, in any order. An option given twice
/// is refused: taking the last (or the first) would silently drop the other.
struct Options {
  private var values: [String: String] = [:]
  private var switches: Set<String> = []
  private(set) var operands: [String] = []
  private var consumed: Set<String> = []

  /// `flags` lists the options that take no value.
  init(_ words: ArraySlice<String>, flags: Set<String> = []) throws(UsageError) {
    var index = words.startIndex
    while index < words.endIndex {
      let word = words[index]
      if word.hasPrefix("--") && word.count > 2 {
        let name = String(word.dropFirst(2))
        guard values[name] == nil, !switches.contains(name) else {
          throw UsageError(message: "option --\(name) is given twice; give it once")
        }
        if flags.contains(name) {
          switches.insert(name)
        } else {
          index += 1
          guard index < words.endIndex, !words[index].hasPrefix("--") else {
            throw UsageError(message: "option --\(name) needs a value "
              + "(or is not an option of this command; see its --help)")
          }
          values[name] = words[index]
        }
      } else {
        operands.append(word)
      }
      index += 1
    }
  }

  mutating func flag(_ name: String) -> Bool {
    consumed.insert(name)
    return switches.contains(name)
  }

  mutating func string(_ name: String) -> String? {
    consumed.insert(name)
    return values[name]
  }

  mutating func required(_ name: String) throws(UsageError) -> String {
    guard let value = string(name) else {
      throw UsageError(message: "option --\(name) is required")
    }
    return value
  }

  /// A path option, refused when empty: an empty name fails later with a
  /// message that names no option. `kind` is "file" or "folder".
  mutating func path(_ name: String, of kind: String) throws(UsageError) -> String? {
    guard let value = string(name) else { return nil }
    guard !value.isEmpty else {
      throw UsageError(message: "option --\(name): expected a \(kind) path, got ''")
    }
    return value
  }

  /// An integer option within `range`, or `fallback` when absent.
  mutating func integer(
    _ name: String, default fallback: Int, range: ClosedRange<Int>
  ) throws(UsageError) -> Int {
    guard let text = string(name) else { return fallback }
    guard let value = Int(text), range.contains(value) else {
      throw UsageError(message:
        "option --\(name): expected a whole number from \(range.lowerBound) "
        + "to \(range.upperBound), got '\(text)'")
    }
    return value
  }

  /// A decimal option within `range`, or `fallback` when absent.
  mutating func decimal(
    _ name: String, default fallback: Double, range: ClosedRange<Double>
  ) throws(UsageError) -> Double {
    guard let text = string(name) else { return fallback }
    guard let value = Double(text), range.contains(value) else {
      throw UsageError(message:
        "option --\(name): expected a number from \(range.lowerBound) "
        + "to \(range.upperBound), got '\(text)'")
    }
    return value
  }

  /// Fails on any option the command did not ask for, and on operands
  /// unless the command takes them.
  func rejectUnknown(allowingOperands: Bool = false) throws(UsageError) {
    for name in values.keys.sorted() + switches.sorted()
    where !consumed.contains(name) {
      throw UsageError(message: "unknown option --\(name)")
    }
    if !allowingOperands, let operand = operands.first {
      throw UsageError(message: "unexpected '\(operand)': this command takes "
        + "only options (see its --help)")
    }
  }
}
