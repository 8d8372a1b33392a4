import CShims

private let fileLog = Logger("files")

/// Temporary files that a stopped save left behind.
///
/// `writeAtomically` writes `NAME.tmp.PID.N` and renames it to NAME. A
/// SIGKILL or a power cut between the two leaves that file for good, so
/// every save of NAME first removes the ones whose process has ended:
///
/// 1. list NAME's folder;
/// 2. keep the names that are exactly `NAME.tmp.<PID>.<N>`, both numbers
///    plain decimals (no sign, no leading zero) and PID a possible
///    process number;
/// 3. of those, remove each regular file whose PID no process has
///    (kill(PID, 0) fails with ESRCH), with one log line per file.
///
/// Not guaranteed: a file whose number a live process has again (after a
/// reboot, say) stays until a save finds that number unused. A process
/// under another user still counts as live (EPERM), so its files stay.
extension FileBytes {
  /// Removes the temporary files of `path` left by ended processes; best
  /// effort, a file that cannot be removed is logged and left.
  static func removeLeftoverTemporaryFiles(of path: String) {
    let prefix = FolderNames.name(of: path) + ".tmp."
    // Bytes, not characters: a name spelled with other Unicode code points
    // is another file.
    removeFilesOfEndedProcesses(
      in: FolderNames.folder(of: path),
      writer: { name in
        guard name.utf8.starts(with: prefix.utf8) else { return nil }
        return writerProcessID(name.utf8.dropFirst(prefix.utf8.count))
      },
      removed: { leftover, processID in
        fileLog.info(
          "removed \(leftover), an unfinished save of process \(processID), which has ended")
      },
      failed: { leftover, processID, error in
        fileLog.warning(
          "cannot remove \(leftover), left by ended process \(processID): \(error.reason)")
      })
  }

  /// Removes each regular file in `folder` whose name `writer` reads the
  /// number of its writing process from, when no process has that number
  /// any more; best effort. `removed` hears each file removed, `failed`
  /// each one that stays for another reason than being gone already.
  public static func removeFilesOfEndedProcesses(
    in folder: String, writer: (String) -> Int32?,
    removed: (String, Int32) -> Void = { _, _ in },
    failed: (String, Int32, SystemError) -> Void = { _, _, _ in }
  ) {
    for name in FolderNames.list(folder) ?? [] {
      guard let processID = writer(name), EndedProcess.hasEnded(processID) else { continue }
      let leftover = folder + "/" + name
      var status = stat()
      guard lstat(leftover, &status) == 0,
            status.st_mode & UInt32(S_IFMT) == UInt32(S_IFREG) else { continue }
      if unlink(leftover) == 0 {
        removed(leftover, processID)
      } else if shim_errno() != ENOENT {
        failed(leftover, processID, SystemError("unlink"))
      }
    }
  }

  /// The PID of a temporary name's `<PID>.<N>` ending, or nil when the
  /// ending is anything else.
  private static func writerProcessID(_ ending: Substring.UTF8View) -> Int32? {
    let parts = ending.split(separator: UInt8(ascii: "."),
                             omittingEmptySubsequences: false)
    guard parts.count == 2, EndedProcess.plainDecimal(parts[1]) != nil else { return nil }
    return EndedProcess.processID(parts[0])
  }
}
