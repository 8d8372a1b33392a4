import CShims

/// Plain kernels that follow TFLite's reference kernels line by line. They
/// define the right answer: every optimized kernel is tested against its
/// twin here, and these are tested against the golden files.
public enum ReferenceKernels {
  /// CONV_2D. For each output: acc = Σ (x − zx)(w − zw) over the window,
  /// taps outside the input skipped; then + bias, requantize, clamp.
  /// Overflow: |x − zx| ≤ 255 and |w − zw| ≤ 255, so a window of up to
  /// 33,025 taps stays inside int32 with any int32 bias of the same order.
  public static func convolution(
    _ parameters: ConvolutionParameters, input: UnsafePointer<UInt8>,
    output: UnsafeMutablePointer<UInt8>
  ) {
    let g = parameters.geometry
    let inputOffset = -parameters.inputZeroPoint
    let weightOffset = -parameters.weightZeroPoint
    parameters.weights.withUnsafeBufferPointer { weights in
      for outY in 0..<g.outputHeight {
        for outX in 0..<g.outputWidth {
          for outChannel in 0..<g.outputChannels {
            var accumulator: Int32 = 0
            for filterY in 0..<g.filterHeight {
              let inY = outY * g.strideHeight - g.padTop
                + filterY * g.dilationHeight
              guard inY >= 0 && inY < g.inputHeight else { continue }
              for filterX in 0..<g.filterWidth {
                let inX = outX * g.strideWidth - g.padLeft
                  + filterX * g.dilationWidth
                guard inX >= 0 && inX < g.inputWidth else { continue }
                let inputBase = (inY * g.inputWidth + inX) * g.inputChannels
                let weightBase = ((outChannel * g.filterHeight + filterY)
                  * g.filterWidth + filterX) * g.inputChannels
                for channel in 0..<g.inputChannels {
                  let x = Int32(input[inputBase + channel]) + inputOffset
                  let w = Int32(weights[weightBase + channel]) + weightOffset
                  accumulator += x * w
                }
              }
            }
            accumulator += parameters.bias[outChannel]
            output[(outY * g.outputWidth + outX) * g.outputChannels
                   + outChannel] = parameters.requantization.apply(accumulator)
          }
        }
      }
    }
  }

  /// DEPTHWISE_CONV_2D with depth multiplier 1; same arithmetic per channel.
  public static func depthwise(
    _ parameters: DepthwiseParameters, input: UnsafePointer<UInt8>,
    output: UnsafeMutablePointer<UInt8>
  ) {
    let g = parameters.geometry
    let inputOffset = -parameters.inputZeroPoint
    let weightOffset = -parameters.weightZeroPoint
    let channels = g.outputChannels
    parameters.weights.withUnsafeBufferPointer { weights in
      for outY in 0..<g.outputHeight {
        for outX in 0..<g.outputWidth {
          for channel in 0..<channels {
            var accumulator: Int32 = 0
            for filterY in 0..<g.filterHeight {
              let inY = outY * g.strideHeight - g.padTop
                + filterY * g.dilationHeight
              guard inY >= 0 && inY < g.inputHeight else { continue }
              for filterX in 0..<g.filterWidth {
                let inX = outX * g.strideWidth - g.padLeft
                  + filterX * g.dilationWidth
                guard inX >= 0 && inX < g.inputWidth else { continue }
                let x = Int32(input[(inY * g.inputWidth + inX) * channels
                                    + channel]) + inputOffset
                let w = Int32(weights[(filterY * g.filterWidth + filterX)
                                      * channels + channel]) + weightOffset
                accumulator += x * w
              }
            }
            accumulator += parameters.bias[channel]
            output[(outY * g.outputWidth + outX) * channels + channel] =
              parameters.requantization.apply(accumulator)
          }
        }
      }
    }
  }

  /// AVERAGE_POOL_2D: the mean of the taps inside the input, rounded half
  /// up as (sum + count/2) / count, then clamped.
  public static func averagePool(
    _ parameters: AveragePoolParameters, input: UnsafePointer<UInt8>,
    output: UnsafeMutablePointer<UInt8>
  ) {
    let g = parameters.geometry
    let channels = g.outputChannels
    for outY in 0..<g.outputHeight {
      for outX in 0..<g.outputWidth {
        let startY = outY * g.strideHeight - g.padTop
        let startX = outX * g.strideWidth - g.padLeft
        let fromY = max(0, -startY)
        let toY = min(g.filterHeight, g.inputHeight - startY)
        let fromX = max(0, -startX)
        let toX = min(g.filterWidth, g.inputWidth - startX)
        for channel in 0..<channels {
          var sum: Int32 = 0
          var count: Int32 = 0
          for filterY in fromY..<max(fromY, toY) {
            for filterX in fromX..<max(fromX, toX) {
              let inY = startY + filterY
              let inX = startX + filterX
              sum += Int32(input[(inY * g.inputWidth + inX) * channels
                                 + channel])
              count += 1
            }
          }
          var average = count == 0 ? 0 : (sum + count / 2) / count
          average = min(max(average, parameters.outputMinimum),
                        parameters.outputMaximum)
          output[(outY * g.outputWidth + outX) * channels + channel] =
            UInt8(truncatingIfNeeded: average)
        }
      }
    }
  }

  /// SOFTMAX, uint8: exp values from the table indexed by the difference
  /// to the row maximum, summed in float32 in order, then each scaled by
  /// 1 / (sum · output scale), rounded half away from zero and clamped.
  public static func softmax(
    _ parameters: SoftmaxParameters, input: UnsafePointer<UInt8>,
    output: UnsafeMutablePointer<UInt8>
  ) {
    parameters.table.withUnsafeBufferPointer { table in
      for row in 0..<parameters.rows {
        let values = input + row * parameters.depth
        let results = output + row * parameters.depth
        var maximum: Int = 0
        for index in 0..<parameters.depth {
          maximum = max(maximum, Int(values[index]))
        }
        let offset = 255 - maximum
        var sum: Float = 0
        for index in 0..<parameters.depth {
          sum += table[offset + Int(values[index])]
        }
        let inverse: Float = 1 / (sum * parameters.outputScale)
        for index in 0..<parameters.depth {
          let probability = table[offset + Int(values[index])] * inverse
          let quantized = Int32(probability.rounded(.toNearestOrAwayFromZero))
            + parameters.outputZeroPoint
          results[index] = UInt8(truncatingIfNeeded: min(max(quantized, 0), 255))
        }
      }
    }
  }
}

/// float32 functions from the C library, so results match TFLite's own
/// calls to the same functions.
enum Float32Math {
  static func exp(_ value: Float) -> Float { expf(value) }
}
