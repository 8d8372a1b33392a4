/// A tensor element type from the TFLite schema.
public struct ElementType: Equatable {
  public let code: Int

  public static let float32 = ElementType(code: 0)
  public static let int32 = ElementType(code: 2)
  public static let uint8 = ElementType(code: 3)
  public static let int8 = ElementType(code: 9)

  public var name: String {
    let names = ["FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING",
                 "BOOL", "INT16", "COMPLEX64", "INT8", "FLOAT64"]
    return code >= 0 && code < names.count ? names[code] : "TYPE_\(code)"
  }
}

/// A builtin operator code from the TFLite schema.
public struct BuiltinOperator: Equatable {
  public let code: Int

  public static let averagePool2D = BuiltinOperator(code: 1)
  public static let conv2D = BuiltinOperator(code: 3)
  public static let depthwiseConv2D = BuiltinOperator(code: 4)
  public static let reshape = BuiltinOperator(code: 22)
  public static let softmax = BuiltinOperator(code: 25)

  public var name: String {
    let names = [
      "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D",
      "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE", "DEQUANTIZE", "EMBEDDING_LOOKUP",
      "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP", "L2_NORMALIZATION",
      "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC", "LSH_PROJECTION",
      "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1", "RELU6", "RESHAPE",
      "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH",
      "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE",
      "PAD", "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND",
      "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE",
      "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE",
    ]
    return code >= 0 && code < names.count ? names[code] : "BUILTIN_\(code)"
  }
}

/// Padding rule of a convolution or pooling window.
public enum Padding: Equatable {
  case same, valid
}

/// Activation fused into an operator's output.
public enum FusedActivation: Equatable {
  case none, relu, reluN1To1, relu6
}

/// Window geometry shared by convolutions and pooling.
public struct WindowOptions: Equatable {
  public var padding: Padding
  public var strideHeight: Int
  public var strideWidth: Int
  public var dilationHeight: Int
  public var dilationWidth: Int
  /// Filter size for pooling (convolutions take it from the weights).
  public var filterHeight: Int
  public var filterWidth: Int
  public var depthMultiplier: Int
  public var activation: FusedActivation
}

/// The options table of an operator, decoded for the operators the engine
/// runs; other operators keep `.none` and are refused later by name.
public enum OperatorOptions: Equatable {
  case none
  case window(WindowOptions)
  case softmax(beta: Float)

  init(code: BuiltinOperator, table: Table?, operatorIndex: Int)
    throws(ModelError)
  {
    guard let table else {
      if code == .softmax {
        self = .softmax(beta: 1)
      } else if code == .conv2D || code == .depthwiseConv2D
        || code == .averagePool2D {
        throw .malformed(what: "operator \(operatorIndex) (\(code.name))",
                         detail: "options are missing")
      } else {
        self = .none
      }
      return
    }
    func activation(_ raw: UInt8) throws(ModelError) -> FusedActivation {
      switch raw {
      case 0: return .none
      case 1: return .relu
      case 2: return .reluN1To1
      case 3: return .relu6
      default:
        throw .unsupportedOption(index: operatorIndex, type: code.name,
                                 detail: "fused activation \(raw)")
      }
    }
    func padding(_ raw: UInt8) throws(ModelError) -> Padding {
      switch raw {
      case 0: return .same
      case 1: return .valid
      default:
        throw .unsupportedOption(index: operatorIndex, type: code.name,
                                 detail: "padding \(raw)")
      }
    }
    switch code {
    case .conv2D:
      self = .window(WindowOptions(
        padding: try padding(try table.u8(0, default: 0)),
        strideHeight: Int(try table.i32(2, default: 1)),
        strideWidth: Int(try table.i32(1, default: 1)),
        dilationHeight: Int(try table.i32(5, default: 1)),
        dilationWidth: Int(try table.i32(4, default: 1)),
        filterHeight: 0, filterWidth: 0, depthMultiplier: 1,
        activation: try activation(try table.u8(3, default: 0))))
    case .depthwiseConv2D:
      self = .window(WindowOptions(
        padding: try padding(try table.u8(0, default: 0)),
        strideHeight: Int(try table.i32(2, default: 1)),
        strideWidth: Int(try table.i32(1, default: 1)),
        dilationHeight: Int(try table.i32(6, default: 1)),
        dilationWidth: Int(try table.i32(5, default: 1)),
        filterHeight: 0, filterWidth: 0,
        depthMultiplier: Int(try table.i32(3, default: 1)),
        activation: try activation(try table.u8(4, default: 0))))
    case .averagePool2D:
      self = .window(WindowOptions(
        padding: try padding(try table.u8(0, default: 0)),
        strideHeight: Int(try table.i32(2, default: 1)),
        strideWidth: Int(try table.i32(1, default: 1)),
        dilationHeight: 1, dilationWidth: 1,
        filterHeight: Int(try table.i32(4, default: 1)),
        filterWidth: Int(try table.i32(3, default: 1)),
        depthMultiplier: 1,
        activation: try activation(try table.u8(5, default: 0))))
    case .softmax:
      self = .softmax(beta: try table.f32(0, default: 1))
    default:
      self = .none
    }
  }
}

/// A shape as people write it: "[1, 7, 7, 256]".
public func shapeText(_ shape: [Int]) -> String {
  var text = "["
  for (position, extent) in shape.enumerated() {
    if position > 0 { text += ", " }
    text += String(extent)
  }
  return text + "]"
}
