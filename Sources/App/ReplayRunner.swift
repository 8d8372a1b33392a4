import Board
import CShims
import Learning
import Support

/// Drives a session through `Appliance.run`, the very loop of `teachpad
/// run`, with the replay devices in place of the live ones and time that
/// moves one frame interval per pass. Scores each frame with a true
/// direction against the direction LED the controller lit, times every
/// pass, and samples the resident memory every `memorySampleInterval`
/// passes. Past the end of the script it plays the scored part again
/// (without button events) until `frameCount` passes are done.
public final class ReplayRunner {
  public static let memorySampleInterval = 1000

  let script: SessionScript
  let camera: ReplayCamera
  let extractor: any FeatureExtractor
  let learner: ObservingLearner
  let serial: CountingSerialLink
  let settings: ControllerSettings
  public let frameCount: Int
  let time = SteppedTime()
  let lights = ReplayLights()
  let buttons: ReplayButtons

  /// Called after every pass, e.g. to let a slow serial peer catch up.
  public var afterStep: () -> Void = {}
  /// Asked before every pass: true ends the replay early (a stop signal,
  /// a reader that has gone), with the controller finishing as on a stop.
  public var shouldStop: () -> Bool = { false }

  public init(script: SessionScript, camera: ReplayCamera, extractor: any FeatureExtractor,
              learner: any Learner, serial: any SerialLink,
              settings: ControllerSettings, frameCount: Int? = nil) {
    precondition(camera.imageCount == script.images.count,
                 "ReplayRunner: \(camera.imageCount) images for \(script.images.count)")
    self.script = script
    self.camera = camera
    self.extractor = extractor
    self.learner = ObservingLearner(learner)
    self.serial = CountingSerialLink(serial)
    self.settings = settings
    self.frameCount = max(frameCount ?? script.steps.count, script.steps.count)
    buttons = ReplayButtons(time: time)
  }

  /// Plays the whole session and returns what happened.
  public func run() -> ReplaySummary {
    let controller = Controller(settings: settings, learner: learner, lights: lights,
                                serial: serial, time: time)
    let appliance = Appliance(controller: controller, camera: camera, buttons: buttons,
                              serial: serial, extractor: extractor)
    var timings = [Int64](repeating: 0, count: frameCount)
    var memory = [MemorySample]()
    memory.reserveCapacity(frameCount / Self.memorySampleInterval + 2)
    var scored = 0
    var correct = 0
    var unsure = 0
    var index = -1
    var startedAt: Int64 = 0
    let loopStart = script.loopStart
    let loopLength = max(1, script.steps.count - loopStart)
    let frameMilliseconds = script.frameMilliseconds

    appliance.run {
      if index >= 0 {
        timings[index] = shim_monotonic_nanoseconds() - startedAt
        let step = stepIndex(index, loopStart: loopStart, loopLength: loopLength)
        if let expected = script.steps[step].expected {
          scored += 1
          if let lit = lights.litDirection {
            if lit == expected { correct += 1 }
          } else {
            unsure += 1
          }
        }
        time.advance(milliseconds: frameMilliseconds)
        if (index + 1) % Self.memorySampleInterval == 0 {
          memory.append(MemorySample(frame: index + 1, residentBytes: residentBytes(),
                                     heapBytes: Int(shim_heap_in_use())))
        }
        afterStep()
      }
      index += 1
      guard index < frameCount, !shouldStop() else { return true }
      let step = stepIndex(index, loopStart: loopStart, loopLength: loopLength)
      camera.pending = script.steps[step].image
      buttons.load(index < script.steps.count ? script.steps[index].events : [])
      startedAt = shim_monotonic_nanoseconds()
      return false
    }
    afterStep()

    var counts: [Int] = []
    for direction in Direction.allCases { counts.append(learner.exampleCount(of: direction)) }
    // `index` is the count of passes played: all of them unless stopped.
    if index < frameCount { timings.removeLast(frameCount - index) }
    return ReplaySummary(
      frames: index, examples: counts, finalLoss: learner.finalLoss,
      trained: learner.trainingCount > 0,
      directions: serial.directionCount, states: serial.stateCount,
      heartbeats: serial.heartbeatCount, dropped: serial.droppedLineCount,
      scored: scored, correct: correct, unsure: unsure,
      frameNanoseconds: timings, memory: memory)
  }

  private func stepIndex(_ index: Int, loopStart: Int, loopLength: Int) -> Int {
    index < script.steps.count ? index
      : loopStart + (index - script.steps.count) % loopLength
  }
}

/// The resident set of this process, from /proc/self/statm, read without
/// allocating; 0 when it cannot be read.
public func residentBytes() -> Int {
  let descriptor = shim_open("/proc/self/statm", O_RDONLY)
  guard descriptor >= 0 else { return 0 }
  defer { close(descriptor) }
  var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
    (0, 0, 0, 0, 0, 0, 0, 0)
  return withUnsafeMutableBytes(of: &buffer) { raw -> Int in
    let got = read(descriptor, raw.baseAddress, raw.count)
    guard got > 0 else { return 0 }
    // "size resident shared ...": the second number, in pages.
    var field = 0
    var value = 0
    for byte in raw.prefix(got) {
      if byte == UInt8(ascii: " ") {
        if field == 1 { break }
        field += 1
        value = 0
      } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
      }
    }
    return value * Int(sysconf(Int32(_SC_PAGESIZE)))
  }
}

/// The memory after a number of frames: resident pages, and the bytes
/// in use on the main malloc heap (-1 when the C library does not say).
public struct MemorySample: Equatable {
  public var frame: Int
  public var residentBytes: Int
  public var heapBytes: Int
}

/// What a replay did, and its printed form.
public struct ReplaySummary {
  public var frames: Int
  /// Examples per direction at the end, UP, DOWN, LEFT, RIGHT.
  public var examples: [Int]
  public var finalLoss: Double?
  public var trained: Bool
  public var directions: Int
  public var states: Int
  public var heartbeats: Int
  public var dropped: Int
  public var scored: Int
  public var correct: Int
  /// Scored frames where no direction LED was lit (below the floor).
  public var unsure: Int
  /// Wall time of each pass of the loop.
  public var frameNanoseconds: [Int64]
  public var memory: [MemorySample]

  public var accuracy: Double {
    scored == 0 ? 0 : Double(correct) / Double(scored)
  }

  /// The time below which `fraction` of the passes took, in nanoseconds
  /// (nearest rank).
  public func percentile(_ fraction: Double) -> Int64 {
    guard !frameNanoseconds.isEmpty else { return 0 }
    let sorted = frameNanoseconds.sorted()
    let rank = Int((fraction * Double(sorted.count)).rounded(.up))
    return sorted[min(sorted.count - 1, max(0, rank - 1))]
  }

  public var text: String {
    var text = "frames: \(frames)\nexamples:"
    for direction in Direction.allCases {
      text += " " + direction.name + " " + String(examples[direction.rawValue])
    }
    text += "\ntraining loss: "
    if let finalLoss {
      text += formatDecimal(finalLoss, digits: 4)
    } else {
      text += trained ? "none (kNN head)" : "not trained"
    }
    text += "\nevents sent: \(directions) directions, \(states) states, "
      + "\(heartbeats) heartbeats (\(dropped) dropped)\n"
    if scored == 0 {
      text += "direction accuracy: none (no frame of the session has a true direction)\n"
    } else {
      text += "direction accuracy: " + formatDecimal(accuracy, digits: 3)
        + " (\(correct)/\(scored) test frames; \(unsure) with no confident direction)\n"
    }
    text += "time per frame: median "
      + formatDecimal(Double(percentile(0.5)) / 1e6, digits: 2) + " ms, p99 "
      + formatDecimal(Double(percentile(0.99)) / 1e6, digits: 2) + " ms, max "
      + formatDecimal(Double(percentile(1)) / 1e6, digits: 1) + " ms\n"
    if !memory.isEmpty {
      text += "memory every \(ReplayRunner.memorySampleInterval) frames "
        + "(frame: resident KiB, heap bytes in use):"
      for sample in memory {
        text += " \(sample.frame): \(sample.residentBytes / 1024), \(sample.heapBytes);"
      }
      text += "\n"
      // Growth from the first sample after the warm-up to the last one,
      // when there are two such samples.
      if memory.count >= 3 {
        let first = memory[1]
        let last = memory[memory.count - 1]
        let frames = last.frame - first.frame
        text += "growth after frame \(first.frame) (warm-up) over \(frames) frames: resident "
          + "\(last.residentBytes - first.residentBytes) bytes, heap "
          + "\(last.heapBytes - first.heapBytes) bytes\n"
      }
    }
    return text
  }
}
