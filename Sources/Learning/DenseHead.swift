import HeadMath

/// The demo's head: flatten -> dense(units, ReLU, bias) -> dense(classes,
/// softmax, no bias), over activations dequantized with the cut's scale.
/// Weights are row-major float32 (see HeadMath.h). Prediction uses scratch
/// buffers made at init, so it never allocates.
public final class DenseHead {
  public let shape: ActivationShape
  public let classCount: Int
  public let units: Int
  /// Real value of one uint8 step of the input.
  public let inputScale: Float

  /// featureCount x units.
  public internal(set) var firstWeights: [Float]
  public internal(set) var firstBias: [Float]
  /// units x classCount.
  public internal(set) var secondWeights: [Float]

  private var hidden: [Float]
  private var sparseFeatures: [UInt16]
  private var sparseValues: [Float]
  private var sparseOffsets: [Int32] = [0, 0]
  private var selection: [Int32] = [0]

  public convenience init(
    shape: ActivationShape, classCount: Int, units: Int,
    inputScale: Float = ActivationShape.mobileNetCutScale
  ) {
    self.init(shape: shape, classCount: classCount, units: units, inputScale: inputScale,
              workers: nil)
  }

  /// The same, the first layer's weights zeroed by training's threads.
  init(
    shape: ActivationShape, classCount: Int, units: Int,
    inputScale: Float = ActivationShape.mobileNetCutScale, workers: TrainingWorkers?
  ) {
    precondition(shape.byteCount <= 65_536,
                 "DenseHead: \(shape.byteCount) features, at most 65536")
    self.shape = shape
    self.classCount = classCount
    self.units = units
    self.inputScale = inputScale
    firstWeights = zeros(shape.byteCount * units, workers: workers)
    firstBias = [Float](repeating: 0, count: units)
    secondWeights = [Float](repeating: 0, count: units * classCount)
    hidden = [Float](repeating: 0, count: units)
    sparseFeatures = [UInt16](repeating: 0, count: shape.byteCount)
    sparseValues = [Float](repeating: 0, count: shape.byteCount)
  }

  /// Variance-scaling initialization as Keras does it (scale 1, fan in,
  /// truncated normal): deviation sqrt(1 / fanIn) / 0.8796..., redrawn
  /// beyond two deviations. Biases start at zero.
  public func initializeWeights(random: inout SeededRandom) {
    initializeWeights(random: &random, workers: nil)
  }

  /// The same, the draws made on training's threads (the same values).
  func initializeWeights(random: inout SeededRandom, workers: TrainingWorkers?) {
    // 0.87962566103423978 is the deviation of a unit normal cut at +-2.
    let firstDeviation =
      (1.0 / Double(shape.byteCount)).squareRoot() / 0.87962566103423978
    random.fillTruncatedNormal(&firstWeights, deviation: Float(firstDeviation),
                               workers: workers)
    for index in firstBias.indices { firstBias[index] = 0 }
    let secondDeviation = (1.0 / Double(units)).squareRoot() / 0.87962566103423978
    random.fillTruncatedNormal(&secondWeights, deviation: Float(secondDeviation),
                               workers: workers)
  }


  /// Class probabilities for one activation into `probabilities`
  /// (classCount floats); returns the most probable class.
  @discardableResult
  public func predict(
    _ activation: UnsafeBufferPointer<UInt8>,
    probabilities: UnsafeMutableBufferPointer<Float>
  ) -> Int {
    checkPredictionArguments("DenseHead.predict", activation.count, shape,
                             probabilities.count, classCount)

    let featureCount = Int32(shape.byteCount)
    sparseOffsets[1] = sparseFeatures.withUnsafeMutableBufferPointer { features in
      sparseValues.withUnsafeMutableBufferPointer { values in
        headmath_sparse_row(activation.baseAddress, featureCount, inputScale,
                            features.baseAddress, values.baseAddress)
      }
    }

    sparseOffsets.withUnsafeBufferPointer { offsets in
      sparseFeatures.withUnsafeBufferPointer { features in
        sparseValues.withUnsafeBufferPointer { values in
          selection.withUnsafeBufferPointer { selected in
            var batch = headmath_batch(
              offsets: offsets.baseAddress, features: features.baseAddress,
              values: values.baseAddress, selection: selected.baseAddress,
              selection_count: 1)
            forward(&batch, hidden: &hidden, probabilities: probabilities.baseAddress)
          }
        }
      }
    }

    var winner = 0
    for label in 1..<classCount where probabilities[label] > probabilities[winner] {
      winner = label
    }
    return winner
  }

  /// Both layers for a batch: hidden activations and probabilities.
  func forward(
    _ batch: inout headmath_batch, hidden: inout [Float],
    probabilities: UnsafeMutablePointer<Float>?
  ) {
    let units = Int32(self.units)
    let classes = Int32(classCount)
    let count = batch.selection_count
    hidden.withUnsafeMutableBufferPointer { hiddenBuffer in
      firstWeights.withUnsafeBufferPointer { weights in
        firstBias.withUnsafeBufferPointer { bias in
          headmath_hidden_forward(&batch, weights.baseAddress, bias.baseAddress,
                                  units, hiddenBuffer.baseAddress)
        }
      }
      secondWeights.withUnsafeBufferPointer { weights in
        headmath_output_forward(hiddenBuffer.baseAddress, count, units,
                                weights.baseAddress, classes, probabilities)
      }
    }
  }
}
