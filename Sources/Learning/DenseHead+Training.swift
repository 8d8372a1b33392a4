import CShims
import HeadMath
import Support

private let trainLog = Logger("train")

/// Where training is, after each batch.
public struct TrainingProgress {
  public var epoch: Int
  public var epochCount: Int
  public var batch: Int
  public var batchCount: Int
  /// Mean cross-entropy of this batch before the step.
  public var loss: Float
}

/// Something training finished with that the player should hear about.
public enum TrainingWarning: Equatable {
  /// A class with fewer than 5 examples.
  case fewExamples(label: Int, count: Int)
  /// The last epoch's loss is still close to ln(classCount): the head has
  /// learned next to nothing.
  case learnedNothing(finalLoss: Float, chanceLoss: Float)

  public var message: String {
    switch self {
    case .fewExamples(let label, let count):
      return "class \(label) has only \(count) examples; 5 or more train "
        + "a more reliable head"
    case .learnedNothing(let finalLoss, let chanceLoss):
      return "final loss \(formatDecimal(Double(finalLoss), digits: 4)) is "
        + "near ln(classes) = \(formatDecimal(Double(chanceLoss), digits: 4)): "
        + "the head learned next to nothing (collect more distinct examples "
        + "or train longer)"
    }
  }
}

/// What a finished training run reports.
public struct TrainingReport {
  /// Mean loss over the last epoch's examples.
  public var finalLoss: Float
  public var batchSize: Int
  public var stepCount: Int
  public var warnings: [TrainingWarning]
}

/// A loss at or above this share of ln(classes) counts as learned nothing.
let learnedNothingShare: Float = 0.9

extension DenseHead {
  /// The refusals and warnings that come before any arithmetic.
  static func check(
    _ dataset: ActivationDataset, settings: HeadSettings
  ) throws(LearningError) -> [TrainingWarning] {
    try settings.validate()
    guard !dataset.isEmpty else { throw .noExamples }
    guard dataset.classesWithExamples >= 2 else {
      throw .tooFewClasses(classesWithExamples: dataset.classesWithExamples)
    }
    guard settings.batchSize(exampleCount: dataset.count) > 0 else {
      throw .batchTooSmall(fraction: settings.batchFraction, exampleCount: dataset.count)
    }

    var warnings: [TrainingWarning] = []
    for label in 0..<dataset.classCount where dataset.count(ofClass: label) < 5 {
      warnings.append(.fewExamples(label: label, count: dataset.count(ofClass: label)))
    }
    return warnings
  }

  /// Fits a new head to the dataset: `epochs` passes, each over a fresh
  /// seeded shuffle cut into batches of floor(count x batchFraction)
  /// examples (the last batch takes the rest), one Adam step per batch.
  /// `progress` hears every batch's loss.
  public static func train(
    _ dataset: ActivationDataset, settings: HeadSettings,
    progress: (TrainingProgress) -> Void = { _ in }
  ) throws(LearningError) -> (DenseHead, TrainingReport) {
    var warnings = try check(dataset, settings: settings)
    let head = DenseHead(shape: dataset.shape, classCount: dataset.classCount,
                         units: settings.units)
    var random = SeededRandom(seed: settings.seed)
    head.initializeWeights(random: &random)

    let examples = SparseExamples(dataset, scale: head.inputScale)
    var trainer = DenseTrainer(head: head, batchCapacity:
      settings.batchSize(exampleCount: dataset.count), examples: examples)
    trainer.threadCount = settings.threadCount > 0
      ? min(settings.threadCount, 16) : min(Int(shim_processor_count()), 16)
    let batchSize = settings.batchSize(exampleCount: dataset.count)
    let batchCount = (dataset.count + batchSize - 1) / batchSize
    var order = (0..<dataset.count).map { Int32($0) }
    var finalLoss: Float = 0
    var step = 0
    let started = shim_monotonic_nanoseconds()

    for epoch in 0..<settings.epochs {
      random.shuffle(&order)
      var lossSum: Double = 0
      for batch in 0..<batchCount {
        let start = batch * batchSize
        let end = min(dataset.count, start + batchSize)
        step += 1
        let loss = trainer.step(examples, order: order, range: start..<end,
                                learningRate: Float(settings.learningRate),
                                step: step)
        lossSum += Double(loss) * Double(end - start)
        progress(TrainingProgress(epoch: epoch, epochCount: settings.epochs,
                                  batch: batch, batchCount: batchCount, loss: loss))
      }
      finalLoss = Float(lossSum / Double(dataset.count))
    }

    let milliseconds = Int((shim_monotonic_nanoseconds() - started) / 1_000_000)
    trainLog.info("dense head: \(dataset.count) examples, \(step) steps in \(milliseconds) ms, final loss \(finalLoss, 4)")
    let chanceLoss = Float(log(Double(dataset.classCount)))
    if finalLoss >= learnedNothingShare * chanceLoss {
      warnings.append(.learnedNothing(finalLoss: finalLoss, chanceLoss: chanceLoss))
    }
    return (head, TrainingReport(finalLoss: finalLoss, batchSize: batchSize,
                                 stepCount: step, warnings: warnings))
  }
}

/// A dataset's activations as sparse rows of dequantized values, made once
/// per training run.
struct SparseExamples {
  var offsets: [Int32]
  var features: [UInt16]
  var values: [Float]
  var labels: [Int32]
  /// 1 for each feature that some example has, 0 for the rest.
  var activeFeatures: [UInt8]

  init(_ dataset: ActivationDataset, scale: Float) {
    let featureCount = dataset.shape.byteCount
    offsets = [0]
    offsets.reserveCapacity(dataset.count + 1)
    features = []
    values = []
    labels = []
    var rowFeatures = [UInt16](repeating: 0, count: featureCount)
    var rowValues = [Float](repeating: 0, count: featureCount)
    for index in 0..<dataset.count {
      let activation = dataset.activation(at: index)
      let found = rowFeatures.withUnsafeMutableBufferPointer { rowFeatureBuffer in
        rowValues.withUnsafeMutableBufferPointer { rowValueBuffer in
          Int(headmath_sparse_row(activation.baseAddress, Int32(featureCount), scale,
                                  rowFeatureBuffer.baseAddress, rowValueBuffer.baseAddress))
        }
      }
      features.append(contentsOf: rowFeatures[0..<found])
      values.append(contentsOf: rowValues[0..<found])
      offsets.append(Int32(features.count))
      labels.append(Int32(dataset.label(at: index)))
    }
    activeFeatures = [UInt8](repeating: 0, count: featureCount)
    for feature in features { activeFeatures[Int(feature)] = 1 }
  }
}

/// Adam's state and the gradient buffers, sized once per training run.
struct DenseTrainer {
  let head: DenseHead
  var hidden: [Float]
  var probabilities: [Float]
  var outputDelta: [Float]
  var hiddenDelta: [Float]
  var batchLabels: [Int32]
  var firstWeightsGradient: [Float]
  var firstBiasGradient: [Float]
  var secondWeightsGradient: [Float]
  /// Adam's running means of the gradients and of their squares.
  var firstWeightsMoments: AdamMoments
  var firstBiasMoments: AdamMoments
  var secondWeightsMoments: AdamMoments

  /// Scratch of the blocked first-layer kernels, sized for `threadCount`.
  var cursors: [Int32] = []
  var gradientBlocks: [Float] = []
  let batchCapacity: Int

  /// Whether the first layer's gradient goes straight into Adam, row by
  /// row (the fast path), or is kept in `firstWeightsGradient` first (the
  /// reference the tests read and compare with).
  var fusesFirstLayer: Bool
  /// Threads for the first layer's forward pass and Adam step.
  var threadCount = 1 {
    didSet { sizeScratch() }
  }

  init(
    head: DenseHead, batchCapacity: Int, examples: SparseExamples,
    fusesFirstLayer: Bool = true
  ) {
    precondition(head.units <= 4096, "DenseTrainer: \(head.units) units, at most 4096")
    self.head = head
    self.fusesFirstLayer = fusesFirstLayer
    self.batchCapacity = batchCapacity
    let examples = batchCapacity + 1
    hidden = [Float](repeating: 0, count: examples * head.units)
    probabilities = [Float](repeating: 0, count: examples * head.classCount)
    outputDelta = probabilities
    hiddenDelta = hidden
    batchLabels = [Int32](repeating: 0, count: examples)
    firstWeightsGradient = [Float](
      repeating: 0, count: fusesFirstLayer ? 0 : head.firstWeights.count)
    firstBiasGradient = [Float](repeating: 0, count: head.firstBias.count)
    secondWeightsGradient = [Float](repeating: 0, count: head.secondWeights.count)
    firstWeightsMoments = AdamMoments(count: head.firstWeights.count)
    firstBiasMoments = AdamMoments(count: head.firstBias.count)
    secondWeightsMoments = AdamMoments(count: head.secondWeights.count)
    sizeScratch()
  }

  private mutating func sizeScratch() {
    let threads = max(1, min(threadCount, 16))
    cursors = [Int32](repeating: 0, count: threads * (batchCapacity + 1))
    gradientBlocks = [Float](
      repeating: 0, count: threads * Int(HEADMATH_FEATURE_BLOCK) * head.units)
  }

  /// One Adam step on the examples `order[range]`; returns their mean loss
  /// before the step.
  mutating func step(
    _ examples: SparseExamples, order: [Int32], range: Range<Int>,
    learningRate: Float, step: Int
  ) -> Float {
    let count = range.count
    for (row, position) in range.enumerated() {
      batchLabels[row] = examples.labels[Int(order[position])]
    }

    var loss: Float = 0
    examples.offsets.withUnsafeBufferPointer { offsets in
      examples.features.withUnsafeBufferPointer { features in
        examples.values.withUnsafeBufferPointer { values in
          order.withUnsafeBufferPointer { orderBuffer in
            var batch = headmath_batch(
              offsets: offsets.baseAddress, features: features.baseAddress,
              values: values.baseAddress,
              selection: orderBuffer.baseAddress.map { $0 + range.lowerBound },
              selection_count: Int32(count))
            loss = examples.activeFeatures.withUnsafeBufferPointer { active in
              forwardAndBackward(&batch, activeFeatures: active.baseAddress,
                                 learningRate: learningRate, step: step)
            }
          }
        }
      }
    }

    if !fusesFirstLayer {
      firstWeightsMoments.step(&head.firstWeights, firstWeightsGradient,
                               learningRate: learningRate, step: step)
    }
    firstBiasMoments.step(&head.firstBias, firstBiasGradient,
                          learningRate: learningRate, step: step)
    secondWeightsMoments.step(&head.secondWeights, secondWeightsGradient,
                              learningRate: learningRate, step: step)
    return loss
  }

  private mutating func forwardAndBackward(
    _ batch: inout headmath_batch, activeFeatures: UnsafePointer<UInt8>?,
    learningRate: Float, step: Int
  ) -> Float {
    let count = batch.selection_count
    let units = Int32(head.units)
    let classes = Int32(head.classCount)
    let featureCount = Int32(head.shape.byteCount)
    let threads = Int32(max(1, min(threadCount, 16)))
    headmath_hidden_forward_blocks(&batch, featureCount, head.firstWeights, head.firstBias,
                                   units, &hidden, &cursors, threads)
    headmath_output_forward(hidden, count, units, head.secondWeights, classes,
                            &probabilities)
    firstWeightsGradient.withUnsafeMutableBufferPointer { gradient in
      headmath_backward(&batch, count, hidden, probabilities, batchLabels, units, classes,
                        featureCount, head.secondWeights, &outputDelta, &hiddenDelta,
                        fusesFirstLayer ? nil : gradient.baseAddress, &firstBiasGradient,
                        &secondWeightsGradient)
    }
    if fusesFirstLayer {
      firstWeightsMoments.fusedFirstLayerStep(
        &head.firstWeights, batch: &batch, activeFeatures: activeFeatures,
        hiddenDelta: hiddenDelta, units: units, featureCount: featureCount,
        learningRate: learningRate, step: step, gradientBlocks: &gradientBlocks,
        cursors: &cursors, threadCount: threads)
    }
    return headmath_cross_entropy(probabilities, batchLabels, count, classes)
  }
}

/// Adam (Keras's form, epsilon 1e-7) for one parameter array: the running
/// mean of the gradients and of their squares.
public struct AdamMoments {
  public static let beta1: Float = 0.9
  public static let beta2: Float = 0.999
  public static let epsilon: Float = 1e-7

  public private(set) var mean: [Float]
  public private(set) var squareMean: [Float]

  public init(count: Int) {
    mean = [Float](repeating: 0, count: count)
    squareMean = mean
  }

  /// Moves `parameters` one step against `gradients`; `step` counts from 1.
  public mutating func step(
    _ parameters: inout [Float], _ gradients: [Float], learningRate: Float,
    step: Int
  ) {
    precondition(parameters.count == mean.count && gradients.count == mean.count,
                 "AdamMoments.step: \(parameters.count) parameters, "
                 + "\(gradients.count) gradients, \(mean.count) moments")
    headmath_adam_step(&parameters, gradients, &mean, &squareMean,
                       Int64(mean.count), learningRate, Self.beta1, Self.beta2,
                       Self.epsilon, Int64(step))
  }
}

extension AdamMoments {
  /// The first layer's gradient and Adam step in one pass over the weights
  /// (see `headmath_first_layer_adam_blocks`).
  mutating func fusedFirstLayerStep(
    _ weights: inout [Float], batch: inout headmath_batch,
    activeFeatures: UnsafePointer<UInt8>?, hiddenDelta: [Float], units: Int32,
    featureCount: Int32, learningRate: Float, step: Int, gradientBlocks: inout [Float],
    cursors: inout [Int32], threadCount: Int32
  ) {
    precondition(weights.count == mean.count,
                 "AdamMoments.fusedFirstLayerStep: \(weights.count) weights, "
                 + "\(mean.count) moments")
    headmath_first_layer_adam_blocks(
      &batch, featureCount, activeFeatures, hiddenDelta, units, &weights, &mean,
      &squareMean, learningRate, Self.beta1, Self.beta2, Self.epsilon, Int64(step),
      &gradientBlocks, &cursors, threadCount)
  }
}
