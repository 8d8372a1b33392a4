import HeadMath

/// A dataset's activations as training reads them (see
/// `headmath_training_batch`), made once per training run: the features
/// that at least `denseShare` of the examples have are held densely and go
/// through dense kernels; the other active features are sparse rows in
/// blocks; features no example has are left out, since their gradient,
/// moments and so their Adam steps stay zero. The first layer trains on
/// its weight rows in this order (`order`) and is copied back at the end.
struct TrainingLayout {
  /// A feature that this share of the examples has costs less in the dense
  /// kernels than as sparse entries (measured on the development machine).
  static let defaultDenseShare = 0.35

  /// Training row -> feature of the activation.
  let order: [Int32]
  let denseCount: Int
  /// Rows in training: the active features.
  var featureCount: Int { order.count }
  /// denseCount bytes per example.
  let denseBytes: [UInt8]
  /// Per example, where each sparse block's entries start (blockCount + 1).
  let blockStarts: [Int32]
  let features: [UInt16]
  let values: [Float]
  let scale: Float

  init(_ dataset: ActivationDataset, scale: Float,
       denseShare: Double = TrainingLayout.defaultDenseShare,
       workers: TrainingWorkers? = nil) {
    let (order, denseCount) = Self.trainingOrder(dataset, denseShare: denseShare)
    let featureTotal = dataset.shape.byteCount
    var rows = [Int32](repeating: -1, count: featureTotal)
    for (row, feature) in order.enumerated() { rows[Int(feature)] = Int32(row) }

    // Count each example's sparse entries, then fill everything in place.
    let activations = dataset.activationBytes.baseAddress
    let count = Int32(dataset.count)
    var entryCounts = [Int32](repeating: 0, count: dataset.count)
    headmath_layout_count(activations, count, Int32(featureTotal), rows, Int32(denseCount),
                          &entryCounts, workers?.pointer)
    var firstEntries = [Int32](repeating: 0, count: dataset.count + 1)
    for index in 0..<dataset.count {
      firstEntries[index + 1] = firstEntries[index] + entryCounts[index]
    }
    let entryCount = Int(firstEntries[dataset.count])
    let blockCount = (order.count - denseCount + Int(HEADMATH_FEATURE_BLOCK) - 1)
      / Int(HEADMATH_FEATURE_BLOCK)
    // headmath_layout_fill writes every element of the four arrays.
    var features: [UInt16] = []
    var values: [Float] = []
    var blockStarts: [Int32] = []
    denseBytes = preparedArray(dataset.count * denseCount, workers: workers) { denseBytes in
      features = preparedArray(entryCount, workers: workers) { features in
        values = preparedArray(entryCount, workers: workers) { values in
          blockStarts = preparedArray(dataset.count * (blockCount + 1), workers: workers) {
            headmath_layout_fill(
              activations, count, Int32(featureTotal), rows, Int32(denseCount),
              Int32(order.count), scale, firstEntries, denseBytes.baseAddress,
              features.baseAddress, values.baseAddress, $0.baseAddress, workers?.pointer)
          }
        }
      }
    }

    self.order = order
    self.denseCount = denseCount
    self.blockStarts = blockStarts
    self.features = features
    self.values = values
    self.scale = scale
  }

  /// The training order of the dataset's active features: those at least
  /// `denseShare` of the examples have, then the others, each group in
  /// feature order.
  static func trainingOrder(
    _ dataset: ActivationDataset, denseShare: Double
  ) -> (order: [Int32], denseCount: Int) {
    var counts = [Int32](repeating: 0, count: dataset.shape.byteCount)
    for index in 0..<dataset.count {
      headmath_count_nonzero(dataset.activation(at: index).baseAddress,
                             Int32(counts.count), &counts)
    }

    let denseMinimum = denseShare * Double(dataset.count)
    var order: [Int32] = []
    for (feature, count) in counts.enumerated()
    where count > 0 && Double(count) >= denseMinimum {
      order.append(Int32(feature))
    }
    let denseCount = order.count
    for (feature, count) in counts.enumerated()
    where count > 0 && Double(count) < denseMinimum {
      order.append(Int32(feature))
    }
    return (order, denseCount)
  }

  /// Calls `body` with the batch of examples `selection[range]`.
  func withBatch<Result>(
    _ selection: [Int32], range: Range<Int>, wideVectors: Bool,
    _ body: (inout headmath_training_batch) -> Result
  ) -> Result {
    denseBytes.withUnsafeBufferPointer { dense in
      blockStarts.withUnsafeBufferPointer { starts in
        features.withUnsafeBufferPointer { features in
          values.withUnsafeBufferPointer { values in
            selection.withUnsafeBufferPointer { selected in
              var batch = headmath_training_batch(
                dense_count: Int32(denseCount), feature_count: Int32(featureCount),
                dense_bytes: dense.baseAddress, scale: scale,
                block_starts: starts.baseAddress, features: features.baseAddress,
                values: values.baseAddress,
                selection: selected.baseAddress.map { $0 + range.lowerBound },
                selection_count: Int32(range.count),
                wide_vectors: wideVectors ? 1 : 0)
              return body(&batch)
            }
          }
        }
      }
    }
  }
}
