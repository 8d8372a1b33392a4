/// `Requantization` for eight lanes at once, bit-identical to the scalar
/// path (tests compare the two over millions of accumulators).
///
/// SaturatingRoundingDoublingHighMul is computed as floor((a·b + 2^30) /
/// 2^31): for a·b ≥ 0 that is the reference's nudge and truncation, and for
/// a·b < 0 the reference truncates (a·b + 1 − 2^30) / 2^31 toward zero,
/// which is the same ceiling, i.e. the same floor. The one saturating case
/// (both operands INT32_MIN) cannot occur because M0 > 0. Taking bits 31..62
/// of the 64-bit sum with a logical shift equals the arithmetic shift after
/// truncation to 32 bits, and vector units have the logical one.
struct VectorRequantization {
  let leftShift: SIMD8<Int32>
  let shiftsLeft: Bool
  let multiplier: SIMD4<Int32>
  let rightShift: SIMD8<Int32>
  let remainderMask: SIMD8<Int32>
  let halfMask: SIMD8<Int32>
  let zeroPoint: SIMD8<Int32>
  let minimum: SIMD8<Int32>
  let maximum: SIMD8<Int32>

  init(_ scalar: Requantization) {
    let left = Int32(max(scalar.shift, 0))
    let right = Int32(max(-scalar.shift, 0))
    leftShift = SIMD8(repeating: left)
    shiftsLeft = left > 0
    multiplier = SIMD4(repeating: scalar.multiplier)
    rightShift = SIMD8(repeating: right)
    let mask = Int32(truncatingIfNeeded: (Int64(1) << Int64(right)) - 1)
    remainderMask = SIMD8(repeating: mask)
    halfMask = SIMD8(repeating: mask >> 1)
    zeroPoint = SIMD8(repeating: scalar.outputZeroPoint)
    minimum = SIMD8(repeating: scalar.outputMinimum)
    maximum = SIMD8(repeating: scalar.outputMaximum)
  }

  /// Accumulators (bias included) to clamped output values.
  @inline(__always)
  func apply(_ accumulator: SIMD8<Int32>) -> SIMD8<Int32> {
    let x = shiftsLeft ? accumulator &<< leftShift : accumulator
    let nudge = SIMD4<Int64>(repeating: 1 << 30)
    // Both factors visibly sign-extended from 32 bits, so the product is
    // one signed 32x32->64 multiply per lane pair (pmuldq, smull).
    let factor = SIMD4<Int64>(truncatingIfNeeded: multiplier)
    let low = SIMD4<Int64>(truncatingIfNeeded: x.lowHalf) &* factor &+ nudge
    let high = SIMD4<Int64>(truncatingIfNeeded: x.highHalf) &* factor &+ nudge
    let doubledHigh = SIMD8<Int32>(
      lowHalf: SIMD4<Int32>(truncatingIfNeeded:
        SIMD4<UInt64>(truncatingIfNeeded: low) &>> 31),
      highHalf: SIMD4<Int32>(truncatingIfNeeded:
        SIMD4<UInt64>(truncatingIfNeeded: high) &>> 31))

    let zero = SIMD8<Int32>(repeating: 0)
    let one = SIMD8<Int32>(repeating: 1)
    let threshold = halfMask &+ zero.replacing(with: one, where: doubledHigh .< zero)
    let remainder = doubledHigh & remainderMask
    let rounded = (doubledHigh &>> rightShift)
      &+ zero.replacing(with: one, where: remainder .> threshold)

    // Lane by lane, because clamped(lowerBound:upperBound:) is an
    // out-of-line generic call; this compiles to vector max and min.
    let shifted = rounded &+ zeroPoint
    var result = shifted
    for lane in 0..<8 {
      result[lane] = min(max(shifted[lane], minimum[lane]), maximum[lane])
    }
    return result
  }
}

/// Unaligned loads and stores of short byte vectors.
enum Bytes {
  @inline(__always)
  static func load8(_ pointer: UnsafePointer<UInt8>) -> SIMD8<UInt8> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<UInt8>.self)
  }

  @inline(__always)
  static func store8(_ values: SIMD8<Int32>, _ pointer: UnsafeMutablePointer<UInt8>) {
    // Lane by lane: the generic narrowing conversion is a library call.
    var bytes = SIMD8<UInt8>()
    for lane in 0..<8 { bytes[lane] = UInt8(truncatingIfNeeded: values[lane]) }
    UnsafeMutableRawPointer(pointer).storeBytes(of: bytes, as: SIMD8<UInt8>.self)
  }

  /// Stores the first `count` (0...8) lanes.
  @inline(__always)
  static func store(_ values: SIMD8<Int32>, _ pointer: UnsafeMutablePointer<UInt8>,
                    count: Int) {
    if count >= 8 {
      store8(values, pointer)
      return
    }
    for lane in 0..<count {
      pointer[lane] = UInt8(truncatingIfNeeded: values[lane])
    }
  }

  /// x − zeroPoint for `count` bytes, as float, eight at a time.
  @inline(__always)
  static func widen(_ source: UnsafePointer<UInt8>, count: Int,
                    zeroPoint: Int32, into target: UnsafeMutablePointer<Float>) {
    let offset = SIMD8<Float>(repeating: Float(zeroPoint))
    var index = 0
    while index + 8 <= count {
      let bytes = load8(source + index)
      let values = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: bytes)) - offset
      UnsafeMutableRawPointer(target + index).storeBytes(
        of: values, as: SIMD8<Float>.self)
      index += 8
    }
    while index < count {
      target[index] = Float(Int32(source[index]) - zeroPoint)
      index += 1
    }
  }
}

/// Float lanes holding whole numbers, as int32. Written lane by lane
/// because the generic SIMD conversion is a scalar library call; this form
/// compiles to one vector convert (cvttps2dq, fcvtzs) with -Ounchecked.
@inline(__always)
func wholeNumbers(_ x: SIMD8<Float>) -> SIMD8<Int32> {
  SIMD8<Int32>(Int32(x[0]), Int32(x[1]), Int32(x[2]), Int32(x[3]),
               Int32(x[4]), Int32(x[5]), Int32(x[6]), Int32(x[7]))
}
