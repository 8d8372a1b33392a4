import HeadMath

/// A repeatable pseudo-random source: xoshiro256** seeded through
/// SplitMix64, so one 64-bit seed gives the same stream on every machine.
/// It draws the initial weights and the shuffle of every epoch.
public struct SeededRandom: RandomNumberGenerator {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  public init(seed: UInt64) {
    var mix = seed
    func splitMix() -> UInt64 {
      mix &+= 0x9E37_79B9_7F4A_7C15
      var value = mix
      value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
      value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
      return value ^ (value >> 31)
    }
    state = (splitMix(), splitMix(), splitMix(), splitMix())
  }

  public mutating func next() -> UInt64 {
    let result = rotate(state.1 &* 5, 7) &* 9
    let shifted = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= shifted
    state.3 = rotate(state.3, 45)
    return result
  }

  private func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
    (value << count) | (value >> (64 - count))
  }

  /// A uniform double in [0, 1) from the top 53 bits.
  public mutating func nextUnit() -> Double {
    Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
  }

  /// A uniform integer in 0..<bound without modulo bias (Lemire's method).
  public mutating func nextIndex(below bound: Int) -> Int {
    precondition(bound > 0, "SeededRandom.nextIndex: bound \(bound) <= 0")
    let limit = UInt64(bound)
    var product = next().multipliedFullWidth(by: limit)
    if product.low < limit {
      let threshold = (0 &- limit) % limit
      while product.low < threshold {
        product = next().multipliedFullWidth(by: limit)
      }
    }
    return Int(product.high)
  }

  /// Fills `values` with normal draws of `deviation` cut at two deviations
  /// (the truncated normal of Keras's initializers): up to two draws from
  /// each 64-bit word of this stream (see `headmath_truncated_normals`).
  public mutating func fillTruncatedNormal(_ values: inout [Float], deviation: Float) {
    // 512 words per call, whatever is left to fill: the stream after the
    // fill (the next layer's weights, the shuffles) depends on it.
    let wordCount = 512
    var words = [UInt64](repeating: 0, count: wordCount)
    var draws = [Float](repeating: 0, count: 2 * wordCount)
    var filled = 0
    values.withUnsafeMutableBufferPointer { target in
      words.withUnsafeMutableBufferPointer { words in
        draws.withUnsafeMutableBufferPointer { draws in
          guard let wordBase = words.baseAddress, let drawBase = draws.baseAddress,
            let targetBase = target.baseAddress
          else { return }
          while filled < target.count {
            for index in 0..<wordCount { wordBase[index] = next() }
            let made = Int(headmath_truncated_normals(wordBase, Int32(wordCount), deviation,
                                                      drawBase))
            let taken = min(made, target.count - filled)
            (targetBase + filled).update(from: drawBase, count: taken)
            filled += taken
          }
        }
      }
    }
  }

  /// Fisher-Yates shuffle of `values` in place.
  public mutating func shuffle<Element>(_ values: inout [Element]) {
    guard values.count > 1 else { return }
    for index in stride(from: values.count - 1, to: 0, by: -1) {
      values.swapAt(index, nextIndex(below: index + 1))
    }
  }
}
