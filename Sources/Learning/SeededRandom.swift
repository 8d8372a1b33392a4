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
    fillTruncatedNormal(&values, deviation: deviation, workers: nil)
  }

  /// The same draws, made on training's threads: the words are taken from
  /// the stream in chunks of 512, up to 32 chunks at a time, the threads
  /// turn chunks into draws, and the draws are kept in chunk order. The
  /// stream is left just after the last chunk that was needed, where the
  /// one-chunk-at-a-time fill leaves it (the next layer's weights and the
  /// shuffles draw from there).
  mutating func fillTruncatedNormal(
    _ values: inout [Float], deviation: Float, workers: TrainingWorkers?
  ) {
    let chunkWords = 512
    let chunkLimit = workers == nil ? 1 : 32
    var words = [UInt64](repeating: 0, count: chunkLimit * chunkWords)
    var draws = [Float](repeating: 0, count: 2 * chunkLimit * chunkWords)
    var made = [Int32](repeating: 0, count: chunkLimit)
    var statesAfter = [(UInt64, UInt64, UInt64, UInt64)](
      repeating: (0, 0, 0, 0), count: chunkLimit)
    var filled = 0
    values.withUnsafeMutableBufferPointer { target in
      guard let targetBase = target.baseAddress else { return }
      while filled < target.count {
        // About 977 draws come from a chunk: no more chunks than that needs.
        let chunks = min(chunkLimit, (target.count - filled) / 900 + 1)
        for chunk in 0..<chunks {
          for index in 0..<chunkWords { words[chunk * chunkWords + index] = next() }
          statesAfter[chunk] = state
        }
        headmath_truncated_normal_chunks(words, Int32(chunks), Int32(chunkWords), deviation,
                                         &draws, &made, workers?.pointer)
        draws.withUnsafeBufferPointer { draws in
          guard let drawBase = draws.baseAddress else { return }
          for chunk in 0..<chunks where filled < target.count {
            let taken = min(Int(made[chunk]), target.count - filled)
            (targetBase + filled).update(from: drawBase + 2 * chunkWords * chunk,
                                         count: taken)
            filled += taken
            if filled == target.count { state = statesAfter[chunk] }
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
