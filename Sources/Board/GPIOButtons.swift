import CShims
import Support

private let log = Logger("buttons")
private let lightLog = Logger("lights")

/// The six buttons on GPIO lines through libgpiod 1.6: inputs with pull-up
/// bias and both-edge events, debounced by `ButtonDebouncer`, whose settle
/// step re-reads each line's level. Lines are released on deinit.
public final class GPIOButtons: Buttons {
  public let settings: ButtonSettings
  private let chip: GPIOChip
  private var lines: [OpaquePointer] = []
  private var descriptors: [pollfd] = []
  private var debouncers: [ButtonDebouncer] = []
  private var levelReadFailed = false
  private var lineFailureReported = false
  /// Settled events not yet handed out.
  private var queued: [ButtonEvent] = []
  /// Room for one read of a line's kernel event queue (16 in the v1 ABI).
  private var edgeTimes = [Int64](repeating: 0, count: 16)
  private var edgeDirections = [Bool](repeating: false, count: 16)

  /// Requests every button line. Throws, naming the chip, pin and current
  /// consumer, when a line is missing or held by another process.
  public init(settings: ButtonSettings = ButtonSettings()) throws(GPIOError) {
    self.settings = settings
    chip = try GPIOChip(settings.chip)

    for button in Button.allCases {
      let line = try chip.requestInput(
        pin: settings.pins[button.rawValue], consumer: settings.consumer,
        activeLow: settings.activeLow, pullUp: settings.pullUp)
      lines.append(line)
      descriptors.append(pollfd(fd: gpiod_line_event_get_fd(line),
                                events: Int16(POLLIN), revents: 0))
      debouncers.append(ButtonDebouncer(
        debounceNanoseconds: settings.debounceNanoseconds,
        holdNanoseconds: settings.holdNanoseconds,
        initiallyPressed: gpiod_line_get_value(line) == 1))
    }
    let activeLevel: StaticString = settings.activeLow ? "low" : "high"
    let pins = Self.pinList(settings.pins)
    log.info("\(settings.chip): buttons on pins \(pins), active \(activeLevel)")
  }

  public func isPressed(_ button: Button) -> Bool {
    debouncers[button.rawValue].isPressed
  }

  public func events(timeoutMilliseconds: Int,
                     _ handle: (ButtonEvent) -> Void) {
    if !queued.isEmpty {
      deliverQueued(handle)
      return
    }
    let deadline = MonotonicClock.nanoseconds
      + Int64(max(0, timeoutMilliseconds)) * 1_000_000
    while true {
      readEdges()

      // Settle every button first and report afterwards, so that the
      // handler sees all states current (and may call isPressed).
      let now = MonotonicClock.nanoseconds
      for button in Button.allCases {
        var debouncer = debouncers[button.rawValue]
        debouncer.advance(now: now, readLevel: { level(of: button) }) {
          queued.append(ButtonEvent(button: button, action: $0,
                                    timeNanoseconds: $1))
        }
        debouncers[button.rawValue] = debouncer
      }
      if !queued.isEmpty {
        deliverQueued(handle)
        return
      }
      if now >= deadline { return }

      var wakeUp = deadline
      for debouncer in debouncers {
        if let due = debouncer.nextDeadline { wakeUp = min(wakeUp, due) }
      }
      waitForEdges(until: wakeUp)
    }
  }

  /// Hands out the settled events in order. A handler that calls
  /// `events` again (to stay responsive during a long step) gets the rest
  /// of them there, still in order.
  private func deliverQueued(_ handle: (ButtonEvent) -> Void) {
    while !queued.isEmpty {
      handle(queued.removeFirst())
    }
  }

  /// Feeds every queued edge to its button's debouncer.
  private func readEdges() {
    for button in Button.allCases {
      while true {
        let count = edgeTimes.withUnsafeMutableBufferPointer { times in
          edgeDirections.withUnsafeMutableBufferPointer { directions in
            shim_gpio_read_edges(lines[button.rawValue], times.baseAddress,
                                 directions.baseAddress, Int32(times.count))
          }
        }
        guard count > 0 else { break }

        let now = MonotonicClock.nanoseconds
        for index in 0..<Int(count) {
          // Kernels before 5.7 stamp events with CLOCK_REALTIME; an edge
          // far from now is stamped now instead.
          var time = edgeTimes[index]
          if time > now || now - time > 10_000_000_000 { time = now }
          debouncers[button.rawValue].edge(
            toPressed: edgeDirections[index], at: time)
        }
        if Int(count) < edgeTimes.count { break }
      }
    }
  }

  private func level(of button: Button) -> Bool? {
    let value = gpiod_line_get_value(lines[button.rawValue])
    guard value >= 0 else {
      if !levelReadFailed {
        let reason = SystemError("gpiod_line_get_value").reason
        let pin = settings.pins[button.rawValue]
        log.warning("\(settings.chip) pin \(pin): cannot read level (\(reason))")
        levelReadFailed = true
      }
      return nil
    }
    return value == 1
  }

  /// Sleeps until an edge or `deadline`. A line whose descriptor fails
  /// (its chip was removed) would wake poll at once, forever; then this
  /// logs once and sleeps to the deadline instead.
  private func waitForEdges(until deadline: Int64) {
    let milliseconds = MonotonicClock.milliseconds(until: deadline)
    let failed = descriptors.withUnsafeMutableBufferPointer { entries in
      guard poll(entries.baseAddress, nfds_t(entries.count), milliseconds) > 0
      else { return false }
      return entries.contains {
        $0.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0
      }
    }
    guard failed else { return }
    if !lineFailureReported {
      log.error("\(settings.chip): button lines failed (chip removed?)")
      lineFailureReported = true
    }
    MonotonicClock.sleep(milliseconds: MonotonicClock.milliseconds(until: deadline))
  }

  static func pinList(_ pins: [Int]) -> String {
    var text = ""
    for pin in pins {
      if !text.isEmpty { text += "," }
      text += String(pin)
    }
    return text
  }
}

/// The five LEDs as GPIO output lines. Each starts off; all are switched
/// off and released on deinit.
public final class GPIOLights: Lights {
  public let settings: LightSettings
  private let chip: GPIOChip
  private var lines: [OpaquePointer] = []
  private var states: [Bool]
  private var writeFailed = false

  public init(settings: LightSettings = LightSettings()) throws(GPIOError) {
    self.settings = settings
    states = [Bool](repeating: false, count: Light.allCases.count)
    chip = try GPIOChip(settings.chip)

    for light in Light.allCases {
      lines.append(try chip.requestOutput(
        pin: settings.pins[light.rawValue], consumer: settings.consumer,
        activeLow: settings.activeLow, on: false))
    }
    let pins = GPIOButtons.pinList(settings.pins)
    lightLog.info("\(settings.chip): lights on pins \(pins)")
  }

  deinit {
    for light in Light.allCases where states[light.rawValue] {
      set(light, on: false)
    }
  }

  public func isOn(_ light: Light) -> Bool {
    states[light.rawValue]
  }

  public func set(_ light: Light, on: Bool) {
    states[light.rawValue] = on
    guard gpiod_line_set_value(lines[light.rawValue], on ? 1 : 0) != 0 else {
      writeFailed = false
      return
    }
    if !writeFailed {
      let reason = SystemError("gpiod_line_set_value").reason
      let pin = settings.pins[light.rawValue]
      lightLog.warning("\(settings.chip) pin \(pin): cannot set (\(reason))")
      writeFailed = true
    }
  }
}
