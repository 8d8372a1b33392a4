import AVX512Kernels

/// Pointwise convolutions in integer dot products (`IntegerDot`), for
/// processors that have them. Exact: the sums are the reference's int32
/// accumulators, not float approximations.
///
/// The dot products give D = Σ x·(w − 128) over a pixel's depth K, and
///
///     Σ (x − zx)(w − zw) = D + (128 − zw)·Σx − zx·Σw + K·zx·zw
///
/// so each pixel adds (128 − zw) times its byte sum and each channel's
/// bias carries the rest. Every term is computed with wrapping int32
/// arithmetic, so the total is exact modulo 2^32 and equals the
/// reference's accumulator whenever that fits in int32 (K ≤ 8192 keeps
/// every product of this path far below it).
struct PackedDotWeights {
  let depth: Int
  /// Groups of four depth steps.
  let groups: Int
  /// Blocks of `IntegerDot.blockWidth` output channels.
  let blockCount: Int
  /// Per block, per group, 16 lanes of four int8 weights w − 128.
  let values: UnsafeMutablePointer<Int8>
  /// Per channel: bias + K·zx·zw − zx·Σw, zero past the last channel.
  let bias: UnsafeMutablePointer<Int32>
  /// 128 − zw, the factor of each pixel's byte sum.
  let pixelSumFactor: Int32
  /// The layer's requantization when it is the folded one (most layers):
  /// then the tiles are requantized and stored inside `IntegerDot`.
  let folded: FoldedRequantization?

  /// Whether a pointwise layer of this depth can take this path.
  static func fits(depth: Int) -> Bool {
    depth > 0 && depth % 4 == 0 && depth <= 8192
  }

  /// `weights` is [outputChannels][depth].
  init(weights: [UInt8], weightZeroPoint: Int32, inputZeroPoint: Int32,
       bias biasValues: [Int32], outputChannels: Int, depth: Int,
       requantization: VectorRequantization) {
    precondition(PackedDotWeights.fits(depth: depth),
                 "PackedDotWeights: depth \(depth)")
    let width = IntegerDot.blockWidth
    self.depth = depth
    groups = depth / 4
    blockCount = (outputChannels + width - 1) / width
    let blockBytes = groups * 4 * width
    values = allocateAligned(Int8.self, count: blockCount * blockBytes)
    values.initialize(repeating: 0, count: blockCount * blockBytes)
    bias = allocateAligned(Int32.self, count: blockCount * width)
    bias.initialize(repeating: 0, count: blockCount * width)
    pixelSumFactor = 128 - weightZeroPoint
    folded = requantization.foldedForAVX512

    let constant = Int32(depth) &* inputZeroPoint &* weightZeroPoint
    for channel in 0..<outputChannels {
      let block = channel / width
      let lane = channel % width
      var weightSum: Int32 = 0
      for k in 0..<depth {
        let weight = weights[channel * depth + k]
        weightSum &+= Int32(weight)
        let place = block * blockBytes + (k / 4) * 4 * width + lane * 4 + k % 4
        values[place] = Int8(truncatingIfNeeded: Int32(weight) - 128)
      }
      bias[channel] = biasValues[channel] &+ constant
        &- inputZeroPoint &* weightSum
    }
  }

  func deallocate() {
    values.deallocate()
    bias.deallocate()
  }
}

extension FastConvolution {
  /// Int32 scratch of the dot-product path: a tile's sums (6 rows of two
  /// blocks) and its rows' byte sums.
  static let dotScratchInts = 6 * 32 + 8

  /// Like `runPointwise`, with integer dot products: tiles of six pixels,
  /// two channel blocks at a time.
  func runPointwiseIntegerDot(part: Int, parts: Int,
                              input: UnsafePointer<UInt8>,
                              output: UnsafeMutablePointer<UInt8>,
                              scratch: UnsafeMutablePointer<Float>) {
    guard let dot else { return }
    let g = parameters.geometry
    let depth = dot.depth
    let pixels = g.outputHeight * g.outputWidth
    let rowsPerTile = IntegerDot.tileRows
    let tiles = (pixels + rowsPerTile - 1) / rowsPerTile
    let pairs = (dot.blockCount + 1) / 2
    let (tileRange, pairRange) = shareTilesOrColumns(
      tiles: tiles, columns: pairs, part: part, parts: parts)
    let sums = UnsafeMutableRawPointer(scratch)
      .bindMemory(to: Int32.self, capacity: FastConvolution.dotScratchInts)
    let pixelSums = sums + 6 * 32
    let blockBytes = dot.groups * 64

    for tile in tileRange {
      let firstPixel = tile * rowsPerTile
      let rows = min(rowsPerTile, pixels - firstPixel)
      let tileInput = input + firstPixel * depth
      IntegerDot.byteSums(rows: tileInput, rowStride: depth, rowCount: rows,
                          depth: depth, into: pixelSums)
      for row in 0..<rows { pixelSums[row] &*= dot.pixelSumFactor }
      for pair in pairRange {
        let firstBlock = 2 * pair
        let hasSecond = firstBlock + 1 < dot.blockCount
        let blockValues = UnsafePointer(dot.values + firstBlock * blockBytes)
        let secondValues = hasSecond ? blockValues + blockBytes : nil
        if let folded = dot.folded {
          let firstChannel = firstBlock * IntegerDot.blockWidth
          IntegerDot.multiplyAndStoreTile(
            rows: tileInput, rowStride: depth, rowCount: rows,
            groups: dot.groups, firstBlock: blockValues,
            secondBlock: secondValues, requantization: folded,
            output: IntegerDot.TileOutput(
              bytes: output + firstPixel * g.outputChannels + firstChannel,
              rowStride: g.outputChannels,
              channelsLeft: g.outputChannels - firstChannel,
              bias: dot.bias + firstChannel,
              pixelTerms: UnsafePointer(pixelSums)))
          continue
        }
        IntegerDot.multiplyTile(
          rows: tileInput, rowStride: depth, rowCount: rows,
          groups: dot.groups, firstBlock: blockValues,
          secondBlock: secondValues, into: sums)
        for half in 0..<(hasSecond ? 2 : 1) {
          let firstChannel = (firstBlock + half) * IntegerDot.blockWidth
          let integers = IntegerTile16(dotSums: UnsafePointer(sums),
                                       column: 16 * half,
                                       pixelTerms: UnsafePointer(pixelSums))
          storeTile(integers, rows: rows, width: 16,
                    channelsLeft: g.outputChannels - firstChannel,
                    bias: dot.bias + firstChannel,
                    requantization: requantization,
                    output: output + firstPixel * g.outputChannels + firstChannel,
                    rowStride: g.outputChannels)
        }
      }
    }
  }
}

extension IntegerTile16 {
  /// Six rows of 16 channels from `multiplyTile`'s sums (rows 32 apart,
  /// starting at `column`), each row plus its pixel term.
  @inline(__always)
  init(dotSums sums: UnsafePointer<Int32>, column: Int,
       pixelTerms: UnsafePointer<Int32>) {
    @inline(__always)
    func lanes(_ row: Int, _ half: Int) -> SIMD8<Int32> {
      UnsafeRawPointer(sums + row * 32 + column + 8 * half)
        .loadUnaligned(as: SIMD8<Int32>.self)
        &+ SIMD8<Int32>(repeating: pixelTerms[row])
    }
    self.init()
    rows = (lanes(0, 0), lanes(0, 1), lanes(1, 0), lanes(1, 1),
            lanes(2, 0), lanes(2, 1), lanes(3, 0), lanes(3, 1),
            lanes(4, 0), lanes(4, 1), lanes(5, 0), lanes(5, 1))
  }
}

extension VectorRequantization {
  /// The folded requantization in the AVX-512 kernels' terms, or nil when
  /// this layer takes the two-step path.
  var foldedForAVX512: FoldedRequantization? {
    guard folded else { return nil }
    return FoldedRequantization(
      multiplier: multiplier[0], addend: foldedAddend[0],
      shift: Int64(foldedShift[0]), minimum: foldedMinimum[0],
      maximum: foldedMaximum[0], offset: foldedOffset[0])
  }
}
