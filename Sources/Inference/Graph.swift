/// One operator of the graph as the engine runs it.
public enum LayerKind {
  case convolution(ConvolutionParameters)
  case depthwise(DepthwiseParameters)
  case averagePool(AveragePoolParameters)
  /// RESHAPE copies its bytes unchanged.
  case reshape(byteCount: Int)
  case softmax(SoftmaxParameters)
}

public struct Layer {
  public let operatorIndex: Int
  public let typeName: String
  public let inputTensor: Int
  public let outputTensor: Int
  public let kind: LayerKind

  public var multiplyAccumulates: Int {
    switch kind {
    case .convolution(let parameters):
      return parameters.geometry.multiplyAccumulates
    case .depthwise(let parameters):
      let g = parameters.geometry
      return g.outputByteCount * g.filterHeight * g.filterWidth
    default:
      return 0
    }
  }
}

/// The operators between the model's input and a chosen tensor, in
/// execution order, each checked against what the kernels support.
public struct Graph {
  public let model: ModelFile
  public let inputTensor: Int
  public let outputTensor: Int
  public let layers: [Layer]

  /// Cuts the model at `outputTensorName` (nil: the model's own output).
  public init(model: ModelFile, outputTensorName: String?) throws(ModelError) {
    self.model = model
    guard let input = model.inputs.first else {
      throw .malformed(what: "subgraph", detail: "no input tensor")
    }
    inputTensor = input
    if let outputTensorName {
      guard let index = model.tensorIndex(named: outputTensorName) else {
        throw .tensorNotFound(name: outputTensorName)
      }
      outputTensor = index
    } else {
      guard let output = model.outputs.first else {
        throw .malformed(what: "subgraph", detail: "no output tensor")
      }
      outputTensor = output
    }
    try Graph.checkActivation(model, input)
    if outputTensor == input {
      throw .notAnActivation(name: model.tensors[input].name,
                             reason: "it is the model's input")
    }
    if Graph.isConstant(model, outputTensor) {
      throw .notAnActivation(name: model.tensors[outputTensor].name,
                             reason: "it holds constants (weights or biases)")
    }
    try Graph.checkActivation(model, outputTensor)

    let needed = try Graph.operatorsNeeded(model, input: input,
                                           output: outputTensor)
    var layers: [Layer] = []
    for index in needed {
      layers.append(try Graph.layer(model, model.operators[index]))
    }
    self.layers = layers
  }

  /// Walks back from `output` to `input` and returns the operators on the
  /// way, in the file's (execution) order.
  private static func operatorsNeeded(_ model: ModelFile, input: Int,
                                      output: Int) throws(ModelError) -> [Int] {
    var producer = [Int](repeating: -1, count: model.tensors.count)
    for op in model.operators {
      for tensor in op.outputs where tensor >= 0 {
        guard producer[tensor] < 0 else {
          throw .malformed(what: "tensor \(tensor) '\(model.tensors[tensor].name)'",
                           detail: "written by operators \(producer[tensor]) and \(op.index)")
        }
        producer[tensor] = op.index
      }
    }
    var needed = Set<Int>()
    var pending = [output]
    while let tensor = pending.popLast() {
      if tensor == input || isConstant(model, tensor) { continue }
      let op = producer[tensor]
      guard op >= 0 else {
        let name = model.tensors[tensor].name
        throw .malformed(what: "tensor \(tensor) '\(name)'",
                         detail: "no operator produces it and it is not the input")
      }
      if needed.insert(op).inserted {
        for next in model.operators[op].inputs where next >= 0 {
          pending.append(next)
        }
      }
    }
    // In execution order, every tensor an operator reads must be the input,
    // a constant, or written by an earlier operator: a graph that loops
    // back on itself would read bytes nothing wrote.
    let order = needed.sorted()
    var written: Set<Int> = [input]
    for op in order {
      for tensor in model.operators[op].inputs
      where tensor >= 0 && !written.contains(tensor) && !isConstant(model, tensor) {
        throw .malformed(what: "operator \(op)", detail: "reads tensor \(tensor) "
          + "'\(model.tensors[tensor].name)' before any operator writes it")
      }
      for tensor in model.operators[op].outputs where tensor >= 0 {
        written.insert(tensor)
      }
    }
    return order
  }

  static func isConstant(_ model: ModelFile, _ tensor: Int) -> Bool {
    let buffer = model.tensors[tensor].buffer
    return buffer > 0 && !model.data(ofBuffer: buffer).isEmpty
  }

  /// An activation tensor: uint8 with one scale and zero point.
  @discardableResult
  static func checkActivation(_ model: ModelFile, _ index: Int)
    throws(ModelError) -> ModelFile.Tensor
  {
    let tensor = model.tensors[index]
    guard tensor.type == .uint8 else {
      throw .unsupportedTensor(index: index, name: tensor.name,
                               detail: "element type \(tensor.type.name)")
    }
    guard tensor.scaleCount == 1, let scale = tensor.scale else {
      throw .unsupportedTensor(index: index, name: tensor.name, detail:
        tensor.scaleCount == 0 ? "no quantization parameters"
          : "\(tensor.scaleCount) scales (per-channel quantization)")
    }
    try checkQuantization(tensor, scale: scale)
    return tensor
  }

  /// A uint8 zero point in 0...255 and a positive finite scale; anything
  /// else can only come from a damaged file.
  static func checkQuantization(_ tensor: ModelFile.Tensor, scale: Float)
    throws(ModelError)
  {
    let zeroPoint = tensor.zeroPoint ?? 0
    guard scale.isFinite, scale > 0 else {
      throw .malformed(what: "tensor \(tensor.index) '\(tensor.name)'",
                       detail: "quantization scale \(scale) (it must be positive)")
    }
    guard zeroPoint >= 0, zeroPoint <= 255 else {
      throw .malformed(what: "tensor \(tensor.index) '\(tensor.name)'",
                       detail: "quantization zero point \(zeroPoint) out of range "
                       + "(uint8 needs 0...255)")
    }
  }

  private static func layer(_ model: ModelFile, _ op: ModelFile.Operator)
    throws(ModelError) -> Layer
  {
    let name = op.code.name
    guard let inputIndex = op.inputs.first, inputIndex >= 0,
          let outputIndex = op.outputs.first, outputIndex >= 0 else {
      throw .malformed(what: "operator \(op.index) (\(name))",
                       detail: "missing input or output")
    }
    let input = try checkActivation(model, inputIndex)
    let output = try checkActivation(model, outputIndex)
    let kind: LayerKind
    switch op.code {
    case .conv2D:
      kind = .convolution(try LayerBuilder.convolution(model, op, input, output))
    case .depthwiseConv2D:
      kind = .depthwise(try LayerBuilder.depthwise(model, op, input, output))
    case .averagePool2D:
      kind = .averagePool(try LayerBuilder.averagePool(model, op, input, output))
    case .reshape:
      guard input.elementCount == output.elementCount,
            input.scale == output.scale, input.zeroPoint == output.zeroPoint
      else {
        throw .unsupportedOption(index: op.index, type: name, detail:
          "a reshape that changes element count or quantization")
      }
      kind = .reshape(byteCount: output.elementCount)
    case .softmax:
      kind = .softmax(try LayerBuilder.softmax(model, op, input, output))
    default:
      throw .unsupportedOperator(index: op.index, type: name)
    }
    return Layer(operatorIndex: op.index, typeName: name,
                 inputTensor: inputIndex, outputTensor: outputIndex, kind: kind)
  }
}
