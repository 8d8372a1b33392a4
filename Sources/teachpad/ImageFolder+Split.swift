import Learning
import Support

/// The train/test split by person. The manifest (CSV with the columns
/// `path` and `subject_group`) names each image's group, a number; the
/// distinct groups, sorted by number, are shuffled with
/// `SeededRandom(seed:)`, and the first round(groups x testFraction) of
/// them make the test part. Every image of a group lands on the same side,
/// so no hand is in both.
struct SubjectSplit {
  enum Part: Equatable {
    case train, test
  }

  var part: Part
  var testFraction: Double
  var seed: UInt64
  var manifestPath: String

  /// The largest subject group number a manifest may give.
  static let largestGroup = 999_999

  /// `option` when given, else DIR/manifest.csv, else DIR/../manifest.csv
  /// (the image folder inside the data set's folder); throws naming both
  /// places when neither has one.
  static func locateManifest(option: String?, folder: String) throws(UsageError) -> String {
    if let option { return option }
    let places = [folder + "/manifest.csv", folder + "/../manifest.csv"]
    guard let found = places.first(where: { FileBytes.exists(path: $0) }) else {
      throw UsageError(message: "no manifest of subject groups: looked for "
        + "\(places[0]) and \(places[1]) (give one with --manifest FILE)")
    }
    return found
  }

  /// The images of `part`; throws when the manifest is missing, lacks the
  /// columns, has a bad line (see `readGroups`), does not list an image, or
  /// leaves one part without groups.
  func select(_ images: [LabelledImage]) throws(UsageError) -> [LabelledImage] {
    let groups = try readGroups()
    var distinct = Array(Set(groups.values)).sorted()
    var random = SeededRandom(seed: seed)
    random.shuffle(&distinct)
    let testCount = Int((Double(distinct.count) * testFraction).rounded())
    // A person in both parts, or no test at all, would pass for a split.
    guard testCount > 0, testCount < distinct.count else {
      throw UsageError(message: "manifest \(manifestPath): its \(distinct.count) subject "
        + "group\(distinct.count == 1 ? "" : "s") gives \(testCount) to the test part and "
        + "\(distinct.count - testCount) to the train part at --test-fraction "
        + "\(shortDecimal(testFraction, digits: 6)); both need at least one (list more "
        + "people or change --test-fraction)")
    }
    let testGroups = Set(distinct.prefix(testCount))

    var selected: [LabelledImage] = []
    for image in images {
      guard let group = groups[image.key] else {
        throw UsageError(message: "image \(image.path) is not in the manifest "
          + "\(manifestPath) (list it there with its person's subject_group)")
      }
      if testGroups.contains(group) == (part == .test) { selected.append(image) }
    }
    return selected
  }

  /// `label/file` -> subject group, from the manifest's last two path
  /// parts. Every line must have the header's columns, a path ending in
  /// LABEL/FILE, a group from 0 to `largestGroup`, and an image no earlier
  /// line listed.
  private func readGroups() throws(UsageError) -> [String: Int] {
    let bytes: [UInt8]
    do {
      bytes = try FileBytes.read(path: manifestPath)
    } catch {
      throw UsageError(message: "cannot read manifest \(manifestPath): \(error.reason)")
    }
    // Lines split on bytes: Swift treats "\r\n" as one Character. A
    // spreadsheet's byte order mark goes, and the header's names are
    // matched without case or surrounding spaces.
    let text = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
    let lines = text.split(separator: 10, omittingEmptySubsequences: false).map { line in
      String(decoding: line.last == 13 ? line.dropLast() : line, as: UTF8.self)
    }
    let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false) ?? []
    let names = header.map { ImageFolder.asciiLowercased($0.utf8.filter { $0 != 32 }) }
    guard let pathColumn = names.firstIndex(of: "path"),
          let groupColumn = names.firstIndex(of: "subject_group") else {
      throw UsageError(message: "manifest \(manifestPath) needs the columns "
        + "'path' and 'subject_group'")
    }

    var groups: [String: Int] = [:]
    var firstLines: [String: Int] = [:]
    for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
      let lineNumber = index + 1
      let place = "manifest \(manifestPath) line \(lineNumber)"
      let fields = line.split(separator: ",", omittingEmptySubsequences: false)
      guard fields.count > max(pathColumn, groupColumn) else {
        throw UsageError(message: "\(place): \(fields.count) "
          + "field\(fields.count == 1 ? "" : "s"), the header has \(header.count); "
          + "give every line all the columns")
      }
      let path = fields[pathColumn]
      let parts = path.split(separator: "/")
      guard parts.count >= 2 else {
        throw UsageError(message: "\(place): path '\(path)' does not end in LABEL/FILE "
          + "(give the image's label folder and file name)")
      }
      let groupText = fields[groupColumn]
      guard let group = Self.groupNumber(groupText) else {
        throw UsageError(message: "\(place): subject_group '\(groupText)' is not a whole "
          + "number from 0 to \(Self.largestGroup) (give each person one number)")
      }
      let key = String(parts[parts.count - 2]) + "/" + String(parts[parts.count - 1])
      if let first = firstLines[key] {
        throw UsageError(message: "\(place): image \(path) is listed again (first on "
          + "line \(first)); list each image once")
      }
      firstLines[key] = lineNumber
      groups[key] = group
    }
    return groups
  }

  /// Plain decimal digits from 0 to `largestGroup`; nil for anything else
  /// (a sign, a space, a point, nothing).
  private static func groupNumber(_ text: Substring) -> Int? {
    let digits = text.utf8
    guard !digits.isEmpty,
          digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
          let number = Int(text), number <= largestGroup
    else { return nil }
    return number
  }
}
