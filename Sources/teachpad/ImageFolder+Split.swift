import Learning
import Support

/// The train/test split by person. The manifest (CSV with the columns
/// `path` and `subject_group`) names each image's group; the distinct
/// groups, sorted by number, are shuffled with `SeededRandom(seed:)`, and
/// the first round(groups x testFraction) of them make the test part. Every
/// image of a group lands on the same side, so no hand is in both.
struct SubjectSplit {
  enum Part: Equatable {
    case train, test
  }

  var part: Part
  var testFraction: Double
  var seed: UInt64
  var manifestPath: String

  /// The images of `part`; throws when the manifest is missing, lacks the
  /// columns, or does not list an image.
  func select(_ images: [LabelledImage]) throws(UsageError) -> [LabelledImage] {
    let groups = try readGroups()
    var distinct = Array(Set(groups.values)).sorted { left, right in
      (Int(left) ?? Int.max, left) < (Int(right) ?? Int.max, right)
    }
    var random = SeededRandom(seed: seed)
    random.shuffle(&distinct)
    let testCount = Int((Double(distinct.count) * testFraction).rounded())
    let testGroups = Set(distinct.prefix(testCount))

    var selected: [LabelledImage] = []
    for image in images {
      guard let group = groups[image.key] else {
        throw UsageError(message: "image \(image.path) is not in the manifest "
          + "\(manifestPath) (drop --split or list the image there)")
      }
      if testGroups.contains(group) == (part == .test) { selected.append(image) }
    }
    return selected
  }

  /// `label/file` -> subject group, from the manifest's last two path parts.
  private func readGroups() throws(UsageError) -> [String: String] {
    let bytes: [UInt8]
    do {
      bytes = try FileBytes.read(path: manifestPath)
    } catch {
      throw UsageError(message: "cannot read manifest \(manifestPath): \(error.reason)")
    }
    // Lines split on bytes: Swift treats "\r\n" as one Character.
    let lines = bytes.split(separator: 10).map { line in
      String(decoding: line.last == 13 ? line.dropLast() : line, as: UTF8.self)
    }
    guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false),
          let pathColumn = header.firstIndex(of: "path"),
          let groupColumn = header.firstIndex(of: "subject_group") else {
      throw UsageError(message: "manifest \(manifestPath) needs the columns "
        + "'path' and 'subject_group'")
    }

    var groups: [String: String] = [:]
    for line in lines.dropFirst() where !line.isEmpty {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false)
      guard fields.count > max(pathColumn, groupColumn) else { continue }
      let parts = fields[pathColumn].split(separator: "/")
      guard parts.count >= 2 else { continue }
      let key = String(parts[parts.count - 2]) + "/" + String(parts[parts.count - 1])
      groups[key] = String(fields[groupColumn])
    }
    return groups
  }
}
