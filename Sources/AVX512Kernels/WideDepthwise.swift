/// 3x3 depthwise rows on 16 float lanes (see `FastDepthwise` in Inference,
/// whose 8-lane row this is, with the same arithmetic): widened input
/// rows hold x − zx as floats, the weights w − zw, every sum is a whole
/// number far below 2^24, so the float sums are exact, and the folded
/// requantization gives the reference's bytes.
public enum WideDepthwise {
  /// One output row of a 3x3 depthwise layer.
  public struct Row {
    /// The three widened input rows (the filter's rows), each pixel
    /// `channelStride` floats, padding columns zero, starting at the first
    /// column the row's first output pixel reads.
    public var top, middle, bottom: UnsafePointer<Float>
    /// [tap][channelStride] of w − zw, taps row by row.
    public var weights: UnsafePointer<Float>
    /// Per channel, `channelStride` of them.
    public var bias: UnsafePointer<Int32>
    /// Floats per widened pixel (the layer's channels rounded up to 8).
    public var channelStride: Int
    /// Floats from one output pixel's first tap to the next's (stride ·
    /// channelStride), and from one tap to the next (dilation ·
    /// channelStride).
    public var pixelStep, tapStep: Int
    public var outputWidth: Int
    /// The output row's first byte; pixels `outputChannels` bytes apart.
    public var output: UnsafeMutablePointer<UInt8>
    public var outputChannels: Int

    public init(top: UnsafePointer<Float>, middle: UnsafePointer<Float>,
                bottom: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                bias: UnsafePointer<Int32>, channelStride: Int, pixelStep: Int,
                tapStep: Int, outputWidth: Int,
                output: UnsafeMutablePointer<UInt8>, outputChannels: Int) {
      self.top = top
      self.middle = middle
      self.bottom = bottom
      self.weights = weights
      self.bias = bias
      self.channelStride = channelStride
      self.pixelStep = pixelStep
      self.tapStep = tapStep
      self.outputWidth = outputWidth
      self.output = output
      self.outputChannels = outputChannels
    }
  }

  /// Whether `rowChannels` can run a layer: blocks of 16 channels
  /// (`channelStride` a multiple of 16).
  public static func runsBlocks(channelStride: Int) -> Bool {
    channelStride % 16 == 0
  }

  /// Whether `rowPixelPairs` can run a layer: 8 channels, stride 1, so one
  /// 16-lane load holds the same tap of two neighbouring output pixels.
  public static func runsPixelPairs(channelStride: Int, outputChannels: Int,
                                    pixelStep: Int) -> Bool {
    channelStride == 8 && outputChannels == 8 && pixelStep == 8
  }
}

#if arch(x86_64)
import _Builtin_intrinsics.intel

extension WideDepthwise {
  /// The row's output for channels `16 · blocks.lowerBound ..< 16 ·
  /// blocks.upperBound` (those past `outputChannels` are not stored).
  @inline(never) @export(interface)
  public static func rowChannels(_ row: Row, blocks: Range<Int>,
                                 requantization: FoldedRequantization) {
    let requantizer = Requantizer(requantization)
    let tap = row.tapStep
    for block in blocks {
      let channel = 16 * block
      let w = UnsafeRawPointer(row.weights + channel)
      let stride = 4 * row.channelStride
      @inline(__always)
      func weight(_ index: Int) -> __m512 {
        w.loadUnaligned(fromByteOffset: index * stride, as: __m512.self)
      }
      let w0 = weight(0), w1 = weight(1), w2 = weight(2)
      let w3 = weight(3), w4 = weight(4), w5 = weight(5)
      let w6 = weight(6), w7 = weight(7), w8 = weight(8)
      let bias = UnsafeRawPointer(row.bias + channel)
        .loadUnaligned(as: __m512i.self)
      let count = min(16, row.outputChannels - channel)
      let mask = __mmask16(truncatingIfNeeded: (1 << count) - 1)
      var r0 = row.top + channel
      var r1 = row.middle + channel
      var r2 = row.bottom + channel
      var target = row.output + channel
      for _ in 0..<row.outputWidth {
        let sum = windowSum(r0, r1, r2, tap, w0, w1, w2, w3, w4, w5, w6, w7, w8,
                            loadMask: 0xFFFF)
        let bytes = requantizer.apply(
          _mm512_add_epi32(_mm512_cvttps_epi32(sum), bias))
        if count == 16 {
          UnsafeMutableRawPointer(target).storeBytes(of: bytes, as: __m128i.self)
        } else {
          _mm_mask_storeu_epi8(target, mask, bytes)
        }
        r0 += row.pixelStep; r1 += row.pixelStep; r2 += row.pixelStep
        target += row.outputChannels
      }
    }
  }

  /// The whole row of an 8-channel, stride-1 layer, two output pixels per
  /// vector (lanes 0..<8 the first pixel, 8..<16 the next).
  @inline(never) @export(interface)
  public static func rowPixelPairs(_ row: Row,
                                   requantization: FoldedRequantization) {
    let requantizer = Requantizer(requantization)
    let tap = row.tapStep
    @inline(__always)
    func weight(_ index: Int) -> __m512 {
      _mm512_broadcast_f32x8(UnsafeRawPointer(row.weights + 8 * index)
        .loadUnaligned(as: __m256.self))
    }
    let w0 = weight(0), w1 = weight(1), w2 = weight(2)
    let w3 = weight(3), w4 = weight(4), w5 = weight(5)
    let w6 = weight(6), w7 = weight(7), w8 = weight(8)
    let bias = _mm512_broadcast_i32x8(
      UnsafeRawPointer(row.bias).loadUnaligned(as: __m256i.self))
    var r0 = row.top, r1 = row.middle, r2 = row.bottom
    var target = row.output
    var pixel = 0
    while pixel < row.outputWidth {
      let pair = row.outputWidth - pixel >= 2
      let lanes: __mmask16 = pair ? 0xFFFF : 0x00FF
      let sum = windowSum(r0, r1, r2, tap, w0, w1, w2, w3, w4, w5, w6, w7, w8,
                          loadMask: lanes)
      let bytes = requantizer.apply(
        _mm512_add_epi32(_mm512_cvttps_epi32(sum), bias))
      if pair {
        UnsafeMutableRawPointer(target).storeBytes(of: bytes, as: __m128i.self)
      } else {
        _mm_mask_storeu_epi8(target, lanes, bytes)
      }
      r0 += 16; r1 += 16; r2 += 16
      target += 16
      pixel += 2
    }
  }

  /// The nine taps of one window: one chain per filter row (nine
  /// dependent FMAs would wait on latency), then the three rows added.
  /// Lanes outside `loadMask` read nothing and hold zero.
  @inline(__always)
  static func windowSum(
    _ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>,
    _ r2: UnsafePointer<Float>, _ tap: Int,
    _ w0: __m512, _ w1: __m512, _ w2: __m512, _ w3: __m512, _ w4: __m512,
    _ w5: __m512, _ w6: __m512, _ w7: __m512, _ w8: __m512,
    loadMask: __mmask16
  ) -> __m512 {
    @inline(__always)
    func load(_ pointer: UnsafePointer<Float>) -> __m512 {
      loadMask == 0xFFFF
        ? UnsafeRawPointer(pointer).loadUnaligned(as: __m512.self)
        : _mm512_maskz_loadu_ps(loadMask, pointer)
    }
    var top = _mm512_mul_ps(load(r0), w0)
    var middle = _mm512_mul_ps(load(r1), w3)
    var bottom = _mm512_mul_ps(load(r2), w6)
    top = _mm512_fmadd_ps(load(r0 + tap), w1, top)
    middle = _mm512_fmadd_ps(load(r1 + tap), w4, middle)
    bottom = _mm512_fmadd_ps(load(r2 + tap), w7, bottom)
    top = _mm512_fmadd_ps(load(r0 + 2 * tap), w2, top)
    middle = _mm512_fmadd_ps(load(r1 + 2 * tap), w5, middle)
    bottom = _mm512_fmadd_ps(load(r2 + 2 * tap), w8, bottom)
    return _mm512_add_ps(_mm512_add_ps(top, middle), bottom)
  }
}
#else
// See IntegerDot.swift: never called where AVX512.isAvailable is false.
extension WideDepthwise {
  public static func rowChannels(_ row: Row, blocks: Range<Int>,
                                 requantization: FoldedRequantization) {
    preconditionFailure("WideDepthwise.rowChannels without AVX-512")
  }

  public static func rowPixelPairs(_ row: Row,
                                   requantization: FoldedRequantization) {
    preconditionFailure("WideDepthwise.rowPixelPairs without AVX-512")
  }
}
#endif
