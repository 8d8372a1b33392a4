import CShims
import Learning
import Support

/// `teachpad train`: fits a head to labelled image folders and saves it.
enum TrainCommand {
  static let summary = "fit a dense or kNN head to image folders"
  static let help = """
    usage: teachpad train --data DIR --out HEAD [--classes 0,1,2,5]
                          [--head dense|knn] [--epochs N] [--units N]
                          [--learning-rate X] [--batch-fraction X] [--seed N]
                          [--k N] [--save-dataset FILE] [split and model options]

    Fits a head to the activations of the images and writes it to HEAD.
    Prints the loss as training goes and the final training loss.

      --out HEAD             where the head file goes
      --head dense|knn       the demo's dense head (default) or k nearest
                             neighbours by cosine similarity
      --save-dataset FILE    also write the activations as a dataset file

    The dense head's options (refused with --head knn):
      --epochs N             passes over the examples (default 20)
      --units N              hidden units (default 100)
      --learning-rate X      Adam's learning rate (default 0.0001)
      --batch-fraction X     batch = floor(examples x X) (default 0.4)
      --seed N               seeds initial weights and shuffles (default 1)

    The kNN head's option (refused with the dense head):
      --k N                  neighbours that vote (default 3)

    Images, split and model:

    """ + ImageSelection.help

  static func run(_ words: ArraySlice<String>) -> Int32 {
    ImageSelection.runCommand(words, help: help, train)
  }

  private static func train(_ words: ArraySlice<String>) throws(UsageError) -> Int32 {
    var options = try Options(words)
    let selection = try ImageSelection(&options)
    guard let outputPath = try options.path("out", of: "file") else {
      throw UsageError(message: "option --out is required")
    }
    var settings = try readSettings(&options)
    if selection.threadCount > 0 { settings.threadCount = selection.threadCount }
    let datasetPath = try options.path("save-dataset", of: "file")
    try options.rejectUnknown()
    // Found out before the activations and the fit, not after them.
    let headFile = OutputFile(option: "out", path: outputPath)
    let datasetFile = datasetPath.map { OutputFile(option: "save-dataset", path: $0) }
    try headFile.checkWritable()
    if let datasetFile {
      try datasetFile.checkWritable()
      try datasetFile.checkDistinct(from: headFile)
    }
    do throws(LearningError) {
      try Head.checkReplaceable(path: outputPath)
      if let datasetPath { try ActivationDataset.checkReplaceable(path: datasetPath) }
    } catch {
      writeStandardError("teachpad: \(error.message)\n")
      return 1
    }

    let (classes, dataset) = try selection.load()
    var counts = ""
    for (index, name) in classes.enumerated() {
      counts += (index == 0 ? "" : ", ") + "\(name): \(dataset.count(ofClass: index))"
    }
    writeStandardOutput("examples: \(dataset.count) (\(counts))\n")

    if let datasetFile, !datasetFile.save("dataset", with: dataset.save) { return 1 }
    do throws(LearningError) {
      let started = shim_monotonic_nanoseconds()
      let startedProcessor = processorNanoseconds()
      let (fitted, report) = try Head.make(
        from: dataset, classNames: classes, settings: settings, progress: show)
      let fitMilliseconds = Double(shim_monotonic_nanoseconds() - started) / 1e6
      let fitProcessorMilliseconds = Double(processorNanoseconds() - startedProcessor) / 1e6
      for warning in report.warnings {
        writeStandardError("teachpad: warning: \(warning.message(naming: classes))\n")
      }
      guard headFile.save("head", with: fitted.save) else { return 1 }
      if settings.kind == .dense {
        writeStandardOutput("final loss: \(formatDecimal(Double(report.finalLoss), digits: 4))\n")
      }
      writeStandardOutput("fit time: \(formatDecimal(fitMilliseconds, digits: 1)) ms "
        + "(processor time \(formatDecimal(fitProcessorMilliseconds, digits: 1)) ms)\n")
      writeStandardOutput("wrote \(outputPath) (\(settings.kind.name), "
        + "\(classes.count) classes)\n")
      return 0
    } catch {
      let named = error.namingBatchFraction("option --batch-fraction")
      writeStandardError("teachpad: \(named.message)\n")
      return 1
    }
  }

  /// Processor time of the whole process (all threads), for timing a fit
  /// on a busy machine where wall time mostly measures the others.
  private static func processorNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
  }

  /// One line per epoch, with the loss of each of its batches.
  private static func show(_ progress: TrainingProgress) {
    var line = progress.batch == 0
      ? "epoch \(progress.epoch + 1)/\(progress.epochCount) loss" : ""
    line += " " + formatDecimal(Double(progress.loss), digits: 4)
    if progress.batch + 1 == progress.batchCount { line += "\n" }
    writeStandardError(line)
  }

  private static func readSettings(_ options: inout Options) throws(UsageError) -> HeadSettings {
    var settings = HeadSettings()
    let kindName = options.string("head")
    if let kindName {
      guard let kind = HeadKind(name: kindName) else {
        throw UsageError(message: "option --head: expected dense or knn, got '\(kindName)'")
      }
      settings.kind = kind
    }
    try refuseOptionsOfOtherHeads(&options, kind: settings.kind,
                                  kindIsDefault: kindName == nil)
    settings.epochs = try options.integer("epochs", default: 20, range: 1...100_000)
    settings.units = try options.integer("units", default: 100, range: 1...4096)
    settings.learningRate = try options.decimal(
      "learning-rate", default: 0.0001, range: 0.000_000_001...1)
    settings.batchFraction = try options.decimal(
      "batch-fraction", default: 0.4, range: 0.000_001...1)
    settings.seed = UInt64(try options.integer("seed", default: 1, range: 0...Int.max))
    settings.neighborCount = try options.integer("k", default: 3, range: 1...255)
    return settings
  }

  /// The options only one head kind uses; the other would ignore them.
  private static let denseOnlyOptions = [
    "epochs", "units", "learning-rate", "batch-fraction", "seed",
  ]
  private static let nearestNeighborsOnlyOptions = ["k"]

  /// Refuses an option that the chosen head would silently ignore.
  private static func refuseOptionsOfOtherHeads(
    _ options: inout Options, kind: HeadKind, kindIsDefault: Bool
  ) throws(UsageError) {
    let (otherOptions, otherKind) = kind == .dense
      ? (nearestNeighborsOnlyOptions, HeadKind.nearestNeighbors)
      : (denseOnlyOptions, HeadKind.dense)
    let chosen = (kindIsDefault ? "the default " : "") + "--head \(kind.name)"
    for name in otherOptions where options.string(name) != nil {
      throw UsageError(message: "option --\(name) applies to --head "
        + "\(otherKind.name) only, not to \(chosen)")
    }
  }
}
