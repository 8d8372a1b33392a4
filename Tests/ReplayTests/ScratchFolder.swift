import Foundation

/// A fresh folder under the temporary directory, removed by `remove()`.
struct ScratchFolder {
  let url: URL

  init(_ prefix: String) throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  var path: String { url.path }

  func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  func remove() throws {
    try FileManager.default.removeItem(at: url)
  }
}
