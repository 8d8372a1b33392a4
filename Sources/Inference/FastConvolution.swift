import AVX512Kernels

/// The optimized CONV_2D, exact to `ReferenceKernels.convolution`.
///
/// Three layouts, chosen at load time:
/// - pointwise with integer dot products (1x1, stride 1, depth a multiple
///   of 4, on a processor with AVX-512 VNNI): a matrix product of the
///   input bytes and the weights in int32, four depth steps per
///   instruction (`FastConvolution+IntegerDot.swift`).
/// - pointwise (1x1, stride 1) anywhere else: the output is a matrix product of the
///   input pixels (rows) and the weights; each tile of six pixels is
///   widened to float once and multiplied with every weight panel.
/// - windowed (any other size or stride, dilation 1 across): the input is
///   widened once into a float image with the padding around it as zeros
///   (phase 0), then for each filter row the six pixels of a tile read
///   `filterWidth · channels` contiguous floats (phase 1). No im2col copy.
/// Anything else (dilated width, or a filter row too long to stay exact in
/// float) runs the reference kernel.
final class FastConvolution {
  enum Layout {
    case pointwiseIntegerDot, pointwise, windowed, reference
  }

  let parameters: ConvolutionParameters
  let layout: Layout
  let packed: PackedWeights
  /// The integer dot-product layout's weights.
  let dot: PackedDotWeights?
  let requantization: VectorRequantization
  /// Longest run of products summed in float before moving to int32.
  let chunkDepth: Int
  /// Windowed only: the widened input with its padding.
  let paddedHeight: Int
  let paddedWidth: Int
  let paddedInput: UnsafeMutablePointer<Float>?

  /// `integerDot`: take the integer dot-product layout where it applies
  /// (only where `AVX512.isAvailable`).
  init(_ parameters: ConvolutionParameters,
       integerDot: Bool = AVX512.isAvailable) {
    self.parameters = parameters
    let g = parameters.geometry
    let depth = g.filterHeight * g.filterWidth * g.inputChannels
    packed = PackedWeights(weights: parameters.weights,
                           zeroPoint: parameters.weightZeroPoint,
                           bias: parameters.bias,
                           outputChannels: g.outputChannels, depth: depth)
    requantization = VectorRequantization(parameters.requantization)
    let limit = accumulationLimit(inputZeroPoint: parameters.inputZeroPoint,
                                  largestWeightMagnitude: packed.largestMagnitude)
    let rowDepth = g.filterWidth * g.inputChannels
    let isPointwise = g.filterHeight == 1 && g.filterWidth == 1
      && g.strideHeight == 1 && g.strideWidth == 1 && g.padTop == 0
      && g.padLeft == 0
    if isPointwise && integerDot && AVX512.isAvailable
      && PackedDotWeights.fits(depth: depth) {
      layout = .pointwiseIntegerDot
      chunkDepth = limit
    } else if isPointwise {
      layout = .pointwise
      chunkDepth = limit
    } else if g.dilationWidth == 1 && rowDepth <= limit {
      layout = .windowed
      // Whole filter rows per chunk.
      chunkDepth = (limit / rowDepth) * rowDepth
    } else {
      layout = .reference
      chunkDepth = limit
    }
    dot = layout == .pointwiseIntegerDot
      ? PackedDotWeights(weights: parameters.weights,
                         weightZeroPoint: parameters.weightZeroPoint,
                         inputZeroPoint: parameters.inputZeroPoint,
                         bias: parameters.bias,
                         outputChannels: g.outputChannels, depth: depth,
                         requantization: requantization)
      : nil
    if layout == .windowed {
      let effectiveHeight = (g.filterHeight - 1) * g.dilationHeight + 1
      paddedHeight = max((g.outputHeight - 1) * g.strideHeight + effectiveHeight,
                         g.padTop + g.inputHeight)
      paddedWidth = max((g.outputWidth - 1) * g.strideWidth + g.filterWidth,
                        g.padLeft + g.inputWidth)
      let count = paddedHeight * paddedWidth * g.inputChannels
      let buffer = allocateAligned(Float.self, count: count)
      // The border stays zero: only the interior is written per inference.
      buffer.initialize(repeating: 0, count: count)
      paddedInput = buffer
    } else {
      paddedHeight = 0
      paddedWidth = 0
      paddedInput = nil
    }
  }

  deinit {
    packed.deallocate()
    dot?.deallocate()
    paddedInput?.deallocate()
  }

  var phaseCount: Int { layout == .windowed ? 2 : 1 }

  /// Floats of per-thread scratch this layer needs.
  var scratchFloats: Int {
    switch layout {
    case .pointwise: return tileRows * packed.depth
    case .pointwiseIntegerDot: return FastConvolution.dotScratchInts
    case .windowed, .reference: return 0
    }
  }

  /// Floats of shared scratch (the padded image).
  var sharedFloats: Int {
    paddedHeight * paddedWidth * parameters.geometry.inputChannels
  }

  func run(phase: Int, part: Int, parts: Int, input: UnsafePointer<UInt8>,
           output: UnsafeMutablePointer<UInt8>,
           scratch: UnsafeMutablePointer<Float>) {
    switch layout {
    case .pointwiseIntegerDot:
      runPointwiseIntegerDot(part: part, parts: parts, input: input,
                             output: output, scratch: scratch)
    case .pointwise:
      runPointwise(part: part, parts: parts, input: input, output: output,
                   scratch: scratch)
    case .windowed:
      if phase == 0 {
        widenInput(part: part, parts: parts, input: input)
      } else {
        runWindowed(part: part, parts: parts, output: output)
      }
    case .reference:
      if part == 0 {
        ReferenceKernels.convolution(parameters, input: input, output: output)
      }
    }
  }

  private func runPointwise(part: Int, parts: Int, input: UnsafePointer<UInt8>,
                            output: UnsafeMutablePointer<UInt8>,
                            scratch: UnsafeMutablePointer<Float>) {
    let g = parameters.geometry
    let depth = packed.depth
    let pixels = g.outputHeight * g.outputWidth
    let tiles = (pixels + tileRows - 1) / tileRows
    let panels = packed.panelStarts.count
    let (tileRange, panelRange) = shareTilesOrColumns(
      tiles: tiles, columns: panels, part: part, parts: parts)

    for tile in tileRange {
      let firstPixel = tile * tileRows
      let rows = min(tileRows, pixels - firstPixel)
      Bytes.widen(input + firstPixel * depth, count: rows * depth,
                  zeroPoint: parameters.inputZeroPoint, into: scratch)
      let rowPointers = RowPointers(UnsafePointer(scratch), stride: depth,
                                    count: rows)
      for panel in panelRange {
        let tileSum = multiply(rowPointers, panel: panel, depth: depth)
        let firstChannel = packed.panelChannels[panel]
        storeTile(tileSum, rows: rows, width: packed.panelWidths[panel],
                  channelsLeft: g.outputChannels - firstChannel,
                  bias: packed.bias + firstChannel,
                  requantization: requantization,
                  output: output + firstPixel * g.outputChannels + firstChannel,
                  rowStride: g.outputChannels)
      }
    }
  }

  /// Σ over `depth` of A rows × panel, in exact chunks.
  @inline(__always)
  private func multiply(_ rows: RowPointers, panel: Int, depth: Int)
    -> IntegerTile16
  {
    let width = packed.panelWidths[panel]
    let values = UnsafePointer(packed.values + packed.panelStarts[panel])
    var sum = IntegerTile16()
    var start = 0
    while start < depth {
      let length = min(chunkDepth, depth - start)
      var tile = Tile16()
      if width == 16 {
        Microkernel.accumulate16(rows.advanced(by: start), depth: length,
                                 panel: values + start * 16, into: &tile)
      } else {
        Microkernel.accumulate8(rows.advanced(by: start), depth: length,
                                panel: values + start * 8, into: &tile)
      }
      sum.add(tile)
      start += length
    }
    return sum
  }

  private func widenInput(part: Int, parts: Int, input: UnsafePointer<UInt8>) {
    guard let paddedInput else { return }
    let g = parameters.geometry
    let rowBytes = g.inputWidth * g.inputChannels
    for row in share(g.inputHeight, part, parts) {
      let target = paddedInput
        + ((row + g.padTop) * paddedWidth + g.padLeft) * g.inputChannels
      Bytes.widen(input + row * rowBytes, count: rowBytes,
                  zeroPoint: parameters.inputZeroPoint, into: target)
    }
  }

  private func runWindowed(part: Int, parts: Int,
                           output: UnsafeMutablePointer<UInt8>) {
    guard let paddedInput else { return }
    let g = parameters.geometry
    let channels = g.inputChannels
    let rowDepth = g.filterWidth * channels
    let pixelStride = g.strideWidth * channels
    let panels = packed.panelStarts.count
    if panels == 1 && packed.panelWidths[0] == 8 {
      runWindowedNarrow(part: part, parts: parts, output: output)
      return
    }
    for outY in share(g.outputHeight, part, parts) {
      var outX = 0
      while outX < g.outputWidth {
        let rows = min(tileRows, g.outputWidth - outX)
        let outputBase = output + (outY * g.outputWidth + outX) * g.outputChannels
        for panel in 0..<panels {
          let width = packed.panelWidths[panel]
          let values = UnsafePointer(packed.values + packed.panelStarts[panel])
          var sum = IntegerTile16()
          var tile = Tile16()
          var chunkUsed = 0
          for filterY in 0..<g.filterHeight {
            if chunkUsed + rowDepth > chunkDepth {
              sum.add(tile)
              tile = Tile16()
              chunkUsed = 0
            }
            let inY = outY * g.strideHeight + filterY * g.dilationHeight
            let first = paddedInput + (inY * paddedWidth + outX * g.strideWidth)
              * channels
            let rowPointers = RowPointers(UnsafePointer(first),
                                          stride: pixelStride, count: rows)
            let weights = values + filterY * rowDepth * width
            if width == 16 {
              Microkernel.accumulate16(rowPointers, depth: rowDepth,
                                       panel: weights, into: &tile)
            } else {
              Microkernel.accumulate8(rowPointers, depth: rowDepth,
                                      panel: weights, into: &tile)
            }
            chunkUsed += rowDepth
          }
          sum.add(tile)
          let firstChannel = packed.panelChannels[panel]
          storeTile(sum, rows: rows, width: width,
                    channelsLeft: g.outputChannels - firstChannel,
                    bias: packed.bias + firstChannel,
                    requantization: requantization,
                    output: outputBase + firstChannel,
                    rowStride: g.outputChannels)
        }
        outX += rows
      }
    }
  }
}

extension FastConvolution {
  /// Windowed layers with at most eight output channels (the first layer
  /// of MobileNet): tiles of twelve pixels, one eight-wide panel.
  func runWindowedNarrow(part: Int, parts: Int,
                         output: UnsafeMutablePointer<UInt8>) {
    guard let paddedInput else { return }
    let g = parameters.geometry
    let channels = g.inputChannels
    let rowDepth = g.filterWidth * channels
    let pixelStride = g.strideWidth * channels
    let values = UnsafePointer(packed.values)
    for outY in share(g.outputHeight, part, parts) {
      var outX = 0
      while outX < g.outputWidth {
        let rows = min(2 * tileRows, g.outputWidth - outX)
        let firstRows = min(rows, tileRows)
        let secondRows = rows - firstRows
        var sum = IntegerTile16()
        var tile = Tile16()
        var chunkUsed = 0
        for filterY in 0..<g.filterHeight {
          if chunkUsed + rowDepth > chunkDepth {
            sum.add(tile)
            tile = Tile16()
            chunkUsed = 0
          }
          let inY = outY * g.strideHeight + filterY * g.dilationHeight
          let first = paddedInput + (inY * paddedWidth + outX * g.strideWidth)
            * channels
          let firstPointers = RowPointers(UnsafePointer(first),
                                          stride: pixelStride, count: firstRows)
          let secondPointers = secondRows > 0
            ? RowPointers(UnsafePointer(first + tileRows * pixelStride),
                          stride: pixelStride, count: secondRows)
            : firstPointers
          Microkernel.accumulate8Twelve(
            firstPointers, secondPointers, depth: rowDepth,
            panel: values + filterY * rowDepth * 8, into: &tile)
          chunkUsed += rowDepth
        }
        sum.add(tile)
        let target = output + (outY * g.outputWidth + outX) * g.outputChannels
        storeTile(sum, rows: firstRows, width: 8,
                  channelsLeft: g.outputChannels, bias: packed.bias,
                  requantization: requantization, output: target,
                  rowStride: g.outputChannels)
        if secondRows > 0 {
          storeTile(sum.secondHalves(), rows: secondRows, width: 8,
                    channelsLeft: g.outputChannels, bias: packed.bias,
                    requantization: requantization,
                    output: target + tileRows * g.outputChannels,
                    rowStride: g.outputChannels)
        }
        outX += rows
      }
    }
  }
}

/// Worker `part`'s tiles (rows of pixels) and columns (channel panels) of
/// a matrix product: pixels are split between workers, or columns when
/// that divides the work more evenly (every worker then reads the same
/// pixels).
@inline(__always)
func shareTilesOrColumns(tiles: Int, columns: Int, part: Int, parts: Int)
  -> (tiles: Range<Int>, columns: Range<Int>)
{
  if largestShare(tiles, parts) * columns <= largestShare(columns, parts) * tiles {
    return (share(tiles, part, parts), 0..<columns)
  }
  return (0..<tiles, share(columns, part, parts))
}

/// The most any one of `parts` workers gets of `count` items.
@inline(__always)
func largestShare(_ count: Int, _ parts: Int) -> Int {
  (count + parts - 1) / parts
}

/// The part of `0..<count` that worker `part` of `parts` takes.
@inline(__always)
func share(_ count: Int, _ part: Int, _ parts: Int) -> Range<Int> {
  (count * part / parts)..<(count * (part + 1) / parts)
}
