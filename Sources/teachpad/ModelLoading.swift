import Inference
import Support

/// Reads the model file and builds an engine, turning every failure into
/// one message for people.
enum ModelLoading {
  static func engine(modelOption: String?, tensor: String?, threads: Int,
                     kernels: KernelChoice = .optimized)
    -> Result<Engine, UsageError>
  {
    let path = ModelLocation.resolve(modelOption)
    let bytes: [UInt8]
    do {
      bytes = try FileBytes.read(path: path)
    } catch {
      return .failure(UsageError(message:
        "model \(path): \(error.reason) (pass --model, set TEACHPAD_MODEL, or"
        + " run board/fetch-model.sh)"))
    }
    do {
      return .success(try Engine(modelBytes: bytes, outputTensorName: tensor,
                                 threadCount: threads, kernels: kernels))
    } catch {
      return .failure(UsageError(message: "model \(path): \(error.message)"))
    }
  }
}

/// Prints `teachpad: message` and gives the usage exit status.
func fail(_ error: UsageError) -> Int32 {
  writeStandardError("teachpad: \(error.message)\n")
  return 2
}
