/// The inner loops of every convolution: a tile of up to `tileRows` output
/// pixels by 16 (or 8) output channels, accumulated in float32.
///
/// Why float: every product (x − zx)(w − zw) is an integer of magnitude at
/// most 255 · 255, and a float32 holds every integer up to 2^24 exactly. A
/// fused multiply-add of integers whose exact result stays within 2^24 is
/// therefore exact, so a sum of up to 2^24 / (max|x − zx| · max|w − zw|)
/// products (258 in the worst case, more for real weights) is the exact
/// integer the reference kernel computes. Callers split longer sums into
/// chunks of that length and add the chunks in int32 (`accumulationLimit`).
/// Vector float FMA is the widest multiply-accumulate on both AVX2 and NEON.

/// Rows of A per tile: six rows by two vectors uses 12 of AVX2's 16
/// registers for accumulators (24 of NEON's 32).
let tileRows = 6

/// Twelve accumulators: row r, channels 0..<8 and 8..<16.
struct Tile16 {
  var r0a = SIMD8<Float>(), r0b = SIMD8<Float>()
  var r1a = SIMD8<Float>(), r1b = SIMD8<Float>()
  var r2a = SIMD8<Float>(), r2b = SIMD8<Float>()
  var r3a = SIMD8<Float>(), r3b = SIMD8<Float>()
  var r4a = SIMD8<Float>(), r4b = SIMD8<Float>()
  var r5a = SIMD8<Float>(), r5b = SIMD8<Float>()

}

/// Six row pointers into float A; unused rows repeat a valid row.
struct RowPointers {
  var p0, p1, p2, p3, p4, p5: UnsafePointer<Float>

  /// Rows `first + r · stride` for r < count, later rows repeat row 0.
  @inline(__always)
  init(_ first: UnsafePointer<Float>, stride: Int, count: Int) {
    p0 = first
    p1 = count > 1 ? first + stride : first
    p2 = count > 2 ? first + 2 * stride : first
    p3 = count > 3 ? first + 3 * stride : first
    p4 = count > 4 ? first + 4 * stride : first
    p5 = count > 5 ? first + 5 * stride : first
  }

  @inline(__always)
  func advanced(by distance: Int) -> RowPointers {
    var copy = self
    copy.p0 += distance; copy.p1 += distance; copy.p2 += distance
    copy.p3 += distance; copy.p4 += distance; copy.p5 += distance
    return copy
  }
}

enum Microkernel {
  /// tile += A[0..<6][0..<depth] × B[0..<depth][0..<16], where B is a packed
  /// panel of 16 floats per depth step.
  @inline(__always)
  static func accumulate16(_ rows: RowPointers, depth: Int,
                           panel: UnsafePointer<Float>, into tile: inout Tile16) {
    var t = tile
    var b = UnsafeRawPointer(panel)
    for k in 0..<depth {
      let b0 = b.loadUnaligned(as: SIMD8<Float>.self)
      let b1 = b.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
      var a = SIMD8<Float>(repeating: rows.p0[k])
      t.r0a.addProduct(a, b0); t.r0b.addProduct(a, b1)
      a = SIMD8<Float>(repeating: rows.p1[k])
      t.r1a.addProduct(a, b0); t.r1b.addProduct(a, b1)
      a = SIMD8<Float>(repeating: rows.p2[k])
      t.r2a.addProduct(a, b0); t.r2b.addProduct(a, b1)
      a = SIMD8<Float>(repeating: rows.p3[k])
      t.r3a.addProduct(a, b0); t.r3b.addProduct(a, b1)
      a = SIMD8<Float>(repeating: rows.p4[k])
      t.r4a.addProduct(a, b0); t.r4b.addProduct(a, b1)
      a = SIMD8<Float>(repeating: rows.p5[k])
      t.r5a.addProduct(a, b0); t.r5b.addProduct(a, b1)
      b += 64
    }
    tile = t
  }

  /// A panel of 8 channels for twelve rows: `first` rows land in the `a`
  /// halves, `second` rows in the `b` halves. Twelve independent chains
  /// hide FMA latency when a layer has only eight output channels.
  @inline(__always)
  static func accumulate8Twelve(_ first: RowPointers, _ second: RowPointers,
                                depth: Int, panel: UnsafePointer<Float>,
                                into tile: inout Tile16) {
    var t = tile
    var b = UnsafeRawPointer(panel)
    for k in 0..<depth {
      let b0 = b.loadUnaligned(as: SIMD8<Float>.self)
      t.r0a.addProduct(SIMD8<Float>(repeating: first.p0[k]), b0)
      t.r1a.addProduct(SIMD8<Float>(repeating: first.p1[k]), b0)
      t.r2a.addProduct(SIMD8<Float>(repeating: first.p2[k]), b0)
      t.r3a.addProduct(SIMD8<Float>(repeating: first.p3[k]), b0)
      t.r4a.addProduct(SIMD8<Float>(repeating: first.p4[k]), b0)
      t.r5a.addProduct(SIMD8<Float>(repeating: first.p5[k]), b0)
      t.r0b.addProduct(SIMD8<Float>(repeating: second.p0[k]), b0)
      t.r1b.addProduct(SIMD8<Float>(repeating: second.p1[k]), b0)
      t.r2b.addProduct(SIMD8<Float>(repeating: second.p2[k]), b0)
      t.r3b.addProduct(SIMD8<Float>(repeating: second.p3[k]), b0)
      t.r4b.addProduct(SIMD8<Float>(repeating: second.p4[k]), b0)
      t.r5b.addProduct(SIMD8<Float>(repeating: second.p5[k]), b0)
      b += 32
    }
    tile = t
  }

  /// The same for a panel of 8 channels (only the `a` halves are used).
  @inline(__always)
  static func accumulate8(_ rows: RowPointers, depth: Int,
                          panel: UnsafePointer<Float>, into tile: inout Tile16) {
    var t = tile
    var b = UnsafeRawPointer(panel)
    for k in 0..<depth {
      let b0 = b.loadUnaligned(as: SIMD8<Float>.self)
      t.r0a.addProduct(SIMD8<Float>(repeating: rows.p0[k]), b0)
      t.r1a.addProduct(SIMD8<Float>(repeating: rows.p1[k]), b0)
      t.r2a.addProduct(SIMD8<Float>(repeating: rows.p2[k]), b0)
      t.r3a.addProduct(SIMD8<Float>(repeating: rows.p3[k]), b0)
      t.r4a.addProduct(SIMD8<Float>(repeating: rows.p4[k]), b0)
      t.r5a.addProduct(SIMD8<Float>(repeating: rows.p5[k]), b0)
      b += 32
    }
    tile = t
  }
}

/// Weights of a convolution repacked for the microkernels: panels of 16
/// (the last one 8 when 8 or fewer channels remain) output channels, each
/// holding depth × width floats (w − zw), channels beyond the layer zero.
struct PackedWeights {
  let depth: Int
  let outputChannels: Int
  /// Start of each panel in `values`, its first channel and its width.
  let panelStarts: [Int]
  let panelChannels: [Int]
  let panelWidths: [Int]
  let values: UnsafeMutablePointer<Float>
  let valueCount: Int
  /// Bias per channel, padded with zeros to whole panels.
  let bias: UnsafeMutablePointer<Int32>
  /// The largest |w − zw|, for the exactness limit.
  let largestMagnitude: Int

  /// `weights` is [outputChannels][depth] in the order the A rows use.
  init(weights: [UInt8], zeroPoint: Int32, bias biasValues: [Int32],
       outputChannels: Int, depth: Int) {
    var starts: [Int] = []
    var channels: [Int] = []
    var widths: [Int] = []
    var total = 0
    var first = 0
    while first < outputChannels {
      let width = outputChannels - first <= 8 ? 8 : 16
      starts.append(total)
      channels.append(first)
      widths.append(width)
      total += width * depth
      first += width
    }
    let paddedChannels = first
    panelStarts = starts
    panelChannels = channels
    panelWidths = widths
    self.depth = depth
    self.outputChannels = outputChannels
    valueCount = total
    values = allocateAligned(Float.self, count: max(total, 1))
    values.initialize(repeating: 0, count: max(total, 1))
    bias = allocateAligned(Int32.self, count: paddedChannels)
    bias.initialize(repeating: 0, count: paddedChannels)
    var largest = 0
    for panel in 0..<starts.count {
      for lane in 0..<widths[panel] {
        let channel = channels[panel] + lane
        guard channel < outputChannels else { continue }
        bias[channel] = biasValues[channel]
        for k in 0..<depth {
          let centred = Int32(weights[channel * depth + k]) - zeroPoint
          largest = max(largest, Int(centred.magnitude))
          values[starts[panel] + k * widths[panel] + lane] = Float(centred)
        }
      }
    }
    largestMagnitude = largest
  }

  func deallocate() {
    values.deallocate()
    bias.deallocate()
  }
}

/// How many products can be summed in float32 and stay exact.
func accumulationLimit(inputZeroPoint: Int32, largestWeightMagnitude: Int) -> Int {
  let largestInput = Int(max(inputZeroPoint, 255 - inputZeroPoint))
  let largestProduct = max(1, largestInput * largestWeightMagnitude)
  return max(1, (1 << 24) / largestProduct)
}

/// Exact integer accumulators of a tile, converted from float chunks.
struct IntegerTile16 {
  var rows: (
    SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>,
    SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>,
    SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>
  ) = (.zero, .zero, .zero, .zero, .zero, .zero,
       .zero, .zero, .zero, .zero, .zero, .zero)

  @inline(__always)
  init() {}

  /// The float sums are whole numbers below 2^24, so the conversion is exact.
  @inline(__always)
  init(_ tile: Tile16) {
    add(tile)
  }

  /// The `b` halves moved into the `a` places (for twelve-row tiles).
  @inline(__always)
  func secondHalves() -> IntegerTile16 {
    var moved = IntegerTile16()
    moved.rows.0 = rows.1; moved.rows.2 = rows.3; moved.rows.4 = rows.5
    moved.rows.6 = rows.7; moved.rows.8 = rows.9; moved.rows.10 = rows.11
    return moved
  }

  @inline(__always)
  mutating func add(_ t: Tile16) {
    @inline(__always)
    func whole(_ value: SIMD8<Float>) -> SIMD8<Int32> {
      wholeNumbers(value)
    }
    rows.0 &+= whole(t.r0a); rows.1 &+= whole(t.r0b)
    rows.2 &+= whole(t.r1a); rows.3 &+= whole(t.r1b)
    rows.4 &+= whole(t.r2a); rows.5 &+= whole(t.r2b)
    rows.6 &+= whole(t.r3a); rows.7 &+= whole(t.r3b)
    rows.8 &+= whole(t.r4a); rows.9 &+= whole(t.r4b)
    rows.10 &+= whole(t.r5a); rows.11 &+= whole(t.r5b)
  }

}

/// Adds the bias, requantizes and stores `rows` output rows of a tile:
/// `channelsLeft` channels (at most the panel's `width`) from `output`,
/// rows `rowStride` bytes apart. Rows are named one by one (no indexing).
/// Kept out of line so the multiply loops keep their registers; everything
/// inside it is inlined.
@inline(never)
func storeTile(_ tile: IntegerTile16, rows: Int, width: Int, channelsLeft: Int,
               bias: UnsafePointer<Int32>, requantization: VectorRequantization,
               output: UnsafeMutablePointer<UInt8>, rowStride: Int) {
  let biasLow = UnsafeRawPointer(bias).loadUnaligned(as: SIMD8<Int32>.self)
  let biasHigh = width > 8
    ? UnsafeRawPointer(bias + 8).loadUnaligned(as: SIMD8<Int32>.self)
    : SIMD8<Int32>()
  // Comparisons written out: the generic min and max stay calls here.
  let lowCount = channelsLeft < 8 ? channelsLeft : 8
  let highLeft = channelsLeft - 8
  let highCount = width <= 8 || highLeft <= 0 ? 0 : highLeft < 8 ? highLeft : 8

  let r = tile.rows
  finishRow(r.0, r.1, biasLow, biasHigh, lowCount, highCount,
            requantization, output)
  if rows > 1 {
    finishRow(r.2, r.3, biasLow, biasHigh, lowCount, highCount,
              requantization, output + rowStride)
  }
  if rows > 2 {
    finishRow(r.4, r.5, biasLow, biasHigh, lowCount, highCount,
              requantization, output + 2 * rowStride)
  }
  if rows > 3 {
    finishRow(r.6, r.7, biasLow, biasHigh, lowCount, highCount,
              requantization, output + 3 * rowStride)
  }
  if rows > 4 {
    finishRow(r.8, r.9, biasLow, biasHigh, lowCount, highCount,
              requantization, output + 4 * rowStride)
  }
  if rows > 5 {
    finishRow(r.10, r.11, biasLow, biasHigh, lowCount, highCount,
              requantization, output + 5 * rowStride)
  }
}

/// One row of a tile: bias, requantization, store.
@_transparent
func finishRow(_ low: SIMD8<Int32>, _ high: SIMD8<Int32>,
               _ biasLow: SIMD8<Int32>, _ biasHigh: SIMD8<Int32>,
               _ lowCount: Int, _ highCount: Int,
               _ requantization: VectorRequantization,
               _ target: UnsafeMutablePointer<UInt8>) {
  if requantization.saturatesToBytes && lowCount == 8 {
    if highCount == 8 {
      Bytes.storeSaturated(requantization.applyUnclamped(low &+ biasLow),
                           requantization.applyUnclamped(high &+ biasHigh),
                           target)
      return
    }
    if highCount == 0 {
      Bytes.storeSaturated(requantization.applyUnclamped(low &+ biasLow), target)
      return
    }
  }
  Bytes.store(requantization.apply(low &+ biasLow), target, count: lowCount)
  if highCount > 0 {
    Bytes.store(requantization.apply(high &+ biasHigh), target + 8,
                count: highCount)
  }
}

/// Memory for `count` values on a 64-byte boundary, so vector loads of
/// packed panels never straddle a cache line (an unlucky malloc address
/// otherwise made whole runs 1.5x slower). Release with `deallocate()`.
func allocateAligned<Element>(_ type: Element.Type, count: Int)
  -> UnsafeMutablePointer<Element>
{
  UnsafeMutableRawPointer.allocate(
    byteCount: max(count, 1) * MemoryLayout<Element>.stride, alignment: 64
  ).bindMemory(to: Element.self, capacity: max(count, 1))
}
