/// Bounds-checked reading of a FlatBuffers byte buffer, the container of
/// `.tflite` files. Every read checks its range first and throws
/// `ModelError.truncated` or `.malformed` instead of trapping, so a damaged
/// file can never crash the program.
///
/// Layout reminders: a table starts with an int32 distance back to its
/// vtable; the vtable holds uint16 sizes then one uint16 offset per field
/// (0 = absent). References to tables, vectors and strings are uint32
/// offsets relative to where the reference itself is stored.
struct FlatBuffer {
  let bytes: UnsafeRawBufferPointer

  var size: Int { bytes.count }

  func require(_ offset: Int, _ count: Int, _ what: String) throws(ModelError) {
    guard offset >= 0, count >= 0, offset <= size - count else {
      throw .truncated(what: what, offset: offset, needed: count, fileSize: size)
    }
  }

  func u8(at offset: Int, _ what: String) throws(ModelError) -> UInt8 {
    try require(offset, 1, what)
    return bytes[offset]
  }

  func u16(at offset: Int, _ what: String) throws(ModelError) -> UInt16 {
    try require(offset, 2, what)
    return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
  }

  func u32(at offset: Int, _ what: String) throws(ModelError) -> UInt32 {
    try require(offset, 4, what)
    var value: UInt32 = 0
    for index in 0..<4 { value |= UInt32(bytes[offset + index]) << (8 * index) }
    return value
  }

  func i32(at offset: Int, _ what: String) throws(ModelError) -> Int32 {
    Int32(bitPattern: try u32(at: offset, what))
  }

  func u64(at offset: Int, _ what: String) throws(ModelError) -> UInt64 {
    let low = UInt64(try u32(at: offset, what))
    let high = UInt64(try u32(at: offset + 4, what))
    return low | high << 32
  }

  /// Follows the uint32 reference stored at `offset`.
  func follow(_ offset: Int, _ what: String) throws(ModelError) -> Int {
    let target = offset + Int(try u32(at: offset, what))
    guard target < size else {
      throw .truncated(what: what, offset: target, needed: 1, fileSize: size)
    }
    return target
  }

  func rootTable() throws(ModelError) -> Table {
    try Table(buffer: self, position: try follow(0, "root table reference"),
              what: "root table")
  }
}

/// One table inside a FlatBuffer, with its vtable already checked.
struct Table {
  let buffer: FlatBuffer
  let position: Int
  let what: String
  private let vtable: Int
  private let vtableSize: Int

  init(buffer: FlatBuffer, position: Int, what: String) throws(ModelError) {
    self.buffer = buffer
    self.position = position
    self.what = what
    let distance = Int(try buffer.i32(at: position, what))
    vtable = position - distance
    vtableSize = Int(try buffer.u16(at: vtable, what + " vtable"))
    guard vtableSize >= 4, vtableSize % 2 == 0 else {
      throw .malformed(what: what, detail: "vtable size \(vtableSize)")
    }
    try buffer.require(vtable, vtableSize, what + " vtable")
  }

  /// Absolute position of field `index`, or nil when it is absent.
  func field(_ index: Int) throws(ModelError) -> Int? {
    let entry = 4 + 2 * index
    guard entry + 2 <= vtableSize else { return nil }
    let offset = Int(try buffer.u16(at: vtable + entry, what))
    return offset == 0 ? nil : position + offset
  }

  func u8(_ index: Int, default fallback: UInt8) throws(ModelError) -> UInt8 {
    guard let at = try field(index) else { return fallback }
    return try buffer.u8(at: at, what)
  }

  func i32(_ index: Int, default fallback: Int32) throws(ModelError) -> Int32 {
    guard let at = try field(index) else { return fallback }
    return try buffer.i32(at: at, what)
  }

  func u32(_ index: Int, default fallback: UInt32) throws(ModelError) -> UInt32 {
    guard let at = try field(index) else { return fallback }
    return try buffer.u32(at: at, what)
  }

  func u64(_ index: Int, default fallback: UInt64) throws(ModelError) -> UInt64 {
    guard let at = try field(index) else { return fallback }
    return try buffer.u64(at: at, what)
  }

  func f32(_ index: Int, default fallback: Float) throws(ModelError) -> Float {
    guard let at = try field(index) else { return fallback }
    return Float(bitPattern: try buffer.u32(at: at, what))
  }

  func table(_ index: Int, _ name: String) throws(ModelError) -> Table? {
    guard let at = try field(index) else { return nil }
    return try Table(buffer: buffer, position: try buffer.follow(at, name),
                     what: name)
  }

  func vector(_ index: Int, elementSize: Int, _ name: String)
    throws(ModelError) -> Vector?
  {
    guard let at = try field(index) else { return nil }
    let start = try buffer.follow(at, name)
    let count = Int(try buffer.u32(at: start, name + " length"))
    guard count <= (buffer.size - start - 4) / elementSize else {
      throw .truncated(what: name, offset: start + 4,
                       needed: count * elementSize, fileSize: buffer.size)
    }
    return Vector(buffer: buffer, start: start + 4, count: count,
                  elementSize: elementSize, name: name)
  }

  func string(_ index: Int, _ name: String) throws(ModelError) -> String? {
    guard let vector = try vector(index, elementSize: 1, name) else {
      return nil
    }
    let bytes = UnsafeRawBufferPointer(
      rebasing: buffer.bytes[vector.start..<vector.start + vector.count])
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// A vector of scalars or of table references.
struct Vector {
  let buffer: FlatBuffer
  let start: Int
  let count: Int
  let elementSize: Int
  let name: String

  func i32(_ index: Int) throws(ModelError) -> Int32 {
    try buffer.i32(at: start + 4 * index, name)
  }

  func i64(_ index: Int) throws(ModelError) -> Int64 {
    Int64(bitPattern: try buffer.u64(at: start + 8 * index, name))
  }

  func f32(_ index: Int) throws(ModelError) -> Float {
    Float(bitPattern: try buffer.u32(at: start + 4 * index, name))
  }

  func table(_ index: Int) throws(ModelError) -> Table {
    let at = start + 4 * index
    return try Table(buffer: buffer, position: try buffer.follow(at, name),
                     what: name + "[\(index)]")
  }

  func int32Array() throws(ModelError) -> [Int] {
    var values: [Int] = []
    values.reserveCapacity(count)
    for index in 0..<count { values.append(Int(try i32(index))) }
    return values
  }
}
