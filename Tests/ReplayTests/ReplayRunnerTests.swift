import AllocationCounter
import App
import Board
import Foundation
import Learning
import XCTest

/// A replay of a synthetic session through the real controller, dataset
/// and heads: tiny images, and activations looked up per image in which
/// each class lights its own band of channels.
final class ReplayRunnerTests: XCTestCase {
  private var scratch: ScratchFolder!
  private let byteCount = ActivationShape.mobileNetCut.byteCount

  override func setUpWithError() throws {
    scratch = try ScratchFolder("replay-runner")
  }

  override func tearDownWithError() throws {
    try scratch.remove()
  }

  /// Images 0..<16 train (4 per class, in class order), 16..<24 test
  /// (2 per class, interleaved), each test image held for 3 frames.
  private func makeSession() -> SessionScript {
    var script = SessionScript()
    for image in 0..<16 {
      let direction = image / 4
      var events: [SessionScript.Event] = []
      if image % 4 == 0 {
        if direction > 0 {
          events.append(.init(button: Button(rawValue: direction - 1)!, pressed: false))
        }
        events.append(.init(button: Button(rawValue: direction)!, pressed: true))
      }
      script.addFrame("train/\(image).png", events: events)
    }
    script.steps.append(.init(events: [.init(button: .right, pressed: false),
                                       .init(button: .train, pressed: true)]))
    script.steps.append(.init(events: [.init(button: .train, pressed: false)]))
    script.steps.append(.init(events: [.init(button: .play, pressed: true)]))
    for test in 0..<8 {
      for frame in 0..<3 {
        script.addFrame("test/\(test).png",
                        events: test == 0 && frame == 0 ? [.init(button: .play, pressed: false)] : [],
                        expected: frame == 2 ? Direction(rawValue: test % 4)! : nil)
      }
    }
    return script
  }

  /// The class of each image: train images by fours, test images cycling.
  private func label(ofImage index: Int) -> Int {
    index < 16 ? index / 4 : (index - 16) % 4
  }

  private func makeRunner(_ script: SessionScript, head: HeadKind, frameCount: Int? = nil,
                          dataDirectory: String? = nil) -> ReplayRunner {
    let camera = ReplayCamera()
    var table: [UInt8] = []
    for index in 0..<script.images.count {
      camera.add(rgb: [UInt8](repeating: UInt8(index), count: 2 * 2 * 3), width: 2, height: 2)
      var activation = [UInt8](repeating: 0, count: byteCount)
      let band = label(ofImage: index) * 256
      for channel in 0..<200 {
        activation[band + channel] = UInt8(100 + (channel * 7 + index * 13) % 100)
      }
      table += activation
    }
    var configuration = Configuration()
    configuration.dataDirectory = dataDirectory ?? scratch.path
    configuration.head.kind = head
    configuration.head.epochs = 40
    configuration.head.learningRate = 0.001
    return ReplayRunner(
      script: script, camera: camera,
      extractor: TableExtractor(camera: camera, activations: table, byteCount: byteCount),
      learner: StoredLearner(configuration: configuration),
      serial: DescriptorSerialLink(descriptor: nil), settings: ControllerSettings(),
      frameCount: frameCount)
  }

  func testCollectsTrainsAndScoresEveryTestPose() {
    let script = makeSession()
    let summary = makeRunner(script, head: .dense).run()
    XCTAssertEqual(summary.frames, 43)
    XCTAssertEqual(summary.examples, [4, 4, 4, 4])
    XCTAssertTrue(summary.trained)
    XCTAssertNotNil(summary.finalLoss)
    XCTAssertEqual(summary.scored, 8)
    XCTAssertEqual(summary.correct, 8)
    XCTAssertEqual(summary.unsure, 0)
    XCTAssertEqual(summary.dropped, 0)
    XCTAssertEqual(summary.frameNanoseconds.count, 43)
    XCTAssertEqual(FileManager.default.fileExists(
      atPath: scratch.path("head.tphd")), true)
    XCTAssertTrue(summary.text.contains(
      "direction accuracy: 1.000 (8/8 test frames; 0 with no confident direction)\n"),
                  summary.text)
  }

  /// After a warm-up, thousands of played frames leave the heap and the
  /// resident set exactly as they were: controller, head, smoothing, LEDs
  /// and the line encoder reuse their memory. (Debug builds allocate and
  /// free inside unspecialized generic code, so what is checked is the
  /// bytes in use, not the count of malloc calls.)
  func testLongReplayKeepsHeapAndResidentMemoryFlatAfterWarmUp() throws {
    for head in [HeadKind.dense, .nearestNeighbors] {
      let runner = makeRunner(makeSession(), head: head, frameCount: 5000,
                              dataDirectory: scratch.path(head.name))
      var passes = 0
      var allocations: Int64 = -1
      runner.afterStep = {
        passes += 1
        if passes == 2000 { allocation_counter_start() }
        if passes == 5000 { allocations = allocation_counter_stop() }
      }
      let summary = runner.run()
      XCTAssertEqual(summary.memory.map { $0.frame }, [1000, 2000, 3000, 4000, 5000])
      let heap = summary.memory.map { $0.heapBytes }
      let resident = summary.memory.map { $0.residentBytes }
      print("\(head.name): heap in use \(heap), resident \(resident), "
        + "\(allocations) malloc calls in frames 2000-5000")
      XCTAssertGreaterThan(heap[1], 0, "mallinfo2 is not available")
      XCTAssertEqual(heap[4] - heap[1], 0, "\(head.name): heap bytes grew after frame 2000")
      XCTAssertEqual(resident[4] - resident[1], 0,
                     "\(head.name): resident memory grew after frame 2000")
      // 8 poses of 3 frames in the 43 steps; then the 24 test frames loop
      // 206 times whole (4957 = 206 x 24 + 13) and 4 poses more.
      XCTAssertEqual(summary.scored, 8 + 206 * 8 + 4)
      XCTAssertEqual(summary.correct, summary.scored)
    }
  }
}
