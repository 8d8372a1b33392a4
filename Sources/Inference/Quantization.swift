/// TFLite's fixed-point requantization, reproduced exactly.
///
/// A real multiplier m (0 < m < 1 for every layer here) is stored as an
/// int32 `multiplier` M0 in [2^30, 2^31) and a `shift` with
/// m ≈ M0 · 2^(shift − 31). An int32 accumulator is scaled by
///
///     out = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(acc · 2^left, M0), right)
///
/// with left = max(shift, 0) and right = max(−shift, 0): gemmlowp's double
/// rounding. The high multiply rounds ties up (+0.5 → 1, −0.5 → 0); the
/// division by 2^right rounds ties away from zero. Bit-exactness with the
/// reference kernels depends on every detail, including how the real
/// multiplier is formed (see `convolutionMultiplier`).
public struct Requantization: Equatable {
  public let multiplier: Int32
  public let shift: Int
  public let outputZeroPoint: Int32
  public let outputMinimum: Int32
  public let outputMaximum: Int32

  public init(multiplier: Int32, shift: Int, outputZeroPoint: Int32,
              outputMinimum: Int32, outputMaximum: Int32) {
    self.multiplier = multiplier
    self.shift = shift
    self.outputZeroPoint = outputZeroPoint
    self.outputMinimum = outputMinimum
    self.outputMaximum = outputMaximum
  }

  /// The real multiplier of a convolution, formed as TFLite does: the
  /// product of the input and weight scales is rounded to float32 first.
  public static func convolutionMultiplier(
    inputScale: Float, weightScale: Float, outputScale: Float
  ) -> Double {
    Double(inputScale * weightScale) / Double(outputScale)
  }

  /// Splits a positive real multiplier into M0 and shift (TFLite's
  /// QuantizeMultiplier): M0 = round(frexp fraction · 2^31), half away.
  public static func quantize(multiplier real: Double) -> (Int32, Int) {
    guard real > 0, real.isFinite else { return (0, 0) }
    var exponent = Int(real.exponent) + 1
    let fraction = real.significand / 2   // in [0.5, 1)
    var fixed = (fraction * 2147483648.0).rounded(.toNearestOrAwayFromZero)
    if fixed == 2147483648.0 {
      fixed /= 2
      exponent += 1
    }
    if exponent < -31 { return (0, 0) }
    if exponent > 30 { return (Int32.max, 30) }
    return (Int32(fixed), exponent)
  }

  /// The clamp range of a fused activation in the quantized domain.
  public static func activationRange(
    _ activation: FusedActivation, scale: Float, zeroPoint: Int32
  ) -> (Int32, Int32) {
    func quantized(_ real: Float) -> Int32 {
      zeroPoint + Int32((real / scale).rounded(.toNearestOrAwayFromZero))
    }
    switch activation {
    case .none: return (0, 255)
    case .relu: return (max(0, quantized(0)), 255)
    case .relu6: return (max(0, quantized(0)), min(255, quantized(6)))
    case .reluN1To1: return (max(0, quantized(-1)), min(255, quantized(1)))
    }
  }

  /// The whole scalar path: accumulator (bias included) to output byte.
  @inline(__always)
  public func apply(_ accumulator: Int32) -> UInt8 {
    let scaled = Requantization.multiplyByQuantizedMultiplier(
      accumulator, multiplier, shift)
    let shifted = scaled &+ outputZeroPoint
    return UInt8(truncatingIfNeeded:
      min(max(shifted, outputMinimum), outputMaximum))
  }

  /// gemmlowp SaturatingRoundingDoublingHighMul: the high 32 bits of
  /// 2·a·b, ties rounded up. Only INT32_MIN·INT32_MIN saturates.
  @inline(__always)
  public static func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32)
    -> Int32
  {
    if a == Int32.min && b == Int32.min { return Int32.max }
    let product = Int64(a) * Int64(b)
    let nudge: Int64 = product >= 0 ? 1 << 30 : 1 - (1 << 30)
    // C++ integer division truncates toward zero; Swift's `/` does too.
    return Int32(truncatingIfNeeded: (product + nudge) / (1 << 31))
  }

  /// gemmlowp RoundingDivideByPOT: x / 2^exponent, rounded half away from
  /// zero.
  @inline(__always)
  public static func roundingDivideByPowerOfTwo(_ x: Int32, _ exponent: Int)
    -> Int32
  {
    let mask = Int32(truncatingIfNeeded: (Int64(1) << exponent) - 1)
    let remainder = x & mask
    let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
    return (x >> Int32(exponent)) + (remainder > threshold ? 1 : 0)
  }

  @inline(__always)
  public static func multiplyByQuantizedMultiplier(
    _ x: Int32, _ multiplier: Int32, _ shift: Int
  ) -> Int32 {
    let left = shift > 0 ? shift : 0
    let right = shift > 0 ? 0 : -shift
    return roundingDivideByPowerOfTwo(
      saturatingRoundingDoublingHighMul(x &* (1 << Int32(left)), multiplier),
      right)
  }
}
