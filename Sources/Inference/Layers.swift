/// Shape of a convolution or pooling window applied to one NHWC tensor
/// (batch 1). Padding follows TFLite: SAME pads `total / 2` before and the
/// rest after, so stride 2 on an even size pads 0 on top and 1 below.
public struct WindowGeometry: Equatable {
  public var inputHeight: Int
  public var inputWidth: Int
  public var inputChannels: Int
  public var outputHeight: Int
  public var outputWidth: Int
  public var outputChannels: Int
  public var filterHeight: Int
  public var filterWidth: Int
  public var strideHeight: Int
  public var strideWidth: Int
  public var dilationHeight: Int
  public var dilationWidth: Int
  public var padTop: Int
  public var padLeft: Int

  /// Builds the geometry the way TFLite computes output size and padding.
  public init(inputHeight: Int, inputWidth: Int, inputChannels: Int,
              outputChannels: Int, filterHeight: Int, filterWidth: Int,
              strideHeight: Int, strideWidth: Int, dilationHeight: Int = 1,
              dilationWidth: Int = 1, padding: Padding) {
    self.inputHeight = inputHeight
    self.inputWidth = inputWidth
    self.inputChannels = inputChannels
    self.outputChannels = outputChannels
    self.filterHeight = filterHeight
    self.filterWidth = filterWidth
    self.strideHeight = strideHeight
    self.strideWidth = strideWidth
    self.dilationHeight = dilationHeight
    self.dilationWidth = dilationWidth
    let effectiveHeight = (filterHeight - 1) * dilationHeight + 1
    let effectiveWidth = (filterWidth - 1) * dilationWidth + 1
    switch padding {
    case .same:
      outputHeight = (inputHeight + strideHeight - 1) / strideHeight
      outputWidth = (inputWidth + strideWidth - 1) / strideWidth
    case .valid:
      outputHeight = (inputHeight - effectiveHeight + strideHeight) / strideHeight
      outputWidth = (inputWidth - effectiveWidth + strideWidth) / strideWidth
    }
    let totalHeight = (outputHeight - 1) * strideHeight + effectiveHeight
      - inputHeight
    let totalWidth = (outputWidth - 1) * strideWidth + effectiveWidth
      - inputWidth
    padTop = max(0, totalHeight) / 2
    padLeft = max(0, totalWidth) / 2
  }

  public var inputByteCount: Int { inputHeight * inputWidth * inputChannels }
  public var outputByteCount: Int {
    outputHeight * outputWidth * outputChannels
  }
  /// Multiply-accumulates per inference for a full convolution.
  public var multiplyAccumulates: Int {
    outputHeight * outputWidth * outputChannels * filterHeight * filterWidth
      * inputChannels
  }
}

/// A CONV_2D: OHWI uint8 weights, int32 bias, per-tensor quantization.
public struct ConvolutionParameters {
  public var geometry: WindowGeometry
  public var inputZeroPoint: Int32
  public var weightZeroPoint: Int32
  /// [outputChannels][filterHeight][filterWidth][inputChannels]
  public var weights: [UInt8]
  /// One per output channel (scale input·weight, zero point 0).
  public var bias: [Int32]
  public var requantization: Requantization

  public init(geometry: WindowGeometry, inputZeroPoint: Int32,
              weightZeroPoint: Int32, weights: [UInt8], bias: [Int32],
              requantization: Requantization) {
    precondition(weights.count == geometry.outputChannels
                 * geometry.filterHeight * geometry.filterWidth
                 * geometry.inputChannels,
                 "ConvolutionParameters: \(weights.count) weights")
    precondition(bias.count == geometry.outputChannels,
                 "ConvolutionParameters: \(bias.count) biases")
    self.geometry = geometry
    self.inputZeroPoint = inputZeroPoint
    self.weightZeroPoint = weightZeroPoint
    self.weights = weights
    self.bias = bias
    self.requantization = requantization
  }
}

/// A DEPTHWISE_CONV_2D with depth multiplier 1: 1HWC uint8 weights.
public struct DepthwiseParameters {
  public var geometry: WindowGeometry
  public var inputZeroPoint: Int32
  public var weightZeroPoint: Int32
  /// [filterHeight][filterWidth][channels]
  public var weights: [UInt8]
  public var bias: [Int32]
  public var requantization: Requantization

  public init(geometry: WindowGeometry, inputZeroPoint: Int32,
              weightZeroPoint: Int32, weights: [UInt8], bias: [Int32],
              requantization: Requantization) {
    precondition(geometry.inputChannels == geometry.outputChannels,
                 "DepthwiseParameters: channels \(geometry.inputChannels) -> "
                 + "\(geometry.outputChannels) needs depth multiplier 1")
    precondition(weights.count == geometry.filterHeight * geometry.filterWidth
                 * geometry.outputChannels,
                 "DepthwiseParameters: \(weights.count) weights")
    precondition(bias.count == geometry.outputChannels,
                 "DepthwiseParameters: \(bias.count) biases")
    self.geometry = geometry
    self.inputZeroPoint = inputZeroPoint
    self.weightZeroPoint = weightZeroPoint
    self.weights = weights
    self.bias = bias
    self.requantization = requantization
  }
}

/// An AVERAGE_POOL_2D on uint8 with equal input and output quantization.
public struct AveragePoolParameters {
  public var geometry: WindowGeometry
  public var outputMinimum: Int32
  public var outputMaximum: Int32

  public init(geometry: WindowGeometry, outputMinimum: Int32 = 0,
              outputMaximum: Int32 = 255) {
    self.geometry = geometry
    self.outputMinimum = outputMinimum
    self.outputMaximum = outputMaximum
  }
}

/// A SOFTMAX over the last dimension, uint8 in and out, with TFLite's
/// float lookup table of exp(−scale·beta·d) for each difference d.
public struct SoftmaxParameters {
  public var rows: Int
  public var depth: Int
  public var table: [Float]
  public var outputScale: Float
  public var outputZeroPoint: Int32

  public init(rows: Int, depth: Int, inputScale: Float, beta: Float,
              outputScale: Float, outputZeroPoint: Int32) {
    self.rows = rows
    self.depth = depth
    self.outputScale = outputScale
    self.outputZeroPoint = outputZeroPoint
    // table[255 - d] = expf(-inputScale * beta * d), in float32 as TFLite.
    let step = -inputScale * beta
    var table = [Float](repeating: 0, count: 256)
    for difference in 0...255 {
      table[255 - difference] = Float32Math.exp(step * Float(difference))
    }
    self.table = table
  }
}
