import App
import Board
import CShims
import Learning
import Support

/// `teachpad session`: writes a replay session from a labelled image
/// folder, as a player would teach and then play the device.
enum SessionCommand {
  static let summary = "write a replay session from an image folder"
  static let help = """
    usage: teachpad session --data DIR --classes A,B,C,D --out FILE
                            [--per-class N] [--test N] [--hold N] [--seed N]
                            [--frame-ms N] [--split-seed N]
                            [--test-fraction X] [--manifest FILE]

    Writes a session for `teachpad replay` (format in README.md, "Session files"):
    UP held over N images of the first class, DOWN over N of the second,
    then LEFT and RIGHT; TRAIN pressed and released; PLAY pressed and
    released; then the test images in shuffled order, each shown for
    --hold frames with its true direction on the last one (the frame that
    is scored, once the smoothing has seen only that pose).

    Training images come from the train part of the by-person split of the
    manifest, test images from its test part, so the test hands are unseen.

      --data DIR            one subfolder per label (or DIR/images has them)
      --classes A,B,C,D     two to four labels: UP, DOWN, LEFT, RIGHT
      --out FILE            the session file to write (a file that exists
                            must be a session: any other is left alone)
      --per-class N         training images per class (default 40)
      --test N              test images, all classes together (default 100)
      --hold N              frames each test image is shown (default 3)
      --seed N              picks and orders the images (default 1)
      --frame-ms N          time between frames (default 100)
      --split-seed N        seed of the by-person split (default 1)
      --test-fraction X     share of people in the test part (default 0.25)
      --manifest FILE       CSV with path and subject_group (default
                            DIR/manifest.csv, else DIR/../manifest.csv)

    """

  static func run(_ words: ArraySlice<String>) -> Int32 {
    ImageSelection.runCommand(words, help: help, write)
  }

  private static func write(_ words: ArraySlice<String>) throws(UsageError) -> Int32 {
    var options = try Options(words)
    var folder = try options.required("data")
    let classList = try options.required("classes")
    let output = try options.required("out")
    let perClass = try options.integer("per-class", default: 40, range: 1...100_000)
    let testCount = try options.integer("test", default: 100, range: 0...100_000)
    let hold = try options.integer("hold", default: 3, range: 1...1000)
    let seed = try options.integer("seed", default: 1, range: 0...Int.max)
    let frameMilliseconds = try options.integer("frame-ms", default: 100, range: 1...60_000)
    let splitSeed = try options.integer("split-seed", default: 1, range: 0...Int.max)
    let testFraction = try options.decimal("test-fraction", default: 0.25, range: 0...1)
    let manifestOption = try options.path("manifest", of: "file")
    try options.rejectUnknown()
    // Refused as train refuses its --out: a folder or device is a usage
    // mistake (2), another kind of file a refusal over the data (1).
    if FileBytes.exists(path: output) && !FileBytes.isRegularFile(path: output) {
      throw UsageError(message: "option --out: \(output) is a folder, device or pipe, "
        + "not a file (name a file instead)")
    }
    if FileBytes.exists(path: output) && !isSessionFile(output) {
      writeStandardError("teachpad: will not overwrite \(output): it exists and is "
        + "not a teachpad session (move it away first)\n")
      return 1
    }

    let classes = classList.split(separator: ",", omittingEmptySubsequences: false)
      .map(String.init)
    guard classes.count >= 2, classes.count <= 4, !classes.contains(""),
          Set(classes).count == classes.count else {
      throw UsageError(message: "option --classes: expected two to four distinct labels "
        + "like 0,1,2,5 (UP, DOWN, LEFT, RIGHT), got '\(classList)'")
    }
    if !ImageFolder.isDirectory(folder + "/" + classes[0]),
       ImageFolder.isDirectory(folder + "/images/" + classes[0]) {
      folder += "/images"
    }
    folder = absolutePath(folder)
    let manifest = try SubjectSplit.locateManifest(option: manifestOption, folder: folder)
    let (_, images) = try ImageFolder.images(in: folder, classes: classes)
    func part(_ which: SubjectSplit.Part) throws(UsageError) -> [LabelledImage] {
      try SubjectSplit(part: which, testFraction: testFraction, seed: UInt64(splitSeed),
                       manifestPath: manifest).select(images)
    }
    let trainImages = try part(.train)
    var testImages = try part(.test)

    var random = SeededRandom(seed: UInt64(seed))
    var script = SessionScript()
    script.frameMilliseconds = frameMilliseconds
    script.imageFolder = folder
    script.comments = ["written by teachpad session --data \(folder) --classes \(classList) "
      + "--per-class \(perClass) --test \(testCount) --hold \(hold) --seed \(seed)"]
    var mapping = "classes:"
    for (index, label) in classes.enumerated() {
      mapping += " " + label + "=" + Direction.allCases[index].name
    }
    script.comments.append(mapping)

    var held: Button?
    for (index, label) in classes.enumerated() {
      var pool = trainImages.filter { $0.classIndex == index }
      guard pool.count >= perClass else {
        throw UsageError(message: "class '\(label)': \(pool.count) images in the train "
          + "part of the split, --per-class asks for \(perClass); "
          + (pool.isEmpty ? "choose other --classes"
             : "give --per-class \(pool.count) or fewer"))
      }
      random.shuffle(&pool)
      let button = Button(rawValue: index)!
      for (offset, image) in pool.prefix(perClass).enumerated() {
        var events: [SessionScript.Event] = []
        if offset == 0 {
          if let held { events.append(.init(button: held, pressed: false)) }
          events.append(.init(button: button, pressed: true))
          held = button
        }
        script.addFrame(image.key, events: events)
      }
    }
    script.steps.append(.init(events: [.init(button: held!, pressed: false),
                                       .init(button: .train, pressed: true)]))
    script.steps.append(.init(events: [.init(button: .train, pressed: false)]))
    script.steps.append(.init(events: [.init(button: .play, pressed: true)]))

    guard testImages.count >= testCount else {
      throw UsageError(message: "\(testImages.count) images of these classes in the test "
        + "part of the split, --test asks for \(testCount); give --test "
        + "\(testImages.count) or fewer")
    }
    random.shuffle(&testImages)
    for (offset, image) in testImages.prefix(testCount).enumerated() {
      let direction = Direction(rawValue: image.classIndex)!
      for frame in 0..<hold {
        let events: [SessionScript.Event] = offset == 0 && frame == 0
          ? [.init(button: .play, pressed: false)] : []
        script.addFrame(image.key, events: events,
                        expected: frame == hold - 1 ? direction : nil)
      }
    }

    let bytes = Array(script.text.utf8)
    let failure = bytes.withUnsafeBytes { raw -> SystemError? in
      do throws(SystemError) {
        try FileBytes.writeAtomically(path: output, bytes: raw)
        return nil
      } catch {
        return error
      }
    }
    if let failure {
      writeStandardError("teachpad: cannot write \(output): \(failure.reason)\n")
      return 1
    }
    writeStandardOutput("wrote \(output): \(script.steps.count) steps, "
      + "\(perClass) training images per class, \(min(testCount, testImages.count)) test "
      + "images from unseen people, \(hold) frame\(hold == 1 ? "" : "s") each\n")
    return 0
  }

  /// Whether the file at `path` starts with a session's first line.
  static func isSessionFile(_ path: String) -> Bool {
    guard FileBytes.isRegularFile(path: path),
          let bytes = try? FileBytes.read(path: path, maximumBytes: 64 << 20)
    else { return false }
    return bytes.starts(with: Array(SessionScript.header.utf8))
  }

  /// `path` made absolute against the working folder.
  static func absolutePath(_ path: String) -> String {
    guard !path.hasPrefix("/") else { return path }
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    var text = String(cString: buffer)
    var rest = Substring(path)
    while rest.hasPrefix("./") { rest = rest.dropFirst(2) }
    if rest == "." { return text }
    if !text.hasSuffix("/") { text += "/" }
    return text + rest
  }
}
