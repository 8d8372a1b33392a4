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
  /// kNN with k above the examples of the smallest class: the larger
  /// classes outvote it even on its own examples.
  case neighborsOutnumberClass(neighbors: Int, label: Int, count: Int)

  public var message: String {
    switch self {
    case .fewExamples(let label, let count):
      return "class \(label) has only \(count) \(count == 1 ? "example" : "examples"); "
        + "5 or more train a more reliable head"
    case .learnedNothing(let finalLoss, let chanceLoss):
      return "final loss \(formatDecimal(Double(finalLoss), digits: 4)) is "
        + "near ln(classes) = \(formatDecimal(Double(chanceLoss), digits: 4)): "
        + "the head learned next to nothing (collect more distinct examples "
        + "or train longer)"
    case .neighborsOutnumberClass(let neighbors, let label, let count):
      return "k = \(neighbors) is more than the \(count) examples of class \(label): "
        + "larger classes outvote it (choose k of at most \(count))"
    }
  }
}

extension TrainingWarning {
  /// The message with classes called by their folder names, not positions.
  public func message(naming classNames: [String]) -> String {
    switch self {
    case .fewExamples(let label, let count) where label < classNames.count:
      return "class '\(classNames[label])' has only \(count) "
        + "\(count == 1 ? "example" : "examples"); 5 or more train a more reliable head"
    case .neighborsOutnumberClass(let neighbors, let label, let count)
    where label < classNames.count:
      return "k = \(neighbors) is more than the \(count) examples of class "
        + "'\(classNames[label])': larger classes outvote it (choose k of at most \(count))"
    default:
      return message
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
    let workers = TrainingWorkers(threadCount: settings.threadCount > 0
      ? settings.threadCount : Int(shim_processor_count()))
    let head = DenseHead(shape: dataset.shape, classCount: dataset.classCount,
                         units: settings.units, workers: workers)
    var random = SeededRandom(seed: settings.seed)
    head.initializeWeights(random: &random, workers: workers)

    var trainer = DenseTrainer(
      head: head, batchCapacity: settings.batchSize(exampleCount: dataset.count),
      dataset: dataset, workers: workers)
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
        let loss = trainer.step(order: order, range: start..<end,
                                learningRate: Float(settings.learningRate),
                                step: step)
        lossSum += Double(loss) * Double(end - start)
        progress(TrainingProgress(epoch: epoch, epochCount: settings.epochs,
                                  batch: batch, batchCount: batchCount, loss: loss))
      }
      finalLoss = Float(lossSum / Double(dataset.count))
    }
    trainer.storeFirstLayer()

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

/// A dataset's activations as sparse rows of dequantized values, each
/// example's entries listed in the order of `order` (features): the
/// reference path's examples (see `DenseTrainer`).
struct SparseExamples {
  var offsets: [Int32]
  var features: [UInt16]
  var values: [Float]

  init(_ dataset: ActivationDataset, scale: Float, order: [Int32]) {
    offsets = [0]
    features = []
    values = []
    for index in 0..<dataset.count {
      let activation = dataset.activation(at: index)
      for feature in order where activation[Int(feature)] != 0 {
        features.append(UInt16(feature))
        values.append(scale * Float(activation[Int(feature)]))
      }
      offsets.append(Int32(features.count))
    }
  }

  /// Calls `body` with the batch of examples `selection[range]`.
  func withBatch<Result>(
    _ selection: [Int32], range: Range<Int>, _ body: (inout headmath_batch) -> Result
  ) -> Result {
    offsets.withUnsafeBufferPointer { offsets in
      features.withUnsafeBufferPointer { features in
        values.withUnsafeBufferPointer { values in
          selection.withUnsafeBufferPointer { selected in
            var batch = headmath_batch(
              offsets: offsets.baseAddress, features: features.baseAddress,
              values: values.baseAddress,
              selection: selected.baseAddress.map { $0 + range.lowerBound },
              selection_count: Int32(range.count))
            return body(&batch)
          }
        }
      }
    }
  }
}

/// One training run's state: Adam's moments, the gradient buffers and the
/// examples, sized once. Two paths give the same numbers: the fast one
/// trains the first layer in the `TrainingLayout` (a copy of its active
/// rows; `storeFirstLayer` writes them back), the reference one runs the
/// plain loops on the head's own weights, over each example's entries in
/// the same training order, and keeps the whole first-layer gradient for
/// the tests to read.
struct DenseTrainer {
  let head: DenseHead
  let isReference: Bool
  let layout: TrainingLayout
  let examples: SparseExamples
  /// Fast path: the first layer's rows in training order.
  var trainingWeights: [Float]
  var hidden: [Float]
  var probabilities: [Float]
  var outputDelta: [Float]
  var hiddenDelta: [Float]
  var batchLabels: [Int32]
  let labels: [Int32]
  /// Reference path: the whole first-layer gradient of the last step.
  var firstWeightsGradient: [Float]
  var firstBiasGradient: [Float]
  var secondWeightsGradient: [Float]
  /// Adam's running means of the gradients and of their squares (of
  /// `trainingWeights` on the fast path).
  var firstWeightsMoments: AdamMoments
  var firstBiasMoments: AdamMoments
  var secondWeightsMoments: AdamMoments
  /// Fast path: the batch's dense features, and gradient scratch.
  var denseInputs: [Float]
  var gradientScratch: [Float] = []
  let batchCapacity: Int

  /// The first layer's 16-lane AVX-512 kernels, where the processor has
  /// them (same results as the 8-lane ones; tests turn them off).
  var wideVectors = shim_cpu_has_avx512_vnni() != 0

  /// Threads for the first layer's training kernels (at most 16; the
  /// reference path runs on one).
  var threadCount: Int {
    get { workers.count }
    set {
      workers = TrainingWorkers(threadCount: isReference ? 1 : newValue)
      sizeScratch()
    }
  }
  private var workers: TrainingWorkers

  /// `workers`: the fast path's threads (default: the calling one alone;
  /// the reference path always runs on it alone).
  init(
    head: DenseHead, batchCapacity: Int, dataset: ActivationDataset,
    isReference: Bool = false, denseShare: Double = TrainingLayout.defaultDenseShare,
    workers: TrainingWorkers? = nil
  ) {
    precondition(head.units <= 4096, "DenseTrainer: \(head.units) units, at most 4096")
    self.head = head
    self.isReference = isReference
    self.batchCapacity = batchCapacity
    let workers = isReference ? TrainingWorkers(threadCount: 1)
      : workers ?? TrainingWorkers(threadCount: 1)
    self.workers = workers
    // Each path builds only its own examples: the other gets an empty set.
    let empty = ActivationDataset(shape: dataset.shape, classCount: dataset.classCount,
                                  capacity: 0)
    let layout = TrainingLayout(isReference ? empty : dataset, scale: head.inputScale,
                                denseShare: denseShare, workers: workers)
    examples = SparseExamples(
      isReference ? dataset : empty, scale: head.inputScale,
      order: isReference
        ? TrainingLayout.trainingOrder(dataset, denseShare: denseShare).order : [])
    labels = (0..<dataset.count).map { Int32(dataset.label(at: $0)) }

    let units = head.units
    // The large arrays are written by the training threads, which take
    // their first touch (page faults) in parallel.
    self.trainingWeights = preparedArray(layout.featureCount * units, workers: workers) {
      headmath_gather_rows(head.firstWeights, layout.order, Int32(layout.featureCount),
                           Int32(units), $0.baseAddress, workers.pointer)
    }
    self.layout = layout

    let examples = batchCapacity + 1
    hidden = [Float](repeating: 0, count: examples * units)
    probabilities = [Float](repeating: 0, count: examples * head.classCount)
    outputDelta = probabilities
    hiddenDelta = hidden
    batchLabels = [Int32](repeating: 0, count: examples)
    firstWeightsGradient = [Float](
      repeating: 0, count: isReference ? head.firstWeights.count : 0)
    firstBiasGradient = [Float](repeating: 0, count: head.firstBias.count)
    secondWeightsGradient = [Float](repeating: 0, count: head.secondWeights.count)
    firstWeightsMoments = isReference
      ? AdamMoments(count: head.firstWeights.count)
      : AdamMoments(zeros: trainingWeights.count, workers: workers)
    firstBiasMoments = AdamMoments(count: head.firstBias.count)
    secondWeightsMoments = AdamMoments(count: head.secondWeights.count)
    denseInputs = zeros(examples * layout.denseCount, workers: workers)
    sizeScratch()
  }

  private mutating func sizeScratch() {
    gradientScratch = [Float](
      repeating: 0,
      count: isReference ? 0 : Int(headmath_first_layer_scratch_count(
        Int32(head.units), Int32(batchCapacity), Int32(workers.count))))
  }

  /// One Adam step on the examples `order[range]`; returns their mean loss
  /// before the step.
  mutating func step(
    order: [Int32], range: Range<Int>, learningRate: Float, step: Int
  ) -> Float {
    for (row, position) in range.enumerated() {
      batchLabels[row] = labels[Int(order[position])]
    }

    if isReference {
      referenceStep(order: order, range: range, learningRate: learningRate, step: step)
    } else {
      layoutStep(order: order, range: range, learningRate: learningRate, step: step)
    }
    firstBiasMoments.step(&head.firstBias, firstBiasGradient,
                          learningRate: learningRate, step: step)
    secondWeightsMoments.step(&head.secondWeights, secondWeightsGradient,
                              learningRate: learningRate, step: step)
    return headmath_cross_entropy(probabilities, batchLabels, Int32(range.count),
                                  Int32(head.classCount))
  }

  /// Forward, backward and the first layer's Adam step in the training
  /// layout.
  private mutating func layoutStep(
    order: [Int32], range: Range<Int>, learningRate: Float, step: Int
  ) {
    let count = Int32(range.count)
    let units = Int32(head.units)
    let classes = Int32(head.classCount)
    let layout = layout
    let workers = workers.pointer
    layout.withBatch(order, range: range, wideVectors: wideVectors) { batch in
      headmath_training_forward(&batch, trainingWeights, head.firstBias, units,
                                &denseInputs, &hidden, workers)
      headmath_output_forward(hidden, count, units, head.secondWeights, classes,
                              &probabilities)
      headmath_backward(nil, count, hidden, probabilities, batchLabels, units, classes,
                        0, head.secondWeights, &outputDelta, &hiddenDelta, nil,
                        &firstBiasGradient, &secondWeightsGradient)
      firstWeightsMoments.layoutStep(
        &trainingWeights, batch: &batch, denseInputs: denseInputs,
        hiddenDelta: hiddenDelta, units: units, learningRate: learningRate, step: step,
        gradientScratch: &gradientScratch, workers: workers)
    }
  }

  /// The plain kernels on the head's own weights, keeping the whole
  /// first-layer gradient.
  private mutating func referenceStep(
    order: [Int32], range: Range<Int>, learningRate: Float, step: Int
  ) {
    let count = Int32(range.count)
    let units = Int32(head.units)
    let classes = Int32(head.classCount)
    let featureCount = Int32(head.shape.byteCount)
    let examples = examples
    examples.withBatch(order, range: range) { batch in
      probabilities.withUnsafeMutableBufferPointer { buffer in
        head.forward(&batch, hidden: &hidden, probabilities: buffer.baseAddress)
      }
      headmath_backward(&batch, count, hidden, probabilities, batchLabels, units, classes,
                        featureCount, head.secondWeights, &outputDelta, &hiddenDelta,
                        &firstWeightsGradient, &firstBiasGradient,
                        &secondWeightsGradient)
    }
    firstWeightsMoments.step(&head.firstWeights, firstWeightsGradient,
                             learningRate: learningRate, step: step)
  }

  /// Writes the fast path's first-layer rows back into the head (the
  /// reference path trains the head's weights in place).
  func storeFirstLayer() {
    guard !isReference else { return }
    headmath_scatter_rows(trainingWeights, layout.order, Int32(layout.featureCount),
                          Int32(head.units), &head.firstWeights, workers.pointer)
  }
}

/// `count` elements, all written by `fill`, in memory the training threads
/// had the system give first (see `headmath_prepare_pages`): the first
/// touch of a fresh large array costs 0.7 ms per MB in page faults on the
/// development machine, about a third of that in bulk on two threads.
func preparedArray<Element>(
  _ count: Int, workers: TrainingWorkers?,
  fill: (UnsafeMutableBufferPointer<Element>) -> Void
) -> [Element] {
  [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
    headmath_prepare_pages(buffer.baseAddress, Int64(count * MemoryLayout<Element>.stride),
                           workers?.pointer)
    fill(buffer)
    initialized = count
  }
}

/// `count` zeros in prepared memory, written by the training threads.
func zeros(_ count: Int, workers: TrainingWorkers?) -> [Float] {
  preparedArray(count, workers: workers) {
    headmath_zero($0.baseAddress, Int64(count), workers?.pointer)
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

  /// Zero moments written by the training threads.
  init(zeros count: Int, workers: TrainingWorkers) {
    mean = Learning.zeros(count, workers: workers)
    squareMean = Learning.zeros(count, workers: workers)
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
  /// The first layer's gradient and Adam step in the training layout (see
  /// `headmath_training_first_layer_step`).
  mutating func layoutStep(
    _ weights: inout [Float], batch: inout headmath_training_batch,
    denseInputs: [Float], hiddenDelta: [Float], units: Int32, learningRate: Float,
    step: Int, gradientScratch: inout [Float], workers: OpaquePointer?
  ) {
    precondition(weights.count == mean.count,
                 "AdamMoments.layoutStep: \(weights.count) weights, "
                 + "\(mean.count) moments")
    headmath_training_first_layer_step(
      &batch, denseInputs, hiddenDelta, units, &weights, &mean, &squareMean,
      learningRate, Self.beta1, Self.beta2, Self.epsilon, Int64(step),
      &gradientScratch, workers)
  }
}

/// The first layer's training threads (see `headmath_workers_start`): up
/// for one training run, stopped when the last trainer holding them goes.
final class TrainingWorkers {
  let pointer: OpaquePointer?

  /// Threads that run, the calling one included.
  var count: Int { Int(headmath_workers_count(pointer)) }

  /// `threadCount` threads, the calling one included, at most
  /// HEADMATH_MAXIMUM_THREADS.
  init(threadCount: Int) {
    let count = min(threadCount, Int(HEADMATH_MAXIMUM_THREADS))
    pointer = count > 1 ? headmath_workers_start(Int32(count)) : nil
  }

  deinit {
    headmath_workers_stop(pointer)
  }
}
