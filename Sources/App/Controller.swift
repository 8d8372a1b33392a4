import Board
import Learning
import Support

private let log = Logger("app")

/// Timing of the state machine. The repeat interval and the confidence
/// floor come from the configuration; the rest are fixed by the design.
public struct ControllerSettings {
  public var directionRepeatMilliseconds = 500
  public var heartbeatMilliseconds = 1000
  /// How long TRAIN and PLAY must be held together to clear the dataset.
  public var clearHoldMilliseconds = 3000
  /// How long a refused or failed action shows its error.
  public var errorDisplayMilliseconds = 2000
  /// How long all LEDs stay lit to confirm a clear.
  public var clearedDisplayMilliseconds = 1000

  public init() {}
}

/// The collect–train–play state machine. It owns no device loop: whoever
/// drives it (the live appliance, a replay, a test) hands it button events,
/// the activation of each processed frame and regular ticks, and it answers
/// with LED levels and protocol lines. Time comes from a `TimeSource`, so
/// nothing in here sleeps.
///
/// The rules:
/// - Holding a label button collects one example per processed frame; that
///   class's LED flips for each. One label at a time: the first held wins.
///   Releasing it saves the dataset. Collecting while playing pauses the
///   directions, which resume on release.
/// - TRAIN and PLAY act when released, so that holding both together can
///   mean something else: held together for 3 s they clear the dataset
///   (the head stays), and releasing them does nothing.
/// - TRAIN fits the head; the direction LEDs fill up as a progress bar and
///   every other button is ignored until it ends. The head is then saved.
/// - PLAY toggles playing: each processed frame is predicted, the LED of a
///   confident prediction lights, and directions go out on the serial link.
/// - TRAIN with no examples (or with one class only) and PLAY with no head
///   are refused: an error shows for 2 s on LEDs and serial, then the
///   device returns to where it was. A new button press ends it sooner.
/// - At start the dataset and the head are loaded; with a head the device
///   resumes playing at once.
///
/// A replay drives it frame by frame on a `SteppedTime`: for each recorded
/// frame, hand it the button events recorded at that frame, then the
/// frame's activation if `wantsActivation` (an idle device runs no
/// inference), then `tick()`, then advance the time by one frame interval.
public final class Controller {
  let settings: ControllerSettings
  let learner: any Learner
  let lights: any Lights
  let serial: any SerialLink
  let time: any TimeSource

  // Where the device returns to after collecting, training or an error.
  var playing = false
  var collecting: Direction?
  var training = false
  var trainingPercent = 0
  var trainingLoss: Double?
  var shownError: ErrorReason?
  var errorShownAt: Int64 = 0
  var cameraAvailable = true
  var clearedUntil: Int64?

  // Buttons: bit `Button.rawValue` set while down.
  var heldButtons: UInt8 = 0
  /// TRAIN and PLAY bits pressed outside training and not part of a chord.
  var armedCommands: UInt8 = 0
  var chordStartedAt: Int64?

  // Collecting.
  var examplesThisHold = 0
  var examplesUnsaved = false
  var collectFlip = false

  // Playing.
  var predicted: Direction?
  var directionSentAt: Int64 = 0

  // Serial.
  var encoder = ProtocolEncoder()
  var lastSentState: DeviceState?
  var startedAt: Int64 = 0
  var heartbeatDueAt: Int64 = 0

  // LEDs: bit `Light.rawValue` set while lit; nil before the first update.
  var shownLights: UInt8?

  public init(settings: ControllerSettings, learner: any Learner,
              lights: any Lights, serial: any SerialLink, time: any TimeSource) {
    self.settings = settings
    self.learner = learner
    self.lights = lights
    self.serial = serial
    self.time = time
  }

  /// The state the console was last told.
  public var state: DeviceState { currentState }

  /// Whether the next frame needs its activation: only while collecting or
  /// playing, so an idle device runs no inference.
  public var wantsActivation: Bool {
    !training && (collecting != nil || (playing && shownError == nil))
  }

  // MARK: Start and finish

  /// Loads the dataset and the head, resumes playing if there is a head,
  /// and tells the console the state.
  public func start() {
    let now = time.nanoseconds
    startedAt = now
    heartbeatDueAt = now + milliseconds(settings.heartbeatMilliseconds)

    var loadFailed = false
    do {
      try learner.loadExamples()
    } catch {
      log.warning("dataset not loaded: \(error.message)")
      loadFailed = true
    }
    do {
      try learner.loadHead()
    } catch {
      log.warning("head not loaded: \(error.message)")
      loadFailed = true
    }
    let head: StaticString = learner.hasHead ? "yes" : "no"
    log.info("loaded \(learner.exampleCount) examples (\(countsText())), head: \(head)")

    if learner.hasHead {
      playing = true
      learner.startPredicting()
      log.info("playing (resumed at start)")
    }
    if loadFailed {
      showError(.loadFailed)
    } else {
      publishState(force: true)
    }
    updateLights()
  }

  /// Saves what is unsaved, turns the LEDs off and tells the console the
  /// device is idle. Call before releasing the devices.
  public func finish() {
    if collecting != nil { finishCollecting() }
    if examplesUnsaved { saveExamples() }
    training = false
    playing = false
    shownError = nil
    clearedUntil = nil
    publishState()
    for light in Light.allCases { lights.set(light, on: false) }
    shownLights = 0
    log.info("stopped")
  }

  // MARK: Buttons

  /// One debounced button event. `whileBusy` runs after every training
  /// batch, so a live loop can keep its devices serviced meanwhile.
  public func handle(_ event: ButtonEvent, whileBusy: () -> Void = {}) {
    let bit = UInt8(1) << UInt8(event.button.rawValue)
    switch event.action {
    case .hold: return
    case .press: heldButtons |= bit
    case .release: heldButtons &= ~bit
    }
    guard !training else {
      armedCommands = 0
      return
    }
    if event.action == .press, shownError != nil, cameraAvailable {
      shownError = nil
      publishState()
    }

    if let direction = Direction(button: event.button) {
      if event.action == .press {
        if collecting == nil, chordStartedAt == nil { beginCollecting(direction) }
      } else if collecting == direction {
        finishCollecting()
      }
    } else if event.action == .press {
      pressCommand(bit)
    } else {
      releaseCommand(event.button, bit: bit, whileBusy: whileBusy)
    }
    updateLights()
  }

  func pressCommand(_ bit: UInt8) {
    armedCommands |= bit
    let chord = bitOf(.train) | bitOf(.play)
    guard heldButtons & chord == chord else { return }
    armedCommands = 0
    chordStartedAt = time.nanoseconds
    let hold = settings.clearHoldMilliseconds
    log.info("TRAIN and PLAY held: the dataset clears if held for \(hold) ms")
  }

  func releaseCommand(_ button: Button, bit: UInt8, whileBusy: () -> Void) {
    chordStartedAt = nil
    guard armedCommands & bit != 0 else { return }
    armedCommands &= ~bit
    if button == .train {
      train(whileBusy: whileBusy)
    } else {
      togglePlaying()
    }
  }

  func bitOf(_ button: Button) -> UInt8 {
    UInt8(1) << UInt8(button.rawValue)
  }

  // MARK: Frames and time

  /// The activation of one processed frame: stored while collecting,
  /// predicted while playing, ignored otherwise.
  public func process(activation: UnsafeBufferPointer<UInt8>) {
    if let direction = collecting {
      collect(activation, label: direction)
    } else if wantsActivation {
      predict(activation)
    }
    updateLights()
  }

  /// Whether frames arrive. A missing camera shows a `NO_CAMERA` error
  /// while collecting or playing, until frames come back.
  public func noteCamera(available: Bool) {
    guard available != cameraAvailable else { return }
    cameraAvailable = available
    if available {
      log.info("camera is back")
    } else {
      log.warning("camera unavailable; waiting for it to return")
      predicted = nil
    }
    publishState()
    updateLights()
  }

  /// Call often (every pass of the loop): ends an error display, clears
  /// the dataset once the chord was held long enough, sends heartbeats and
  /// blinks the LEDs.
  public func tick() {
    let now = time.nanoseconds
    if shownError != nil,
       now - errorShownAt >= milliseconds(settings.errorDisplayMilliseconds) {
      shownError = nil
      publishState()
    }
    if let since = chordStartedAt,
       now - since >= milliseconds(settings.clearHoldMilliseconds) {
      chordStartedAt = nil
      clearExamples()
    }
    if let until = clearedUntil, now >= until { clearedUntil = nil }
    sendHeartbeatIfDue(now)
    updateLights()
  }
}

func milliseconds(_ count: Int) -> Int64 {
  Int64(count) * 1_000_000
}
