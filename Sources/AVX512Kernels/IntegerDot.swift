/// Pointwise-convolution tiles in exact integer arithmetic with AVX-512
/// VNNI dot products (`vpdpbusd`), for x86_64 processors that have them.
///
/// One `vpdpbusd` multiplies, in each of 16 int32 lanes, four unsigned
/// bytes of one operand with four signed bytes of the other and adds the
/// four products to the lane: 64 multiply-accumulates per instruction,
/// four times what a float FMA of the same width does. Inputs go in as
/// they are (uint8); weights go in as w − 128 (int8, exact for every
/// uint8 w). The caller turns the sums Σ x·(w − 128) into the reference
/// accumulator Σ (x − zx)(w − zw) with per-pixel and per-channel terms
/// (see `FastConvolution`). `vpdpbusd` wraps like `&+` (it is the
/// non-saturating form), so the sums are exact modulo 2^32, and exact
/// whenever the reference accumulator itself fits in int32.
///
/// Weight layout (`PackedDotWeights` in Inference): blocks of 16 output
/// channels; in a block, for each group of four depth steps, 16 lanes of 4
/// bytes (lane c holds channel c's weights for those four steps).
public enum IntegerDot {
  /// Rows (pixels) of one tile: 6 rows by 2 blocks is 12 accumulators,
  /// enough independent chains to hide the instruction's latency.
  public static let tileRows = 6
  /// Output channels of one weight block.
  public static let blockWidth = 16

  /// Where a tile's requantized bytes go and what they need.
  public struct TileOutput {
    /// Output bytes of the tile's first pixel and first channel.
    public var bytes: UnsafeMutablePointer<UInt8>
    /// Bytes from one pixel's outputs to the next's.
    public var rowStride: Int
    /// Channels from the first one to the layer's last (only these are
    /// written; the tile holds 16 or 32).
    public var channelsLeft: Int
    /// Per channel of the tile: the bias and the weights' constant terms.
    public var bias: UnsafePointer<Int32>
    /// Per row of the tile: its pixel's term, added to every channel.
    public var pixelTerms: UnsafePointer<Int32>

    public init(bytes: UnsafeMutablePointer<UInt8>, rowStride: Int,
                channelsLeft: Int, bias: UnsafePointer<Int32>,
                pixelTerms: UnsafePointer<Int32>) {
      self.bytes = bytes
      self.rowStride = rowStride
      self.channelsLeft = channelsLeft
      self.bias = bias
      self.pixelTerms = pixelTerms
    }
  }
}

#if arch(x86_64)
import _Builtin_intrinsics.intel

/// A tile's sums: row r's channels 0..<16 in `a.r`, 16..<32 in `b.r`.
struct DotTile {
  var a0, a1, a2, a3, a4, a5: __m512i
  var b0, b1, b2, b3, b4, b5: __m512i
}

extension IntegerDot {
  /// sums[r · 32 + c] = Σ over `groups` groups of four depth steps of
  /// row r's bytes times channel c's packed weights, for c < 16 from
  /// `firstBlock` and 16 ≤ c < 32 from `secondBlock` (nil: one block; then
  /// only c < 16 is written). Rows are `rowStride` bytes apart; rows at
  /// and past `rowCount` repeat row 0 and are not written.
  @inline(never) @export(interface)
  public static func multiplyTile(
    rows first: UnsafePointer<UInt8>, rowStride: Int, rowCount: Int,
    groups: Int, firstBlock: UnsafePointer<Int8>,
    secondBlock: UnsafePointer<Int8>?,
    into sums: UnsafeMutablePointer<Int32>
  ) {
    let t = multiply(rows: first, rowStride: rowStride, rowCount: rowCount,
                     groups: groups, firstBlock: firstBlock,
                     secondBlock: secondBlock)
    let blocks = secondBlock == nil ? 1 : 2
    @inline(__always)
    func store(_ a: __m512i, _ b: __m512i, _ row: Int) {
      guard row < rowCount else { return }
      let target = UnsafeMutableRawPointer(sums + 32 * row)
      target.storeBytes(of: a, as: __m512i.self)
      if blocks == 2 { target.storeBytes(of: b, toByteOffset: 64, as: __m512i.self) }
    }
    store(t.a0, t.b0, 0); store(t.a1, t.b1, 1); store(t.a2, t.b2, 2)
    store(t.a3, t.b3, 3); store(t.a4, t.b4, 4); store(t.a5, t.b5, 5)
  }

  /// `multiplyTile`, then each sum plus its channel's bias and its row's
  /// pixel term, requantized and stored as bytes, all in vector registers.
  @inline(never) @export(interface)
  public static func multiplyAndStoreTile(
    rows first: UnsafePointer<UInt8>, rowStride: Int, rowCount: Int,
    groups: Int, firstBlock: UnsafePointer<Int8>,
    secondBlock: UnsafePointer<Int8>?, requantization: FoldedRequantization,
    output: TileOutput
  ) {
    let t = multiply(rows: first, rowStride: rowStride, rowCount: rowCount,
                     groups: groups, firstBlock: firstBlock,
                     secondBlock: secondBlock)
    let requantizer = Requantizer(requantization)
    let lowChannels = min(output.channelsLeft, 16)
    let highChannels = secondBlock == nil ? 0 : min(output.channelsLeft - 16, 16)
    let lowBias = UnsafeRawPointer(output.bias).loadUnaligned(as: __m512i.self)
    let highBias = highChannels > 0
      ? UnsafeRawPointer(output.bias + 16).loadUnaligned(as: __m512i.self)
      : lowBias
    @inline(__always)
    func store(_ sum: __m512i, _ bias: __m512i, _ term: __m512i,
               _ channels: Int, _ place: UnsafeMutablePointer<UInt8>) {
      let bytes = requantizer.apply(
        _mm512_add_epi32(_mm512_add_epi32(sum, bias), term))
      if channels >= 16 {
        UnsafeMutableRawPointer(place).storeBytes(of: bytes, as: __m128i.self)
      } else {
        _mm_mask_storeu_epi8(place, __mmask16((1 << channels) - 1), bytes)
      }
    }
    @inline(__always)
    func storeRow(_ a: __m512i, _ b: __m512i, _ row: Int) {
      guard row < rowCount else { return }
      let term = _mm512_set1_epi32(output.pixelTerms[row])
      let place = output.bytes + row * output.rowStride
      store(a, lowBias, term, lowChannels, place)
      if highChannels > 0 { store(b, highBias, term, highChannels, place + 16) }
    }
    storeRow(t.a0, t.b0, 0); storeRow(t.a1, t.b1, 1); storeRow(t.a2, t.b2, 2)
    storeRow(t.a3, t.b3, 3); storeRow(t.a4, t.b4, 4); storeRow(t.a5, t.b5, 5)
  }

  /// The tile's sums (the `b` halves zero without a second block).
  @inline(__always)
  static func multiply(
    rows first: UnsafePointer<UInt8>, rowStride: Int, rowCount: Int,
    groups: Int, firstBlock: UnsafePointer<Int8>,
    secondBlock: UnsafePointer<Int8>?
  ) -> DotTile {
    let r0 = UnsafeRawPointer(first)
    let r1 = rowCount > 1 ? r0 + rowStride : r0
    let r2 = rowCount > 2 ? r0 + 2 * rowStride : r0
    let r3 = rowCount > 3 ? r0 + 3 * rowStride : r0
    let r4 = rowCount > 4 ? r0 + 4 * rowStride : r0
    let r5 = rowCount > 5 ? r0 + 5 * rowStride : r0
    let a = UnsafeRawPointer(firstBlock)
    let zero = _mm512_setzero_si512()
    var t = DotTile(a0: zero, a1: zero, a2: zero, a3: zero, a4: zero, a5: zero,
                    b0: zero, b1: zero, b2: zero, b3: zero, b4: zero, b5: zero)
    guard let secondBlock else {
      for group in 0..<groups {
        let w = load(a, 64 * group)
        let offset = 4 * group
        t.a0 = _mm512_dpbusd_epi32(t.a0, broadcast(r0, offset), w)
        t.a1 = _mm512_dpbusd_epi32(t.a1, broadcast(r1, offset), w)
        t.a2 = _mm512_dpbusd_epi32(t.a2, broadcast(r2, offset), w)
        t.a3 = _mm512_dpbusd_epi32(t.a3, broadcast(r3, offset), w)
        t.a4 = _mm512_dpbusd_epi32(t.a4, broadcast(r4, offset), w)
        t.a5 = _mm512_dpbusd_epi32(t.a5, broadcast(r5, offset), w)
      }
      return t
    }
    let b = UnsafeRawPointer(secondBlock)
    for group in 0..<groups {
      let wa = load(a, 64 * group)
      let wb = load(b, 64 * group)
      let offset = 4 * group
      var x = broadcast(r0, offset)
      t.a0 = _mm512_dpbusd_epi32(t.a0, x, wa); t.b0 = _mm512_dpbusd_epi32(t.b0, x, wb)
      x = broadcast(r1, offset)
      t.a1 = _mm512_dpbusd_epi32(t.a1, x, wa); t.b1 = _mm512_dpbusd_epi32(t.b1, x, wb)
      x = broadcast(r2, offset)
      t.a2 = _mm512_dpbusd_epi32(t.a2, x, wa); t.b2 = _mm512_dpbusd_epi32(t.b2, x, wb)
      x = broadcast(r3, offset)
      t.a3 = _mm512_dpbusd_epi32(t.a3, x, wa); t.b3 = _mm512_dpbusd_epi32(t.b3, x, wb)
      x = broadcast(r4, offset)
      t.a4 = _mm512_dpbusd_epi32(t.a4, x, wa); t.b4 = _mm512_dpbusd_epi32(t.b4, x, wb)
      x = broadcast(r5, offset)
      t.a5 = _mm512_dpbusd_epi32(t.a5, x, wa); t.b5 = _mm512_dpbusd_epi32(t.b5, x, wb)
    }
    return t
  }

  /// The four bytes at `row + offset` in every lane.
  @_transparent
  static func broadcast(_ row: UnsafeRawPointer, _ offset: Int) -> __m512i {
    _mm512_set1_epi32(row.loadUnaligned(fromByteOffset: offset, as: Int32.self))
  }

  @_transparent
  static func load(_ block: UnsafeRawPointer, _ offset: Int) -> __m512i {
    block.loadUnaligned(fromByteOffset: offset, as: __m512i.self)
  }

  /// sums[r] = Σ of the `depth` bytes of row r, for r < rowCount; rows are
  /// `rowStride` bytes apart.
  @inline(never) @export(interface)
  public static func byteSums(
    rows first: UnsafePointer<UInt8>, rowStride: Int, rowCount: Int,
    depth: Int, into sums: UnsafeMutablePointer<Int32>
  ) {
    for row in 0..<rowCount {
      let bytes = first + row * rowStride
      var total: UInt32 = 0
      for index in 0..<depth { total &+= UInt32(bytes[index]) }
      sums[row] = Int32(bitPattern: total)
    }
  }
}
#else
// No AVX-512 off x86_64: AVX512.isAvailable is false, so nothing calls
// these; they exist so the engine's call sites need no conditions.
extension IntegerDot {
  public static func multiplyTile(
    rows first: UnsafePointer<UInt8>, rowStride: Int, rowCount: Int,
    groups: Int, firstBlock: UnsafePointer<Int8>,
    secondBlock: UnsafePointer<Int8>?, into sums: UnsafeMutablePointer<Int32>
  ) {
    preconditionFailure("IntegerDot.multiplyTile without AVX-512")
  }

  public static func multiplyAndStoreTile(
    rows first: UnsafePointer<UInt8>, rowStride: Int, rowCount: Int,
    groups: Int, firstBlock: UnsafePointer<Int8>,
    secondBlock: UnsafePointer<Int8>?, requantization: FoldedRequantization,
    output: TileOutput
  ) {
    preconditionFailure("IntegerDot.multiplyAndStoreTile without AVX-512")
  }

  public static func byteSums(
    rows first: UnsafePointer<UInt8>, rowStride: Int, rowCount: Int,
    depth: Int, into sums: UnsafeMutablePointer<Int32>
  ) {
    preconditionFailure("IntegerDot.byteSums without AVX-512")
  }
}
#endif
