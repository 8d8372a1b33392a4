import CShims

/// Kernels for x86_64 processors with AVX-512 (F, BW, DQ, VL) and VNNI.
///
/// This module is compiled for such a processor (Package.swift gives it
/// its own `-target-cpu`), so nothing in it may run before
/// `AVX512.isAvailable` said yes; the rest of the engine is compiled for
/// plain AVX2 and asks first. The kernels are `@export(interface)`: their
/// bodies stay in this module, so no client compiles them again for its
/// own processor (Embedded Swift would otherwise). On aarch64 the module
/// is empty: the Pi's Cortex-A72 has neither these registers nor
/// dot-product instructions, and runs the engine's NEON code.
public enum AVX512 {
  /// Whether this processor (and its operating system) runs AVX-512 F, BW
  /// and VNNI code; false on every other machine, and on aarch64.
  public static let isAvailable: Bool = {
    #if arch(x86_64)
    return shim_cpu_has_avx512_vnni() != 0
    #else
    return false
    #endif
  }()
}

/// The engine's folded requantization (see `VectorRequantization` in
/// Inference), in the numbers the tile stores need:
///
///     out = clamp((x·multiplier + addend) >> shift, minimum, maximum) − offset
///
/// with x the int32 accumulator (bias included), the product and the sum in
/// 64 bits and the shift logical.
public struct FoldedRequantization {
  public var multiplier: Int32
  public var addend: Int64
  public var shift: Int64
  public var minimum: Int32
  public var maximum: Int32
  public var offset: Int32

  public init(multiplier: Int32, addend: Int64, shift: Int64, minimum: Int32,
              maximum: Int32, offset: Int32) {
    self.multiplier = multiplier
    self.addend = addend
    self.shift = shift
    self.minimum = minimum
    self.maximum = maximum
    self.offset = offset
  }
}

#if arch(x86_64)
import _Builtin_intrinsics.intel

/// `FoldedRequantization` on 16 lanes at a time.
struct Requantizer {
  let multiplier: __m512i
  let addend: __m512i
  let shift: __m512i
  let minimum: __m512i
  let maximum: __m512i
  let offset: __m512i

  @inline(__always)
  init(_ folded: FoldedRequantization) {
    multiplier = _mm512_set1_epi64(Int64(folded.multiplier))
    addend = _mm512_set1_epi64(folded.addend)
    shift = _mm512_set1_epi64(folded.shift)
    minimum = _mm512_set1_epi32(folded.minimum)
    maximum = _mm512_set1_epi32(folded.maximum)
    offset = _mm512_set1_epi32(folded.offset)
  }

  /// Accumulators to bytes. Even lanes: vpmuldq takes the low signed 32
  /// bits of each 64-bit pair; odd lanes are moved down first. The low
  /// 32 bits of each shifted sum go back to their lane.
  @inline(__always)
  func apply(_ x: __m512i) -> __m128i {
    let even = _mm512_srlv_epi64(
      _mm512_add_epi64(_mm512_mul_epi32(x, multiplier), addend), shift)
    let odd = _mm512_srlv_epi64(
      _mm512_add_epi64(
        _mm512_mul_epi32(_mm512_srli_epi64(x, 32), multiplier), addend),
      shift)
    let shifted = _mm512_mask_blend_epi32(
      0xAAAA, even, _mm512_slli_epi64(odd, 32))
    let clamped = _mm512_max_epi32(_mm512_min_epi32(shifted, maximum), minimum)
    return _mm512_cvtepi32_epi8(_mm512_sub_epi32(clamped, offset))
  }
}
#endif

#if arch(x86_64)
extension AVX512 {
  /// target[i] = Float(source[i]) − zeroPoint for i < count, 16 at a time
  /// (the exact whole numbers the float kernels multiply).
  @inline(never) @export(interface)
  public static func widen(_ source: UnsafePointer<UInt8>, count: Int,
                           zeroPoint: Int32,
                           into target: UnsafeMutablePointer<Float>) {
    let offset = _mm512_set1_ps(Float(zeroPoint))
    var index = 0
    while index < count {
      let lanes = min(16, count - index)
      let mask = __mmask16(truncatingIfNeeded: (1 << lanes) - 1)
      let bytes = _mm_maskz_loadu_epi8(mask, source + index)
      let values = _mm512_sub_ps(
        _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes)), offset)
      _mm512_mask_storeu_ps(target + index, mask, values)
      index += 16
    }
  }
}
#else
// See IntegerDot.swift: never called where AVX512.isAvailable is false.
extension AVX512 {
  public static func widen(_ source: UnsafePointer<UInt8>, count: Int,
                           zeroPoint: Int32,
                           into target: UnsafeMutablePointer<Float>) {
    preconditionFailure("AVX512.widen without AVX-512")
  }
}
#endif
