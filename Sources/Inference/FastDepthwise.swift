import AVX512Kernels

/// The optimized DEPTHWISE_CONV_2D, exact to `ReferenceKernels.depthwise`
/// (a window of at most 3x3 · 255 · 255 is far inside float's exact range;
/// larger windows fall back to the reference kernel).
///
/// Each thread takes a band of output rows. Input rows are widened to
/// float once into a small ring of row buffers, with zero columns for the
/// padding and channels rounded up to whole vectors of eight, so the inner
/// loop has no bounds checks: per output pixel and eight channels, one FMA
/// per filter tap, then one vector requantization. On a processor with
/// AVX-512, 3x3 layers with a folded requantization run the same
/// arithmetic on 16 lanes (`WideDepthwise`): 16 channels at a time, or two
/// neighbouring pixels of an 8-channel layer.
final class FastDepthwise {
  enum WideRows {
    case channelBlocks, pixelPairs
  }

  let parameters: DepthwiseParameters
  let useReference: Bool
  /// Channels rounded up to a multiple of 8.
  let paddedChannels: Int
  /// Floats per widened row, padding columns included.
  let paddedWidth: Int
  /// Rows kept in the ring: the filter's vertical span.
  let ringRows: Int
  /// [tap][paddedChannels] of (w − zw).
  let weights: UnsafeMutablePointer<Float>
  let bias: UnsafeMutablePointer<Int32>
  let requantization: VectorRequantization
  /// How the 16-lane rows run this layer, if they do.
  let wideRows: WideRows?
  let wideRequantization: FoldedRequantization?

  /// `wide`: take the 16-lane rows where they apply (only where
  /// `AVX512.isAvailable`).
  init(_ parameters: DepthwiseParameters, wide: Bool = AVX512.isAvailable) {
    self.parameters = parameters
    let g = parameters.geometry
    let taps = g.filterHeight * g.filterWidth
    paddedChannels = (g.outputChannels + 7) / 8 * 8
    paddedWidth = max((g.outputWidth - 1) * g.strideWidth
                      + (g.filterWidth - 1) * g.dilationWidth + 1,
                      g.padLeft + g.inputWidth)
    ringRows = (g.filterHeight - 1) * g.dilationHeight + 1
    let largestInput = Int(max(parameters.inputZeroPoint,
                               255 - parameters.inputZeroPoint))
    useReference = taps * largestInput * 255 >= 1 << 24 || ringRows > 64
    weights = allocateAligned(Float.self, count: taps * paddedChannels)
    weights.initialize(repeating: 0, count: taps * paddedChannels)
    bias = allocateAligned(Int32.self, count: paddedChannels)
    bias.initialize(repeating: 0, count: paddedChannels)
    for channel in 0..<g.outputChannels {
      bias[channel] = parameters.bias[channel]
      for tap in 0..<taps {
        weights[tap * paddedChannels + channel] = Float(
          Int32(parameters.weights[tap * g.outputChannels + channel])
            - parameters.weightZeroPoint)
      }
    }
    requantization = VectorRequantization(parameters.requantization)
    wideRequantization = requantization.foldedForAVX512
    let pixelStep = g.strideWidth * paddedChannels
    if !wide || !AVX512.isAvailable || useReference || wideRequantization == nil
      || g.filterHeight != 3 || g.filterWidth != 3 {
      wideRows = nil
    } else if WideDepthwise.runsBlocks(channelStride: paddedChannels) {
      wideRows = .channelBlocks
    } else if WideDepthwise.runsPixelPairs(
      channelStride: paddedChannels, outputChannels: g.outputChannels,
      pixelStep: pixelStep) {
      wideRows = .pixelPairs
    } else {
      wideRows = nil
    }
  }

  deinit {
    weights.deallocate()
    bias.deallocate()
  }

  /// Per-thread floats: the ring of rows plus one row of zeros.
  var scratchFloats: Int {
    useReference ? 0 : (ringRows + 1) * paddedWidth * paddedChannels + 64
  }

  func run(part: Int, parts: Int, input: UnsafePointer<UInt8>,
           output: UnsafeMutablePointer<UInt8>,
           scratch: UnsafeMutablePointer<Float>) {
    guard !useReference else {
      if part == 0 {
        ReferenceKernels.depthwise(parameters, input: input, output: output)
      }
      return
    }
    let g = parameters.geometry
    let rowFloats = paddedWidth * paddedChannels
    let zeroRow = scratch + ringRows * rowFloats
    // Ring tags: which input row each slot holds (-1: none). They live in
    // the scratch's tail as floats to keep one buffer per thread.
    let tags = UnsafeMutableRawPointer(zeroRow + rowFloats)
      .bindMemory(to: Int32.self, capacity: 64)
    for slot in 0..<ringRows { tags[slot] = -1 }
    zeroRow.update(repeating: 0, count: rowFloats)

    // Split output rows between threads, or blocks of eight (sixteen)
    // channels when that divides the work more evenly (each thread then
    // widens every input row it needs).
    let blockWidth = wideRows == .channelBlocks ? 16 : 8
    let blocks = paddedChannels / blockWidth
    var rowRange = 0..<g.outputHeight
    var blockRange = 0..<blocks
    if largestShare(g.outputHeight, parts) * blocks
      <= largestShare(blocks, parts) * g.outputHeight {
      rowRange = share(g.outputHeight, part, parts)
    } else {
      blockRange = share(blocks, part, parts)
    }

    var rowsOfTaps = (UnsafePointer(zeroRow), UnsafePointer(zeroRow),
                      UnsafePointer(zeroRow))
    for outY in rowRange {
      let top = outY * g.strideHeight - g.padTop
      if g.filterHeight == 3 && g.filterWidth == 3 {
        rowsOfTaps.0 = widenedRow(top, input, scratch, zeroRow, tags)
        rowsOfTaps.1 = widenedRow(top + g.dilationHeight, input, scratch,
                                  zeroRow, tags)
        rowsOfTaps.2 = widenedRow(top + 2 * g.dilationHeight, input, scratch,
                                  zeroRow, tags)
        let outputRow = output + outY * g.outputWidth * g.outputChannels
        if let wideRows, let wideRequantization {
          let row = WideDepthwise.Row(
            top: rowsOfTaps.0, middle: rowsOfTaps.1, bottom: rowsOfTaps.2,
            weights: UnsafePointer(weights), bias: UnsafePointer(bias),
            channelStride: paddedChannels,
            pixelStep: g.strideWidth * paddedChannels,
            tapStep: g.dilationWidth * paddedChannels,
            outputWidth: g.outputWidth, output: outputRow,
            outputChannels: g.outputChannels)
          if wideRows == .channelBlocks {
            WideDepthwise.rowChannels(row, blocks: blockRange,
                                      requantization: wideRequantization)
          } else {
            WideDepthwise.rowPixelPairs(row, requantization: wideRequantization)
          }
        } else {
          row3x3(rowsOfTaps, blocks: blockRange, output: outputRow)
        }
      } else {
        rowGeneral(top: top, input: input, scratch: scratch, zeroRow: zeroRow,
                   tags: tags, blocks: blockRange,
                   output: output + outY * g.outputWidth * g.outputChannels)
      }
    }
  }

  /// The widened input row `inY` from the ring (widening it if it is not
  /// there yet), or the zero row above and below the input.
  @inline(__always)
  private func widenedRow(_ inY: Int, _ input: UnsafePointer<UInt8>,
                          _ ring: UnsafeMutablePointer<Float>,
                          _ zeroRow: UnsafeMutablePointer<Float>,
                          _ tags: UnsafeMutablePointer<Int32>)
    -> UnsafePointer<Float>
  {
    let g = parameters.geometry
    guard inY >= 0 && inY < g.inputHeight else { return UnsafePointer(zeroRow) }
    let slot = inY % ringRows
    let row = ring + slot * paddedWidth * paddedChannels
    if tags[slot] == Int32(inY) { return UnsafePointer(row) }
    tags[slot] = Int32(inY)

    let channels = g.inputChannels
    let source = input + inY * g.inputWidth * channels
    // Padding columns and padding channels are zero.
    row.update(repeating: 0, count: g.padLeft * paddedChannels)
    var target = row + g.padLeft * paddedChannels
    if channels == paddedChannels && wideRows != nil {
      AVX512.widen(source, count: g.inputWidth * channels,
                   zeroPoint: parameters.inputZeroPoint, into: target)
      target += g.inputWidth * channels
    } else if channels == paddedChannels {
      Bytes.widen(source, count: g.inputWidth * channels,
                  zeroPoint: parameters.inputZeroPoint, into: target)
      target += g.inputWidth * channels
    } else {
      for pixel in 0..<g.inputWidth {
        Bytes.widen(source + pixel * channels, count: channels,
                    zeroPoint: parameters.inputZeroPoint, into: target)
        (target + channels).update(repeating: 0,
                                   count: paddedChannels - channels)
        target += paddedChannels
      }
    }
    let written = (g.padLeft + g.inputWidth) * paddedChannels
    target.update(repeating: 0,
                  count: paddedWidth * paddedChannels - written)
    return UnsafePointer(row)
  }

  @inline(__always)
  private func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
  }

  private func row3x3(
    _ rows: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
    blocks: Range<Int>, output: UnsafeMutablePointer<UInt8>
  ) {
    let g = parameters.geometry
    let pc = paddedChannels
    let step = g.strideWidth * pc
    let tapStep = g.dilationWidth * pc
    var block = blocks.lowerBound * 8
    while block < blocks.upperBound * 8 {
      let w = UnsafePointer(weights + block)
      let w0 = load(w), w1 = load(w + pc), w2 = load(w + 2 * pc)
      let w3 = load(w + 3 * pc), w4 = load(w + 4 * pc), w5 = load(w + 5 * pc)
      let w6 = load(w + 6 * pc), w7 = load(w + 7 * pc), w8 = load(w + 8 * pc)
      let biasVector = UnsafeRawPointer(bias + block)
        .loadUnaligned(as: SIMD8<Int32>.self)
      let count = min(8, g.outputChannels - block)
      let saturatingStore = requantization.saturatesToBytes && count == 8
      var r0 = rows.0 + block, r1 = rows.1 + block, r2 = rows.2 + block
      var target = output + block
      for _ in 0..<g.outputWidth {
        // One chain per filter row: nine dependent FMAs would make each
        // pixel wait on FMA latency; partial sums of whole numbers below
        // 2^24 add exactly.
        var top = load(r0) * w0
        var middle = load(r1) * w3
        var bottom = load(r2) * w6
        top.addProduct(load(r0 + tapStep), w1)
        middle.addProduct(load(r1 + tapStep), w4)
        bottom.addProduct(load(r2 + tapStep), w7)
        top.addProduct(load(r0 + 2 * tapStep), w2)
        middle.addProduct(load(r1 + 2 * tapStep), w5)
        bottom.addProduct(load(r2 + 2 * tapStep), w8)
        let sum = top + middle + bottom
        if saturatingStore {
          Bytes.storeSaturated(requantization.applyUnclamped(
            wholeNumbers(sum) &+ biasVector), target)
        } else {
          Bytes.store(requantization.apply(wholeNumbers(sum) &+ biasVector),
                      target, count: count)
        }
        r0 += step; r1 += step; r2 += step
        target += g.outputChannels
      }
      block += 8
    }
  }

  private func rowGeneral(top: Int, input: UnsafePointer<UInt8>,
                          scratch: UnsafeMutablePointer<Float>,
                          zeroRow: UnsafeMutablePointer<Float>,
                          tags: UnsafeMutablePointer<Int32>,
                          blocks: Range<Int>,
                          output: UnsafeMutablePointer<UInt8>) {
    let g = parameters.geometry
    let pc = paddedChannels
    for filterY in 0..<g.filterHeight {
      _ = widenedRow(top + filterY * g.dilationHeight, input, scratch,
                     zeroRow, tags)
    }
    var block = blocks.lowerBound * 8
    while block < blocks.upperBound * 8 {
      let biasVector = UnsafeRawPointer(bias + block)
        .loadUnaligned(as: SIMD8<Int32>.self)
      let count = min(8, g.outputChannels - block)
      for outX in 0..<g.outputWidth {
        var sum = SIMD8<Float>()
        for filterY in 0..<g.filterHeight {
          let row = widenedRow(top + filterY * g.dilationHeight, input,
                               scratch, zeroRow, tags)
          for filterX in 0..<g.filterWidth {
            let column = outX * g.strideWidth + filterX * g.dilationWidth
            sum.addProduct(
              load(row + column * pc + block),
              load(weights + (filterY * g.filterWidth + filterX) * pc + block))
          }
        }
        let values = requantization.apply(
          wholeNumbers(sum) &+ biasVector)
        Bytes.store(values, output + outX * g.outputChannels + block,
                    count: count)
      }
      block += 8
    }
  }
}
