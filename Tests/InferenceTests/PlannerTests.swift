import Inference
import XCTest

final class PlannerTests: XCTestCase {
  func testMobileNetArenaMeetsTheLowerBound() throws {
    let model = try SharedFiles.model()
    let cut = try Engine(modelBytes: model,
                         outputTensorName: Engine.defaultCutTensorName,
                         threadCount: 1)
    // Op 2: 112x112x8 in, 112x112x16 out.
    XCTAssertEqual(cut.plan.lowerBoundByteCount, 100_352 + 200_704)
    XCTAssertEqual(cut.plan.arenaByteCount, cut.plan.lowerBoundByteCount)
    let full = try Engine(modelBytes: model, outputTensorName: nil,
                          threadCount: 1)
    XCTAssertEqual(full.plan.arenaByteCount, full.plan.lowerBoundByteCount)
  }

  func testTensorsAliveTogetherNeverOverlap() throws {
    let engine = try Engine(modelBytes: try SharedFiles.model(),
                            outputTensorName: nil, threadCount: 1)
    let placements = engine.plan.placements
    for a in placements {
      for b in placements where a.tensor < b.tensor {
        let together = a.firstUse <= b.lastUse && b.firstUse <= a.lastUse
        let apart = a.offset + a.byteCount <= b.offset
          || b.offset + b.byteCount <= a.offset
        XCTAssertTrue(!together || apart, "tensors \(a.tensor) and \(b.tensor)")
      }
    }
  }

  func testBranchingGraphPlan() {
    // 0 -> 1 -> 2, and 0 is read again by layer 2 (a skip connection).
    let plan = ArenaPlan(layers: [(0, 1), (1, 2), (0, 3)], graphInput: 0,
                         graphOutput: 3, sizes: [0: 10, 1: 20, 2: 30, 3: 5])
    // During layer 1: tensors 0, 1, 2 alive = 60.
    XCTAssertEqual(plan.lowerBoundByteCount, 60)
    XCTAssertEqual(plan.arenaByteCount, 60)
  }
}
