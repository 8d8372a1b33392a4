import AllocationCounter
import Inference
import XCTest

/// After loading, preparing an input and running the graph allocate
/// nothing on the heap, on one thread and on several.
final class AllocationTests: XCTestCase {
  func testCounterSeesAllocations() {
    XCTAssertEqual(allocation_counter_is_active(), 1,
                   "malloc wrappers are not in use; the zero-allocation test "
                   + "would prove nothing")
    allocation_counter_start()
    let array = [Int](repeating: 7, count: 1000)
    let count = allocation_counter_stop()
    XCTAssertEqual(array.count, 1000)
    XCTAssertGreaterThanOrEqual(count, 1)
  }

  func testHundredInferencesAllocateNothing() throws {
    let model = try SharedFiles.model()
    var frame = [UInt8](repeating: 0, count: 640 * 480 * 3)
    for index in frame.indices { frame[index] = UInt8(truncatingIfNeeded: index * 7) }
    for threads in [1, 2] {
      let engine = try Engine(modelBytes: model,
                              outputTensorName: Engine.defaultCutTensorName,
                              threadCount: threads)
      frame.withUnsafeBufferPointer { pixels in
        engine.setInput(rgb: pixels, width: 640, height: 480, bytesPerRow: 1920)
      }
      engine.invoke()

      allocation_counter_start()
      frame.withUnsafeBufferPointer { pixels in
        for _ in 0..<100 {
          engine.setInput(rgb: pixels, width: 640, height: 480,
                          bytesPerRow: 1920)
          engine.invoke()
        }
      }
      let allocations = allocation_counter_stop()
      XCTAssertEqual(allocations, 0, "\(threads) threads")
    }
  }
}
