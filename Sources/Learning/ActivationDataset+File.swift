/// The dataset file, inside the `BinaryFile` envelope (magic "TPDS"):
///
///     height, width, channels, classCount, exampleCount   u32 each
///     labels        exampleCount bytes
///     activations   exampleCount x height*width*channels bytes
extension ActivationDataset {
  static let fileMagic: StaticString = "TPDS"
  static let fileVersion = 1

  /// Throws what `save(path:)` would refuse at `path`.
  public static func checkReplaceable(path: String) throws(LearningError) {
    try BinaryFile.checkReplaceable(path: path, magic: fileMagic)
  }

  /// Writes the dataset crash-safely to `path`.
  public func save(path: String) throws(LearningError) {
    var writer = BinaryFile.begin(magic: Self.fileMagic, version: Self.fileVersion)
    writer.bytes.reserveCapacity(32 + count * (shape.byteCount + 1))
    writer.append(UInt32(shape.height))
    writer.append(UInt32(shape.width))
    writer.append(UInt32(shape.channels))
    writer.append(UInt32(classCount))
    writer.append(UInt32(count))
    writer.append(bytes: UnsafeRawBufferPointer(labelBytes))
    writer.append(bytes: UnsafeRawBufferPointer(activationBytes))
    try BinaryFile.finish(&writer, path: path, magic: Self.fileMagic)
  }

  /// Replaces the examples with those saved at `path`. A foreign or damaged
  /// file is moved aside as `.damaged`, a sound one this dataset cannot
  /// hold (another shape or class count, more examples than its capacity)
  /// as `.unused`, and reported, so the next save cannot replace it. On any
  /// error the dataset is empty.
  public func load(path: String) throws(LearningError) {
    clear()
    var reader = try BinaryFile.open(
      path: path, magic: Self.fileMagic, version: Self.fileVersion)

    let found = ActivationShape(
      height: Int(try reader.uint32()), width: Int(try reader.uint32()),
      channels: Int(try reader.uint32()))
    let foundClassCount = Int(try reader.uint32())
    let exampleCount = Int(try reader.uint32())
    let labelStart = try reader.claim(exampleCount)
    let labels = reader.bytes[labelStart..<(labelStart + exampleCount)]
    let activationStart = reader.offset
    guard let activationBytes = found.byteCount(activations: exampleCount) else {
      throw .damagedFile(path: path, reason: "\(exampleCount) activations of shape "
        + "\(found.text) are more bytes than a file holds", movedTo: try reader.setAside())
    }
    _ = try reader.claim(activationBytes)
    try reader.expectEnd()

    // A sound file, checked whole first, that this dataset cannot hold.
    guard found == shape else {
      throw .shapeMismatch(path: path, expected: shape.text, found: found.text,
                           movedTo: try reader.setAsideUnused())
    }
    guard foundClassCount == classCount else {
      throw .classCountMismatch(path: path, expected: classCount, found: foundClassCount,
                                movedTo: try reader.setAsideUnused())
    }
    guard exampleCount <= capacity else {
      throw .datasetTooLarge(path: path, exampleCount: exampleCount, capacity: capacity,
                             movedTo: try reader.setAsideUnused())
    }
    for label in labels where Int(label) >= classCount {
      throw .damagedFile(path: path, reason: "label \(label) is not below \(classCount)",
                         movedTo: try reader.setAside())
    }

    reader.bytes.withUnsafeBufferPointer { all in
      for index in 0..<exampleCount {
        let start = activationStart + index * shape.byteCount
        let activation = UnsafeBufferPointer(rebasing: all[start..<(start + shape.byteCount)])
        // Sizes and labels were checked above, so this cannot throw.
        try? append(activation, label: Int(labels[labelStart + index]))
      }
    }
  }
}
