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
  private var heldButtons: UInt8 = 0
  /// TRAIN and PLAY bits pressed outside training and not part of a chord.
  private var armedCommands: UInt8 = 0
  private var chordStartedAt: Int64?

  // Collecting.
  private var examplesThisHold = 0
  private var examplesUnsaved = false
  var collectFlip = false

  // Playing.
  var predicted: Direction?
  private var directionSentAt: Int64 = 0

  // Serial.
  private var encoder = ProtocolEncoder()
  private var lastSentState: DeviceState?
  private var startedAt: Int64 = 0
  private var heartbeatDueAt: Int64 = 0

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

  private func pressCommand(_ bit: UInt8) {
    armedCommands |= bit
    let chord = bitOf(.train) | bitOf(.play)
    guard heldButtons & chord == chord else { return }
    armedCommands = 0
    chordStartedAt = time.nanoseconds
    let hold = settings.clearHoldMilliseconds
    log.info("TRAIN and PLAY held: the dataset clears if held for \(hold) ms")
  }

  private func releaseCommand(_ button: Button, bit: UInt8, whileBusy: () -> Void) {
    chordStartedAt = nil
    guard armedCommands & bit != 0 else { return }
    armedCommands &= ~bit
    if button == .train {
      train(whileBusy: whileBusy)
    } else {
      togglePlaying()
    }
  }

  private func bitOf(_ button: Button) -> UInt8 {
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

  // MARK: Actions

  private func beginCollecting(_ direction: Direction) {
    collecting = direction
    examplesThisHold = 0
    predicted = nil
    collectFlip = false
    let stored = learner.exampleCount(of: direction)
    log.info("collecting \(direction.token) (\(stored) stored)")
    publishState()
  }

  private func collect(_ activation: UnsafeBufferPointer<UInt8>, label: Direction) {
    do {
      try learner.addExample(activation, label: label)
    } catch {
      log.warning("example not stored: \(error.message)")
      showError(.datasetFull)
      finishCollecting()
      return
    }
    examplesThisHold += 1
    examplesUnsaved = true
    collectFlip.toggle()
    publishState()
  }

  private func finishCollecting() {
    guard let direction = collecting else { return }
    collecting = nil
    log.info("collected \(examplesThisHold) \(direction.token) examples (\(countsText()))")
    if examplesUnsaved { saveExamples() }
    if playing { learner.startPredicting() }
    publishState()
  }

  private func train(whileBusy: () -> Void) {
    finishCollecting()
    guard learner.exampleCount > 0 else { return refuse(.noExamples, "TRAIN") }
    let classes = Direction.allCases.filter { learner.exampleCount(of: $0) > 0 }
    guard classes.count >= 2 else { return refuse(.oneClass, "TRAIN") }

    let began = time.nanoseconds
    training = true
    trainingPercent = 0
    trainingLoss = nil
    log.info("training on \(learner.exampleCount) examples (\(countsText()))")
    publishState()
    updateLights()

    let finalLoss: Double?
    do {
      finalLoss = try learner.train { progress in
        reportTraining(progress)
        whileBusy()
      }
    } catch {
      training = false
      log.warning("training failed: \(error.message)")
      showError(.trainingFailed)
      return
    }

    if trainingPercent < 100 {
      reportTraining(TrainingStep(fraction: 1, loss: finalLoss))
    }
    training = false
    let elapsed = Int((time.nanoseconds - began) / 1_000_000)
    log.info("trained in \(elapsed) ms, loss \(lossText(finalLoss))")
    do {
      try learner.saveHead()
    } catch {
      log.warning("head not saved: \(error.message)")
      showError(.saveFailed)
    }
    if playing {
      learner.startPredicting()
      predicted = nil
    }
    publishState()
    updateLights()
  }

  /// Sends a TRAIN state when the whole percentage changes, and keeps the
  /// heartbeat and the LEDs going.
  private func reportTraining(_ progress: TrainingStep) {
    let percent = Int(min(1, max(0, progress.fraction)) * 100)
    if percent != trainingPercent || trainingLoss == nil {
      trainingPercent = percent
      trainingLoss = progress.loss
      publishState()
    }
    let now = time.nanoseconds
    sendHeartbeatIfDue(now)
    updateLights()
  }

  private func togglePlaying() {
    if playing {
      playing = false
      predicted = nil
      log.info("stopped playing")
    } else {
      guard learner.hasHead else { return refuse(.noHead, "PLAY") }
      playing = true
      predicted = nil
      learner.startPredicting()
      log.info("playing")
    }
    publishState()
  }

  private func clearExamples() {
    if let direction = collecting {
      log.info("stopped collecting \(direction.token) to clear")
      collecting = nil
    }
    learner.removeAllExamples()
    log.info("cleared the dataset")
    saveExamples()
    clearedUntil = time.nanoseconds + milliseconds(settings.clearedDisplayMilliseconds)
    publishState(force: true)
  }

  private func predict(_ activation: UnsafeBufferPointer<UInt8>) {
    let now = time.nanoseconds
    let answer = learner.classify(activation)
    guard let direction = answer.direction else {
      predicted = nil
      return
    }
    let repeatInterval = milliseconds(settings.directionRepeatMilliseconds)
    if direction != predicted || now - directionSentAt >= repeatInterval {
      send(.direction(direction, confidence: answer.confidence))
      directionSentAt = now
    }
    predicted = direction
  }

  private func saveExamples() {
    do {
      try learner.saveExamples()
      examplesUnsaved = false
    } catch {
      log.warning("dataset not saved: \(error.message)")
      showError(.saveFailed)
    }
  }

  private func refuse(_ reason: ErrorReason, _ action: StaticString) {
    log.info("\(action) refused: \(reason.token)")
    showError(reason)
  }

  private func showError(_ reason: ErrorReason) {
    shownError = reason
    errorShownAt = time.nanoseconds
    predicted = nil
    publishState()
    updateLights()
  }

  // MARK: Serial

  /// What the console should see now.
  var currentState: DeviceState {
    if let reason = shownError { return .error(reason) }
    if training { return .training(percent: trainingPercent, loss: trainingLoss) }
    if !cameraAvailable, collecting != nil || playing { return .error(.noCamera) }
    if let direction = collecting {
      return .collecting(direction, count: learner.exampleCount(of: direction))
    }
    return playing ? .playing : .idle
  }

  /// Sends the state if it differs from the last one sent (or always).
  private func publishState(force: Bool = false) {
    let state = currentState
    guard force || state != lastSentState else { return }
    lastSentState = state
    send(.state(state))
  }

  private func sendHeartbeatIfDue(_ now: Int64) {
    guard now >= heartbeatDueAt else { return }
    let interval = milliseconds(settings.heartbeatMilliseconds)
    let uptimeSeconds = Int((now - startedAt) / 1_000_000_000)
    send(.heartbeat(uptimeSeconds: uptimeSeconds))
    heartbeatDueAt += interval
    // After a long stall, beat once and start counting again from now.
    if heartbeatDueAt <= now { heartbeatDueAt = now + interval }
  }

  private func send(_ message: ProtocolMessage) {
    encoder.encode(message) { serial.send(line: $0) }
  }

  // MARK: Text for logs

  private func countsText() -> String {
    var text = ""
    for direction in Direction.allCases {
      if !text.isEmpty { text += ", " }
      text += direction.name + " " + String(learner.exampleCount(of: direction))
    }
    return text
  }

  private func lossText(_ loss: Double?) -> String {
    guard let loss else { return "none" }
    return formatDecimal(loss, digits: 4)
  }
}

func milliseconds(_ count: Int) -> Int64 {
  Int64(count) * 1_000_000
}
