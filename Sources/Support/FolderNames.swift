import CShims

/// The names a folder holds.
public enum FolderNames {
  /// Names in the folder at `path` (opendir, readdir), sorted, without
  /// "." and "..", or nil when it cannot be opened; errno then says why.
  public static func list(_ path: String) -> [String]? {
    guard let folder = opendir(path) else { return nil }
    defer { closedir(folder) }
    var names: [String] = []
    while let entry = readdir(folder) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }

  /// The folder part of `path`: "." for a bare name, "/" for a name in
  /// the root.
  public static func folder(of path: String) -> String {
    guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
    if slash == path.utf8.startIndex { return "/" }
    return String(path.utf8[..<slash]) ?? "."
  }

  /// The last part of `path`, after its last "/".
  public static func name(of path: String) -> String {
    guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path }
    return String(path.utf8[path.utf8.index(after: slash)...]) ?? path
  }
}
