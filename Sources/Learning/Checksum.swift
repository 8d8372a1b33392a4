/// CRC-32 (the IEEE polynomial of zip and PNG, reflected, 0xEDB88320), used
/// as the trailer of dataset and head files to notice damage.
public struct CRC32 {
  private static let table: [UInt32] = (0..<256).map { index in
    var value = UInt32(index)
    for _ in 0..<8 {
      value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1
    }
    return value
  }

  public private(set) var value: UInt32 = 0

  public init() {}

  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    var state = ~value
    Self.table.withUnsafeBufferPointer { table in
      for byte in bytes {
        state = table[Int((state ^ UInt32(byte)) & 0xFF)] ^ (state >> 8)
      }
    }
    value = ~state
  }

  public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var checksum = CRC32()
    checksum.update(bytes)
    return checksum.value
  }
}
