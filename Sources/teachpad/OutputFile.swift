import CShims
import Learning
import Support

/// A file a command writes after its long work (activations, a fit),
/// checked before that work starts so a mistake costs seconds, not minutes.
struct OutputFile {
  /// The option that names it, without dashes: "out", "save-dataset".
  let option: String
  let path: String

  /// The folder the file goes in.
  var folder: String { FolderNames.folder(of: path) }

  /// Refuses what would fail only at the end: a folder that is not there
  /// or cannot be written (access(2) with W_OK: permission bits, and a
  /// read-only file system even for root), and a folder, device or pipe
  /// where the file belongs.
  func checkWritable() throws(UsageError) {
    guard FileBytes.exists(path: folder) else {
      throw UsageError(message: "cannot write \(path): folder \(folder) does not exist")
    }
    guard access(folder, W_OK) == 0 else {
      throw UsageError(message: "cannot write \(path): folder \(folder) is not writable "
        + "(\(SystemError("access").reason)); make it writable or choose another "
        + "--\(option)")
    }
    if FileBytes.exists(path: path) && !FileBytes.isRegularFile(path: path) {
      throw UsageError(message: "option --\(option): \(path) is a folder, device or "
        + "pipe, not a file (name a file instead)")
    }
  }

  /// Refuses two options naming one file (`x`, `./x`): the second write
  /// would replace the first, or be refused after all the work.
  func checkDistinct(from other: OutputFile) throws(UsageError) {
    guard canonicalPath == other.canonicalPath else { return }
    throw UsageError(message: "options --\(other.option) and --\(option) name the same "
      + "file \(path); give each its own file")
  }

  /// Runs `save` on the path; when it fails anyway, prints why and, when
  /// the system refused it, what to change (`what`: "head", "dataset").
  /// False when it failed.
  func save(_ what: String, with save: (String) throws(LearningError) -> Void) -> Bool {
    do throws(LearningError) {
      try save(path)
      return true
    } catch {
      var message = error.message
      if case .system = error {
        message += " (the \(what) is not saved: make \(folder) writable with room to "
          + "spare, or choose another --\(option))"
      }
      writeStandardError("teachpad: \(message)\n")
      return false
    }
  }

  /// The file's name in its folder's real path (links and `.` resolved).
  private var canonicalPath: String {
    guard let resolved = realpath(folder, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved) + "/" + FolderNames.name(of: path)
  }
}
