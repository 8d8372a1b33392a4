import Board
import Learning
import Support

private let log = Logger("app")

/// What the buttons and frames make the controller do: collect, train,
/// play, clear, refuse.
extension Controller {
  func beginCollecting(_ direction: Direction) {
    collecting = direction
    examplesThisHold = 0
    predicted = nil
    collectFlip = false
    let stored = learner.exampleCount(of: direction)
    log.info("collecting \(direction.token) (\(stored) stored)")
    publishState()
  }

  func collect(_ activation: UnsafeBufferPointer<UInt8>, label: Direction) {
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

  func finishCollecting() {
    guard let direction = collecting else { return }
    collecting = nil
    log.info("collected \(examplesThisHold) \(direction.token) examples (\(countsText()))")
    if examplesUnsaved { saveExamples() }
    if playing { learner.startPredicting() }
    publishState()
  }

  func train(whileBusy: () -> Void) {
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
  func reportTraining(_ progress: TrainingStep) {
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

  func togglePlaying() {
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

  func clearExamples() {
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

  func predict(_ activation: UnsafeBufferPointer<UInt8>) {
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

  func saveExamples() {
    do {
      try learner.saveExamples()
      examplesUnsaved = false
    } catch {
      log.warning("dataset not saved: \(error.message)")
      showError(.saveFailed)
    }
  }

  func refuse(_ reason: ErrorReason, _ action: StaticString) {
    log.info("\(action) refused: \(reason.token)")
    showError(reason)
  }

  func showError(_ reason: ErrorReason) {
    shownError = reason
    errorShownAt = time.nanoseconds
    predicted = nil
    publishState()
    updateLights()
  }
}
