import CShims
import Learning
import Support

/// One image of a labelled folder: `DIR/<label>/<file>`.
struct LabelledImage {
  /// Index into the chosen classes.
  var classIndex: Int
  var path: String
  /// `<label>/<file>`, the key a manifest uses for it.
  var key: String
}

/// A folder with one subfolder per label, each holding JPEG or PNG files.
enum ImageFolder {
  /// The chosen classes' images, by class then by file name. `classes`
  /// nil means every subfolder, sorted by name, except hidden ones (a name
  /// starting with "."); a subfolder whose name has a comma is refused
  /// then, since `--classes` could never name it. An image name that is not
  /// a regular file is refused: reading a FIFO or a device can block.
  static func images(
    in folder: String, classes: [String]?
  ) throws(UsageError) -> (classes: [String], images: [LabelledImage]) {
    guard let entries = FolderNames.list(folder) else {
      throw UsageError(message:
        "cannot read folder \(folder): \(SystemError("opendir").reason)")
    }
    var labels = classes ?? []
    if classes == nil { labels = try defaultLabels(in: folder, entries: entries) }
    guard !labels.isEmpty else {
      throw UsageError(message: "folder \(folder) has no label subfolders")
    }
    // A label is one subfolder's name: `../other/a` would reach outside.
    if let path = labels.first(where: { $0.contains("/") || $0 == "." || $0 == ".." }) {
      throw UsageError(message: "option --classes: '\(path)' is not the name of a "
        + "subfolder of \(folder) (a label has no '/' and is not '.' or '..')")
    }
    // The labels become the head's class names, which must be printable.
    if let problem = Head.classNameProblem(labels) {
      throw UsageError(message: "labels of \(folder): \(problem); rename the folder "
        + "or choose the labels with --classes")
    }

    var images: [LabelledImage] = []
    for (classIndex, label) in labels.enumerated() {
      let classFolder = folder + "/" + label
      guard let files = FolderNames.list(classFolder) else {
        throw UsageError(message: "class '\(label)': cannot read folder "
          + "\(classFolder): \(SystemError("opendir").reason)")
      }
      // Hidden files are no pictures, like hidden folders: macOS leaves
      // `._NAME.jpg` metadata beside every image it copies to a drive.
      let pictures = files.filter { !$0.hasPrefix(".") && isImageName($0) }
      guard !pictures.isEmpty else {
        throw UsageError(message:
          "class '\(label)': no JPEG or PNG files in \(classFolder)")
      }
      for file in pictures {
        let path = classFolder + "/" + file
        if let reason = whyNotARegularFile(path) {
          throw UsageError(message:
            "cannot use image \(path): \(reason); replace or remove the file")
        }
        images.append(LabelledImage(classIndex: classIndex, path: path,
                                    key: label + "/" + file))
      }
    }
    return (labels, images)
  }

  /// The subfolders that are labels when `--classes` is not given.
  private static func defaultLabels(
    in folder: String, entries: [String]
  ) throws(UsageError) -> [String] {
    var labels: [String] = []
    for name in entries where !name.hasPrefix(".") && isDirectory(folder + "/" + name) {
      // Skipping it would quietly train without that label.
      guard !name.contains(",") else {
        throw UsageError(message: "label folder \(folder)/\(name) has a comma in its "
          + "name, which --classes cannot name; rename it or choose the labels with "
          + "--classes")
      }
      labels.append(name)
    }
    return labels
  }

  /// Why `path` is no regular file ("it is a pipe (FIFO), not a regular
  /// file"), or nil for a regular file. stat follows links and, unlike
  /// open, never waits for a FIFO's writer.
  static func whyNotARegularFile(_ path: String) -> String? {
    var status = stat()
    guard stat(path, &status) == 0 else { return SystemError("stat").reason }
    return FileBytes.kindName(mode: status.st_mode).map { "it is \($0), not a regular file" }
  }

  static func isDirectory(_ path: String) -> Bool {
    guard let directory = opendir(path) else { return false }
    closedir(directory)
    return true
  }

  static func isImageName(_ name: String) -> Bool {
    let lower = asciiLowercased(name.utf8)
    return lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") || lower.hasSuffix(".png")
  }

  /// The bytes with A to Z lowered and nothing else changed: names and
  /// headers compared without case, with no Unicode case tables.
  static func asciiLowercased<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    String(decoding: bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
  }

  /// Decodes a JPEG or PNG file to packed RGB, or says why it cannot.
  static func decode(
    _ bytes: [UInt8]
  ) -> Result<(pixels: [UInt8], width: Int, height: Int), UsageError> {
    var width: Int32 = 0
    var height: Int32 = 0
    var message = [CChar](repeating: 0, count: 256)
    guard shim_image_size(bytes, bytes.count, &width, &height, &message, 256) == 0
    else { return .failure(UsageError(message: String(cString: message))) }
    var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
    let capacity = pixels.count
    guard shim_image_decode_rgb(bytes, bytes.count, &pixels, capacity, &message,
                                256) == 0
    else { return .failure(UsageError(message: String(cString: message))) }
    return .success((pixels, Int(width), Int(height)))
  }
}
