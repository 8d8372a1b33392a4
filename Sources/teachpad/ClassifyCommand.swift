import Inference
import Support

/// `teachpad classify --model MODEL --labels LABELS IMAGE...`: the whole
/// model to its probabilities, and the five best labels for each image.
enum ClassifyCommand {
  static let summary = "top-5 ImageNet labels for images (whole model)"
  static let help = """
    usage: teachpad classify --labels LABELS [--model MODEL] [--threads N]
                             IMAGE...

    Runs the whole model on each image (raw 224x224x3 RGB, JPEG or PNG) and
    prints the five best labels with their scores. LABELS is the model's
    label file, one line per class (../shared/models/labels.txt).

    """

  static func run(_ words: ArraySlice<String>) -> Int32 {
    if words.contains("--help") {
      writeStandardOutput(help)
      return 0
    }
    do throws(UsageError) {
      var options = try Options(words)
      let model = options.string("model")
      let labelsPath = try options.required("labels")
      let threads = try options.integer("threads", default: 0, range: 0...64)
      try options.rejectUnknown(allowingOperands: true)
      guard !options.operands.isEmpty else {
        throw UsageError(message: "classify needs at least one image")
      }

      let labels = try readLabels(labelsPath)
      let engine = try ModelLoading.engine(modelOption: model, tensor: nil,
                                           threads: threads).get()
      guard engine.output.count == labels.count else {
        throw UsageError(message: "labels \(labelsPath): \(labels.count) lines"
                         + " but the model gives \(engine.output.count) scores")
      }
      var text = ""
      for path in options.operands {
        if let error = loadInput(path: path, into: engine) { throw error }
        engine.invoke()
        text += path + "\n"
        for (index, score) in topFive(engine.output) {
          text += "  " + BenchCommand.decimal(Double(score) / 256, 3) + "  "
            + labels[index] + " (\(index), \(score)/256)\n"
        }
      }
      writeStandardOutput(text)
      return 0
    } catch {
      return fail(error)
    }
  }

  static func readLabels(_ path: String) throws(UsageError) -> [String] {
    let bytes: [UInt8]
    do {
      bytes = try FileBytes.read(path: path)
    } catch {
      throw UsageError(message: "labels \(path): \(error.reason)")
    }
    // Split on LF bytes and drop a CR before each (files saved on Windows).
    var labels = bytes.split(separator: UInt8(ascii: "\n"),
                             omittingEmptySubsequences: false).map { line in
      String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line,
             as: UTF8.self)
    }
    if labels.last == "" { labels.removeLast() }
    return labels
  }

  /// The five highest scores, highest first; ties keep the lower index.
  static func topFive(_ scores: UnsafeBufferPointer<UInt8>) -> [(Int, UInt8)] {
    let ranked = scores.enumerated().sorted {
      $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset
    }
    return ranked.prefix(5).map { ($0.offset, $0.element) }
  }
}
