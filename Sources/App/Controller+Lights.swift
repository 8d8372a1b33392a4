import Board

/// What the five LEDs show. Blinks are on for the first half of each
/// period, so they depend only on the time and the state.
///
/// | state | direction LEDs | STATUS |
/// |---|---|---|
/// | idle | off | on |
/// | collecting | that class's LED flips for each example | on |
/// | training | a bar: UP at 25 %, DOWN 50 %, LEFT 75 %, RIGHT 100 % | blinks at 2 Hz |
/// | playing | the confidently predicted class's LED | blinks at 1 Hz |
/// | error | all five blink together at 4 Hz | |
/// | dataset cleared | all five on for 1 s | |
/// | camera missing while collecting or playing | as above | blinks at 4 Hz |
extension Controller {
  static let allLights: UInt8 = 0x1F

  /// Sets the LEDs to what the state shows now, touching only those that
  /// change.
  func updateLights() {
    let wanted = lightPattern(at: time.nanoseconds)
    let changed = shownLights.map { $0 ^ wanted } ?? Self.allLights
    guard changed != 0 else { return }
    for light in Light.allCases where changed & bit(light) != 0 {
      lights.set(light, on: wanted & bit(light) != 0)
    }
    shownLights = wanted
  }

  func lightPattern(at now: Int64) -> UInt8 {
    if let until = clearedUntil, now < until { return Self.allLights }
    if shownError != nil {
      return isInFirstHalf(now - errorShownAt, periodMilliseconds: 250)
        ? Self.allLights : 0
    }

    var pattern: UInt8 = 0
    if training {
      for index in 0..<min(4, trainingPercent / 25) {
        pattern |= UInt8(1) << UInt8(index)
      }
      if isInFirstHalf(now, periodMilliseconds: 500) { pattern |= bit(.status) }
      return pattern
    }

    if let direction = collecting {
      if collectFlip { pattern |= bit(direction.light) }
    } else if playing, let direction = predicted {
      pattern |= bit(direction.light)
    }

    let statusOn: Bool
    if !cameraAvailable, collecting != nil || playing {
      statusOn = isInFirstHalf(now, periodMilliseconds: 250)
    } else if playing, collecting == nil {
      statusOn = isInFirstHalf(now, periodMilliseconds: 1000)
    } else {
      statusOn = true
    }
    if statusOn { pattern |= bit(.status) }
    return pattern
  }

  private func bit(_ light: Light) -> UInt8 {
    UInt8(1) << UInt8(light.rawValue)
  }

  private func isInFirstHalf(_ elapsed: Int64, periodMilliseconds: Int) -> Bool {
    let period = milliseconds(periodMilliseconds)
    return elapsed % period < period / 2
  }
}
