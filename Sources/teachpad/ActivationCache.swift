import CShims
import Inference
import Learning
import Support

/// Activations of image files, computed once per model and image. Entries
/// live in `<root>/activations/<model sha256, 16 digits>/<image sha256>`,
/// each the activation's bytes and their CRC-32; a damaged entry is
/// computed again. The engine is made only when some image misses.
/// The root is --cache, else $TEACHPAD_CACHE, else $XDG_CACHE_HOME/teachpad,
/// else $HOME/.cache/teachpad.
final class ActivationCache {
  let folder: String
  let modelPath: String
  let threadCount: Int
  private var modelBytes: [UInt8]
  private var engine: Engine?
  private let shape = ActivationShape.mobileNetCut

  init(modelPath: String, root: String?, threadCount: Int) throws(UsageError) {
    do {
      modelBytes = try FileBytes.read(path: modelPath)
    } catch {
      throw UsageError(message: "cannot read model \(modelPath): \(error.reason) "
        + "(give --model or set TEACHPAD_MODEL)")
    }
    self.modelPath = modelPath
    self.threadCount = threadCount
    let base = root ?? Self.defaultRoot()
    let modelKey = String(SHA256.hex(of: modelBytes).prefix(16))
    folder = base + "/activations/" + modelKey
    for path in [base, base + "/activations", folder] {
      if mkdir(path, 0o755) != 0 && shim_errno() != EEXIST {
        throw UsageError(message: "cannot make cache folder \(path): "
          + "\(SystemError("mkdir").reason) (choose another with --cache)")
      }
    }
    removeLeftoverEntries()
  }

  /// Removes the temporary entries (`<image sha256>.tmp<PID>`, see
  /// `writeEntry`) of processes that have ended: a SIGKILL or a power cut
  /// between writing one and renaming it leaves it. Once per command,
  /// best effort; a live process's entry and any other name stay.
  private func removeLeftoverEntries() {
    FileBytes.removeFilesOfEndedProcesses(in: folder) { name in
      let parts = name.utf8.split(separator: UInt8(ascii: "."), maxSplits: 1,
                                  omittingEmptySubsequences: false)
      guard parts.count == 2, parts[0].count == 64, parts[1].starts(with: "tmp".utf8)
      else { return nil }
      return EndedProcess.processID(parts[1].dropFirst(3))
    }
  }

  static func defaultRoot() -> String {
    for (variable, suffix) in [("TEACHPAD_CACHE", ""), ("XDG_CACHE_HOME", "/teachpad"),
                               ("HOME", "/.cache/teachpad")] {
      if let value = getenv(variable) {
        let text = String(cString: value)
        if !text.isEmpty { return text + suffix }
      }
    }
    return "/tmp/teachpad-cache"
  }

  /// Adds every image's activation to `dataset` with its class index.
  /// Reports progress on standard error when images must be computed.
  func add(
    _ images: [LabelledImage], to dataset: ActivationDataset
  ) throws(UsageError) {
    var computed = 0
    var activation = [UInt8](repeating: 0, count: shape.byteCount)
    let started = shim_monotonic_nanoseconds()
    var lastReport = started

    for (index, image) in images.enumerated() {
      let fileBytes: [UInt8]
      do {
        fileBytes = try FileBytes.read(path: image.path)
      } catch {
        throw UsageError(message: "cannot read image \(image.path): \(error.reason)")
      }
      let entryPath = folder + "/" + SHA256.hex(of: fileBytes)
      if !readEntry(entryPath, into: &activation) {
        try compute(image, fileBytes, into: &activation)
        writeEntry(entryPath, activation)
        computed += 1
      }
      do {
        try activation.withUnsafeBufferPointer { (buffer) throws(LearningError) in
          try dataset.append(buffer, label: image.classIndex)
        }
      } catch {
        throw UsageError(message: error.message)
      }

      let now = shim_monotonic_nanoseconds()
      if computed > 0 && (now - lastReport > 2_000_000_000 || index + 1 == images.count) {
        lastReport = now
        writeStandardError("activations: \(index + 1)/\(images.count) images "
          + "(\(computed) computed, \(index + 1 - computed) from cache)\n")
      }
    }
  }

  private func compute(
    _ image: LabelledImage, _ fileBytes: [UInt8], into activation: inout [UInt8]
  ) throws(UsageError) {
    let decoded: (pixels: [UInt8], width: Int, height: Int)
    switch ImageFolder.decode(fileBytes) {
    case .success(let image): decoded = image
    case .failure(let error):
      throw UsageError(message: "cannot use image \(image.path): \(error.message); "
        + "replace or remove the file")
    }
    let engine = try readyEngine()
    decoded.pixels.withUnsafeBufferPointer {
      engine.setInput(rgb: $0, width: decoded.width, height: decoded.height,
                      bytesPerRow: decoded.width * 3)
    }
    engine.invoke()
    guard engine.output.count == shape.byteCount else {
      throw UsageError(message: "model \(modelPath) gives \(engine.output.count) "
        + "bytes at the cut, expected \(shape.byteCount)")
    }
    for index in 0..<shape.byteCount { activation[index] = engine.output[index] }
  }

  private func readyEngine() throws(UsageError) -> Engine {
    if let engine { return engine }
    do {
      let made = try Engine(modelBytes: modelBytes,
                            outputTensorName: Engine.defaultCutTensorName,
                            threadCount: threadCount)
      engine = made
      return made
    } catch {
      throw UsageError(message: "model \(modelPath): \(error.message)")
    }
  }

  /// Reads a cache entry; false when missing or damaged.
  private func readEntry(_ path: String, into activation: inout [UInt8]) -> Bool {
    guard let bytes = try? FileBytes.read(path: path),
          bytes.count == shape.byteCount + 4 else { return false }
    var stored: UInt32 = 0
    for index in 0..<4 {
      stored |= UInt32(bytes[shape.byteCount + index]) << UInt32(8 * index)
    }
    let computed = bytes.withUnsafeBytes {
      CRC32.of(UnsafeRawBufferPointer(rebasing: $0[0..<shape.byteCount]))
    }
    guard stored == computed else { return false }
    for index in 0..<shape.byteCount { activation[index] = bytes[index] }
    return true
  }

  /// Writes an entry through a temporary name; a cache needs no fsync, a
  /// torn entry fails its checksum and is computed again.
  private func writeEntry(_ path: String, _ activation: [UInt8]) {
    var bytes = activation
    let checksum = activation.withUnsafeBytes { CRC32.of($0) }
    for shift in stride(from: 0, to: 32, by: 8) {
      bytes.append(UInt8(truncatingIfNeeded: checksum >> UInt32(shift)))
    }
    let temporary = path + ".tmp\(getpid())"
    let descriptor = shim_open_mode(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard descriptor >= 0 else { return }
    let status = bytes.withUnsafeBytes { shim_write_all(descriptor, $0.baseAddress, $0.count) }
    close(descriptor)
    if status != 0 || rename(temporary, path) != 0 { unlink(temporary) }
  }
}
