import Learning
import Support

/// `teachpad eval`: accuracy of a head on labelled image folders.
enum EvalCommand {
  static let summary = "accuracy, recall and confusion of a head on image folders"
  static let help = """
    usage: teachpad eval --data DIR --head HEAD [--classes ...]
                         [--save-dataset FILE] [split and model options]

    Prints 'accuracy: 0.990' on its own line, then each class's recall and
    the confusion matrix (rows: true class, columns: predicted class).
    --classes defaults to the head's class names.

      --head HEAD            a head file from 'teachpad train'
      --save-dataset FILE    also write the activations as a dataset file

    """ + ImageSelection.help

  static func run(_ words: ArraySlice<String>) -> Int32 {
    ImageSelection.runCommand(words, help: help, evaluate)
  }

  private static func evaluate(_ words: ArraySlice<String>) throws(UsageError) -> Int32 {
    var options = try Options(words)
    var selection = try ImageSelection(&options)
    let headPath = try options.required("head")
    let datasetFile = try options.path("save-dataset", of: "file")
      .map { OutputFile(option: "save-dataset", path: $0) }
    try options.rejectUnknown()

    guard FileBytes.exists(path: headPath) else {
      throw UsageError(message: "--head \(headPath) does not exist "
        + "(train one with teachpad train)")
    }
    if !FileBytes.isRegularFile(path: headPath) {
      throw UsageError(message: "--head \(headPath) is not a regular file "
        + "(give a head file from teachpad train)")
    }
    // Found out before the activations, not after them.
    if let datasetFile {
      try datasetFile.checkWritable()
      try datasetFile.checkDistinct(from: OutputFile(option: "head", path: headPath))
    }
    let head: Head
    do throws(LearningError) {
      if let datasetFile { try ActivationDataset.checkReplaceable(path: datasetFile.path) }
      // Evaluating never writes the head, so a bad file stays where it is.
      head = try Head.load(path: headPath, expectedClassCount: selection.classes?.count,
                           movingDamagedFilesAside: false)
    } catch {
      writeStandardError("teachpad: \(error.message)\n")
      return 1
    }
    if selection.classes == nil { selection.classes = head.classNames }
    // The same names in another order: each folder is scored against the
    // head's class of that name.
    if let chosen = selection.classes, chosen != head.classNames,
       Set(chosen) == Set(head.classNames) {
      selection.classes = head.classNames
    }
    if selection.classes != head.classNames {
      writeStandardError("teachpad: warning: --classes \(join(selection.classes ?? [])) "
        + "differ from the head's classes \(join(head.classNames)); "
        + "matching them by position\n")
    }
    let (classes, dataset) = try selection.load()
    if let datasetFile, !datasetFile.save("dataset", with: dataset.save) { return 1 }

    let classCount = classes.count
    var confusion = [Int](repeating: 0, count: classCount * classCount)
    var probabilities = [Float](repeating: 0, count: classCount)
    for index in 0..<dataset.count {
      let predicted = probabilities.withUnsafeMutableBufferPointer {
        head.predict(dataset.activation(at: index), probabilities: $0)
      }
      confusion[dataset.label(at: index) * classCount + predicted] += 1
    }
    writeStandardOutput(report(classes: classes, confusion: confusion))
    return 0
  }

  /// The accuracy line, per-class recall and the confusion matrix.
  static func report(classes: [String], confusion: [Int]) -> String {
    let classCount = classes.count
    var correct = 0
    for label in 0..<classCount { correct += confusion[label * classCount + label] }
    let total = confusion.reduce(0, +)
    var text = "accuracy: " + formatDecimal(
      total == 0 ? 0 : Double(correct) / Double(total), digits: 3) + "\n"
    text += "examples: \(total)\n\nrecall:\n"
    let width = max(6, classes.map { $0.count }.max() ?? 0)
    for (label, name) in classes.enumerated() {
      let row = confusion[(label * classCount)..<((label + 1) * classCount)].reduce(0, +)
      let hits = confusion[label * classCount + label]
      text += "  " + padded(name, width) + " "
        + formatDecimal(row == 0 ? 0 : Double(hits) / Double(row), digits: 3)
        + " (\(hits)/\(row))\n"
    }
    text += "\nconfusion (rows: true, columns: predicted):\n  " + padded("", width)
    for name in classes { text += " " + padded(name, width) }
    text += "\n"
    for (label, name) in classes.enumerated() {
      text += "  " + padded(name, width)
      for predicted in 0..<classCount {
        text += " " + padded("\(confusion[label * classCount + predicted])", width)
      }
      text += "\n"
    }
    return text
  }

  private static func padded(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
  }

  private static func join(_ names: [String]) -> String {
    var text = ""
    for name in names { text += (text.isEmpty ? "" : ",") + name }
    return text
  }
}
