import App
import Board
import CShims
import Inference
import Learning
import Support

/// `teachpad replay`: a recorded session through the appliance loop of
/// `teachpad run`, with image files for the camera, recorded button events
/// and the serial lines going to standard output, a file or a tty.
enum ReplayCommand {
  static let summary = "play a recorded session through the appliance loop"
  static let help = """
    usage: teachpad replay SESSION [--serial stdout|none|FILE|TTY]
                           [--config FILE] [--frames N] [--data-dir DIR]
                           [--activations engine|cache] [--cache DIR]
                           [--model FILE] [--verbose]

    Runs the state machine of `teachpad run` on a session file (see
    README.md, "Session files"; `teachpad session` writes one): each recorded frame is
    a pass of the appliance loop, with the frame's button events, its image
    as the camera frame, and time moving one frame interval. Prints a
    summary: examples per class, training loss, lines sent, direction
    accuracy on the frames with a true direction (the lit direction LED
    against it; no LED counts as wrong), time per frame, and the resident
    memory every 1000 frames.

      --serial WHERE        stdout (default), none, a tty such as
                            /dev/ttyUSB0 or a pty (raw 8N1 at serial.baud;
                            the replay waits for a slow reader instead of
                            dropping lines), or any other path: a file
      --config FILE         the configuration of `teachpad run` (head,
                            smoothing, confidence floor, repeat interval,
                            inference threads; default: the defaults)
      --frames N            keep playing the test frames until N frames
                            (a session always plays whole: N below its
                            own frame count changes nothing)
      --data-dir DIR        where the dataset and head are saved (default:
                            a fresh folder /tmp/teachpad-replay-PID)
      --activations engine  run the model on every frame (default)
      --activations cache   look activations up in the activation cache of
                            train and eval, computing the missing ones once
      --cache DIR           that cache (else $TEACHPAD_CACHE, else
                            ~/.cache/teachpad)
      --model FILE          the .tflite model (else model.path, else
                            $TEACHPAD_MODEL, else the installed model
                            /var/lib/teachpad/...; see teachpad help)
      --verbose             log state changes to standard error

    """

  static func run(_ words: ArraySlice<String>) -> Int32 {
    if words.contains("--help") {
      writeStandardOutput(help)
      return 0
    }
    do throws(UsageError) {
      return try replay(words)
    } catch {
      writeStandardError("teachpad: \(error.message)\n")
      return 2
    }
  }

  private static func replay(_ words: ArraySlice<String>) throws(UsageError) -> Int32 {
    var options = try Options(words, flags: ["verbose"])
    let serialWhere = options.string("serial") ?? "stdout"
    let configurationPath = options.string("config")
    // A frame's time is kept for the percentiles: 8 MB at the most.
    let frames = try options.integer("frames", default: 0, range: 0...1_000_000)
    let dataDirectory = try options.path("data-dir", of: "folder")
    let activations = options.string("activations") ?? "engine"
    let cacheRoot = options.string("cache")
    let modelOption = options.string("model")
    let verbose = options.flag("verbose")
    try options.rejectUnknown(allowingOperands: true)
    guard options.operands.count == 1, let sessionPath = options.operands.first else {
      throw UsageError(message: "replay needs one session file (see teachpad replay --help)")
    }
    // A device path that is not there is an adapter that is not plugged in,
    // not a log file to create in /dev.
    if serialWhere.hasPrefix("/dev/") && access(serialWhere, F_OK) != 0 {
      throw UsageError(message: "option --serial: \(serialWhere) does not exist "
        + "(is the adapter plugged in? a log file must be outside /dev)")
    }
    guard activations == "engine" || activations == "cache" else {
      throw UsageError(message:
        "option --activations: expected engine or cache, got '\(activations)'")
    }

    var configuration = Configuration()
    if let configurationPath {
      do {
        configuration = try Configuration.load(path: configurationPath)
      } catch {
        throw UsageError(message: error.message)
      }
    }
    LogSettings.minimumLevel = verbose ? configuration.logLevel : .warning
    // SIGINT, SIGTERM, SIGHUP and SIGQUIT end the loop, not the process,
    // and SIGPIPE is ignored, so that the folder below is removed however
    // the replay ends (only a SIGKILL leaves it, for a later replay to
    // remove).
    StopSignals.install()
    configuration.dataDirectory = try freshDataDirectory(dataDirectory)
    // A folder replay made for itself goes when it ends; a given one stays.
    let madeFolder = dataDirectory == nil ? configuration.dataDirectory : nil
    defer { if let madeFolder { removeFolder(madeFolder) } }
    let modelPath = ModelLocation.resolve(modelOption ?? configuration.modelPath)

    let script = try readSession(sessionPath)
    let folder = imageFolder(of: script, sessionPath: sessionPath)
    let camera = ReplayCamera()
    for image in script.images {
      switch DecodedImage.read(path: folder + "/" + image) {
      case .failure(let error):
        throw UsageError(message: "session \(sessionPath): \(error.message)")
      case .success(let decoded):
        camera.add(rgb: decoded.pixels, width: decoded.width, height: decoded.height)
      }
    }

    let extractor: any FeatureExtractor
    if activations == "cache" {
      extractor = try cachedExtractor(script, folder: folder, camera: camera,
                                      modelPath: modelPath, cacheRoot: cacheRoot,
                                      threads: configuration.inferenceThreads)
    } else {
      extractor = try ModelLoading.engine(
        modelOption: modelPath, tensor: Engine.defaultCutTensorName,
        threads: configuration.inferenceThreads).get()
    }

    let standardOutput = DescriptorSerialLink(descriptor: 1)
    let (link, tty) = try serialLink(serialWhere, baud: configuration.serialBaud,
                                     standardOutput: standardOutput)
    // Only a head the device will load makes it play from the start; a
    // damaged or unusable one is reported (and set aside) when it starts.
    if dataDirectory != nil && FileBytes.exists(path: configuration.headPath),
      (try? Head.load(path: configuration.headPath,
                      expectedClassCount: Direction.allCases.count,
                      movingDamagedFilesAside: false)) != nil {
      writeStandardError("teachpad: warning: \(configuration.headPath) holds a "
        + "trained head: the device starts playing with it, as teachpad run "
        + "does, and the session's PLAY press turns playing off; replay into "
        + "a fresh --data-dir to score the session as it was recorded\n")
    }
    var settings = ControllerSettings()
    settings.directionRepeatMilliseconds = configuration.directionRepeatMilliseconds
    let runner = ReplayRunner(
      script: script, camera: camera, extractor: extractor,
      learner: StoredLearner(configuration: configuration), serial: link,
      settings: settings, frameCount: frames == 0 ? nil : frames)
    if let tty {
      var peerGaveUp = false
      runner.afterStep = { drain(tty, peerGaveUp: &peerGaveUp) }
    }
    runner.shouldStop = { StopSignals.requested || standardOutput.readerHasGone }
    let summary = runner.run()
    // The reader of standard output has gone (`| head -1`): end as quietly
    // as SIGPIPE would have, with its status.
    if standardOutput.readerHasGone { return 128 + SIGPIPE }

    let steps = script.steps.count
    let images = script.images.count
    writeStandardOutput("session: \(sessionPath) (\(steps) \(steps == 1 ? "step" : "steps"), "
      + "\(images) \(images == 1 ? "image" : "images"), "
      + "\(script.frameMilliseconds) ms a frame)\n"
      + "activations: \(activations == "cache" ? "activation cache" : "engine, every frame")"
      + "; data: \(configuration.dataDirectory)\n" + summary.text)
    // A stop signal ends the replay early: the summary covers the frames
    // played, and the status says it was stopped.
    if StopSignals.requested {
      writeStandardError("teachpad: replay stopped by signal \(StopSignals.signalNumber) "
        + "after \(summary.frames) of \(runner.frameCount) frames\n")
      return 128 + StopSignals.signalNumber
    }
    return 0
  }

  private static func readSession(_ path: String) throws(UsageError) -> SessionScript {
    let bytes: [UInt8]
    do {
      bytes = try FileBytes.read(path: path)
    } catch {
      throw UsageError(message: "cannot read session \(path): \(error.reason)")
    }
    do {
      return try SessionScript.parse(String(decoding: bytes, as: UTF8.self))
    } catch {
      throw UsageError(message: "session \(path): \(error.message)")
    }
  }

  /// The session's `images` folder, relative to the session file's folder.
  static func imageFolder(of script: SessionScript, sessionPath: String) -> String {
    if script.imageFolder.hasPrefix("/") { return script.imageFolder }
    guard let slash = sessionPath.lastIndex(of: "/") else { return script.imageFolder }
    let sessionFolder = String(sessionPath[..<slash])
    return script.imageFolder == "." ? sessionFolder
      : sessionFolder + "/" + script.imageFolder
  }

  /// Removes the files in a folder replay made, then the folder.
  private static func removeFolder(_ path: String) {
    for name in FolderNames.list(path) ?? [] { unlink(path + "/" + name) }
    rmdir(path)
  }

  /// DIR, made if missing, else a new /tmp/teachpad-replay-PID[-N].
  private static func freshDataDirectory(_ option: String?) throws(UsageError) -> String {
    if let option {
      if mkdir(option, 0o755) != 0 && shim_errno() != EEXIST {
        throw UsageError(message: "cannot make data folder \(option): "
          + "\(SystemError("mkdir").reason)")
      }
      var status = stat()
      guard stat(option, &status) == 0,
            status.st_mode & UInt32(S_IFMT) == UInt32(S_IFDIR) else {
        throw UsageError(message: "--data-dir \(option) is not a folder")
      }
      // The dataset and head are saved there after every change: a folder
      // that cannot take them would only warn at every save.
      guard access(option, W_OK | X_OK) == 0 else {
        throw UsageError(message: "--data-dir \(option): cannot write in it: "
          + "\(SystemError("access").reason) (choose a folder you can write)")
      }
      return option
    }
    removeLeftoverFolders()
    let base = "/tmp/teachpad-replay-\(getpid())"
    for attempt in 0..<100 {
      let path = attempt == 0 ? base : base + "-\(attempt)"
      if mkdir(path, 0o700) == 0 { return path }
      if shim_errno() != EEXIST { break }
    }
    throw UsageError(message: "cannot make a data folder \(base): "
      + "\(SystemError("mkdir").reason) (give one with --data-dir)")
  }

  /// Removes the folders `/tmp/teachpad-replay-PID[-N]` of this user whose
  /// process has ended: only a SIGKILL (or a power cut) leaves one, since
  /// every other end of a replay removes its own. Best effort.
  private static func removeLeftoverFolders() {
    let prefix = "teachpad-replay-"
    for name in FolderNames.list("/tmp") ?? [] where name.hasPrefix(prefix) {
      let ending = name.utf8.dropFirst(prefix.utf8.count)
      let parts = ending.split(separator: UInt8(ascii: "-"), maxSplits: 1,
                               omittingEmptySubsequences: false)
      guard let processID = EndedProcess.processID(parts[0]),
            parts.count == 1 || EndedProcess.plainDecimal(parts[1]) != nil,
            EndedProcess.hasEnded(processID) else { continue }
      let path = "/tmp/" + name
      var status = stat()
      guard lstat(path, &status) == 0, status.st_uid == getuid(),
            status.st_mode & UInt32(S_IFMT) == UInt32(S_IFDIR) else { continue }
      removeFolder(path)
    }
  }

  /// Every session image's activation from the activation cache.
  private static func cachedExtractor(
    _ script: SessionScript, folder: String, camera: ReplayCamera, modelPath: String,
    cacheRoot: String?, threads: Int
  ) throws(UsageError) -> TableExtractor {
    let images = script.images.map {
      LabelledImage(classIndex: 0, path: folder + "/" + $0, key: $0)
    }
    let dataset = ActivationDataset(classCount: 1, capacity: max(1, images.count))
    let cache = try ActivationCache(modelPath: modelPath, root: cacheRoot,
                                    threadCount: threads)
    try cache.add(images, to: dataset)
    let byteCount = dataset.shape.byteCount
    var table: [UInt8] = []
    table.reserveCapacity(images.count * byteCount)
    for index in 0..<dataset.count { table.append(contentsOf: dataset.activation(at: index)) }
    return TableExtractor(camera: camera, activations: table, byteCount: byteCount)
  }

  /// The link for --serial, and the tty link when it is one.
  private static func serialLink(
    _ place: String, baud: Int, standardOutput: DescriptorSerialLink
  ) throws(UsageError) -> (any SerialLink, LinuxSerialLink?) {
    switch place {
    case "stdout": return (standardOutput, nil)
    case "none": return (DescriptorSerialLink(descriptor: nil), nil)
    default: break
    }
    // The file is emptied below: only one that holds nothing, or what an
    // earlier replay wrote, may be.
    if let problem = notASerialLog(place) {
      throw UsageError(message: "option --serial: \(place) \(problem); name a new file "
        + "or one an earlier replay wrote (it is emptied first)")
    }
    // O_NONBLOCK: a serial port without carrier must not hold up the probe.
    let descriptor = shim_open_mode(
      place, O_WRONLY | O_CREAT | O_NOCTTY | O_CLOEXEC | O_NONBLOCK, 0o644)
    guard descriptor >= 0 else {
      let error = SystemError("open")
      var hint = ""
      if error.code == EISDIR { hint = " (name a file in it, a tty, stdout or none)" }
      if error.code == ENXIO { hint = " (a named pipe with no reader: start its reader first)" }
      throw UsageError(message: "option --serial: cannot open \(place): \(error.reason)"
        + hint)
    }
    if isatty(descriptor) == 1 {
      close(descriptor)
      let link = LinuxSerialLink(settings: SerialSettings(path: place, baud: baud))
      guard link.isConnected else {
        throw UsageError(message: "option --serial: \(link.problem ?? place)")
      }
      return (link, link)
    }
    // A device that is not a tty (/dev/null, /dev/zero) cannot be emptied
    // or read back as a log; a pipe is written as it is.
    var status = stat()
    let kind = fstat(descriptor, &status) == 0 ? status.st_mode & UInt32(S_IFMT) : 0
    if kind == UInt32(S_IFIFO) { return (DescriptorSerialLink(descriptor: descriptor), nil) }
    guard kind == UInt32(S_IFREG) else {
      close(descriptor)
      throw UsageError(message: "option --serial: \(place) is a device that is not a "
        + "terminal; use --serial none to send the lines nowhere, or a file outside "
        + "/dev to keep them")
    }
    if ftruncate(descriptor, 0) != 0 {
      close(descriptor)
      throw UsageError(message: "option --serial: cannot empty \(place): "
        + "\(SystemError("ftruncate").reason)")
    }
    return (DescriptorSerialLink(descriptor: descriptor), nil)
  }

  /// Why the regular file at `path` is no serial log that replay may
  /// empty: a line of it does not start as a protocol line does (`$TP`).
  /// Nil when there is no such file, it is empty, or every line is one.
  private static func notASerialLog(_ path: String) -> String? {
    var status = stat()
    guard stat(path, &status) == 0, status.st_mode & UInt32(S_IFMT) == UInt32(S_IFREG),
          status.st_size > 0 else { return nil }
    // /proc files say size 0 or 4096 and hold no serial lines either.
    guard let bytes = try? FileBytes.read(path: path) else { return nil }
    let marker = Array("$TP".utf8)
    for line in bytes.split(separator: UInt8(ascii: "\n")) where !line.starts(with: marker) {
      return "holds something other than teachpad's serial lines"
    }
    return nil
  }

  /// Waits until the tty took every pending line, so that a replay to a
  /// console loses nothing to its own speed. A peer that takes nothing for
  /// 2 s is left behind (its lines coalesce, as on the device) until it
  /// catches up by itself.
  private static func drain(_ link: LinuxSerialLink, peerGaveUp: inout Bool) {
    if peerGaveUp {
      link.service()
      if link.pendingLineCount == 0 { peerGaveUp = false }
      return
    }
    let deadline = shim_monotonic_nanoseconds() + 2_000_000_000
    while link.pendingLineCount > 0, let port = link.port {
      guard shim_monotonic_nanoseconds() < deadline else {
        peerGaveUp = true
        writeStandardError("teachpad: \(link.settings.path) is not being read; "
          + "lines coalesce until it is\n")
        return
      }
      _ = port.waitWritable(timeoutMilliseconds: 100)
      link.service()
    }
  }
}
