import XCTest
import CShims
import HeadMath
@testable import Learning

final class DenseHeadTests: XCTestCase {
  /// Two Adam steps with the same gradient, computed by hand:
  /// step 1: m = 0.05, v = 0.00025, rate = 0.1 sqrt(0.001) / 0.1, so the
  /// parameter moves by 0.1 * 0.05 / (0.0158113883 + 1e-7) * 0.316227766.
  func testAdamStepsMatchHandComputedValues() {
    var parameters: [Float] = [1.0, -2.0]
    var moments = AdamMoments(count: 2)
    moments.step(&parameters, [0.5, -0.25], learningRate: 0.1, step: 1)
    XCTAssertEqual(parameters[0], 0.900_000_632, accuracy: 2e-7)
    XCTAssertEqual(parameters[1], -1.900_001_265, accuracy: 2e-7)
    XCTAssertEqual(moments.mean[0], 0.05, accuracy: 1e-7)
    XCTAssertEqual(moments.squareMean[0], 0.000_25, accuracy: 1e-8)

    moments.step(&parameters, [0.5, -0.25], learningRate: 0.1, step: 2)
    XCTAssertEqual(parameters[0], 0.800_001_080, accuracy: 3e-7)
    XCTAssertEqual(parameters[1], -1.800_002_160, accuracy: 3e-7)
    XCTAssertEqual(moments.mean[1], -0.0475, accuracy: 1e-7)
    XCTAssertEqual(moments.squareMean[1], 0.000_124_937_5, accuracy: 1e-8)
  }

  /// A head with two features, two units and two classes, weights chosen
  /// by hand. Input bytes [2, 1] at scale 0.5 are x = [1, 0.5];
  /// hidden = relu([1*0.5 + 0.5*0.25 + 0.1, 1*-1 + 0.5*0.75 + 0.2])
  ///        = [0.725, 0]; logits = [0.725, -0.725];
  /// p = [1/(1+e^-1.45), 1/(1+e^1.45)] = [0.809998, 0.190002];
  /// label 1: loss = -ln 0.190002 = 1.660723.
  func testLossAndGradientsMatchHandComputedValues() {
    let shape = ActivationShape(height: 1, width: 1, channels: 2)
    let head = DenseHead(shape: shape, classCount: 2, units: 2, inputScale: 0.5)
    head.firstWeights = [0.5, -1.0, 0.25, 0.75]
    head.firstBias = [0.1, 0.2]
    head.secondWeights = [1.0, -1.0, 0.5, 0.25]
    let dataset = ActivationDataset(shape: shape, classCount: 2, capacity: 1)
    add(dataset, [2, 1], label: 1)

    var probabilities: [Float] = [0, 0]
    let winner = [UInt8]([2, 1]).withUnsafeBufferPointer { activation in
      probabilities.withUnsafeMutableBufferPointer {
        head.predict(activation, probabilities: $0)
      }
    }
    XCTAssertEqual(winner, 0)
    XCTAssertEqual(probabilities[0], 0.809_998_43, accuracy: 1e-6)
    XCTAssertEqual(probabilities[1], 0.190_001_57, accuracy: 1e-6)

    var trainer = DenseTrainer(head: head, batchCapacity: 1, dataset: dataset,
                               isReference: true)
    XCTAssertEqual(trainer.examples.features, [0, 1])
    XCTAssertEqual(trainer.examples.values, [1.0, 0.5])

    // Learning rate ~0 leaves the weights so the gradients can be read.
    let loss = trainer.step(order: [0], range: 0..<1, learningRate: 1e-30, step: 1)
    XCTAssertEqual(loss, 1.660_722_96, accuracy: 1e-5)
    // dz = p - y = [0.809998, -0.809998]; dW2 = h dz; dh = W2 dz masked.
    assertEqual(trainer.secondWeightsGradient, [0.587_248_86, -0.587_248_86, 0, 0])
    assertEqual(trainer.firstBiasGradient, [1.619_996_87, 0])
    assertEqual(trainer.firstWeightsGradient, [1.619_996_87, 0, 0.809_998_43, 0])
  }

  func testGradientMatchesFiniteDifferences() {
    let shape = ActivationShape(height: 1, width: 2, channels: 3)
    let dataset = separableDataset(classCount: 3, perClass: 2, shape: shape)
    let head = DenseHead(shape: shape, classCount: 3, units: 4, inputScale: 0.02)
    var random = SeededRandom(seed: 3)
    head.initializeWeights(random: &random)
    for index in head.firstBias.indices { head.firstBias[index] = 0.1 }
    var trainer = DenseTrainer(head: head, batchCapacity: 6, dataset: dataset,
                               isReference: true)
    let order: [Int32] = [0, 1, 2, 3, 4, 5]
    _ = trainer.step(order: order, range: 0..<6, learningRate: 1e-30, step: 1)
    let analytic = trainer.secondWeightsGradient

    for index in head.secondWeights.indices {
      let saved = head.secondWeights[index]
      head.secondWeights[index] = saved + 1e-2
      let above = trainer.step(order: order, range: 0..<6, learningRate: 1e-30, step: 1)
      head.secondWeights[index] = saved - 1e-2
      let below = trainer.step(order: order, range: 0..<6, learningRate: 1e-30, step: 1)
      head.secondWeights[index] = saved
      XCTAssertEqual(analytic[index], (above - below) / 2e-2, accuracy: 2e-3)
    }
  }

  /// Dense share 0.5 of 4 examples: features 0 (3 examples) and 2 (2) are
  /// dense, feature 1 (1 example) is sparse, feature 3 (none) is left out.
  func testTrainingLayoutOrdersDenseThenSparseFeatures() {
    let shape = ActivationShape(height: 1, width: 1, channels: 4)
    let dataset = ActivationDataset(shape: shape, classCount: 2, capacity: 4)
    add(dataset, [5, 0, 1, 0], label: 0)
    add(dataset, [6, 0, 0, 0], label: 1)
    add(dataset, [7, 2, 0, 0], label: 0)
    add(dataset, [0, 0, 3, 0], label: 1)
    let layout = TrainingLayout(dataset, scale: 0.5, denseShare: 0.5)
    XCTAssertEqual(layout.order, [0, 2, 1])
    XCTAssertEqual(layout.denseCount, 2)
    XCTAssertEqual(layout.denseBytes, [5, 1, 6, 0, 7, 0, 0, 3])
    XCTAssertEqual(layout.features, [2])
    XCTAssertEqual(layout.values, [1.0])
    XCTAssertEqual(layout.blockStarts, [0, 0, 0, 0, 0, 1, 1, 1])
  }

  /// 21 features: the layout reads eight at a time (features 0 to 15) and
  /// the last 5 one by one; dense and sparse features in both parts.
  /// Features 1, 4, 9 and 20 are dense (2 or more of 4 examples), 7, 12,
  /// 17, 18 and 19 sparse, the rest left out.
  func testTrainingLayoutReadsWordsAndTheTail() {
    let shape = ActivationShape(height: 1, width: 1, channels: 21)
    let dataset = ActivationDataset(shape: shape, classCount: 2, capacity: 4)
    func example(_ bytes: [Int: UInt8]) -> [UInt8] {
      (0..<21).map { bytes[$0] ?? 0 }
    }
    add(dataset, example([1: 10, 4: 20, 9: 30, 18: 40, 20: 50]), label: 0)
    add(dataset, example([1: 11, 9: 31, 17: 41]), label: 1)
    add(dataset, example([4: 21, 12: 60, 20: 51]), label: 0)
    add(dataset, example([1: 12, 7: 70, 19: 80]), label: 1)
    let layout = TrainingLayout(dataset, scale: 0.5, denseShare: 0.5)
    XCTAssertEqual(layout.order, [1, 4, 9, 20, 7, 12, 17, 18, 19])
    XCTAssertEqual(layout.denseCount, 4)
    XCTAssertEqual(layout.denseBytes,
                   [10, 20, 30, 50, 11, 0, 31, 0, 0, 21, 0, 51, 12, 0, 0, 0])
    XCTAssertEqual(layout.features, [7, 6, 5, 4, 8])
    XCTAssertEqual(layout.values, [20, 20.5, 30, 35, 40])
    XCTAssertEqual(layout.blockStarts, [0, 1, 1, 2, 2, 3, 3, 5])
  }

  /// The training layout against the reference path (the plain loops over
  /// each example's entries in the same training order), for 5 units (the
  /// plain loops): the default dense share on one thread and on three
  /// (splitting 5 units and 32 features unevenly), all features dense, all
  /// sparse.
  func testTrainingLayoutStepMatchesTheReference() {
    let shape = ActivationShape(height: 2, width: 2, channels: 8)
    let dataset = separableDataset(classCount: 3, perClass: 4, shape: shape)
    let order: [Int32] = [3, 0, 7, 11, 5, 2, 9]
    let share = TrainingLayout.defaultDenseShare
    for (denseShare, threads) in [(share, 1), (share, 3), (0, 1), (2, 1)] {
      var weights: [[Float]] = []
      for isReference in [true, false] {
        let head = DenseHead(shape: shape, classCount: 3, units: 5, inputScale: 0.02)
        var random = SeededRandom(seed: 5)
        head.initializeWeights(random: &random)
        var trainer = DenseTrainer(head: head, batchCapacity: 7, dataset: dataset,
                                   isReference: isReference, denseShare: denseShare)
        trainer.threadCount = threads
        for step in 1...3 {
          _ = trainer.step(order: order, range: 0..<7, learningRate: 0.01, step: step)
        }
        trainer.storeFirstLayer()
        weights.append(head.firstWeights)
      }
      XCTAssertEqual(weights[0].count, 32 * 5)
      for (reference, trained) in zip(weights[0], weights[1]) {
        XCTAssertEqual(trained, reference, accuracy: 1e-6, "dense share \(denseShare)")
      }
      XCTAssertNotEqual(weights[1], weights[0].map { _ in 0 })
    }
  }

  /// The register strips and dense tiles: 13 units (a last vector
  /// overlapping the one before it), 210 units (strips of 96, 96 and 18),
  /// over 600 features (dense ones, and sparse ones in more than one block
  /// of 256), against the reference path in the same training order: the
  /// default dense share on one thread and on three (the same weights), all
  /// features dense, all sparse; and the 8-lane kernels against the 16-lane
  /// AVX-512 ones (the same weights; where the processor has AVX-512, which
  /// the training machine has, else both run 8 lanes).
  func testBlockedKernelsMatchPredictionAndTheReferenceGradient() {
    let shape = ActivationShape(height: 1, width: 2, channels: 300)
    let dataset = separableDataset(classCount: 3, perClass: 4, shape: shape)
    let order: [Int32] = [3, 0, 7, 11, 5, 2, 9]
    let layout = TrainingLayout(dataset, scale: 0.02)
    XCTAssertGreaterThan(layout.denseCount, 0)
    XCTAssertGreaterThan(layout.featureCount - layout.denseCount,
                         Int(HEADMATH_FEATURE_BLOCK))
    let share = TrainingLayout.defaultDenseShare
    let wide = shim_cpu_has_avx512_vnni() != 0
    let variants: [(Bool, Double, Int, Bool)] = [
      (true, share, 1, wide), (false, share, 1, wide), (false, share, 3, wide),
      (true, 0, 1, wide), (false, 0, 1, wide), (true, 2, 1, wide), (false, 2, 1, wide),
      (false, share, 2, false)]
    for units in [13, 100, 210] {
      var weights: [[Float]] = []
      for (isReference, denseShare, threads, wideVectors) in variants {
        let head = DenseHead(shape: shape, classCount: 3, units: units, inputScale: 0.02)
        var random = SeededRandom(seed: 5)
        head.initializeWeights(random: &random)
        for index in head.firstBias.indices { head.firstBias[index] = 0.01 }
        var expected = [Float](repeating: 0, count: 3 * order.count)
        for (row, example) in order.enumerated() {
          expected.withUnsafeMutableBufferPointer { buffer in
            _ = head.predict(dataset.activation(at: Int(example)),
                             probabilities: UnsafeMutableBufferPointer(
                               rebasing: buffer[(row * 3)..<(row * 3 + 3)]))
          }
        }
        var trainer = DenseTrainer(head: head, batchCapacity: 7, dataset: dataset,
                                   isReference: isReference, denseShare: denseShare)
        trainer.threadCount = threads
        trainer.wideVectors = wideVectors
        for step in 1...3 {
          _ = trainer.step(order: order, range: 0..<7, learningRate: 0.01, step: step)
          if step == 1 {
            for (found, wanted) in zip(trainer.probabilities, expected) {
              XCTAssertEqual(found, wanted, accuracy: 1e-6, "\(units) units")
            }
          }
        }
        trainer.storeFirstLayer()
        weights.append(head.firstWeights)
      }
      XCTAssertEqual(weights[1], weights[2], "\(units) units: 1 and 3 threads")
      XCTAssertEqual(weights[1], weights[7], "\(units) units: 16 and 8 lanes")
      for (referenceIndex, trainedIndex) in [(0, 1), (0, 2), (3, 4), (5, 6)] {
        for (reference, trained) in zip(weights[referenceIndex], weights[trainedIndex]) {
          XCTAssertEqual(trained, reference, accuracy: 1e-6,
                         "\(units) units, variant \(trainedIndex)")
        }
      }
    }
  }

  /// Training threads start, count the caller as one, run a job on every
  /// thread each time, and stop without hanging, many times over.
  func testTrainingWorkersStartRunAndStop() {
    for _ in 0..<50 {
      let workers = TrainingWorkers(threadCount: 3)
      XCTAssertEqual(workers.count, 3)
    }
    XCTAssertEqual(TrainingWorkers(threadCount: 1).count, 1)
    XCTAssertNil(TrainingWorkers(threadCount: 1).pointer)
  }

  /// Preparing pages keeps what memory holds (a heap block that is reused
  /// is not zero), on one thread and on three, whole pages or not; zeros()
  /// and the row gather write every element.
  func testPreparedMemoryKeepsContentsAndIsFilledWhole() {
    for threads in [1, 3] {
      let workers = TrainingWorkers(threadCount: threads)
      for count in [0, 1, 1000, 300_001] {
        var values = (0..<count).map { Float($0 % 251) + 0.5 }
        let before = values
        values.withUnsafeMutableBytes { bytes in
          headmath_prepare_pages(bytes.baseAddress, Int64(bytes.count), workers.pointer)
        }
        XCTAssertEqual(values, before, "\(threads) threads, \(count) floats")
        XCTAssertEqual(zeros(count, workers: workers), [Float](repeating: 0, count: count))
      }
      let source: [Float] = [0, 1, 10, 11, 20, 21]
      let gathered: [Float] = preparedArray(6, workers: workers) {
        headmath_gather_rows(source, [2, 0, 1], 3, 2, $0.baseAddress, workers.pointer)
      }
      XCTAssertEqual(gathered, [20, 21, 0, 1, 10, 11])
      var scattered = [Float](repeating: -1, count: 6)
      headmath_scatter_rows(gathered, [2, 0, 1], 3, 2, &scattered, workers.pointer)
      XCTAssertEqual(scattered, source)
    }
  }

  func testBatchSizeIsFloorOfExamplesTimesFraction() {
    var settings = HeadSettings()
    XCTAssertEqual(settings.batchSize(exampleCount: 10), 4)
    XCTAssertEqual(settings.batchSize(exampleCount: 2), 0)
    XCTAssertEqual(settings.batchSize(exampleCount: 340), 136)
    settings.batchFraction = 1
    XCTAssertEqual(settings.batchSize(exampleCount: 7), 7)
    settings.batchFraction = 0.25
    XCTAssertEqual(settings.batchSize(exampleCount: 7), 1)
  }

  func testTrainingTakesOneStepPerBatchIncludingTheRemainder() throws {
    let shape = ActivationShape(height: 1, width: 4, channels: 4)
    let dataset = separableDataset(classCount: 2, perClass: 5, shape: shape)
    var settings = HeadSettings()
    settings.epochs = 3
    var seen: [(Int, Int, Int)] = []
    let (_, report) = try DenseHead.train(dataset, settings: settings) {
      seen.append(($0.epoch, $0.batch, $0.batchCount))
    }
    // 10 examples x 0.4 = batches of 4: 4, 4, 2.
    XCTAssertEqual(report.batchSize, 4)
    XCTAssertEqual(report.stepCount, 9)
    XCTAssertEqual(seen.map { $0.1 }, [0, 1, 2, 0, 1, 2, 0, 1, 2])
    XCTAssertEqual(seen.map { $0.0 }, [0, 0, 0, 1, 1, 1, 2, 2, 2])
    XCTAssertEqual(seen[0].2, 3)
  }

  func testTrainRefusesEmptyDataset() {
    let dataset = ActivationDataset(classCount: 4, capacity: 4)
    let error = learningError { _ = try DenseHead.train(dataset, settings: HeadSettings()) }
    XCTAssertEqual(error, .noExamples)
    XCTAssertEqual(error?.message,
                   "no examples to train on (collect some for at least two classes)")
  }

  func testTrainRefusesASingleClass() {
    let dataset = ActivationDataset(classCount: 4, capacity: 10)
    for _ in 0..<10 { add(dataset, [1], label: 2) }
    let error = learningError { _ = try DenseHead.train(dataset, settings: HeadSettings()) }
    XCTAssertEqual(error, .tooFewClasses(classesWithExamples: 1))
    XCTAssertEqual(error?.message, "only 1 class has examples; training needs "
                   + "examples of at least two classes")
  }

  func testTrainRefusesBatchFractionThatRoundsToZero() {
    let dataset = ActivationDataset(classCount: 2, capacity: 2)
    add(dataset, [1], label: 0)
    add(dataset, [2], label: 1)
    let error = learningError { _ = try DenseHead.train(dataset, settings: HeadSettings()) }
    XCTAssertEqual(error, .batchTooSmall(fraction: 0.4, exampleCount: 2))
    XCTAssertEqual(error?.message, "batch fraction 0.4 gives batches of 0 of the 2 "
                   + "examples; use at least 0.5 or train on at least 3 examples")
  }

  /// A caller names the setting as the person set it; other errors pass.
  func testBatchTooSmallNamesTheSettingItsCallerGives() {
    let error = LearningError.batchTooSmall(fraction: 0.001, exampleCount: 322)
      .namingBatchFraction("option --batch-fraction")
    XCTAssertEqual(error.message, "option --batch-fraction 0.001 gives batches of 0 of "
                   + "the 322 examples; use at least 0.0032 or train on at least 1000 examples")
    XCTAssertEqual(LearningError.noExamples.namingBatchFraction("x"), .noExamples)
  }

  /// The advice is the edge of the rule: the fraction, to two significant
  /// digits, gives one example per batch and one step less gives none;
  /// one example fewer than the count gives none.
  func testSmallestBatchFractionAndExampleCountAreTheEdgeOfTheRule() {
    XCTAssertEqual(HeadSettings.smallestBatchFraction(exampleCount: 322), 0.0032)
    XCTAssertEqual(HeadSettings.smallestBatchFraction(exampleCount: 2), 0.5)
    XCTAssertEqual(HeadSettings.smallestBatchFraction(exampleCount: 3), 0.34)
    XCTAssertEqual(HeadSettings.smallestBatchFraction(exampleCount: 1), 1)
    XCTAssertEqual(HeadSettings.smallestBatchFraction(exampleCount: 100), 0.01)
    XCTAssertEqual(HeadSettings.smallestExampleCount(batchFraction: 0.4), 3)
    XCTAssertEqual(HeadSettings.smallestExampleCount(batchFraction: 0.001), 1000)
    XCTAssertEqual(HeadSettings.smallestExampleCount(batchFraction: 0.000001), 1_000_000)
    XCTAssertEqual(HeadSettings.smallestExampleCount(batchFraction: 1), 1)
    var settings = HeadSettings()
    for count in [1, 2, 3, 5, 10, 99, 100, 101, 322, 999, 1000, 1001, 20_000] {
      let fraction = HeadSettings.smallestBatchFraction(exampleCount: count)
      settings.batchFraction = fraction
      XCTAssertEqual(settings.batchSize(exampleCount: count), 1, "\(count)")
      var scale = 10.0
      while scale / Double(count) < 10 { scale *= 10 }
      settings.batchFraction = fraction - 1 / scale
      XCTAssertEqual(settings.batchSize(exampleCount: count), 0, "\(count)")
    }
    for fraction in [0.4, 0.25, 0.1, 0.3, 0.7, 0.01, 0.0032, 0.001, 0.000_001, 1.0 / 3] {
      let count = HeadSettings.smallestExampleCount(batchFraction: fraction)
      settings.batchFraction = fraction
      XCTAssertEqual(settings.batchSize(exampleCount: count), 1, "\(fraction)")
      XCTAssertEqual(settings.batchSize(exampleCount: count - 1), 0, "\(fraction)")
    }
  }

  func testTrainRefusesBadSettings() {
    let dataset = separableDataset(classCount: 2, perClass: 5,
                                   shape: ActivationShape(height: 1, width: 1, channels: 8))
    var settings = HeadSettings()
    settings.units = 0
    XCTAssertEqual(learningError { _ = try DenseHead.train(dataset, settings: settings) },
                   .invalidSetting(name: "units", value: "0", allowed: "1 to 4096"))
    settings = HeadSettings()
    settings.batchFraction = 1.5
    XCTAssertEqual(learningError { _ = try DenseHead.train(dataset, settings: settings) }?
                   .message, "batch fraction 1.5000 is not allowed: expected more "
                   + "than 0 and at most 1")
  }

  func testTrainWarnsAboutSmallClassesAndNothingLearned() throws {
    // Both classes look the same: the loss cannot drop below ln 2.
    let shape = ActivationShape(height: 1, width: 1, channels: 8)
    let dataset = ActivationDataset(shape: shape, classCount: 3, capacity: 13)
    for index in 0..<13 { add(dataset, [9, 9, 9], label: index < 10 ? index % 2 : 2) }
    var settings = HeadSettings()
    settings.epochs = 2
    let (_, report) = try DenseHead.train(dataset, settings: settings)

    XCTAssertEqual(report.warnings.first, .fewExamples(label: 2, count: 3))
    XCTAssertEqual(report.warnings.count, 2)
    guard case .learnedNothing(let finalLoss, let chanceLoss)? = report.warnings.last else {
      return XCTFail("expected the learned-nothing warning, got \(report.warnings)")
    }
    XCTAssertEqual(chanceLoss, Float(log(3.0)), accuracy: 1e-6)
    XCTAssertGreaterThan(finalLoss, 0.9 * chanceLoss)
  }

  func testSameSeedTrainsTheSameWeightsAndAnotherSeedDoesNot() throws {
    let shape = ActivationShape(height: 2, width: 2, channels: 16)
    let dataset = separableDataset(classCount: 3, perClass: 6, shape: shape)
    var settings = HeadSettings()
    settings.epochs = 4
    settings.units = 8
    let (first, firstReport) = try DenseHead.train(dataset, settings: settings)
    let (second, secondReport) = try DenseHead.train(dataset, settings: settings)
    XCTAssertEqual(first.firstWeights, second.firstWeights)
    XCTAssertEqual(first.secondWeights, second.secondWeights)
    XCTAssertEqual(firstReport.finalLoss, secondReport.finalLoss)

    settings.seed = 2
    let (third, _) = try DenseHead.train(dataset, settings: settings)
    XCTAssertNotEqual(first.firstWeights, third.firstWeights)
  }

  func testDenseHeadLearnsSeparableClasses() throws {
    let dataset = separableDataset(classCount: 4, perClass: 20)
    let settings = HeadSettings()
    var losses: [Float] = []
    let (head, report) = try Head.make(
      from: dataset, classNames: ["0", "1", "2", "5"], settings: settings) {
        losses.append($0.loss)
      }
    XCTAssertEqual(losses.count, 20 * 3)
    XCTAssertLessThan(report.finalLoss, losses[0] / 2)
    XCTAssertEqual(report.warnings, [])
    XCTAssertEqual(predictions(head, dataset), (0..<80).map { $0 % 4 })
  }

  /// A unit normal cut at two deviations: deviation 0.87963, 71.53 % of
  /// draws within one deviation, none beyond two; the same seed gives the
  /// same draws.
  func testTruncatedNormalDrawsHaveTheCutNormalsMoments() {
    var random = SeededRandom(seed: 11)
    var draws = [Float](repeating: 0, count: 200_000)
    random.fillTruncatedNormal(&draws, deviation: 1)
    let values = draws.map(Double.init)
    let mean = values.reduce(0, +) / Double(values.count)
    let deviation = (values.map { $0 * $0 }.reduce(0, +) / Double(values.count))
      .squareRoot()
    let withinOne = Double(values.filter { abs($0) < 1 }.count) / Double(values.count)
    XCTAssertEqual(mean, 0, accuracy: 0.005)
    XCTAssertEqual(deviation, 0.879_625_66, accuracy: 0.003)
    XCTAssertEqual(withinOne, 0.6827 / 0.9545, accuracy: 0.004)
    XCTAssertLessThanOrEqual(values.map(abs).max() ?? 3, 2)

    var again = SeededRandom(seed: 11)
    var repeated = [Float](repeating: 0, count: 1000)
    again.fillTruncatedNormal(&repeated, deviation: 1)
    XCTAssertEqual(repeated, Array(draws[0..<1000]))
  }

  /// On training's threads (chunks made in parallel, kept in order) the
  /// draws are the same, and the stream is left where the one-chunk fill
  /// leaves it, for fills of one chunk, of less than a batch of chunks,
  /// and of several batches.
  func testTruncatedNormalDrawsOnThreadsAreTheSameAndLeaveTheStreamAlike() {
    let workers = TrainingWorkers(threadCount: 3)
    for count in [0, 5, 1000, 40_000, 70_001] {
      var alone = SeededRandom(seed: 4)
      var shared = SeededRandom(seed: 4)
      var expected = [Float](repeating: 0, count: count)
      var drawn = [Float](repeating: 0, count: count)
      alone.fillTruncatedNormal(&expected, deviation: 0.5)
      shared.fillTruncatedNormal(&drawn, deviation: 0.5, workers: workers)
      XCTAssertEqual(drawn, expected, "\(count) draws")
      XCTAssertEqual(shared.next(), alone.next(), "the stream after \(count) draws")
    }
  }

  func testVarianceScalingInitialDeviation() {
    let head = DenseHead(shape: .mobileNetCut, classCount: 4, units: 100)
    var random = SeededRandom(seed: 1)
    head.initializeWeights(random: &random)
    let weights = head.firstWeights.map(Double.init)
    let deviation = (weights.map { $0 * $0 }.reduce(0, +) / Double(weights.count))
      .squareRoot()
    // Keras's truncated variance scaling keeps the deviation at sqrt(1/fanIn).
    XCTAssertEqual(deviation, (1.0 / 12_544).squareRoot(), accuracy: 1e-4)
    let limit = 2 * (1.0 / 12_544).squareRoot() / 0.879_625_661_034_239_78
    XCTAssertLessThanOrEqual(weights.map(abs).max() ?? 0, limit * 1.000_001)
    XCTAssertEqual(head.firstBias, [Float](repeating: 0, count: 100))
  }

  private func assertEqual(
    _ actual: [Float], _ expected: [Float], file: StaticString = #filePath,
    line: UInt = #line
  ) {
    XCTAssertEqual(actual.count, expected.count, file: file, line: line)
    for (found, wanted) in zip(actual, expected) {
      XCTAssertEqual(found, wanted, accuracy: 1e-5, file: file, line: line)
    }
  }
}
