import App
import Board
import CShims
import Support

/// `teachpad check-board`: tries every device of the configuration, for
/// wiring a board by hand.
enum CheckBoardCommand {
  static let summary = "check the camera, serial port, buttons and LEDs"
  static let help = """
    usage: teachpad check-board [--config FILE] [--seconds N]

    Checks the devices of the configuration (the defaults without --config):
      camera   opens it, reports the format and the measured frame rate
      serial   sends one test line
      buttons  for N seconds (default 20; Ctrl-C ends sooner) each button
               lights its LED while pressed: UP, DOWN, LEFT and RIGHT their
               own, TRAIN and PLAY the STATUS LED; every event is printed
    Exit status: 0 when every device worked, 1 when one failed, 2 for a bad
    option or configuration.

    """

  static func run(_ words: ArraySlice<String>) -> Int32 {
    if words.contains("--help") {
      writeStandardOutput(help)
      return 0
    }
    let configuration: Configuration
    let seconds: Int
    do throws(UsageError) {
      var options = try Options(words)
      let path = options.string("config")
      seconds = try options.integer("seconds", default: 20, range: 0...3600)
      try options.rejectUnknown()
      configuration = try load(path)
    } catch {
      writeStandardError("teachpad: \(error.message)\n")
      return 2
    }
    StopSignals.install()
    // Each check prints its own result; the drivers' warnings (a camera
    // "retrying in the background") would say the same twice.
    LogSettings.minimumLevel = .error

    var failures = 0
    if !checkCamera(configuration) { failures += 1 }
    if !checkSerial(configuration) { failures += 1 }
    if !checkButtonsAndLights(configuration, seconds: seconds) { failures += 1 }
    writeStandardOutput(failures == 0 ? "check-board: all devices work\n"
      : "check-board: \(failures) of 3 checks failed\n")
    return failures == 0 ? 0 : 1
  }

  private static func load(_ path: String?) throws(UsageError) -> Configuration {
    guard let path else { return Configuration() }
    do {
      return try Configuration.load(path: path)
    } catch {
      throw UsageError(message: error.message)
    }
  }

  /// Streams for about two seconds and measures the frame rate.
  private static func checkCamera(_ configuration: Configuration) -> Bool {
    let camera = V4L2Camera(settings: DeviceSettings.camera(configuration))
    var frameCount = 0
    var firstFrameTime: Int64 = 0
    var lastFrameTime: Int64 = 0
    let deadline = shim_monotonic_nanoseconds() + 2_000_000_000
    while shim_monotonic_nanoseconds() < deadline && !StopSignals.requested {
      guard case .frame = camera.nextFrame(timeoutMilliseconds: 200) else {
        continue
      }
      lastFrameTime = shim_monotonic_nanoseconds()
      if frameCount == 0 { firstFrameTime = lastFrameTime }
      frameCount += 1
    }

    guard let format = camera.format, frameCount > 0 else {
      let reason = camera.problem ?? "no frame within 2 s"
      writeStandardOutput("camera: FAILED: \(reason)\n")
      return false
    }
    var rate = "one frame"
    if frameCount > 1 {
      let seconds = Double(lastFrameTime - firstFrameTime) / 1e9
      var message = LogMessage()
      message.append(Double(frameCount - 1) / seconds, fractionDigits: 1)
      rate = message.withBytes { String(decoding: $0, as: UTF8.self) }
        + " frames/s"
    }
    writeStandardOutput("camera \(configuration.cameraDevice): "
      + "\(format.width)x\(format.height) RGB24 (\(format.bytesPerRow) bytes "
      + "a row) from \(format.sourceFormat), \(rate), \(frameCount) frames "
      + "in 2 s\n")
    return true
  }

  /// Sends one line and waits up to a second for it to leave.
  private static func checkSerial(_ configuration: Configuration) -> Bool {
    let link = LinuxSerialLink(settings: DeviceSettings.serial(configuration))
    let line = Array("teachpad check-board: serial test".utf8)
    line.withUnsafeBytes { link.send(line: $0) }
    let deadline = shim_monotonic_nanoseconds() + 1_000_000_000
    while link.pendingLineCount > 0 && shim_monotonic_nanoseconds() < deadline {
      _ = link.port?.waitWritable(timeoutMilliseconds: 50)
      link.service()
    }

    guard link.isConnected, link.pendingLineCount == 0 else {
      let reason = link.problem
        ?? "the line did not leave within 1 s (is flow control holding it?)"
      writeStandardOutput("serial: FAILED: \(reason)\n")
      return false
    }
    writeStandardOutput("serial \(configuration.serialDevice): sent a test "
      + "line at \(configuration.serialBaud) baud, 8N1\n")
    return true
  }

  /// Mirrors each button on its LED for `seconds`.
  private static func checkButtonsAndLights(
    _ configuration: Configuration, seconds: Int
  ) -> Bool {
    let buttons: GPIOButtons
    let lights: GPIOLights
    do throws(GPIOError) {
      buttons = try GPIOButtons(settings: DeviceSettings.buttons(configuration))
      lights = try GPIOLights(settings: DeviceSettings.lights(configuration))
    } catch {
      writeStandardOutput("buttons and LEDs: FAILED: \(error.message)\n")
      return false
    }

    writeStandardOutput("buttons and LEDs on \(configuration.gpioChip): press "
      + "each button for \(seconds) s\n")
    let deadline = shim_monotonic_nanoseconds() + Int64(seconds) * 1_000_000_000
    while shim_monotonic_nanoseconds() < deadline && !StopSignals.requested {
      buttons.events(timeoutMilliseconds: 100) { event in
        let light = light(for: event.button)
        let lit = Button.allCases.contains {
          buttons.isPressed($0) && self.light(for: $0) == light
        }
        lights.set(light, on: lit)
        let pin = configuration.pin(of: event.button)
        writeStandardOutput("button \(name(of: event.button)) (pin \(pin)): "
          + "\(name(of: event.action))\n")
      }
    }
    return true
  }

  private static func light(for button: Button) -> Light {
    switch button {
    case .up: return .up
    case .down: return .down
    case .left: return .left
    case .right: return .right
    case .train, .play: return .status
    }
  }

  private static func name(of button: Button) -> String {
    ["up", "down", "left", "right", "train", "play"][button.rawValue]
  }

  private static func name(of action: ButtonAction) -> String {
    switch action {
    case .press: return "press"
    case .hold: return "hold"
    case .release: return "release"
    }
  }
}

/// The Board settings a configuration describes.
enum DeviceSettings {
  static func camera(_ configuration: Configuration) -> CameraSettings {
    CameraSettings(path: configuration.cameraDevice,
                   width: configuration.cameraWidth,
                   height: configuration.cameraHeight,
                   discardFrameCount: configuration.cameraWarmupFrames,
                   stallMilliseconds: configuration.cameraStallMilliseconds)
  }

  static func serial(_ configuration: Configuration) -> SerialSettings {
    SerialSettings(path: configuration.serialDevice,
                   baud: configuration.serialBaud)
  }

  static func buttons(_ configuration: Configuration) -> ButtonSettings {
    ButtonSettings(
      chip: configuration.gpioChip, pins: configuration.buttonPins,
      activeLow: configuration.buttonActiveLevel == .low,
      debounceNanoseconds: Int64(configuration.buttonDebounceMilliseconds)
        * 1_000_000,
      consumer: "teachpad check-board")
  }

  static func lights(_ configuration: Configuration) -> LightSettings {
    LightSettings(chip: configuration.gpioChip,
                  pins: configuration.lightPins,
                  activeLow: configuration.lightActiveLevel == .low,
                  consumer: "teachpad check-board")
  }
}
