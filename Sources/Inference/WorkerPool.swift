import CShims
import Support

/// Worker threads for one engine, and how they share an inference.
///
/// An inference is a list of stages (a layer, or one phase of a layer),
/// each cut into parts. Each thread has a home share of every stage's parts
/// (thread t of n: parts t·p/n ..< (t+1)·p/n), takes those first, front to
/// back, and then takes what is left of the other threads' shares from
/// their backs. Layers are cut the same way from one to the next (by rows
/// of pixels, mostly), so a thread mostly reads the bytes it wrote itself,
/// from its own cache; a thread that is late loses its parts to the others.
/// A stage's parts start only once every part of the stage before it is
/// done. There is no barrier: a thread waits for
/// parts to be done, never for other threads to arrive, so a worker that
/// the system has not scheduled holds nobody up unless it holds a part, and
/// the calling thread can run a whole inference alone if it must.
///
/// Every counter holds the run's number in its high 32 bits and, in the low
/// 32, a count (done) or a share's remaining front and back (taken, 16 bits
/// each). A worker that wakes late and finds a newer run's number in a
/// counter leaves its run without touching anything; parts are only taken
/// with a compare-and-swap on the full value. The calling thread returns
/// when the last stage is done, so no part of a run is still running when
/// the next run resets the counters.
///
/// Waiting threads spin briefly (an inference follows another within
/// microseconds in benchmarks), then yield, then sleep on a futex, so an
/// idle appliance burns no processor. All state lives in cells allocated
/// once; a run allocates nothing.
final class WorkerPool {
  /// Threads, the calling one included.
  let count: Int
  /// Parts of each stage, in order.
  let stageParts: UnsafeMutablePointer<Int64>
  let stageCount: Int

  /// Cells 64 bytes (8 cells) apart so threads do not share cache lines.
  private let cells: UnsafeMutablePointer<Int64>
  /// Per stage and thread: the share not taken yet.
  private let taken: UnsafeMutablePointer<Int64>
  private let done: UnsafeMutablePointer<Int64>
  private var threads: [pthread_t] = []
  private var body: ((_ thread: Int, _ run: Int64) -> Void)?

  private var startGeneration: UnsafeMutablePointer<Int64> { cells }
  private var stopping: UnsafeMutablePointer<Int64> { cells + 8 }
  private var doneSleepers: UnsafeMutablePointer<Int64> { cells + 16 }

  private static let spinsBeforeSleep = 20_000
  private static let spinsBeforeYield = 2_000
  private static let yieldsBeforeSleep = 200

  /// Starts `count - 1` threads. For each `run()`, `body(thread, run)` runs
  /// on every thread; it takes parts with `take` and waits with
  /// `waitUntilDone`, and must not retain the pool.
  init(count: Int, stageParts: [Int],
       body: @escaping (_ thread: Int, _ run: Int64) -> Void)
    throws(SystemError)
  {
    self.count = max(1, count)
    self.body = body
    stageCount = max(1, stageParts.count)
    self.stageParts = UnsafeMutablePointer<Int64>.allocate(capacity: stageCount)
    self.stageParts.initialize(repeating: 1, count: stageCount)
    for (stage, parts) in stageParts.enumerated() {
      precondition(parts >= 1 && parts < 1 << 16, "WorkerPool: \(parts) parts")
      self.stageParts[stage] = Int64(parts)
    }
    cells = UnsafeMutablePointer<Int64>.allocate(capacity: 24)
    cells.initialize(repeating: 0, count: 24)
    taken = UnsafeMutablePointer<Int64>.allocate(capacity: 8 * stageCount * self.count)
    taken.initialize(repeating: 0, count: 8 * stageCount * self.count)
    done = UnsafeMutablePointer<Int64>.allocate(capacity: 8 * stageCount)
    done.initialize(repeating: 0, count: 8 * stageCount)
    // Run 0 is complete before it starts: every share empty, every count
    // at its total.
    for stage in 0..<stageCount {
      for thread in 0..<self.count { taken[8 * (stage * self.count + thread)] = 0 }
      done[8 * stage] = self.stageParts[stage]
    }
    for thread in 1..<self.count {
      let context = WorkerContext(pool: self, thread: thread)
      var handle = pthread_t()
      let status = shim_thread_start(&handle, { raw in
        guard let raw else { return }
        let context = Unmanaged<WorkerContext>.fromOpaque(raw)
          .takeRetainedValue()
        context.pool.work(thread: context.thread)
      }, Unmanaged.passRetained(context).toOpaque())
      if status != 0 {
        stop()
        throw SystemError("pthread_create", code: status)
      }
      threads.append(handle)
    }
  }

  deinit {
    cells.deallocate()
    taken.deallocate()
    done.deallocate()
    stageParts.deallocate()
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

  /// Runs `body` on every thread; returns when the calling thread's body
  /// returns, which must be after the last stage is done.
  func run() {
    guard let body else { return }
    let run = shim_atomic_load(startGeneration) &+ 1
    let tag = WorkerPool.tag(run)
    // Every part of the previous run is done (the caller waited for the
    // last stage, and a stage starts only after the one before it), so no
    // thread writes these cells now; the store of the start generation
    // below publishes them.
    for stage in 0..<stageCount {
      let parts = stageParts[stage]
      for thread in 0..<count {
        let front = Int64(thread) * parts / Int64(count)
        let back = Int64(thread + 1) * parts / Int64(count)
        taken[8 * (stage * count + thread)] = tag | front << 16 | back
      }
      done[8 * stage] = tag
    }
    shim_atomic_store(startGeneration, run)
    if count > 1 { shim_wake_all(startGeneration) }
    body(0, run)
  }

  /// The next part of `stage` in run `run` for `thread`: the front of its
  /// own share, else the back of another's; nil when every part is taken
  /// or the run is over.
  @inline(__always)
  func take(stage: Int, run: Int64, thread: Int) -> Int? {
    let tag = WorkerPool.tag(run)
    for offset in 0..<count {
      let owner = (thread + offset) % count
      let cell = taken + 8 * (stage * count + owner)
      var seen = shim_atomic_load(cell)
      while true {
        guard seen >> 32 == tag >> 32 else { return nil }
        let front = (seen >> 16) & 0xFFFF
        let back = seen & 0xFFFF
        guard front < back else { break }
        let own = offset == 0
        let claimed = own ? tag | (front + 1) << 16 | back
          : tag | front << 16 | (back - 1)
        if shim_atomic_compare_exchange(cell, &seen, claimed) {
          return Int(own ? front : back - 1)
        }
      }
    }
    return nil
  }

  /// Marks one part of `stage` done; the thread that finishes the stage
  /// wakes threads sleeping on it.
  @inline(__always)
  func finish(stage: Int) {
    let cell = done + 8 * stage
    let after = shim_atomic_fetch_add(cell, 1) + 1
    if after & 0xFFFF_FFFF == stageParts[stage]
      && shim_atomic_load(doneSleepers) > 0
    {
      shim_wake_all(cell)
    }
  }

  /// Waits until every part of `stage` in run `run` is done. Returns false
  /// when a newer run has begun (only a late worker sees that).
  func waitUntilDone(stage: Int, run: Int64) -> Bool {
    let cell = done + 8 * stage
    let complete = WorkerPool.tag(run) + stageParts[stage]
    var waits = 0
    while true {
      let seen = shim_atomic_load(cell)
      if seen == complete { return true }
      if seen >> 32 != WorkerPool.tag(run) >> 32 { return false }
      if waits < WorkerPool.spinsBeforeYield {
        shim_spin_pause()
      } else if waits < WorkerPool.spinsBeforeYield + WorkerPool.yieldsBeforeSleep {
        // Returns at once on an idle machine; on a busy one it lets the
        // thread holding the last part run.
        sched_yield()
      } else {
        // The locked add orders the count of sleepers before the futex
        // reads the cell; `finish` adds to the cell before it reads the
        // count, so either it sees this sleeper or the futex sees its add.
        shim_atomic_fetch_add(doneSleepers, 1)
        shim_wait_while_equal(cell, seen)
        shim_atomic_fetch_add(doneSleepers, -1)
      }
      waits += 1
    }
  }

  /// The high half of every counter in run `run`.
  @inline(__always)
  private static func tag(_ run: Int64) -> Int64 {
    Int64(UInt32(truncatingIfNeeded: run)) << 32
  }

  private func work(thread: Int) {
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
      body?(thread, seen)
    }
  }
}

private final class WorkerContext {
  unowned(unsafe) let pool: WorkerPool
  let thread: Int

  init(pool: WorkerPool, thread: Int) {
    self.pool = pool
    self.thread = thread
  }
}
