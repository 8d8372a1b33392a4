/// Turns checked operators into kernel parameters.
enum LayerBuilder {
  typealias Tensor = ModelFile.Tensor

  /// NHWC shape of a batch-1 activation, refusing anything else.
  static func imageShape(_ tensor: Tensor, _ op: ModelFile.Operator)
    throws(ModelError) -> (height: Int, width: Int, channels: Int)
  {
    let shape = tensor.shape
    guard shape.count == 4, shape[0] == 1 else {
      throw .unsupportedTensor(index: tensor.index, name: tensor.name, detail:
        "shape \(shapeText(shape)) for operator \(op.index) (\(op.code.name)); "
        + "expected [1, height, width, channels]")
    }
    return (shape[1], shape[2], shape[3])
  }

  static func constant(_ model: ModelFile, _ op: ModelFile.Operator,
                       position: Int, type: ElementType, count: Int)
    throws(ModelError) -> (Tensor, [UInt8])
  {
    guard position < op.inputs.count, op.inputs[position] >= 0 else {
      throw .malformed(what: "operator \(op.index) (\(op.code.name))",
                       detail: "input \(position) is missing")
    }
    let tensor = model.tensors[op.inputs[position]]
    guard tensor.type == type else {
      throw .unsupportedTensor(index: tensor.index, name: tensor.name,
                               detail: "element type \(tensor.type.name), "
                               + "expected \(type.name)")
    }
    let data = Array(model.data(ofBuffer: tensor.buffer))
    let elementSize = type == .int32 ? 4 : 1
    guard data.count == count * elementSize else {
      throw .malformed(what: "tensor \(tensor.index) '\(tensor.name)'",
                       detail: "\(data.count) bytes of constant data, expected "
                       + "\(count * elementSize)")
    }
    return (tensor, data)
  }

  static func bias(_ model: ModelFile, _ op: ModelFile.Operator, count: Int)
    throws(ModelError) -> [Int32]
  {
    guard op.inputs.count > 2, op.inputs[2] >= 0 else {
      return [Int32](repeating: 0, count: count)
    }
    let (_, data) = try constant(model, op, position: 2, type: .int32,
                                 count: count)
    var values: [Int32] = []
    values.reserveCapacity(count)
    for index in 0..<count {
      var value: UInt32 = 0
      for byte in 0..<4 {
        value |= UInt32(data[4 * index + byte]) << (8 * byte)
      }
      values.append(Int32(bitPattern: value))
    }
    return values
  }

  static func weightQuantization(_ tensor: Tensor) throws(ModelError)
    -> (Float, Int32)
  {
    guard tensor.scaleCount == 1, let scale = tensor.scale,
          let zeroPoint = tensor.zeroPoint else {
      throw .unsupportedTensor(index: tensor.index, name: tensor.name, detail:
        "\(tensor.scaleCount) weight scales (per-channel quantization)")
    }
    try Graph.checkQuantization(tensor, scale: scale)
    return (scale, Int32(zeroPoint))
  }

  static func window(_ op: ModelFile.Operator) throws(ModelError)
    -> WindowOptions
  {
    guard case .window(let options) = op.options else {
      throw .malformed(what: "operator \(op.index) (\(op.code.name))",
                       detail: "options are missing")
    }
    guard options.strideHeight >= 1, options.strideWidth >= 1,
          options.dilationHeight >= 1, options.dilationWidth >= 1,
          options.strideHeight <= 64, options.strideWidth <= 64,
          options.dilationHeight <= 64, options.dilationWidth <= 64 else {
      throw .unsupportedOption(index: op.index, type: op.code.name, detail:
        "stride \(options.strideHeight)x\(options.strideWidth), dilation "
        + "\(options.dilationHeight)x\(options.dilationWidth)")
    }
    return options
  }

  static func checkOutput(_ geometry: WindowGeometry, _ output: Tensor,
                          _ op: ModelFile.Operator) throws(ModelError) {
    let shape = try imageShape(output, op)
    guard geometry.outputHeight >= 1, geometry.outputWidth >= 1,
          shape.height == geometry.outputHeight,
          shape.width == geometry.outputWidth,
          shape.channels == geometry.outputChannels else {
      throw .malformed(what: "operator \(op.index) (\(op.code.name))", detail:
        "output shape \(shapeText(output.shape)) but the window gives "
        + "[1, \(geometry.outputHeight), \(geometry.outputWidth), "
        + "\(geometry.outputChannels)]")
    }
  }

  static func requantization(_ input: Tensor, weightScale: Float,
                             _ output: Tensor, _ activation: FusedActivation)
    -> Requantization
  {
    let real = Requantization.convolutionMultiplier(
      inputScale: input.scale ?? 1, weightScale: weightScale,
      outputScale: output.scale ?? 1)
    let (multiplier, shift) = Requantization.quantize(multiplier: real)
    let zeroPoint = Int32(output.zeroPoint ?? 0)
    let (minimum, maximum) = Requantization.activationRange(
      activation, scale: output.scale ?? 1, zeroPoint: zeroPoint)
    return Requantization(multiplier: multiplier, shift: shift,
                          outputZeroPoint: zeroPoint, outputMinimum: minimum,
                          outputMaximum: maximum)
  }

  /// The window of a filter layer whose weights are `weightShape`
  /// ([outputs or 1, height, width, channels]).
  static func filterGeometry(
    _ inputShape: (height: Int, width: Int, channels: Int), outputChannels: Int,
    weightShape: [Int], _ options: WindowOptions
  ) -> WindowGeometry {
    WindowGeometry(
      inputHeight: inputShape.height, inputWidth: inputShape.width,
      inputChannels: inputShape.channels, outputChannels: outputChannels,
      filterHeight: weightShape[1], filterWidth: weightShape[2],
      strideHeight: options.strideHeight, strideWidth: options.strideWidth,
      dilationHeight: options.dilationHeight,
      dilationWidth: options.dilationWidth, padding: options.padding)
  }

  /// A filter layer's constants: its uint8 weights (the operator's second
  /// input, `weightCount` of them) and their zero point, its bias, and the
  /// requantization of its sums.
  static func filterConstants(
    _ model: ModelFile, _ op: ModelFile.Operator, _ input: Tensor, _ output: Tensor,
    weightCount: Int, outputChannels: Int, activation: FusedActivation
  ) throws(ModelError)
    -> (weights: [UInt8], weightZeroPoint: Int32, bias: [Int32],
        requantization: Requantization)
  {
    let (weightTensor, weights) = try constant(
      model, op, position: 1, type: .uint8, count: weightCount)
    let (weightScale, weightZeroPoint) = try weightQuantization(weightTensor)
    return (weights, weightZeroPoint, try bias(model, op, count: outputChannels),
            requantization(input, weightScale: weightScale, output, activation))
  }

  static func convolution(_ model: ModelFile, _ op: ModelFile.Operator,
                          _ input: Tensor, _ output: Tensor)
    throws(ModelError) -> ConvolutionParameters
  {
    let options = try window(op)
    let inputShape = try imageShape(input, op)
    guard op.inputs.count >= 2, op.inputs[1] >= 0 else {
      throw .malformed(what: "operator \(op.index) (CONV_2D)",
                       detail: "weights are missing")
    }
    let weightShape = model.tensors[op.inputs[1]].shape
    guard weightShape.count == 4, weightShape[3] == inputShape.channels,
          weightShape[0] >= 1, weightShape[1] >= 1, weightShape[2] >= 1 else {
      throw .malformed(what: "operator \(op.index) (CONV_2D)", detail:
        "weight shape \(shapeText(weightShape)) for \(inputShape.channels) input channels")
    }
    let geometry = filterGeometry(inputShape, outputChannels: weightShape[0],
                                  weightShape: weightShape, options)
    try checkOutput(geometry, output, op)
    let constants = try filterConstants(
      model, op, input, output, weightCount: weightShape.reduce(1, *),
      outputChannels: geometry.outputChannels, activation: options.activation)
    return ConvolutionParameters(
      geometry: geometry, inputZeroPoint: Int32(input.zeroPoint ?? 0),
      weightZeroPoint: constants.weightZeroPoint, weights: constants.weights,
      bias: constants.bias, requantization: constants.requantization)
  }

  static func depthwise(_ model: ModelFile, _ op: ModelFile.Operator,
                        _ input: Tensor, _ output: Tensor)
    throws(ModelError) -> DepthwiseParameters
  {
    let options = try window(op)
    let inputShape = try imageShape(input, op)
    guard options.depthMultiplier == 1 else {
      throw .unsupportedOption(index: op.index, type: op.code.name,
                               detail: "depth multiplier \(options.depthMultiplier)")
    }
    guard op.inputs.count >= 2, op.inputs[1] >= 0 else {
      throw .malformed(what: "operator \(op.index) (DEPTHWISE_CONV_2D)",
                       detail: "weights are missing")
    }
    let weightShape = model.tensors[op.inputs[1]].shape
    guard weightShape.count == 4, weightShape[0] == 1,
          weightShape[3] == inputShape.channels,
          weightShape[1] >= 1, weightShape[2] >= 1 else {
      throw .malformed(what: "operator \(op.index) (DEPTHWISE_CONV_2D)", detail:
        "weight shape \(shapeText(weightShape)) for \(inputShape.channels) channels")
    }
    let geometry = filterGeometry(inputShape, outputChannels: inputShape.channels,
                                  weightShape: weightShape, options)
    try checkOutput(geometry, output, op)
    let constants = try filterConstants(
      model, op, input, output, weightCount: weightShape.reduce(1, *),
      outputChannels: geometry.outputChannels, activation: options.activation)
    return DepthwiseParameters(
      geometry: geometry, inputZeroPoint: Int32(input.zeroPoint ?? 0),
      weightZeroPoint: constants.weightZeroPoint, weights: constants.weights,
      bias: constants.bias, requantization: constants.requantization)
  }

  static func averagePool(_ model: ModelFile, _ op: ModelFile.Operator,
                          _ input: Tensor, _ output: Tensor)
    throws(ModelError) -> AveragePoolParameters
  {
    let options = try window(op)
    let inputShape = try imageShape(input, op)
    guard input.scale == output.scale, input.zeroPoint == output.zeroPoint
    else {
      throw .unsupportedOption(index: op.index, type: op.code.name, detail:
        "different input and output quantization")
    }
    guard options.filterHeight >= 1, options.filterWidth >= 1 else {
      throw .malformed(what: "operator \(op.index) (AVERAGE_POOL_2D)",
                       detail: "filter \(options.filterHeight)x\(options.filterWidth)")
    }
    let geometry = WindowGeometry(
      inputHeight: inputShape.height, inputWidth: inputShape.width,
      inputChannels: inputShape.channels, outputChannels: inputShape.channels,
      filterHeight: options.filterHeight, filterWidth: options.filterWidth,
      strideHeight: options.strideHeight, strideWidth: options.strideWidth,
      padding: options.padding)
    try checkOutput(geometry, output, op)
    let (minimum, maximum) = Requantization.activationRange(
      options.activation, scale: output.scale ?? 1,
      zeroPoint: Int32(output.zeroPoint ?? 0))
    return AveragePoolParameters(geometry: geometry, outputMinimum: minimum,
                                 outputMaximum: maximum)
  }

  static func softmax(_ model: ModelFile, _ op: ModelFile.Operator,
                      _ input: Tensor, _ output: Tensor)
    throws(ModelError) -> SoftmaxParameters
  {
    guard case .softmax(let beta) = op.options else {
      throw .malformed(what: "operator \(op.index) (SOFTMAX)",
                       detail: "options are missing")
    }
    guard input.elementCount == output.elementCount,
          let depth = input.shape.last, depth >= 1 else {
      throw .malformed(what: "operator \(op.index) (SOFTMAX)",
                       detail: "input \(shapeText(input.shape)), output \(shapeText(output.shape))")
    }
    return SoftmaxParameters(
      rows: input.elementCount / depth, depth: depth,
      inputScale: input.scale ?? 1, beta: beta,
      outputScale: output.scale ?? 1,
      outputZeroPoint: Int32(output.zeroPoint ?? 0))
  }
}
