import Learning

/// What the console is told: the state on every change, heartbeats, and
/// the text of log lines.
extension Controller {
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
  func publishState(force: Bool = false) {
    let state = currentState
    guard force || state != lastSentState else { return }
    lastSentState = state
    send(.state(state))
  }

  func sendHeartbeatIfDue(_ now: Int64) {
    guard now >= heartbeatDueAt else { return }
    let interval = milliseconds(settings.heartbeatMilliseconds)
    let uptimeSeconds = Int((now - startedAt) / 1_000_000_000)
    send(.heartbeat(uptimeSeconds: uptimeSeconds))
    heartbeatDueAt += interval
    // After a long stall, beat once and start counting again from now.
    if heartbeatDueAt <= now { heartbeatDueAt = now + interval }
  }

  func send(_ message: ProtocolMessage) {
    encoder.encode(message) { serial.send(line: $0) }
  }

  // MARK: Text for logs

  func countsText() -> String {
    var text = ""
    for direction in Direction.allCases {
      if !text.isEmpty { text += ", " }
      text += direction.name + " " + String(learner.exampleCount(of: direction))
    }
    return text
  }

  func lossText(_ loss: Double?) -> String {
    guard let loss else { return "none" }
    return formatDecimal(loss, digits: 4)
  }
}
