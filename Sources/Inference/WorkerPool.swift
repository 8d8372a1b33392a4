import CShims
import Support

/// Worker threads for one engine. The calling thread is worker 0; threads
/// 1..<count wait for a start signal, run their part of every layer with
/// a spin barrier between layers, and report done.
///
/// Waiting workers spin briefly (an inference follows another within
/// microseconds in benchmarks) and then sleep on a futex, so an idle
/// appliance burns no CPU. All state lives in cells allocated once; a
/// start, a barrier and a finish allocate nothing.
final class WorkerPool {
  let count: Int
  /// Cells 64 bytes apart so threads do not share cache lines.
  private let cells: UnsafeMutablePointer<Int64>
  private var threads: [pthread_t] = []
  private var body: ((Int) -> Void)?

  private var startGeneration: UnsafeMutablePointer<Int64> { cells }
  private var finished: UnsafeMutablePointer<Int64> { cells + 8 }
  private var barrierArrivals: UnsafeMutablePointer<Int64> { cells + 16 }
  private var barrierGeneration: UnsafeMutablePointer<Int64> { cells + 24 }
  private var stopping: UnsafeMutablePointer<Int64> { cells + 32 }
  private var barrierSleepers: UnsafeMutablePointer<Int64> { cells + 40 }

  private static let spinsBeforeSleep = 20_000
  private static let spinsBeforeYield = 2_000
  private static let yieldsBeforeSleep = 200

  /// Starts `count - 1` threads. `body(part)` runs on every thread for each
  /// `run()`; it must not retain the pool.
  init(count: Int, body: @escaping (Int) -> Void) throws(SystemError) {
    self.count = max(1, count)
    self.body = body
    cells = UnsafeMutablePointer<Int64>.allocate(capacity: 48)
    cells.initialize(repeating: 0, count: 48)
    for part in 1..<self.count {
      let context = WorkerContext(pool: self, part: part)
      var thread = pthread_t()
      let status = shim_thread_start(&thread, { raw in
        guard let raw else { return }
        let context = Unmanaged<WorkerContext>.fromOpaque(raw)
          .takeRetainedValue()
        context.pool.work(part: context.part)
      }, Unmanaged.passRetained(context).toOpaque())
      if status != 0 {
        stop()
        throw SystemError("pthread_create", code: status)
      }
      threads.append(thread)
    }
  }

  deinit {
    cells.deallocate()
  }

  /// Stops and joins the threads. Call before releasing the pool.
  func stop() {
    shim_atomic_store(stopping, 1)
    shim_atomic_fetch_add(startGeneration, 1)
    shim_wake_all(startGeneration)
    for thread in threads { _ = shim_thread_join(thread) }
    threads.removeAll()
    body = nil
  }

  /// Runs `body` on every thread and returns when all are done.
  func run() {
    guard let body else { return }
    shim_atomic_store(finished, 0)
    shim_atomic_fetch_add(startGeneration, 1)
    if count > 1 { shim_wake_all(startGeneration) }
    body(0)
    var spins = 0
    while shim_atomic_load(finished) < Int64(count - 1) {
      WorkerPool.pause(&spins)
    }
  }

  /// Every thread calls this between layers; none leaves before all came.
  /// Waiters spin briefly, then yield, then sleep on a futex, so that on a
  /// busy machine a waiting thread gives its core to the one it waits for.
  func barrier() {
    guard count > 1 else { return }
    let generation = shim_atomic_load(barrierGeneration)
    if shim_atomic_fetch_add(barrierArrivals, 1) == Int64(count - 1) {
      shim_atomic_store(barrierArrivals, 0)
      // A locked add (a full fence) before reading the sleeper count, so a
      // waiter that counted itself after this read sees the new generation.
      shim_atomic_fetch_add(barrierGeneration, 1)
      if shim_atomic_load(barrierSleepers) > 0 {
        shim_wake_all(barrierGeneration)
      }
      return
    }
    var spins = 0
    while shim_atomic_load(barrierGeneration) == generation {
      if spins < WorkerPool.spinsBeforeYield {
        shim_spin_pause()
        spins += 1
      } else if spins < WorkerPool.spinsBeforeYield + WorkerPool.yieldsBeforeSleep {
        // Returns at once on an idle machine; on a busy one it lets the
        // thread we wait for run.
        sched_yield()
        spins += 1
      } else {
        shim_atomic_fetch_add(barrierSleepers, 1)
        shim_wait_while_equal(barrierGeneration, generation)
        shim_atomic_fetch_add(barrierSleepers, -1)
      }
    }
  }

  private func work(part: Int) {
    // Generation 0 is the one before any run; reading the cell here instead
    // would miss a run started before this thread got going.
    var seen: Int64 = 0
    while true {
      var spins = 0
      while shim_atomic_load(startGeneration) == seen {
        if spins < WorkerPool.spinsBeforeSleep {
          shim_spin_pause()
          spins += 1
        } else {
          shim_wait_while_equal(startGeneration, seen)
        }
      }
      seen = shim_atomic_load(startGeneration)
      if shim_atomic_load(stopping) != 0 { return }
      body?(part)
      shim_atomic_fetch_add(finished, 1)
    }
  }

  /// Spins, then yields the processor when threads outnumber cores.
  @inline(__always)
  private static func pause(_ spins: inout Int) {
    spins += 1
    if spins < spinsBeforeYield {
      shim_spin_pause()
    } else {
      sched_yield()
    }
  }
}

private final class WorkerContext {
  unowned(unsafe) let pool: WorkerPool
  let part: Int

  init(pool: WorkerPool, part: Int) {
    self.pool = pool
    self.part = part
  }
}
