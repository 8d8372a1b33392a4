import CShims

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
///
/// Most layers take a shorter exact path. When the right shift e is at least
/// 1, there is no left shift, and the output zero point is at most the
/// clamp minimum, both roundings fold into one:
///
///     out = floor((x·M0 + 2^30 + 2^(30+e)) / 2^(31+e))
///
/// (nested floor divisions by positive integers compose). It differs from
/// the reference only for negative intermediate values, whose results are
/// at most 0 either way and clamp to the minimum. Adding 2^62 keeps the
/// 64-bit sum positive (|x·M0| < 2^62), so a logical shift is exact and the
/// result is offset by 2^(31−e), which the clamp bounds absorb.
struct VectorRequantization {
  let folded: Bool
  /// Folded, with the clamp range the whole of 0...255: then storing with
  /// saturation (`Bytes.storeSaturated`) is the clamp, and
  /// `applyUnclamped` leaves it to the store.
  let saturatesToBytes: Bool
  let foldedAddend: SIMD4<Int64>
  let foldedShift: SIMD4<UInt64>
  let foldedOffset: SIMD8<Int32>
  let foldedMinimum: SIMD8<Int32>
  let foldedMaximum: SIMD8<Int32>
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

    folded = left == 0 && right >= 1 && right <= 23
      && scalar.outputZeroPoint <= scalar.outputMinimum
    let e = Int64(folded ? right : 1)
    foldedAddend = SIMD4(repeating: (1 << 62) + (1 << 30) + (1 << (30 + e)))
    foldedShift = SIMD4(repeating: UInt64(31 + e))
    // out = r − 2^(31−e) + zeroPoint, clamped.
    let offset = Int32(1 << (31 - e)) - scalar.outputZeroPoint
    foldedOffset = SIMD8(repeating: offset)
    foldedMinimum = SIMD8(repeating: offset &+ scalar.outputMinimum)
    foldedMaximum = SIMD8(repeating: offset &+ scalar.outputMaximum)
    saturatesToBytes = folded && scalar.outputMinimum == 0
      && scalar.outputMaximum == 255
  }

  /// Accumulators (bias included) to clamped output values.
  @_transparent
  func apply(_ accumulator: SIMD8<Int32>) -> SIMD8<Int32> {
    folded ? applyFolded(accumulator) : applyInTwoSteps(accumulator)
  }

  @_transparent
  func applyFolded(_ x: SIMD8<Int32>) -> SIMD8<Int32> {
    let shifted = VectorRequantization.multiplyAddShift(
      x, by: multiplier, adding: foldedAddend, shift: foldedShift)
    var result = shifted
    for lane in 0..<8 {
      result[lane] = clamp(shifted[lane], foldedMinimum[lane],
                           foldedMaximum[lane])
    }
    return result &- foldedOffset
  }

  /// The folded result before the clamp: r − 2^(31−e) + zeroPoint, which
  /// fits in int32 (r lies in (0, 2^(32−e)) since |x·M0| < 2^62, e ≥ 1).
  @_transparent
  func applyUnclamped(_ x: SIMD8<Int32>) -> SIMD8<Int32> {
    VectorRequantization.multiplyAddShift(
      x, by: multiplier, adding: foldedAddend, shift: foldedShift)
      &- foldedOffset
  }

  /// Per lane, bits 0..31 of (x · factor + addend) >> shift in 64 bits.
  /// Even and odd lanes are multiplied in place as 64-bit pairs (one
  /// signed 32x32->64 multiply each, no lane shuffles) and blended back.
  @_transparent
  static func multiplyAddShift(
    _ x: SIMD8<Int32>, by factor: SIMD4<Int32>, adding addend: SIMD4<Int64>,
    shift: SIMD4<UInt64>
  ) -> SIMD8<Int32> {
    let pairs = unsafeBitCast(x, to: SIMD4<Int64>.self)
    let even = (pairs &<< 32) &>> 32
    let odd = pairs &>> 32
    let wide = SIMD4<Int64>(truncatingIfNeeded: factor)
    let evenResult = SIMD4<UInt64>(truncatingIfNeeded: even &* wide &+ addend)
      &>> shift
    let oddResult = SIMD4<UInt64>(truncatingIfNeeded: odd &* wide &+ addend)
      &>> shift
    let lowHalves = SIMD4<UInt64>(repeating: 0xffff_ffff)
    return unsafeBitCast((evenResult & lowHalves) | (oddResult &<< 32),
                         to: SIMD8<Int32>.self)
  }

  @_transparent
  func applyInTwoSteps(_ accumulator: SIMD8<Int32>) -> SIMD8<Int32> {
    let x = shiftsLeft ? accumulator &<< leftShift : accumulator
    let doubledHigh = VectorRequantization.multiplyAddShift(
      x, by: multiplier, adding: SIMD4(repeating: 1 << 30),
      shift: SIMD4(repeating: 31))

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
      result[lane] = clamp(shifted[lane], minimum[lane], maximum[lane])
    }
    return result
  }
}

/// `value` limited to lower...upper, written out (the generic min and max
/// stay out-of-line calls inside the kernels).
@_transparent
func clamp(_ value: Int32, _ lower: Int32, _ upper: Int32) -> Int32 {
  value < lower ? lower : value > upper ? upper : value
}

/// Unaligned loads and stores of short byte vectors.
enum Bytes {
  @_transparent
  static func load8(_ pointer: UnsafePointer<UInt8>) -> SIMD8<UInt8> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<UInt8>.self)
  }

  @_transparent
  static func store8(_ values: SIMD8<Int32>, _ pointer: UnsafeMutablePointer<UInt8>) {
    // Lane by lane: the generic narrowing conversion is a library call.
    var bytes = SIMD8<UInt8>()
    for lane in 0..<8 { bytes[lane] = UInt8(truncatingIfNeeded: values[lane]) }
    UnsafeMutableRawPointer(pointer).storeBytes(of: bytes, as: SIMD8<UInt8>.self)
  }

  /// Stores the first `count` (0...8) lanes.
  @_transparent
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

  /// Eight lanes saturated to 0...255 (values below 0 become 0, above 255
  /// become 255), with one 8-byte store.
  @_transparent
  static func storeSaturated(_ values: SIMD8<Int32>,
                             _ pointer: UnsafeMutablePointer<UInt8>) {
    shim_store_saturated8(values, pointer)
  }

  /// `low` then `high`, saturated to 0...255, with one 16-byte store.
  @_transparent
  static func storeSaturated(_ low: SIMD8<Int32>, _ high: SIMD8<Int32>,
                             _ pointer: UnsafeMutablePointer<UInt8>) {
    shim_store_saturated16(low, high, pointer)
  }

  /// x − zeroPoint for `count` bytes, as float, eight at a time.
  @_transparent
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
@_transparent
func wholeNumbers(_ x: SIMD8<Float>) -> SIMD8<Int32> {
  SIMD8<Int32>(Int32(x[0]), Int32(x[1]), Int32(x[2]), Int32(x[3]),
               Int32(x[4]), Int32(x[5]), Int32(x[6]), Int32(x[7]))
}
