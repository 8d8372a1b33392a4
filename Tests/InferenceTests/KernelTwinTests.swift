@testable import Inference
import AVX512Kernels
import XCTest

/// Each optimized kernel against its reference twin on random shapes,
/// zero points, weights and biases, split across 1, 2 and 3 workers.
final class KernelTwinTests: XCTestCase {
  var generator = SplitMix(seed: 20261203)

  func randomBytes(_ count: Int) -> [UInt8] {
    (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
  }

  func randomRequantization() -> Requantization {
    // Real multipliers like the model's (1e-4 .. 0.5), sometimes above 1.
    let exponent = -Double(generator.next() % 14) - 1
    let real = (1 + Double(generator.next() % 1000) / 1000) * pow2(exponent)
      * (generator.next() % 10 == 0 ? 64 : 1)
    let (multiplier, shift) = Requantization.quantize(multiplier: real)
    // Half the layers like the model's (zero point 0), half anything.
    let zeroPoint = generator.next() % 2 == 0 ? 0 : Int32(generator.next() % 256)
    return Requantization(multiplier: multiplier, shift: shift,
                          outputZeroPoint: zeroPoint, outputMinimum: 0,
                          outputMaximum: 255)
  }

  func pow2(_ exponent: Double) -> Double {
    var value = 1.0
    for _ in 0..<Int(-exponent) { value /= 2 }
    return value
  }

  func randomBias(_ count: Int) -> [Int32] {
    (0..<count).map { _ in Int32(Int(generator.next() % 120_001) - 60_000) }
  }

  func randomGeometry(depthwise: Bool) -> WindowGeometry {
    let filters = [(1, 1), (3, 3), (1, 3), (5, 5), (2, 2)]
    let filter = filters[Int(generator.next() % UInt64(filters.count))]
    let inputChannels = 1 + Int(generator.next() % 40)
    let outputChannels = depthwise ? inputChannels
      : 1 + Int(generator.next() % 40)
    return WindowGeometry(
      inputHeight: 1 + Int(generator.next() % 13),
      inputWidth: 1 + Int(generator.next() % 13),
      inputChannels: inputChannels, outputChannels: outputChannels,
      filterHeight: filter.0, filterWidth: filter.1,
      strideHeight: 1 + Int(generator.next() % 2),
      strideWidth: 1 + Int(generator.next() % 2),
      dilationHeight: generator.next() % 6 == 0 ? 2 : 1,
      dilationWidth: generator.next() % 8 == 0 ? 2 : 1,
      padding: generator.next() % 2 == 0 ? .same : .valid)
  }

  /// Runs an optimized step as `parts` workers would, phase by phase.
  func runSplit(_ step: (Int, Int, Int, UnsafeMutablePointer<Float>) -> Void,
                phases: Int, parts: Int, scratchFloats: Int) {
    let scratch = (0..<parts).map { _ in
      UnsafeMutablePointer<Float>.allocate(capacity: max(scratchFloats, 64))
    }
    defer { scratch.forEach { $0.deallocate() } }
    for phase in 0..<phases {
      for part in 0..<parts { step(phase, part, parts, scratch[part]) }
    }
  }

  func testConvolutionMatchesReferenceOnRandomShapes() {
    var checked = 0
    while checked < 300 {
      let geometry = randomGeometry(depthwise: false)
      guard geometry.outputHeight >= 1, geometry.outputWidth >= 1 else { continue }
      let parameters = ConvolutionParameters(
        geometry: geometry,
        inputZeroPoint: Int32(generator.next() % 256),
        weightZeroPoint: Int32(generator.next() % 256),
        weights: randomBytes(geometry.outputChannels * geometry.filterHeight
                             * geometry.filterWidth * geometry.inputChannels),
        bias: randomBias(geometry.outputChannels),
        requantization: randomRequantization())
      let input = randomBytes(geometry.inputByteCount)
      var expected = [UInt8](repeating: 0, count: geometry.outputByteCount)
      ReferenceKernels.convolution(parameters, input: input, output: &expected)
      for integerDot in [false, true] {
        checkConvolution(FastConvolution(parameters, integerDot: integerDot),
                         input: input, expected: expected)
      }
      checked += 1
    }
  }

  /// A kernel split between 1, 2 and 3 workers, phase by phase, must
  /// write `expected` from `input`.
  func checkSplit(
    input: [UInt8], expected: [UInt8], phases: Int, scratchFloats: Int,
    _ name: String, file: StaticString, line: UInt,
    run: (_ phase: Int, _ part: Int, _ parts: Int, _ input: UnsafePointer<UInt8>,
          _ output: UnsafeMutablePointer<UInt8>,
          _ scratch: UnsafeMutablePointer<Float>) -> Void
  ) {
    for parts in 1...3 {
      var actual = [UInt8](repeating: 0, count: expected.count)
      input.withUnsafeBufferPointer { source in
        actual.withUnsafeMutableBufferPointer { target in
          runSplit({ phase, part, parts, scratch in
            run(phase, part, parts, source.baseAddress!, target.baseAddress!, scratch)
          }, phases: phases, parts: parts, scratchFloats: scratchFloats)
        }
      }
      XCTAssertEqual(actual, expected, "\(name), \(parts) parts", file: file, line: line)
    }
  }

  func checkConvolution(_ fast: FastConvolution, input: [UInt8],
                        expected: [UInt8], file: StaticString = #filePath,
                        line: UInt = #line) {
    checkSplit(input: input, expected: expected, phases: fast.phaseCount,
               scratchFloats: fast.scratchFloats,
               "\(fast.parameters.geometry) layout \(fast.layout)",
               file: file, line: line) { phase, part, parts, input, output, scratch in
      fast.run(phase: phase, part: part, parts: parts, input: input,
               output: output, scratch: scratch)
    }
  }

  /// Pointwise layers whose depth is a multiple of 4 take the integer
  /// dot-product layout on a processor with AVX-512 VNNI; random depths,
  /// widths (partial tiles), channel counts (one block, odd block counts,
  /// partial blocks) and zero points, including the extreme ones.
  func testIntegerDotPointwiseMatchesReference() throws {
    try XCTSkipUnless(AVX512.isAvailable,
                      "this processor has no AVX-512 VNNI; the float path runs instead")
    for index in 0..<300 {
      let depth = 4 * (1 + Int(generator.next() % 72))
      let geometry = WindowGeometry(
        inputHeight: 1 + Int(generator.next() % 9),
        inputWidth: 1 + Int(generator.next() % 9),
        inputChannels: depth, outputChannels: 1 + Int(generator.next() % 70),
        filterHeight: 1, filterWidth: 1, strideHeight: 1, strideWidth: 1,
        dilationHeight: 1, dilationWidth: 1, padding: .same)
      let extremes: [Int32] = [0, 255, 128]
      let inputZeroPoint = index < 3 ? extremes[index]
        : Int32(generator.next() % 256)
      let weightZeroPoint = index < 3 ? extremes[2 - index]
        : Int32(generator.next() % 256)
      let parameters = ConvolutionParameters(
        geometry: geometry, inputZeroPoint: inputZeroPoint,
        weightZeroPoint: weightZeroPoint,
        weights: randomBytes(geometry.outputChannels * depth),
        bias: randomBias(geometry.outputChannels),
        requantization: randomRequantization())
      let input = randomBytes(geometry.inputByteCount)
      var expected = [UInt8](repeating: 0, count: geometry.outputByteCount)
      ReferenceKernels.convolution(parameters, input: input, output: &expected)
      let fast = FastConvolution(parameters)
      XCTAssertEqual(fast.layout, .pointwiseIntegerDot, "\(geometry)")
      checkConvolution(fast, input: input, expected: expected)
    }
  }

  func testDepthwiseMatchesReferenceOnRandomShapes() {
    var checked = 0
    while checked < 300 {
      let geometry = randomGeometry(depthwise: true)
      guard geometry.outputHeight >= 1, geometry.outputWidth >= 1 else { continue }
      let parameters = DepthwiseParameters(
        geometry: geometry,
        inputZeroPoint: Int32(generator.next() % 256),
        weightZeroPoint: Int32(generator.next() % 256),
        weights: randomBytes(geometry.filterHeight * geometry.filterWidth
                             * geometry.outputChannels),
        bias: randomBias(geometry.outputChannels),
        requantization: randomRequantization())
      let input = randomBytes(geometry.inputByteCount)
      var expected = [UInt8](repeating: 0, count: geometry.outputByteCount)
      ReferenceKernels.depthwise(parameters, input: input, output: &expected)
      for wide in [false, true] {
        checkDepthwise(FastDepthwise(parameters, wide: wide), input: input,
                       expected: expected)
      }
      checked += 1
    }
  }

  func checkDepthwise(_ fast: FastDepthwise, input: [UInt8], expected: [UInt8],
                      file: StaticString = #filePath, line: UInt = #line) {
    checkSplit(input: input, expected: expected, phases: 1,
               scratchFloats: fast.scratchFloats,
               "\(fast.parameters.geometry) wide \(String(describing: fast.wideRows))",
               file: file, line: line) { _, part, parts, input, output, scratch in
      fast.run(part: part, parts: parts, input: input, output: output,
               scratch: scratch)
    }
  }

  /// 3x3 depthwise layers with a folded requantization (output zero point
  /// 0, as in the model) take the 16-lane rows on a processor with
  /// AVX-512: channels in blocks of 16 (with a partial last block), and
  /// 8-channel stride-1 layers two pixels at a time (odd widths leave a
  /// single last pixel).
  func testWideDepthwiseMatchesReference() throws {
    try XCTSkipUnless(AVX512.isAvailable,
                      "this processor has no AVX-512; the 8-lane rows run instead")
    var counts: [FastDepthwise.WideRows: Int] = [:]
    for index in 0..<300 {
      let pairs = index % 3 == 0
      let channels = pairs ? 8 : 16 * (1 + Int(generator.next() % 4))
        - Int(generator.next() % 4)
      let stride = pairs ? 1 : 1 + Int(generator.next() % 2)
      let geometry = WindowGeometry(
        inputHeight: 1 + Int(generator.next() % 12),
        inputWidth: 1 + Int(generator.next() % 12),
        inputChannels: channels, outputChannels: channels,
        filterHeight: 3, filterWidth: 3, strideHeight: stride, strideWidth: stride,
        dilationHeight: 1, dilationWidth: generator.next() % 5 == 0 ? 2 : 1,
        padding: generator.next() % 2 == 0 ? .same : .valid)
      guard geometry.outputHeight >= 1, geometry.outputWidth >= 1 else { continue }
      // Real multipliers below 1 and zero point 0: the folded form.
      let (multiplier, shift) = Requantization.quantize(
        multiplier: Double(1 + generator.next() % 1000) / 4000)
      let requantization = Requantization(
        multiplier: multiplier, shift: shift, outputZeroPoint: 0,
        outputMinimum: 0, outputMaximum: index % 4 == 0 ? 240 : 255)
      let parameters = DepthwiseParameters(
        geometry: geometry,
        inputZeroPoint: Int32(generator.next() % 256),
        weightZeroPoint: Int32(generator.next() % 256),
        weights: randomBytes(9 * channels),
        bias: randomBias(channels), requantization: requantization)
      let input = randomBytes(geometry.inputByteCount)
      var expected = [UInt8](repeating: 0, count: geometry.outputByteCount)
      ReferenceKernels.depthwise(parameters, input: input, output: &expected)
      let fast = FastDepthwise(parameters)
      let wideRows = try XCTUnwrap(fast.wideRows, "\(geometry)")
      counts[wideRows, default: 0] += 1
      checkDepthwise(fast, input: input, expected: expected)
    }
    XCTAssertGreaterThan(counts[.channelBlocks, default: 0], 100)
    XCTAssertGreaterThan(counts[.pixelPairs, default: 0], 50)
  }

  func testLongSumsAreSplitIntoExactChunks() {
    // 600 input channels at the extremes: one float pass would exceed 2^24.
    let geometry = WindowGeometry(
      inputHeight: 2, inputWidth: 3, inputChannels: 600, outputChannels: 20,
      filterHeight: 1, filterWidth: 1, strideHeight: 1, strideWidth: 1,
      padding: .same)
    let parameters = ConvolutionParameters(
      geometry: geometry, inputZeroPoint: 0, weightZeroPoint: 0,
      weights: [UInt8](repeating: 255, count: 20 * 600),
      bias: [Int32](repeating: 0, count: 20),
      requantization: Requantization(
        multiplier: Requantization.quantize(multiplier: 1.0 / 65536).0,
        shift: Requantization.quantize(multiplier: 1.0 / 65536).1,
        outputZeroPoint: 0, outputMinimum: 0, outputMaximum: 255))
    let fast = FastConvolution(parameters, integerDot: false)
    XCTAssertEqual(fast.layout, .pointwise)
    XCTAssertEqual(fast.chunkDepth, 258)
    let input = [UInt8](repeating: 255, count: geometry.inputByteCount)
    var expected = [UInt8](repeating: 0, count: geometry.outputByteCount)
    ReferenceKernels.convolution(parameters, input: input, output: &expected)
    // 600 · 255 · 255 / 65536 = 595.3..., clamped to 255.
    XCTAssertEqual(expected[0], 255)
    checkConvolution(fast, input: input, expected: expected)
    // The integer dot-product path has no chunks; it must agree as well.
    checkConvolution(FastConvolution(parameters), input: input, expected: expected)
  }

  func testVectorRequantizationMatchesScalar() {
    var saturatedLayers = 0
    for _ in 0..<2000 {
      let scalar = randomRequantization()
      let vector = VectorRequantization(scalar)
      var lanes = SIMD8<Int32>()
      for lane in 0..<8 {
        let magnitude = Int32(truncatingIfNeeded: generator.next() % (1 << 25))
        lanes[lane] = generator.next() % 2 == 0 ? magnitude : -magnitude
      }
      // The extremes of int32 as well.
      if generator.next() % 4 == 0 {
        lanes[0] = Int32.max
        lanes[1] = Int32.min
        lanes[2] = Int32.min + 1
      }
      let result = vector.apply(lanes)
      for lane in 0..<8 {
        XCTAssertEqual(UInt8(truncatingIfNeeded: result[lane]),
                       scalar.apply(lanes[lane]))
      }
      // Layers whose clamp is all of 0...255 leave it to a saturating store.
      if vector.saturatesToBytes {
        saturatedLayers += 1
        var stored = [UInt8](repeating: 0, count: 24)
        stored.withUnsafeMutableBufferPointer { bytes in
          Bytes.storeSaturated(vector.applyUnclamped(lanes), bytes.baseAddress!)
          Bytes.storeSaturated(vector.applyUnclamped(lanes),
                               vector.applyUnclamped(lanes &* 3 / 7),
                               bytes.baseAddress! + 8)
        }
        for lane in 0..<8 {
          XCTAssertEqual(stored[lane], scalar.apply(lanes[lane]))
          XCTAssertEqual(stored[8 + lane], scalar.apply(lanes[lane]))
          XCTAssertEqual(stored[16 + lane], scalar.apply(lanes[lane] &* 3 / 7))
        }
      }
    }
    XCTAssertGreaterThan(saturatedLayers, 500)
  }

  func testSaturatedStoresClampEveryRange() {
    let edges: [Int32] = [.min, -65_536, -32_769, -32_768, -256, -1, 0, 1, 127,
                          128, 254, 255, 256, 32_767, 32_768, 65_535, .max]
    var values = edges
    while values.count % 16 != 0 {
      values.append(Int32(truncatingIfNeeded: generator.next()))
    }
    for start in stride(from: 0, to: values.count, by: 16) {
      let low = SIMD8<Int32>(values[start..<start + 8])
      let high = SIMD8<Int32>(values[start + 8..<start + 16])
      var stored = [UInt8](repeating: 7, count: 24)
      stored.withUnsafeMutableBufferPointer { bytes in
        Bytes.storeSaturated(low, high, bytes.baseAddress!)
        Bytes.storeSaturated(high, bytes.baseAddress! + 16)
      }
      let expected = values[start..<start + 16].map {
        UInt8(min(max($0, 0), 255))
      }
      XCTAssertEqual(Array(stored[0..<16]), expected)
      XCTAssertEqual(Array(stored[16..<24]), Array(expected[8..<16]))
    }
  }
}

/// A small deterministic generator for test data.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
