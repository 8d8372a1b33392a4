/// The examples the player collected: uint8 activations and their labels,
/// in memory reserved once at start for `capacity` examples, so collecting
/// never allocates and never runs out halfway through a frame.
public final class ActivationDataset {
  public let shape: ActivationShape
  public let classCount: Int
  public let capacity: Int
  public private(set) var count = 0

  private let activations: UnsafeMutablePointer<UInt8>
  private let labels: UnsafeMutablePointer<UInt8>
  private let counts: UnsafeMutablePointer<Int>

  /// The default: 2,000 examples, about 25 MB at 7x7x256.
  public static let defaultCapacity = 2_000

  public init(
    shape: ActivationShape = .mobileNetCut, classCount: Int,
    capacity: Int = defaultCapacity
  ) {
    precondition(classCount >= 1 && classCount <= 255,
                 "ActivationDataset: classCount \(classCount) not in 1...255")
    precondition(capacity >= 0, "ActivationDataset: capacity \(capacity) < 0")
    self.shape = shape
    self.classCount = classCount
    self.capacity = capacity

    // Touch every page now so the memory is really ours from the start.
    activations = .allocate(capacity: max(1, capacity * shape.byteCount))
    activations.initialize(repeating: 0, count: max(1, capacity * shape.byteCount))
    labels = .allocate(capacity: max(1, capacity))
    labels.initialize(repeating: 0, count: max(1, capacity))
    counts = .allocate(capacity: classCount)
    counts.initialize(repeating: 0, count: classCount)
  }

  deinit {
    activations.deallocate()
    labels.deallocate()
    counts.deallocate()
  }

  public var isEmpty: Bool { count == 0 }
  public var isFull: Bool { count == capacity }
  public var freeCapacity: Int { capacity - count }

  /// How many examples `label` has.
  public func count(ofClass label: Int) -> Int {
    precondition(label >= 0 && label < classCount,
                 "ActivationDataset.count(ofClass:): \(label) not in 0..<\(classCount)")
    return counts[label]
  }

  /// How many classes have at least one example.
  public var classesWithExamples: Int {
    var found = 0
    for label in 0..<classCount where counts[label] > 0 { found += 1 }
    return found
  }

  /// Adds one example. Throws when full or when the activation or label
  /// does not fit this dataset.
  public func append(
    _ activation: UnsafeBufferPointer<UInt8>, label: Int
  ) throws(LearningError) {
    guard activation.count == shape.byteCount else {
      throw .wrongActivationSize(expected: shape.byteCount, got: activation.count)
    }
    guard label >= 0 && label < classCount else {
      throw .labelOutOfRange(label: label, classCount: classCount)
    }
    guard !isFull else { throw .datasetFull(capacity: capacity) }

    if let source = activation.baseAddress {
      (activations + count * shape.byteCount)
        .update(from: source, count: shape.byteCount)
    }
    labels[count] = UInt8(label)
    counts[label] += 1
    count += 1
  }

  /// Example `index`'s activation, valid until the dataset changes.
  public func activation(at index: Int) -> UnsafeBufferPointer<UInt8> {
    precondition(index >= 0 && index < count,
                 "ActivationDataset.activation(at:): \(index) not in 0..<\(count)")
    return UnsafeBufferPointer(
      start: activations + index * shape.byteCount, count: shape.byteCount)
  }

  public func label(at index: Int) -> Int {
    precondition(index >= 0 && index < count,
                 "ActivationDataset.label(at:): \(index) not in 0..<\(count)")
    return Int(labels[index])
  }

  /// Forgets every example; the memory stays reserved.
  public func clear() {
    count = 0
    counts.update(repeating: 0, count: classCount)
  }

  /// Removes the last `exampleCount` examples (fewer if there are fewer)
  /// and returns how many went.
  @discardableResult
  public func undoLast(_ exampleCount: Int) -> Int {
    precondition(exampleCount >= 0, "ActivationDataset.undoLast: \(exampleCount) < 0")
    let removed = min(exampleCount, count)
    for _ in 0..<removed {
      count -= 1
      counts[Int(labels[count])] -= 1
    }
    return removed
  }

  /// All labels in order, for saving.
  var labelBytes: UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: labels, count: count)
  }

  var activationBytes: UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: activations, count: count * shape.byteCount)
  }
}
