/// The parts of a `.tflite` file the engine uses, copied out of the
/// FlatBuffer into plain values. Anything after the FlatBuffer (Google's
/// files append a zip with the labels) is simply never referenced.
public struct ModelFile {
  public struct Tensor {
    public let index: Int
    public let name: String
    public let type: ElementType
    public let shape: [Int]
    /// Index into `buffers`; buffer 0 is the empty sentinel.
    public let buffer: Int
    /// Per-tensor quantization, or nil when the tensor has none.
    public let scale: Float?
    public let zeroPoint: Int?
    /// How many scales the file gave (more than 1 is per-channel).
    public let scaleCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
  }

  public struct Operator {
    public let index: Int
    public let code: BuiltinOperator
    public let inputs: [Int]
    public let outputs: [Int]
    public let options: OperatorOptions
  }

  public let version: Int
  public let description: String
  public let tensors: [Tensor]
  public let operators: [Operator]
  public let inputs: [Int]
  public let outputs: [Int]
  /// Where each buffer's constant data lies in `bytes` (empty for
  /// activations). Kept as ranges so parsing copies nothing.
  public let buffers: [Range<Int>]
  /// The whole file.
  public let bytes: [UInt8]

  /// A buffer's constant bytes.
  public func data(ofBuffer index: Int) -> ArraySlice<UInt8> {
    guard index >= 0 && index < buffers.count else { return [] }
    return bytes[buffers[index]]
  }

  /// Parses a whole `.tflite` file. Throws a `ModelError` naming the
  /// offset, tensor or operator at fault; never traps.
  public init(bytes: [UInt8]) throws(ModelError) {
    var result: Result<ModelFile, ModelError>
    result = bytes.withUnsafeBytes { raw in
      do throws(ModelError) {
        return .success(try ModelFile(buffer: FlatBuffer(bytes: raw), file: bytes))
      } catch {
        return .failure(error)
      }
    }
    self = try result.get()
  }

  private init(buffer: FlatBuffer, file: [UInt8]) throws(ModelError) {
    bytes = file
    guard buffer.size >= 8 else {
      throw .truncated(what: "file header", offset: 0, needed: 8,
                       fileSize: buffer.size)
    }
    let identifier = (4..<8).map { buffer.bytes[$0] }
    guard identifier == Array("TFL3".utf8) else {
      throw .malformed(what: "file header",
                       detail: "no 'TFL3' identifier at byte 4 (not a .tflite file)")
    }
    let model = try buffer.rootTable()
    version = Int(try model.u32(0, default: 0))
    description = try model.string(3, "model description") ?? ""

    let codes = try ModelFile.operatorCodes(model)
    buffers = try ModelFile.buffers(model, file: buffer)

    guard let subgraphs = try model.vector(2, elementSize: 4, "subgraphs"),
          subgraphs.count >= 1 else {
      throw .malformed(what: "model", detail: "no subgraph")
    }
    let graph = try subgraphs.table(0)
    tensors = try ModelFile.tensors(graph, bufferCount: buffers.count)
    inputs = try graph.vector(1, elementSize: 4, "subgraph inputs")?
      .int32Array() ?? []
    outputs = try graph.vector(2, elementSize: 4, "subgraph outputs")?
      .int32Array() ?? []
    for tensor in inputs + outputs where !(0..<tensors.count).contains(tensor) {
      throw .malformed(what: "subgraph", detail: "input or output tensor "
                       + "\(tensor) out of range 0..<\(tensors.count)")
    }
    operators = try ModelFile.operators(graph, codes: codes,
                                        tensorCount: tensors.count)
  }

  public func tensorIndex(named name: String) -> Int? {
    tensors.firstIndex { $0.name == name }
  }

  private static func operatorCodes(_ model: Table) throws(ModelError)
    -> [BuiltinOperator]
  {
    guard let vector = try model.vector(1, elementSize: 4, "operator codes")
    else { return [] }
    var codes: [BuiltinOperator] = []
    for index in 0..<vector.count {
      let code = try vector.table(index)
      // Files written before code 127 keep the code in the byte-wide field
      // 0; newer ones in field 3. TFLite takes the larger of the two.
      let deprecated = Int32(Int8(bitPattern: try code.u8(0, default: 0)))
      let current = try code.i32(3, default: 0)
      codes.append(BuiltinOperator(code: Int(max(deprecated, current))))
    }
    return codes
  }

  private static func buffers(_ model: Table, file: FlatBuffer)
    throws(ModelError) -> [Range<Int>]
  {
    guard let vector = try model.vector(4, elementSize: 4, "buffers") else {
      return []
    }
    var buffers: [Range<Int>] = []
    buffers.reserveCapacity(vector.count)
    for index in 0..<vector.count {
      let table = try vector.table(index)
      if let data = try table.vector(0, elementSize: 1, "buffer \(index) data") {
        buffers.append(data.start..<data.start + data.count)
        continue
      }
      // Large models keep data outside the FlatBuffer: offset and size
      // from the start of the file.
      let offset = try table.u64(1, default: 0)
      let size = try table.u64(2, default: 0)
      guard offset > 1, size > 0 else {
        buffers.append(0..<0)
        continue
      }
      guard offset <= UInt64(file.size), size <= UInt64(file.size) - offset
      else {
        throw .truncated(what: "buffer \(index) data",
                         offset: Int(clamping: offset),
                         needed: Int(clamping: size), fileSize: file.size)
      }
      let start = Int(offset)
      buffers.append(start..<start + Int(size))
    }
    return buffers
  }

  private static func tensors(_ graph: Table, bufferCount: Int)
    throws(ModelError) -> [Tensor]
  {
    guard let vector = try graph.vector(0, elementSize: 4, "tensors") else {
      return []
    }
    var tensors: [Tensor] = []
    tensors.reserveCapacity(vector.count)
    for index in 0..<vector.count {
      let table = try vector.table(index)
      let name = try table.string(3, "tensor \(index) name") ?? ""
      let shape = try table.vector(0, elementSize: 4, "tensor \(index) shape")?
        .int32Array() ?? []
      var elements = 1
      for extent in shape {
        guard extent >= 0 && extent <= 1 << 24 else {
          throw .unsupportedTensor(index: index, name: name,
                                   detail: "dimension \(extent) in its shape")
        }
        elements *= extent
        guard elements <= 1 << 30 else {
          throw .unsupportedTensor(index: index, name: name, detail:
            "shape \(shapeText(shape)) holds more than 2^30 elements")
        }
      }
      let buffer = Int(try table.u32(2, default: 0))
      guard bufferCount == 0 || buffer < bufferCount else {
        throw .malformed(what: "tensor \(index) '\(name)'",
                         detail: "buffer \(buffer) out of range 0..<\(bufferCount)")
      }
      var scale: Float? = nil
      var zeroPoint: Int? = nil
      var scaleCount = 0
      if let quantization = try table.table(4, "tensor \(index) quantization") {
        if let scales = try quantization.vector(
          2, elementSize: 4, "tensor \(index) scales"), scales.count > 0 {
          scaleCount = scales.count
          scale = try scales.f32(0)
        }
        if let points = try quantization.vector(
          3, elementSize: 8, "tensor \(index) zero points"), points.count > 0 {
          zeroPoint = Int(clamping: try points.i64(0))
        }
      }
      let rawType = Int(try table.u8(1, default: 0))
      tensors.append(Tensor(
        index: index, name: name, type: ElementType(code: rawType),
        shape: shape, buffer: buffer, scale: scale,
        zeroPoint: scale == nil ? nil : (zeroPoint ?? 0),
        scaleCount: scaleCount))
    }
    return tensors
  }

  private static func operators(
    _ graph: Table, codes: [BuiltinOperator], tensorCount: Int
  ) throws(ModelError) -> [Operator] {
    guard let vector = try graph.vector(3, elementSize: 4, "operators") else {
      return []
    }
    var operators: [Operator] = []
    operators.reserveCapacity(vector.count)
    for index in 0..<vector.count {
      let table = try vector.table(index)
      let codeIndex = Int(try table.u32(0, default: 0))
      guard codeIndex < codes.count else {
        throw .malformed(what: "operator \(index)", detail:
          "operator code \(codeIndex) out of range 0..<\(codes.count)")
      }
      let code = codes[codeIndex]
      let inputs = try table.vector(1, elementSize: 4,
                                    "operator \(index) inputs")?.int32Array() ?? []
      let outputs = try table.vector(2, elementSize: 4,
                                     "operator \(index) outputs")?.int32Array() ?? []
      for tensor in inputs + outputs where tensor >= tensorCount || tensor < -1 {
        throw .malformed(what: "operator \(index) (\(code.name))", detail:
          "tensor \(tensor) out of range 0..<\(tensorCount)")
      }
      let options = try OperatorOptions(
        code: code, table: try table.table(4, "operator \(index) options"),
        operatorIndex: index)
      operators.append(Operator(index: index, code: code, inputs: inputs,
                                outputs: outputs, options: options))
    }
    return operators
  }
}
