import CShims
import Inference
import Support

/// `teachpad bench --model MODEL [--threads N] [--runs N]`: time per layer,
/// median total and GMAC/s, for one thread and for all threads.
enum BenchCommand {
  static let summary = "time the engine per layer and in total"
  static let help = """
    usage: teachpad bench [--model MODEL] [--threads N] [--runs N]
                          [--warmup N] [--tensor NAME | --full]

    Times the engine on one thread and then on N threads (default: one per
    processor; --threads 1 times only one): each layer's median and
    minimum, then the median total after the warm-up runs and GMAC/s.
    With several threads, layers are timed on the calling thread: when the
    system holds it, the others finish later layers meanwhile, so a
    layer's minimum can be near zero; read the medians.

      --runs N        timed runs, default 50
      --warmup N      untimed runs first, default 10
      --tensor NAME   where to cut (default the 7x7x256 cut)
      --full          the whole model, to the probabilities

    """

  static func run(_ words: ArraySlice<String>) -> Int32 {
    if words.contains("--help") {
      writeStandardOutput(help)
      return 0
    }
    do throws(UsageError) {
      var options = try Options(words, flags: ["full"])
      let model = options.string("model")
      let threads = try options.integer("threads", default: 0, range: 0...64)
      let runs = try options.integer("runs", default: 50, range: 1...100_000)
      let warmups = try options.integer("warmup", default: 10, range: 0...10_000)
      let full = options.flag("full")
      let tensorOption = options.string("tensor")
      if full && tensorOption != nil {
        throw UsageError(message: "options --tensor and --full both say where to cut; "
          + "give one of them")
      }
      let tensor = full ? nil : (tensorOption ?? Engine.defaultCutTensorName)
      try options.rejectUnknown()

      let allThreads = threads > 0 ? threads : Int(shim_processor_count())
      var counts = [1]
      if allThreads > 1 { counts.append(allThreads) }
      for count in counts {
        let engine = try ModelLoading.engine(
          modelOption: model, tensor: tensor, threads: count).get()
        writeStandardOutput(measure(engine, runs: runs, warmups: warmups))
      }
      return 0
    } catch {
      return fail(error)
    }
  }

  static func measure(_ engine: Engine, runs: Int, warmups: Int) -> String {
    for value in 0..<engine.input.count {
      engine.input[value] = UInt8(truncatingIfNeeded: value &* 2654435761 >> 13)
    }
    for _ in 0..<warmups { engine.invoke() }

    var totals: [Int64] = []
    var perLayer = [[Int64]](repeating: [], count: engine.graph.layers.count)
    var times: [Int64] = []
    for _ in 0..<runs {
      let start = shim_monotonic_nanoseconds()
      engine.invoke()
      totals.append(shim_monotonic_nanoseconds() - start)
      engine.invokeTimed(&times)
      for (index, time) in times.enumerated() { perLayer[index].append(time) }
    }

    let macs = engine.graph.layers.reduce(0) { $0 + $1.multiplyAccumulates }
    var text = "threads: \(engine.threadCount)\n"
    text += "op  type                 MACs        median us  min us\n"
    for (index, layer) in engine.graph.layers.enumerated() {
      text += InspectCommand.pad(String(layer.operatorIndex), 4)
        + InspectCommand.pad(layer.typeName, 21)
        + InspectCommand.pad(String(layer.multiplyAccumulates), 12)
        + InspectCommand.pad(decimal(Double(median(perLayer[index])) / 1000, 1), 11)
        + decimal(Double(perLayer[index].min() ?? 0) / 1000, 1) + "\n"
    }
    let total = median(totals)
    text += "total: median \(decimal(Double(total) / 1_000_000, 3)) ms over "
      + "\(runs) runs (after \(warmups) warm-up), min "
      + "\(decimal(Double(totals.min() ?? 0) / 1_000_000, 3)) ms, "
      + "\(decimal(Double(macs) / Double(max(total, 1)), 2)) GMAC/s, "
      + "\(macs) MACs\n"
    text += "median_ms[\(engine.threadCount)]=\(decimal(Double(total) / 1_000_000, 4))\n\n"
    return text
  }

  static func median(_ values: [Int64]) -> Int64 {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
  }

  static func decimal(_ value: Double, _ digits: Int) -> String {
    var message = LogMessage()
    message.append(value, fractionDigits: digits)
    var text = ""
    message.withBytes { text = String(decoding: $0, as: UTF8.self) }
    return text
  }
}
