/// Why a model could not be loaded or run. Each case names the object at
/// fault (byte offset, tensor, operator) and says what to do next.
public enum ModelError: Error, Equatable {
  /// The bytes end before a structure that should be there.
  case truncated(what: String, offset: Int, needed: Int, fileSize: Int)
  /// A structure is present but its contents are impossible.
  case malformed(what: String, detail: String)
  /// An operator this engine has no kernel for.
  case unsupportedOperator(index: Int, type: String)
  /// An operator option this engine cannot honour.
  case unsupportedOption(index: Int, type: String, detail: String)
  /// A tensor of a type or quantization the kernels do not handle.
  case unsupportedTensor(index: Int, name: String, detail: String)
  /// No tensor of that name in the graph.
  case tensorNotFound(name: String)
  /// The tensor to cut at is not one an operator computes.
  case notAnActivation(name: String, reason: String)
  /// The arena or scratch memory could not be reserved.
  case outOfMemory(requestedBytes: Int)
  /// Worker threads could not be started.
  case threadsUnavailable(requested: Int, reason: String)

  /// A sentence for people, ending in what to do.
  public var message: String {
    switch self {
    case let .truncated(what, offset, needed, fileSize):
      return "model file truncated: \(what) at byte \(offset) needs \(needed)"
        + " bytes but the file has \(fileSize) (download it again and check"
        + " its sha256)"
    case let .malformed(what, detail):
      return "model file damaged: \(what): \(detail) (download it again and"
        + " check its sha256)"
    case let .unsupportedOperator(index, type):
      return "operator \(index) (\(type)) is not supported; teachpad runs"
        + " CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, RESHAPE and SOFTMAX"
        + " (cut the graph before it with --tensor)"
    case let .unsupportedOption(index, type, detail):
      return "operator \(index) (\(type)): \(detail) is not supported"
    case let .unsupportedTensor(index, name, detail):
      return "tensor \(index) '\(name)': \(detail); teachpad runs uint8"
        + " models with per-tensor quantization"
    case let .tensorNotFound(name):
      return "no tensor named '\(name)' in the model (list them with"
        + " 'teachpad inspect MODEL')"
    case let .notAnActivation(name, reason):
      return "cannot stop at tensor '\(name)': \(reason); name a tensor an"
        + " operator computes (see 'teachpad inspect MODEL')"
    case let .outOfMemory(requestedBytes):
      return "cannot reserve \(requestedBytes) bytes for the model's arena"
    case let .threadsUnavailable(requested, reason):
      return "cannot start \(requested) worker threads: \(reason) (try"
        + " --threads 1)"
    }
  }
}
