import CShims

/// Pointwise-convolution tiles in exact integer arithmetic with AVX-512
/// VNNI dot products (`vpdpbusd`), for x86_64 processors that have them.
///
/// This module is compiled for a processor with AVX-512 (Package.swift
/// gives it its own `-target-cpu`), so nothing here may run before
/// `IntegerDot.isAvailable` said yes; the rest of the engine is compiled
/// for plain AVX2 and asks first. The kernels are `@export(interface)`:
/// their bodies stay in this module, so no client compiles them again
/// for its own processor (Embedded Swift would otherwise). On aarch64 the module is empty: the Pi's
/// Cortex-A72 has no dot-product instructions.
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
/// Weight layout (`packedWeights`): blocks of 16 output channels; in a
/// block, for each group of four depth steps, 16 lanes of 4 bytes (lane c
/// holds channel c's weights for those four steps).
public enum IntegerDot {
  /// Rows (pixels) of one tile: 6 rows by 2 blocks is 12 accumulators,
  /// enough independent chains to hide the instruction's latency.
  public static let tileRows = 6
  /// Output channels of one weight block.
  public static let blockWidth = 16

  /// Whether this processor (and its operating system) runs AVX-512 VNNI
  /// and BW code; false on every other machine, and on aarch64.
  public static let isAvailable: Bool = {
    #if arch(x86_64)
    return shim_cpu_has_avx512_vnni() != 0
    #else
    return false
    #endif
  }()
}

#if arch(x86_64)
import _Builtin_intrinsics.intel

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
    let r0 = UnsafeRawPointer(first)
    let r1 = rowCount > 1 ? r0 + rowStride : r0
    let r2 = rowCount > 2 ? r0 + 2 * rowStride : r0
    let r3 = rowCount > 3 ? r0 + 3 * rowStride : r0
    let r4 = rowCount > 4 ? r0 + 4 * rowStride : r0
    let r5 = rowCount > 5 ? r0 + 5 * rowStride : r0
    if let secondBlock {
      multiplyTwoBlocks(r0, r1, r2, r3, r4, r5, groups: groups,
                        UnsafeRawPointer(firstBlock),
                        UnsafeRawPointer(secondBlock), rowCount: rowCount,
                        into: sums)
    } else {
      multiplyOneBlock(r0, r1, r2, r3, r4, r5, groups: groups,
                       UnsafeRawPointer(firstBlock), rowCount: rowCount,
                       into: sums)
    }
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

  @_transparent
  static func store(_ value: __m512i, _ rowCount: Int, _ row: Int,
                    _ target: UnsafeMutablePointer<Int32>) {
    guard row < rowCount else { return }
    UnsafeMutableRawPointer(target).storeBytes(of: value, as: __m512i.self)
  }

  @inline(__always)
  static func multiplyTwoBlocks(
    _ r0: UnsafeRawPointer, _ r1: UnsafeRawPointer, _ r2: UnsafeRawPointer,
    _ r3: UnsafeRawPointer, _ r4: UnsafeRawPointer, _ r5: UnsafeRawPointer,
    groups: Int, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer,
    rowCount: Int, into sums: UnsafeMutablePointer<Int32>
  ) {
    let zero = _mm512_setzero_si512()
    var s0a = zero, s0b = zero, s1a = zero, s1b = zero
    var s2a = zero, s2b = zero, s3a = zero, s3b = zero
    var s4a = zero, s4b = zero, s5a = zero, s5b = zero
    var offset = 0
    for group in 0..<groups {
      let wa = load(a, 64 * group)
      let wb = load(b, 64 * group)
      var x = broadcast(r0, offset)
      s0a = _mm512_dpbusd_epi32(s0a, x, wa); s0b = _mm512_dpbusd_epi32(s0b, x, wb)
      x = broadcast(r1, offset)
      s1a = _mm512_dpbusd_epi32(s1a, x, wa); s1b = _mm512_dpbusd_epi32(s1b, x, wb)
      x = broadcast(r2, offset)
      s2a = _mm512_dpbusd_epi32(s2a, x, wa); s2b = _mm512_dpbusd_epi32(s2b, x, wb)
      x = broadcast(r3, offset)
      s3a = _mm512_dpbusd_epi32(s3a, x, wa); s3b = _mm512_dpbusd_epi32(s3b, x, wb)
      x = broadcast(r4, offset)
      s4a = _mm512_dpbusd_epi32(s4a, x, wa); s4b = _mm512_dpbusd_epi32(s4b, x, wb)
      x = broadcast(r5, offset)
      s5a = _mm512_dpbusd_epi32(s5a, x, wa); s5b = _mm512_dpbusd_epi32(s5b, x, wb)
      offset += 4
    }
    store(s0a, rowCount, 0, sums); store(s0b, rowCount, 0, sums + 16)
    store(s1a, rowCount, 1, sums + 32); store(s1b, rowCount, 1, sums + 48)
    store(s2a, rowCount, 2, sums + 64); store(s2b, rowCount, 2, sums + 80)
    store(s3a, rowCount, 3, sums + 96); store(s3b, rowCount, 3, sums + 112)
    store(s4a, rowCount, 4, sums + 128); store(s4b, rowCount, 4, sums + 144)
    store(s5a, rowCount, 5, sums + 160); store(s5b, rowCount, 5, sums + 176)
  }

  @inline(__always)
  static func multiplyOneBlock(
    _ r0: UnsafeRawPointer, _ r1: UnsafeRawPointer, _ r2: UnsafeRawPointer,
    _ r3: UnsafeRawPointer, _ r4: UnsafeRawPointer, _ r5: UnsafeRawPointer,
    groups: Int, _ a: UnsafeRawPointer, rowCount: Int,
    into sums: UnsafeMutablePointer<Int32>
  ) {
    let zero = _mm512_setzero_si512()
    var s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero
    var offset = 0
    for group in 0..<groups {
      let w = load(a, 64 * group)
      s0 = _mm512_dpbusd_epi32(s0, broadcast(r0, offset), w)
      s1 = _mm512_dpbusd_epi32(s1, broadcast(r1, offset), w)
      s2 = _mm512_dpbusd_epi32(s2, broadcast(r2, offset), w)
      s3 = _mm512_dpbusd_epi32(s3, broadcast(r3, offset), w)
      s4 = _mm512_dpbusd_epi32(s4, broadcast(r4, offset), w)
      s5 = _mm512_dpbusd_epi32(s5, broadcast(r5, offset), w)
      offset += 4
    }
    store(s0, rowCount, 0, sums); store(s1, rowCount, 1, sums + 32)
    store(s2, rowCount, 2, sums + 64); store(s3, rowCount, 3, sums + 96)
    store(s4, rowCount, 4, sums + 128); store(s5, rowCount, 5, sums + 160)
  }
}
#endif

#if arch(x86_64)
extension IntegerDot {
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
#endif
