import CShims
import Support

private let fileLog = Logger("files")

/// The envelope shared by dataset and head files, all little-endian:
///
///     magic      4 bytes ("TPDS" dataset, "TPHD" head)
///     version    u32
///     body       ...
///     checksum   u32, CRC-32 of every byte before it
///
/// Writing goes through `FileBytes.writeAtomically` (temporary file, fsync,
/// rename, fsync of the directory), so a power cut leaves the old or the new
/// file. Reading checks magic, checksum and version; a foreign or damaged
/// file is renamed to `<path>.damaged` (or `.damaged-2`, ...) so the next
/// save cannot silently replace what may be someone's only copy; a sound
/// file this program cannot use (another format version, input shape or
/// class count, more examples than the dataset holds) is renamed to
/// `<path>.unused` for the same reason. Readers that never write the file
/// back (`teachpad eval`) leave it in place. Writing over a damaged file
/// of the same kind moves it aside first.
enum BinaryFile {
  /// What reading does with a foreign, damaged or unusable file.
  enum DamageHandling {
    /// Rename it to `<path>.damaged` (`.unused`): the next save goes to a
    /// fresh file.
    case moveAside
    /// Leave it: nothing will write to this path.
    case leaveInPlace
  }

  /// Starts a file's bytes: magic and version.
  static func begin(magic: StaticString, version: Int) -> ByteWriter {
    var writer = ByteWriter()
    magic.withUTF8Buffer { writer.append(bytes: UnsafeRawBufferPointer($0)) }
    writer.append(UInt32(version))
    return writer
  }

  /// Appends the checksum and writes the file crash-safely. Refuses to
  /// replace a file that exists and does not start with `magic`; one that
  /// does but fails its checksum is kept as `<path>.damaged`.
  static func finish(
    _ writer: inout ByteWriter, path: String, magic: StaticString
  ) throws(LearningError) {
    try checkReplaceable(path: path, magic: magic)
    if FileBytes.exists(path: path) && !checksumMatches(path: path) {
      let movedTo = try moveAside(path)
      fileLog.warning("\(path) was damaged; kept it as \(movedTo) and wrote a new one")
    }
    let checksum = writer.bytes.withUnsafeBytes { CRC32.of($0) }
    writer.append(checksum)
    let failure = writer.bytes.withUnsafeBytes { raw -> SystemError? in
      do throws(SystemError) {
        try FileBytes.writeAtomically(path: path, bytes: raw)
        return nil
      } catch {
        return error
      }
    }
    if let failure { throw .system(path, failure) }
  }

  /// Refuses a path `finish` would not replace: something that exists and
  /// is not a regular file starting with `magic`.
  static func checkReplaceable(path: String, magic: StaticString) throws(LearningError) {
    guard FileBytes.exists(path: path) else { return }
    guard FileBytes.isRegularFile(path: path) else {
      throw .refusingToOverwrite(path: path, reason:
        "it is a folder, device or pipe, not a file (name a file instead)")
    }
    if !startsWith(path: path, magic: magic) {
      throw .refusingToOverwrite(path: path, reason:
        "it exists and is not a teachpad file of this kind (move it away first)")
    }
  }

  /// Reads and checks a file; returns a reader placed after the version.
  static func open(
    path: String, magic: StaticString, version: Int,
    damage: DamageHandling = .moveAside
  ) throws(LearningError) -> ByteReader {
    let bytes: [UInt8]
    do {
      bytes = try FileBytes.read(path: path)
    } catch {
      throw .system(path, error)
    }
    func setAside() throws(LearningError) -> String? {
      try BinaryFile.setAside(path, damage)
    }

    let magicMatches = magic.withUTF8Buffer { expected in
      bytes.count >= expected.count
        && bytes[0..<expected.count].elementsEqual(expected)
    }
    guard magicMatches else {
      let expected = magic.withUTF8Buffer { kindName(ofStart: $0) }
      if let found = kindName(ofStart: bytes), let expected {
        throw .otherKind(path: path, found: found, expected: expected,
                         movedTo: try setAside())
      }
      throw .foreignFile(path: path, movedTo: try setAside())
    }
    guard bytes.count >= 12 else {
      throw .damagedFile(path: path, reason: "only \(bytes.count) bytes",
                         movedTo: try setAside())
    }
    let stored = ByteReader.littleEndianUInt32(bytes, at: bytes.count - 4)
    let computed = bytes.withUnsafeBytes {
      CRC32.of(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 4)]))
    }
    guard stored == computed else {
      throw .damagedFile(path: path, reason: "checksum does not match",
                         movedTo: try setAside())
    }

    var reader = ByteReader(bytes: bytes, end: bytes.count - 4, path: path,
                            damage: damage)
    reader.offset = 4
    let found = Int(try reader.uint32())
    guard found == version else {
      throw .unsupportedVersion(path: path, version: found, supported: version,
                                movedTo: try reader.setAsideUnused())
    }
    return reader
  }

  /// Moves a bad file aside as `damage` says; its new path, or nil.
  static func setAside(
    _ path: String, _ damage: DamageHandling
  ) throws(LearningError) -> String? {
    damage == .moveAside ? try moveAside(path) : nil
  }

  /// Whether the file's last four bytes are the CRC-32 of the rest.
  static func checksumMatches(path: String) -> Bool {
    guard let bytes = try? FileBytes.read(path: path), bytes.count >= 12 else {
      return false
    }
    let stored = ByteReader.littleEndianUInt32(bytes, at: bytes.count - 4)
    return bytes.withUnsafeBytes {
      CRC32.of(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 4)]))
    } == stored
  }

  /// Renames a bad file out of the way as `<path>.<suffix>` (or
  /// `.<suffix>-2`, ...) and returns its new path.
  static func moveAside(
    _ path: String, suffix: StaticString = "damaged"
  ) throws(LearningError) -> String {
    let base = path + "." + suffix.description
    var target = base
    var attempt = 2
    while FileBytes.exists(path: target) {
      target = base + "-\(attempt)"
      attempt += 1
    }
    if rename(path, target) != 0 {
      throw .system(path, SystemError("rename"))
    }
    return target
  }

  /// "dataset" or "head" for bytes that start with that kind's magic.
  static func kindName<Bytes: Collection<UInt8>>(ofStart bytes: Bytes) -> String? {
    for (magic, name) in [(ActivationDataset.fileMagic, "dataset"), (Head.fileMagic, "head")]
    where magic.withUTF8Buffer({ bytes.starts(with: $0) }) {
      return name
    }
    return nil
  }

  /// Whether the file at `path` begins with `magic`.
  static func startsWith(path: String, magic: StaticString) -> Bool {
    let descriptor = shim_open(path, O_RDONLY)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var head: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
    let got = withUnsafeMutableBytes(of: &head) { read(descriptor, $0.baseAddress, 4) }
    guard got == 4 else { return false }
    return withUnsafeBytes(of: head) { found in
      magic.withUTF8Buffer { found.elementsEqual($0) }
    }
  }
}

/// Little-endian bytes built up in memory.
struct ByteWriter {
  var bytes: [UInt8] = []

  mutating func append(_ value: UInt32) {
    for shift in stride(from: 0, to: 32, by: 8) {
      bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
    }
  }

  mutating func append(_ value: UInt64) {
    append(UInt32(truncatingIfNeeded: value))
    append(UInt32(truncatingIfNeeded: value >> 32))
  }

  mutating func append(_ value: Float) { append(value.bitPattern) }

  mutating func append(_ value: Double) { append(value.bitPattern) }

  mutating func append(bytes more: UnsafeRawBufferPointer) {
    bytes.append(contentsOf: more)
  }

  /// A u32 length and the UTF-8 bytes.
  mutating func append(_ text: String) {
    append(UInt32(text.utf8.count))
    bytes.append(contentsOf: text.utf8)
  }

  /// Floats as little-endian bytes: the memory as it is, since every host
  /// teachpad runs on (x86_64, aarch64) is little-endian.
  mutating func append(floats: UnsafeBufferPointer<Float>) {
    precondition(UInt32(1).littleEndian == 1, "ByteWriter: big-endian host")
    bytes.append(contentsOf: UnsafeRawBufferPointer(floats))
  }
}

/// Reads a checked file's body; running past the end means the file lies
/// about its own sizes, which is damage.
struct ByteReader {
  let bytes: [UInt8]
  let end: Int
  let path: String
  let damage: BinaryFile.DamageHandling
  var offset = 0

  /// Sets the file aside as the reader was told; for damage found while
  /// reading the body.
  func setAside() throws(LearningError) -> String? {
    try BinaryFile.setAside(path, damage)
  }

  /// Sets a sound file this program cannot use aside as `<path>.unused`,
  /// if the reader was told to move files aside.
  func setAsideUnused() throws(LearningError) -> String? {
    damage == .moveAside ? try BinaryFile.moveAside(path, suffix: "unused") : nil
  }

  static func littleEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    var value: UInt32 = 0
    for index in 0..<4 {
      value |= UInt32(bytes[offset + index]) << UInt32(8 * index)
    }
    return value
  }

  mutating func claim(_ count: Int) throws(LearningError) -> Int {
    guard count >= 0, end - offset >= count else {
      throw .damagedFile(path: path, reason:
        "it ends early: needs \(count) more bytes at offset \(offset), "
        + "has \(end - offset)", movedTo: try setAside())
    }
    let start = offset
    offset += count
    return start
  }

  mutating func uint32() throws(LearningError) -> UInt32 {
    Self.littleEndianUInt32(bytes, at: try claim(4))
  }

  mutating func uint64() throws(LearningError) -> UInt64 {
    let low = UInt64(try uint32())
    return low | UInt64(try uint32()) << 32
  }

  mutating func float() throws(LearningError) -> Float {
    Float(bitPattern: try uint32())
  }

  mutating func double() throws(LearningError) -> Double {
    Double(bitPattern: try uint64())
  }

  mutating func string() throws(LearningError) -> String {
    let count = Int(try uint32())
    let start = try claim(count)
    return String(decoding: bytes[start..<(start + count)], as: UTF8.self)
  }

  /// Little-endian floats copied as they are (see `ByteWriter`).
  mutating func floats(
    into target: UnsafeMutableBufferPointer<Float>
  ) throws(LearningError) {
    let start = try claim(target.count * 4)
    bytes.withUnsafeBytes { source in
      guard let base = source.baseAddress, let destination = target.baseAddress,
            !target.isEmpty else { return }
      UnsafeMutableRawPointer(destination)
        .copyMemory(from: base + start, byteCount: target.count * 4)
    }
  }

  /// Fails unless every body byte was read.
  func expectEnd() throws(LearningError) {
    guard offset == end else {
      throw .damagedFile(path: path, reason:
        "\(end - offset) unexpected bytes after the body",
        movedTo: try setAside())
    }
  }
}
