import CShims
import Inference
import Support

/// `teachpad infer --model MODEL --input FILE --out FILE [--tensor NAME]`:
/// one inference, writing the raw bytes of the chosen tensor.
enum InferCommand {
  static let summary = "run the model on one image, write a tensor's bytes"
  static let help = """
    usage: teachpad infer --input FILE --out FILE [--model MODEL]
                          [--tensor NAME] [--threads N] [--reference]

    Runs the model on one image and writes the raw bytes of one tensor.

      --input FILE    a raw 224x224x3 RGB file (.rgb, .bin) as it is, or a
                      JPEG or PNG (centre square, resized bilinearly)
      --out FILE      where the tensor's bytes go (replaced atomically; an
                      existing file only when it is empty or has the
                      tensor's size, as an earlier output has)
      --tensor NAME   default MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6
                      (7x7x256); MobilenetV1/Predictions/Reshape_1 for the
                      probabilities
      --threads N     worker threads, 0 (default): one per processor
      --reference     the plain reference kernels on one thread
      --model MODEL   else $TEACHPAD_MODEL, else the installed model

    """

  static func run(_ words: ArraySlice<String>) -> Int32 {
    if words.contains("--help") {
      writeStandardOutput(help)
      return 0
    }
    do throws(UsageError) {
      var options = try Options(words, flags: ["reference"])
      let model = options.string("model")
      let inputPath = try options.required("input")
      let outputPath = try options.required("out")
      let tensor = options.string("tensor") ?? Engine.defaultCutTensorName
      let threads = try options.integer("threads", default: 0, range: 0...64)
      let reference = options.flag("reference")
      try options.rejectUnknown()
      // The tensor would replace what the command reads.
      for (option, path) in [("input", inputPath), ("model", ModelLocation.resolve(model))]
      where FileBytes.isSameFile(path, outputPath) {
        throw UsageError(message: "options --out and --\(option) name the same file "
          + "\(outputPath); give --out a file of its own")
      }

      let engine = try ModelLoading.engine(
        modelOption: model, tensor: tensor, threads: threads,
        kernels: reference ? .reference : .optimized).get()
      // An existing file is replaced only when it can be an earlier output
      // of this tensor (as many bytes) or is empty: a photo or notes named
      // by mistake are kept.
      var status = stat()
      if stat(outputPath, &status) == 0, status.st_mode & UInt32(S_IFMT) == UInt32(S_IFREG),
         status.st_size != 0, Int(status.st_size) != engine.output.count {
        throw UsageError(message: "option --out: \(outputPath) exists and holds "
          + "\(status.st_size) bytes, not the \(engine.output.count) of this tensor, so it "
          + "is no earlier output; remove it or name a new file")
      }
      if let error = loadInput(path: inputPath, into: engine) { throw error }
      engine.invoke()
      do {
        try FileBytes.writeAtomically(path: outputPath,
                                      bytes: UnsafeRawBufferPointer(engine.output))
      } catch {
        throw UsageError(message: "output \(outputPath): \(error.reason)")
      }
      writeStandardError("teachpad: wrote \(engine.output.count) bytes of "
                         + "\(shapeText(engine.outputShape)) to \(outputPath)\n")
      return 0
    } catch {
      return fail(error)
    }
  }
}
