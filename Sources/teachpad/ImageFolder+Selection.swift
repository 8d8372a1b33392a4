import Learning
import Support

/// The options `train` and `eval` share: which images, which part of the
/// split, and where activations come from.
struct ImageSelection {
  var folder: String
  var classes: [String]?
  var split: SubjectSplit?
  var modelPath: String
  var cacheRoot: String?
  var threadCount: Int

  static let help = """
      --data DIR             one subfolder per label with JPEG or PNG images
      --classes A,B,...      labels to use, in output order (default: all
                             subfolders by name but hidden ones; the first
                             four are up, down, left, right on the appliance)
      --split train|test     use one part of a by-person split: the manifest's
                             subject groups, sorted by number, are shuffled
                             with --split-seed, and the first
                             round(groups x --test-fraction) are the test part
      --test-fraction X      share of groups in the test part (default 0.25)
      --split-seed N         seed of the group shuffle (default 1)
      --manifest FILE        CSV with 'path' and 'subject_group' columns
                             (default DIR/manifest.csv, else DIR/../manifest.csv);
                             these three only with --split
      --model FILE           the .tflite model (else $TEACHPAD_MODEL, else
                             the installed model; see teachpad help)
      --cache DIR            activation cache (else $TEACHPAD_CACHE, else
                             ~/.cache/teachpad)
      --threads N            inference threads, and for train also the
                             training threads (default 0: one per processor)

    """

  init(_ options: inout Options) throws(UsageError) {
    folder = try options.required("data")
    if let list = options.string("classes") {
      let names = list.split(separator: ",", omittingEmptySubsequences: false)
        .map(String.init)
      guard !names.contains(""), Set(names).count == names.count else {
        throw UsageError(message:
          "option --classes: expected distinct labels like 0,1,2,5, got '\(list)'")
      }
      classes = names
    }
    modelPath = ModelLocation.resolve(try options.path("model", of: "file"))
    cacheRoot = try options.path("cache", of: "folder")
    threadCount = try options.integer("threads", default: 0, range: 0...64)

    guard let partName = options.string("split") else {
      // Without a split they would be ignored.
      for name in ["test-fraction", "split-seed", "manifest"] where options.string(name) != nil {
        throw UsageError(message: "option --\(name) applies only with --split train or "
          + "test (add --split or drop --\(name))")
      }
      return
    }
    let part: SubjectSplit.Part
    switch partName {
    case "train": part = .train
    case "test": part = .test
    default:
      throw UsageError(message: "option --split: expected train or test, got '\(partName)'")
    }
    let fraction = try options.decimal("test-fraction", default: 0.25, range: 0...1)
    let seed = try options.integer("split-seed", default: 1, range: 0...Int.max)
    let manifestPath = try SubjectSplit.locateManifest(
      option: try options.path("manifest", of: "file"), folder: folder)
    split = SubjectSplit(part: part, testFraction: fraction, seed: UInt64(seed),
                         manifestPath: manifestPath)
  }

  /// The selected images' activations as a dataset, and the class names.
  func load() throws(UsageError) -> (classes: [String], dataset: ActivationDataset) {
    var (names, images) = try ImageFolder.images(in: folder, classes: classes)
    guard names.count <= 255 else {
      throw UsageError(message: "\(names.count) classes; a head takes at most 255")
    }
    if let split { images = try split.select(images) }

    let dataset = ActivationDataset(classCount: names.count, capacity: images.count)
    let cache = try ActivationCache(modelPath: modelPath, root: cacheRoot,
                                    threadCount: threadCount)
    try cache.add(images, to: dataset)
    return (names, dataset)
  }
}

extension ImageSelection {
  /// The shell of `train` and `eval`: `--help` prints the help; a usage
  /// error is printed as `teachpad: <message>` and exits with 2.
  static func runCommand(
    _ words: ArraySlice<String>, help: String,
    _ body: (ArraySlice<String>) throws(UsageError) -> Int32
  ) -> Int32 {
    if words.contains("--help") {
      writeStandardOutput(help)
      return 0
    }
    do throws(UsageError) {
      return try body(words)
    } catch {
      writeStandardError("teachpad: \(error.message)\n")
      return 2
    }
  }
}
