import CShims
import Support

private let log = Logger("camera")

/// Which camera and how to run it.
public struct CameraSettings {
  /// `/dev/video0`, or a stable `/dev/v4l/by-id/...` name.
  public var path: String
  /// The size to come close to; the driver's choice is used.
  public var width: Int
  public var height: Int
  /// mmap buffers to ask for; the driver may give more.
  public var bufferCount: Int
  /// Frames thrown away after each start while exposure settles.
  public var discardFrameCount: Int
  /// No frame for this long while streaming counts as a lost camera.
  public var stallMilliseconds: Int
  /// Back-off for reopening a missing, vanished or stalled camera.
  public var retry: RetrySchedule

  public init(path: String = "/dev/video0", width: Int = 640,
              height: Int = 480, bufferCount: Int = 3,
              discardFrameCount: Int = 5, stallMilliseconds: Int = 3000,
              retry: RetrySchedule = RetrySchedule()) {
    precondition(width > 0 && height > 0 && bufferCount >= 2
                   && discardFrameCount >= 0 && stallMilliseconds > 0,
                 "CameraSettings: bad value")
    self.path = path
    self.width = width
    self.height = height
    self.bufferCount = bufferCount
    self.discardFrameCount = discardFrameCount
    self.stallMilliseconds = stallMilliseconds
    self.retry = retry
  }
}

/// A V4L2 camera through libv4l2, which converts YUYV or MJPEG to RGB24.
///
/// `nextFrame` hands out the newest frame: every buffer already filled is
/// dequeued, and all but the last go straight back to the driver. The
/// frame stays in its mmap buffer until the next call, which queues it
/// again. A camera that is missing, vanishes (ENODEV), fails, or sends no
/// frame for `stallMilliseconds` is closed (buffers unmapped, descriptor
/// closed), logged once, and reopened with back-off until frames come
/// again. No call waits longer than its timeout for a frame; the work it
/// does is on top: converting the frames it dequeues, and on a retry,
/// opening and starting the device (milliseconds to a few hundred on a
/// USB camera).
public final class V4L2Camera: Camera {
  public let settings: CameraSettings
  /// The format in use, nil while the camera is closed.
  public internal(set) var format: CameraFormat?
  /// Why the camera is closed, nil while it streams.
  public private(set) var problem: String?
  /// Frames handed out since the camera was created.
  public private(set) var deliveredFrameCount = 0
  /// Filled frames skipped because a newer one was waiting.
  public private(set) var staleFrameCount = 0

  var descriptor: Int32 = -1
  var buffers: [UnsafeMutableRawBufferPointer] = []
  var lentBuffer: UInt32?
  var framesToDiscard = 0
  var lastFrameTime: Int64 = 0
  private var retry: RetrySchedule
  /// A loss or failure was logged and no frame has come since: the
  /// attempts in between stay quiet, so the log has one line per outage.
  var lossReported = false

  /// Opens the camera now if it is there; if not, `nextFrame` keeps trying.
  public init(settings: CameraSettings = CameraSettings()) {
    self.settings = settings
    self.retry = settings.retry
    openIfDue()
  }

  deinit {
    release()
  }

  public var isStreaming: Bool { descriptor >= 0 }

  public func nextFrame(timeoutMilliseconds: Int) -> CameraReading {
    let deadline = MonotonicClock.nanoseconds
      + Int64(max(0, timeoutMilliseconds)) * 1_000_000
    returnLentBuffer()

    while true {
      if descriptor < 0 {
        openIfDue()
        if descriptor < 0 {
          let wakeUp = min(deadline, retry.nextAttemptNanoseconds)
          MonotonicClock.sleep(milliseconds:
            MonotonicClock.milliseconds(until: wakeUp))
          if MonotonicClock.nanoseconds >= deadline { return .unavailable }
          continue
        }
      }

      switch takeNewestBuffer() {
      case .failed(let reason):
        lose(reason)
        return .unavailable
      case .filled(let index, let bytesUsed):
        lastFrameTime = MonotonicClock.nanoseconds
        if let frame = frame(in: index, bytesUsed: bytesUsed) {
          return .frame(frame)
        }
      case .none:
        let stallDeadline = lastFrameTime
          + Int64(settings.stallMilliseconds) * 1_000_000
        let now = MonotonicClock.nanoseconds
        if now >= stallDeadline {
          lose("no frame for \(settings.stallMilliseconds) ms (stalled)")
          return .unavailable
        }
        if now >= deadline { return .noFrame }
        if !waitReadable(until: min(deadline, stallDeadline)) {
          lose(FileBytes.exists(path: settings.path)
            ? "the device reports an error" : "its device node is gone")
          return .unavailable
        }
      }
    }
  }

  /// Hands the buffer to the caller, or queues it again while frames are
  /// still being discarded or when it is too short.
  private func frame(in index: UInt32, bytesUsed: Int) -> Frame? {
    guard let format else { return nil }
    let buffer = buffers[Int(index)]
    guard framesToDiscard == 0, bytesUsed >= format.frameBytes else {
      if framesToDiscard > 0 { framesToDiscard -= 1 }
      _ = shim_v4l2_queue_buffer(descriptor, index)
      return nil
    }
    lentBuffer = index
    deliveredFrameCount += 1
    if lossReported {
      log.info("\(settings.path): frames again")
      lossReported = false
    }
    let pixels = UnsafeBufferPointer(
      start: buffer.baseAddress?.assumingMemoryBound(to: UInt8.self),
      count: min(buffer.count, bytesUsed))
    return Frame(pixels: pixels, width: format.width, height: format.height,
                 bytesPerRow: format.bytesPerRow)
  }

  private enum Dequeued {
    case filled(UInt32, bytesUsed: Int)
    case none
    case failed(String)
  }

  /// Dequeues the filled buffers and keeps only the newest. At most one
  /// round of the buffers: libv4l2 converts each buffer as it is dequeued,
  /// and when converting is slower than the camera a drain "until empty"
  /// would never end. Asks poll before each DQBUF, because libv4l2 prints
  /// a line for every DQBUF that finds none.
  private func takeNewestBuffer() -> Dequeued {
    var newest: (index: UInt32, bytesUsed: Int)?
    var dequeuedCount = 0
    while dequeuedCount < buffers.count && hasFilledBuffer() {
      dequeuedCount += 1
      var index: UInt32 = 0
      var bytesUsed: UInt32 = 0
      var sequence: UInt32 = 0
      let status = shim_v4l2_dequeue_buffer(descriptor, &index, &bytesUsed,
                                            &sequence)
      if status == EAGAIN { break }
      if status != 0 {
        if let newest { _ = shim_v4l2_queue_buffer(descriptor, newest.index) }
        return .failed(SystemError("VIDIOC_DQBUF", code: status).reason)
      }
      guard Int(index) < buffers.count else {
        return .failed("the driver returned buffer \(index) of \(buffers.count)")
      }
      if let older = newest {
        staleFrameCount += 1
        _ = shim_v4l2_queue_buffer(descriptor, older.index)
      }
      newest = (index, Int(bytesUsed))
    }
    guard let newest else { return .none }
    return .filled(newest.index, bytesUsed: newest.bytesUsed)
  }

  private func hasFilledBuffer() -> Bool {
    var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    return poll(&entry, 1, 0) > 0 && entry.revents & Int16(POLLIN) != 0
  }

  /// Waits for a filled buffer; false when the device reports an error.
  private func waitReadable(until deadline: Int64) -> Bool {
    var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    let status = poll(&entry, 1, MonotonicClock.milliseconds(until: deadline))
    if status <= 0 { return true }
    return entry.revents & Int16(POLLERR | POLLHUP | POLLNVAL) == 0
      || entry.revents & Int16(POLLIN) != 0
  }

  private func returnLentBuffer() {
    guard let index = lentBuffer else { return }
    lentBuffer = nil
    guard descriptor >= 0 else { return }
    let status = shim_v4l2_queue_buffer(descriptor, index)
    if status != 0 {
      lose(SystemError("VIDIOC_QBUF", code: status).reason)
    }
  }

  private func openIfDue() {
    let now = MonotonicClock.nanoseconds
    guard descriptor < 0, retry.isDue(now: now) else { return }
    do throws(DeviceError) {
      try start()
    } catch {
      release()
      retry.failed(now: now)
      if !lossReported {
        log.warning("\(error.message) (retrying in the background)")
        lossReported = true
      }
      problem = error.message
      return
    }
    retry.succeeded()
    problem = nil
  }

  private func lose(_ reason: String) {
    let message = "camera \(settings.path): lost (\(reason))"
    if !lossReported {
      log.warning("\(message); reopening with back-off")
      lossReported = true
    }
    problem = message
    release()
    retry.failed(now: MonotonicClock.nanoseconds)
  }
}
