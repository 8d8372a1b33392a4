import App
import Board
import XCTest

/// A controller on a stepped clock with a scripted learner, recording LEDs
/// and a recording serial link. Time starts at 0.
final class ControllerHarness {
  let time = SteppedTime()
  let learner: ScriptedLearner
  let lights = RecordingLights()
  let serial = RecordingSerialLink()
  let controller: Controller
  private var linesTaken = 0

  /// Heartbeats are an hour apart unless a test asks otherwise, so that
  /// the lines it asserts are only the ones it is about.
  init(learner: ScriptedLearner = ScriptedLearner(),
       heartbeatMilliseconds: Int = 3_600_000) {
    var settings = ControllerSettings()
    settings.heartbeatMilliseconds = heartbeatMilliseconds
    self.learner = learner
    controller = Controller(settings: settings, learner: learner, lights: lights,
                            serial: serial, time: time)
  }

  /// A started harness whose learner found `savedCounts` examples and,
  /// with `savedHead`, a head; the lines sent at start are taken.
  static func started(savedCounts: [Int]? = nil, savedHead: Bool = false,
                      heartbeatMilliseconds: Int = 3_600_000) -> ControllerHarness {
    let learner = ScriptedLearner()
    learner.savedCounts = savedCounts
    learner.savedHead = savedHead
    let harness = ControllerHarness(learner: learner,
                                    heartbeatMilliseconds: heartbeatMilliseconds)
    harness.controller.start()
    _ = harness.takeLines()
    return harness
  }

  /// The protocol lines sent since the last call.
  func takeLines() -> [String] {
    let all = serial.lines.map { String(decoding: $0, as: UTF8.self) }
    defer { linesTaken = all.count }
    return Array(all[linesTaken...])
  }

  func press(_ button: Button, whileBusy: () -> Void = {}) {
    controller.handle(ButtonEvent(button: button, action: .press,
                                  timeNanoseconds: time.nanoseconds),
                      whileBusy: whileBusy)
  }

  func release(_ button: Button, whileBusy: () -> Void = {}) {
    controller.handle(ButtonEvent(button: button, action: .release,
                                  timeNanoseconds: time.nanoseconds),
                      whileBusy: whileBusy)
  }

  /// Presses and releases.
  func click(_ button: Button) {
    press(button)
    release(button)
  }

  /// One processed frame whose activation makes the scripted learner
  /// answer `direction` (nil: not sure) with `percent` confidence.
  func frame(_ direction: Direction?, percent: UInt8 = 90) {
    let activation: [UInt8] = [UInt8((direction?.rawValue ?? -1) + 1), percent]
    activation.withUnsafeBufferPointer { controller.process(activation: $0) }
  }

  /// Moves time on and lets the controller see it.
  func advance(milliseconds: Int) {
    time.advance(milliseconds: milliseconds)
    controller.tick()
  }

  /// The LEDs lit now, in `Light` order.
  var litLights: [Light] {
    Light.allCases.filter { lights.isOn($0) }
  }

  /// Collects `count` frames of `direction`.
  func collect(_ direction: Direction, count: Int) {
    press(Self.button(for: direction))
    for _ in 0..<count { frame(nil) }
    release(Self.button(for: direction))
  }

  static func button(for direction: Direction) -> Button {
    switch direction {
    case .up: return .up
    case .down: return .down
    case .left: return .left
    case .right: return .right
    }
  }
}
