/// Centre-square crop and bilinear resize of an RGB frame, in integer
/// arithmetic so every build (x86, ARM) gives the same bytes.
///
/// Output pixel centres map to source positions (d + 0.5) · side / size −
/// 0.5 (clamped to the square), as 16.16 fixed point; the two weights per
/// axis have 8 fractional bits and the result rounds half up.
final class Resizer {
  let outputHeight: Int
  let outputWidth: Int
  /// Per output column / row: first source index and weight of the next.
  private let columns: UnsafeMutablePointer<Int32>
  private let rows: UnsafeMutablePointer<Int32>

  init(outputHeight: Int, outputWidth: Int) {
    self.outputHeight = outputHeight
    self.outputWidth = outputWidth
    columns = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * outputWidth)
    columns.initialize(repeating: 0, count: 2 * outputWidth)
    rows = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * outputHeight)
    rows.initialize(repeating: 0, count: 2 * outputHeight)
  }

  deinit {
    columns.deallocate()
    rows.deallocate()
  }

  /// Fills `table` for a source extent `side` and destination `size`.
  private func fill(_ table: UnsafeMutablePointer<Int32>, side: Int, size: Int) {
    for index in 0..<size {
      var position = ((2 * index + 1) * side << 16) / (2 * size) - (1 << 15)
      position = min(max(position, 0), (side - 1) << 16)
      table[2 * index] = Int32(position >> 16)
      table[2 * index + 1] = Int32((position & 0xffff) >> 8)
    }
  }

  func resizeCentreSquare(_ pixels: UnsafeBufferPointer<UInt8>, width: Int,
                          height: Int, bytesPerRow: Int,
                          into target: UnsafeMutablePointer<UInt8>) {
    guard let base = pixels.baseAddress else { return }
    let side = min(width, height)
    let left = (width - side) / 2
    let top = (height - side) / 2
    fill(columns, side: side, size: outputWidth)
    fill(rows, side: side, size: outputHeight)

    for y in 0..<outputHeight {
      let sourceY = Int(rows[2 * y])
      let weightY = Int32(rows[2 * y + 1])
      let nextY = min(sourceY + 1, side - 1)
      let upper = base + (top + sourceY) * bytesPerRow + left * 3
      let lower = base + (top + nextY) * bytesPerRow + left * 3
      let row = target + y * outputWidth * 3
      for x in 0..<outputWidth {
        let sourceX = Int(columns[2 * x])
        let weightX = Int32(columns[2 * x + 1])
        let nextX = min(sourceX + 1, side - 1)
        for channel in 0..<3 {
          let a = Int32(upper[sourceX * 3 + channel])
          let b = Int32(upper[nextX * 3 + channel])
          let c = Int32(lower[sourceX * 3 + channel])
          let d = Int32(lower[nextX * 3 + channel])
          let top = a * (256 - weightX) + b * weightX
          let bottom = c * (256 - weightX) + d * weightX
          let value = (top * (256 - weightY) + bottom * weightY + (1 << 15)) >> 16
          row[x * 3 + channel] = UInt8(truncatingIfNeeded: value)
        }
      }
    }
  }
}
