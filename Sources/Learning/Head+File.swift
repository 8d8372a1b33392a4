/// The head file, inside the `BinaryFile` envelope (magic "TPHD"), all
/// little-endian:
///
///     kind                          u32 (0 dense, 1 knn)
///     height, width, channels       u32 each
///     input scale                   f32
///     class count                   u32
///     class names                   class count x (u32 length, UTF-8)
///     units, epochs                 u32 each
///     learning rate, batch fraction f64 each
///     seed                          u64
///     k                             u32
///     dense: first weights (features x units), first bias (units),
///            second weights (units x classes), f32 each
///     knn:   example count u32, labels (1 byte each), activations
extension Head {
  static let fileMagic: StaticString = "TPHD"

  /// Throws what `save(path:)` would refuse at `path` (something there that
  /// is not a head file), so a command can refuse before a long fit.
  public static func checkReplaceable(path: String) throws(LearningError) {
    try BinaryFile.checkReplaceable(path: path, magic: fileMagic)
  }
  static let fileVersion = 1

  /// Writes the head crash-safely to `path`.
  public func save(path: String) throws(LearningError) {
    var writer = BinaryFile.begin(magic: Self.fileMagic, version: Self.fileVersion)
    writer.append(UInt32(kind.rawValue))
    writer.append(UInt32(shape.height))
    writer.append(UInt32(shape.width))
    writer.append(UInt32(shape.channels))
    switch model {
    case .dense(let head): writer.append(head.inputScale)
    case .nearestNeighbors: writer.append(ActivationShape.mobileNetCutScale)
    }
    writer.append(UInt32(classCount))
    for name in classNames { writer.append(name) }
    writer.append(UInt32(settings.units))
    writer.append(UInt32(settings.epochs))
    writer.append(settings.learningRate)
    writer.append(settings.batchFraction)
    writer.append(settings.seed)
    writer.append(UInt32(settings.neighborCount))

    switch model {
    case .dense(let head):
      head.firstWeights.withUnsafeBufferPointer { writer.append(floats: $0) }
      head.firstBias.withUnsafeBufferPointer { writer.append(floats: $0) }
      head.secondWeights.withUnsafeBufferPointer { writer.append(floats: $0) }
    case .nearestNeighbors(let head):
      writer.append(UInt32(head.exampleCount))
      head.labels.withUnsafeBytes { writer.append(bytes: $0) }
      head.examples.withUnsafeBytes { writer.append(bytes: $0) }
    }
    try BinaryFile.finish(&writer, path: path, magic: Self.fileMagic)
  }

  /// Reads a head. Throws when the file is foreign or damaged (moving it
  /// aside unless `movingDamagedFilesAside` is false, for readers that
  /// never write it back), or when it was made for another shape or, if
  /// given, another class count.
  public static func load(
    path: String, expectedShape: ActivationShape = .mobileNetCut,
    expectedClassCount: Int? = nil, movingDamagedFilesAside: Bool = true
  ) throws(LearningError) -> Head {
    var reader = try BinaryFile.open(
      path: path, magic: fileMagic, version: fileVersion,
      damage: movingDamagedFilesAside ? .moveAside : .leaveInPlace)

    let kindValue = try reader.uint32()
    guard kindValue <= 255, let kind = HeadKind(rawValue: UInt8(kindValue)) else {
      throw .damagedFile(path: path, reason: "unknown head kind \(kindValue)",
                         movedTo: try reader.setAside())
    }
    let shape = ActivationShape(
      height: Int(try reader.uint32()), width: Int(try reader.uint32()),
      channels: Int(try reader.uint32()))
    guard shape == expectedShape else {
      throw .shapeMismatch(path: path, expected: expectedShape.text, found: shape.text,
                           movedTo: try reader.setAsideUnused())
    }
    let inputScale = try reader.float()
    let classCount = Int(try reader.uint32())
    guard classCount >= 2 && classCount <= 255 else {
      throw .damagedFile(path: path, reason: "class count \(classCount)",
                         movedTo: try reader.setAside())
    }
    if let expectedClassCount, expectedClassCount != classCount {
      throw .classCountMismatch(path: path, expected: expectedClassCount, found: classCount,
                                movedTo: try reader.setAsideUnused())
    }
    var classNames: [String] = []
    for _ in 0..<classCount { classNames.append(try reader.string()) }
    if let problem = Head.classNameProblem(classNames) {
      throw .damagedFile(path: path, reason: problem, movedTo: try reader.setAside())
    }
    guard inputScale.isFinite && inputScale > 0 else {
      throw .damagedFile(path: path, reason: "an input scale that is not a positive number",
                         movedTo: try reader.setAside())
    }

    var settings = HeadSettings()
    settings.kind = kind
    settings.units = Int(try reader.uint32())
    settings.epochs = Int(try reader.uint32())
    settings.learningRate = try reader.double()
    settings.batchFraction = try reader.double()
    settings.seed = try reader.uint64()
    settings.neighborCount = Int(try reader.uint32())
    do {
      try settings.validate()
    } catch {
      throw .damagedFile(path: path, reason: error.message,
                         movedTo: try reader.setAside())
    }

    let model: Model
    switch kind {
    case .dense:
      let head = DenseHead(shape: shape, classCount: classCount,
                           units: settings.units, inputScale: inputScale)
      try head.firstWeights.withUnsafeMutableBufferPointer { (buffer) throws(LearningError) in
        try reader.floats(into: buffer)
      }
      try head.firstBias.withUnsafeMutableBufferPointer { (buffer) throws(LearningError) in
        try reader.floats(into: buffer)
      }
      try head.secondWeights.withUnsafeMutableBufferPointer { (buffer) throws(LearningError) in
        try reader.floats(into: buffer)
      }
      guard head.firstWeights.allSatisfy({ $0.isFinite })
        && head.firstBias.allSatisfy({ $0.isFinite })
        && head.secondWeights.allSatisfy({ $0.isFinite }) else {
        throw .damagedFile(path: path, reason: "weights that are not numbers or infinite",
                           movedTo: try reader.setAside())
      }
      model = .dense(head)
    case .nearestNeighbors:
      let exampleCount = Int(try reader.uint32())
      guard exampleCount > 0 else {
        throw .damagedFile(path: path, reason: "a kNN head without examples",
                           movedTo: try reader.setAside())
      }
      let labelStart = try reader.claim(exampleCount)
      let labels = Array(reader.bytes[labelStart..<(labelStart + exampleCount)])
      for label in labels where Int(label) >= classCount {
        throw .damagedFile(path: path, reason: "label \(label) is not below \(classCount)",
                           movedTo: try reader.setAside())
      }
      let exampleStart = try reader.claim(exampleCount * shape.byteCount)
      let examples = Array(
        reader.bytes[exampleStart..<(exampleStart + exampleCount * shape.byteCount)])
      model = .nearestNeighbors(NearestNeighborHead(
        shape: shape, classCount: classCount, neighborCount: settings.neighborCount,
        examples: examples, labels: labels))
    }
    try reader.expectEnd()
    return Head(model: model, classNames: classNames, settings: settings)
  }
}

extension Head {
  /// What is wrong with these class names for a head, or nil: each must be
  /// non-empty, printable (no control characters, which a terminal or the
  /// serial line would act on) and different from the others.
  public static func classNameProblem(_ names: [String]) -> String? {
    for (index, name) in names.enumerated() {
      guard !name.isEmpty else { return "class \(index) has an empty name" }
      if name.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
        return "class \(index)'s name has control characters"
      }
      if names[..<index].contains(name) {
        return "class name \(name) is given twice"
      }
    }
    return nil
  }
}
