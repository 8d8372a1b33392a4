extension String {
  /// Whether the string's UTF-8 bytes end with those of `suffix`, ASCII
  /// letters of either case taken as equal: `"photo.RGB"` ends with
  /// `".rgb"`. Unlike `lowercased().hasSuffix(_:)` it needs no Unicode case
  /// mapping, whose tables add about 16 KB to the Embedded ARM binary.
  public func hasSuffix(ignoringASCIICase suffix: String) -> Bool {
    let suffixLength = suffix.utf8.count
    guard utf8.count >= suffixLength else { return false }

    let tail = utf8.suffix(suffixLength)
    for (byte, expected) in zip(tail, suffix.utf8)
    where asciiLowercase(byte) != asciiLowercase(expected) {
      return false
    }
    return true
  }
}

/// The byte with ASCII `A`...`Z` turned into `a`...`z`; other bytes as they are.
private func asciiLowercase(_ byte: UInt8) -> UInt8 {
  (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
}
