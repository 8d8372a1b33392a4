@testable import Inference
import Foundation
import XCTest

/// The worker pool hands every part of every stage to exactly one thread,
/// starts a stage only after the one before it is done, and lets the
/// calling thread finish a run alone when a worker is late.
final class WorkerPoolTests: XCTestCase {
  /// What one run did: per stage and part, the thread that ran it, and
  /// per stage whether any part began before the stage before was done.
  final class Record: @unchecked Sendable {
    let stageParts: [Int]
    var runner: [[Int32]]
    /// Per stage, the parts in the order threads took them.
    var order: [[Int]]
    var doneCount: [Int32]
    var orderViolations = 0
    /// From this run on, the first run a worker thread sees starts 300 ms
    /// late (set before `run()`; the pool's start signal publishes it). A
    /// worker descheduled on a busy machine may never see the run itself,
    /// only a later one, so "from this run on" keeps the test meaningful.
    var lateRun: Int64 = -1
    var lateWorkerStarted = false
    var lateWorkerWoke = false
    let lock = NSLock()

    init(stageParts: [Int]) {
      self.stageParts = stageParts
      runner = stageParts.map { [Int32](repeating: -1, count: $0) }
      order = stageParts.map { _ in [] }
      doneCount = [Int32](repeating: 0, count: stageParts.count)
    }

    func reset() {
      runner = stageParts.map { [Int32](repeating: -1, count: $0) }
      order = stageParts.map { _ in [] }
      doneCount = [Int32](repeating: 0, count: stageParts.count)
      orderViolations = 0
    }

    func ran(stage: Int, part: Int, thread: Int) {
      lock.lock()
      defer { lock.unlock() }
      if stage > 0 && doneCount[stage - 1] != Int32(stageParts[stage - 1]) {
        orderViolations += 1
      }
      if runner[stage][part] != -1 { orderViolations += 1000 }
      runner[stage][part] = Int32(thread)
      order[stage].append(part)
    }

    func finished(stage: Int) {
      lock.lock()
      doneCount[stage] += 1
      lock.unlock()
    }
  }

  /// Runs the stages the way the engine does: wait for the stage before,
  /// take parts until none is left.
  static func makePool(threads: Int, record: Record,
                       partMicroseconds: UInt32 = 0) throws -> WorkerPool {
    var poolReference: WorkerPool?
    let pool = try WorkerPool(count: threads, stageParts: record.stageParts) {
      thread, run in
      guard let pool = poolReference else { return }
      record.lock.lock()
      let late = thread != 0 && record.lateRun >= 0 && run >= record.lateRun
        && !record.lateWorkerStarted
      if late { record.lateWorkerStarted = true }
      record.lock.unlock()
      if late {
        usleep(300_000)
        record.lock.lock()
        record.lateWorkerWoke = true
        record.lock.unlock()
      }
      for stage in 0..<record.stageParts.count {
        if stage > 0 && !pool.waitUntilDone(stage: stage - 1, run: run) {
          return
        }
        while let part = pool.take(stage: stage, run: run, thread: thread) {
          record.ran(stage: stage, part: part, thread: thread)
          if partMicroseconds > 0 { usleep(partMicroseconds) }
          record.finished(stage: stage)
          pool.finish(stage: stage)
        }
      }
      if thread == 0 {
        _ = pool.waitUntilDone(stage: record.stageParts.count - 1, run: run)
      }
    }
    poolReference = pool
    return pool
  }

  func testEveryPartRunsOnceInStageOrder() throws {
    let record = Record(stageParts: [4, 1, 7, 2, 3, 16, 1])
    let pool = try Self.makePool(threads: 3, record: record)
    defer { pool.stop() }
    var threadsSeen = Set<Int32>()
    for _ in 0..<2_000 {
      record.reset()
      pool.run()
      XCTAssertEqual(record.orderViolations, 0)
      XCTAssertEqual(record.doneCount, record.stageParts.map(Int32.init))
      for stage in record.runner {
        XCTAssertFalse(stage.contains(-1))
        threadsSeen.formUnion(stage)
      }
    }
    XCTAssertEqual(threadsSeen.count, 3, "the work was never shared")
  }

  func testCallerFinishesAloneWhileAWorkerIsLate() throws {
    let record = Record(stageParts: [5, 2, 3])
    let pool = try Self.makePool(threads: 2, record: record)
    defer { pool.stop() }
    // Run until the worker is seen taking parts, so it is up and waiting.
    var runs: Int64 = 0
    repeat {
      record.reset()
      pool.run()
      runs += 1
      XCTAssertLessThan(runs, 100_000, "the worker never took a part")
    } while !record.runner.joined().contains(1) && runs < 100_000
    // In the next run the worker starts 300 ms late; the caller does every
    // part and returns without waiting for it.
    record.reset()
    record.lateRun = runs + 1
    let start = Date()
    pool.run()
    let elapsed = Date().timeIntervalSince(start)
    XCTAssertEqual(record.runner, [[0, 0, 0, 0, 0], [0, 0], [0, 0, 0]])
    // Its own share (the first half) front to back, then the worker's
    // share from its back.
    XCTAssertEqual(record.order, [[0, 1, 4, 3, 2], [0, 1], [0, 2, 1]])
    XCTAssertLessThan(elapsed, 0.25, "the caller waited for the late worker")
    // The late worker wakes during later runs, finds them newer than its
    // own and leaves its run without taking anything of theirs.
    for _ in 0..<1_000 {
      record.reset()
      pool.run()
      XCTAssertEqual(record.orderViolations, 0)
      XCTAssertEqual(record.doneCount, [5, 2, 3])
      usleep(500)
    }
    record.lock.lock()
    XCTAssertTrue(record.lateWorkerWoke, "the worker was never late")
    record.lock.unlock()
  }

  func testWaitersSleepAndWakeWhenPartsAreSlow() throws {
    // Parts of 2 ms make the other thread go past spinning and yielding to
    // sleeping on the stage's counter; it must be woken when it is done.
    let record = Record(stageParts: [1, 2, 1, 2])
    let pool = try Self.makePool(threads: 2, record: record,
                                 partMicroseconds: 2_000)
    defer { pool.stop() }
    for _ in 0..<20 {
      record.reset()
      pool.run()
      XCTAssertEqual(record.orderViolations, 0)
      XCTAssertEqual(record.doneCount, [1, 2, 1, 2])
    }
  }
}
