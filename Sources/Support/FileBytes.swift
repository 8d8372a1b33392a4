import CShims

/// Whole-file reads and crash-safe whole-file writes.
public enum FileBytes {
  /// Reads a whole regular file of at most `maximumBytes` (EFBIG beyond
  /// that, so a runaway file cannot eat all memory). A folder, pipe, device
  /// or socket is refused by name: opening a FIFO for reading would wait
  /// for a writer, and signals cannot end that wait. Throws the failing
  /// call's errno.
  public static func read(path: String, maximumBytes: Int = 256 << 20)
    throws(SystemError) -> [UInt8]
  {
    // O_NONBLOCK: a FIFO opens at once instead of waiting, to be refused.
    let descriptor = try retryingInterrupts("open") {
      shim_open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw SystemError("fstat") }
    if let kind = kindName(mode: status.st_mode) {
      let code = status.st_mode & UInt32(S_IFMT) == UInt32(S_IFDIR) ? EISDIR : EINVAL
      throw SystemError("open", code: code, detail: "it is \(kind), not a regular file")
    }
    // A regular file says its size: refuse a too large one before reading.
    if Int(status.st_size) > maximumBytes {
      throw SystemError("read", code: EFBIG)
    }

    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let got = try retryingInterrupts("read") {
        chunk.withUnsafeMutableBytes { Glue.read(descriptor, $0) }
      }
      if got == 0 { return bytes }
      guard bytes.count + got <= maximumBytes else {
        throw SystemError("read", code: EFBIG)
      }
      bytes.append(contentsOf: chunk[0..<got])
    }
  }

  /// Replaces `path` so that a power cut at any moment leaves either the
  /// old or the new contents: write a temporary file beside it, fsync it,
  /// rename it over the old one, fsync the directory. Temporary files of
  /// `path` that ended processes left are removed first (see
  /// `removeLeftoverTemporaryFiles`), so a crash costs no disk space for good.
  public static func writeAtomically(
    path: String, bytes: UnsafeRawBufferPointer
  ) throws(SystemError) {
    // A link is followed (its target is replaced atomically); a device or
    // pipe is written through, never replaced.
    var status = stat()
    if lstat(path, &status) == 0 {
      let kind = status.st_mode & UInt32(S_IFMT)
      if kind == UInt32(S_IFLNK), let resolved = realpath(path, nil) {
        let target = String(cString: resolved)
        free(resolved)
        try writeAtomically(path: target, bytes: bytes)
        return
      }
      if kind != UInt32(S_IFREG) && kind != UInt32(S_IFLNK) {
        try writeThrough(path: path, bytes: bytes)
        return
      }
    }
    // Before writing: their space may be what this write needs.
    removeLeftoverTemporaryFiles(of: path)

    // A name of its own (process and count) opened with O_EXCL: never an
    // existing file or a link someone left at that name, and never the
    // temporary file of another writer of the same path.
    shim_hold_stop_signals()
    defer { shim_release_stop_signals() }
    var temporaryPath = ""
    var descriptor: Int32 = -1
    while descriptor < 0 {
      temporaryPath = "\(path).tmp.\(getpid()).\(shim_next_sequence_number())"
      descriptor = shim_open_mode(temporaryPath, O_WRONLY | O_CREAT | O_EXCL, 0o644)
      if descriptor < 0 {
        let error = SystemError("open")
        guard error.code == EEXIST || error.code == EINTR else { throw error }
      }
    }
    let writeStatus = shim_write_all(descriptor, bytes.baseAddress, bytes.count)
    if writeStatus != 0 {
      close(descriptor)
      unlink(temporaryPath)
      throw SystemError("write", code: writeStatus)
    }
    if fsync(descriptor) != 0 {
      let error = SystemError("fsync")
      close(descriptor)
      unlink(temporaryPath)
      throw error
    }
    close(descriptor)

    do {
      try retryingInterrupts("rename") { rename(temporaryPath, path) }
    } catch {
      unlink(temporaryPath)
      throw error
    }
    try syncDirectory(containing: path)
  }

  /// Opens an existing non-regular file (following links) and writes to it.
  private static func writeThrough(path: String, bytes: UnsafeRawBufferPointer)
    throws(SystemError)
  {
    // O_NONBLOCK: a FIFO without a reader fails (ENXIO) instead of
    // waiting for one; blocking writes again once it is open.
    let descriptor = try retryingInterrupts("open") {
      shim_open(path, O_WRONLY | O_TRUNC | O_NONBLOCK | O_CLOEXEC)
    }
    defer { close(descriptor) }
    let flags = shim_fcntl_int(descriptor, F_GETFL, 0)
    if flags >= 0 { _ = shim_fcntl_int(descriptor, F_SETFL, flags & ~O_NONBLOCK) }
    let status = shim_write_all(descriptor, bytes.baseAddress, bytes.count)
    if status != 0 { throw SystemError("write", code: status) }
  }

  /// fsync of the directory that holds `path`, so a rename in it is durable.
  public static func syncDirectory(containing path: String) throws(SystemError) {
    let descriptor = try retryingInterrupts("open") {
      shim_open(FolderNames.folder(of: path), O_RDONLY | O_DIRECTORY)
    }
    defer { close(descriptor) }
    try retryingInterrupts("fsync") { fsync(descriptor) }
  }

  /// Whether something exists at `path`.
  public static func exists(path: String) -> Bool {
    access(path, F_OK) == 0
  }

  /// Whether both paths exist and are one file (same device and inode:
  /// links, `./x` and hard links included).
  public static func isSameFile(_ first: String, _ second: String) -> Bool {
    var one = stat()
    var other = stat()
    return stat(first, &one) == 0 && stat(second, &other) == 0
      && one.st_dev == other.st_dev && one.st_ino == other.st_ino
  }

  /// What a file of this stat mode is when it is not a regular file ("a
  /// folder", "a pipe (FIFO)", "a socket", "a device"); nil for a regular
  /// file.
  public static func kindName(mode: UInt32) -> String? {
    mode & UInt32(S_IFMT) == UInt32(S_IFREG) ? nil : kindDescription(mode: mode)
  }

  /// What a file of this stat mode is: "a regular file", or as `kindName`.
  public static func kindDescription(mode: UInt32) -> String {
    switch mode & UInt32(S_IFMT) {
    case UInt32(S_IFREG): return "a regular file"
    case UInt32(S_IFDIR): return "a folder"
    case UInt32(S_IFIFO): return "a pipe (FIFO)"
    case UInt32(S_IFSOCK): return "a socket"
    default: return "a device"
    }
  }

  /// Whether `path` is a regular file (links followed): not a folder, a
  /// device or a FIFO, which a read could block on or misread.
  public static func isRegularFile(path: String) -> Bool {
    var status = stat()
    guard stat(path, &status) == 0 else { return false }
    return status.st_mode & UInt32(S_IFMT) == UInt32(S_IFREG)
  }
}

enum Glue {
  static func read(_ descriptor: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
    CShims.read(descriptor, buffer.baseAddress, buffer.count)
  }
}
