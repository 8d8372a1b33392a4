import CShims
import Support

/// Where the buttons are wired. Pins are BCM offsets on `chip`, indexed by
/// `Button.rawValue` (UP, DOWN, LEFT, RIGHT, TRAIN, PLAY).
public struct ButtonSettings {
  /// A chip name (`gpiochip0`), path (`/dev/gpiochip0`), label
  /// (`pinctrl-bcm2835`) or number.
  public var chip: String
  public var pins: [Int]
  /// Buttons close to ground through the internal pull-up: active low.
  public var activeLow: Bool
  /// Pull-up bias (else pull-down).
  public var pullUp: Bool
  public var debounceNanoseconds: Int64
  public var holdNanoseconds: Int64
  /// The name other programs see as the lines' user.
  public var consumer: String

  public init(chip: String = "gpiochip0", pins: [Int] = [5, 6, 13, 19, 26, 21],
              activeLow: Bool = true, pullUp: Bool = true,
              debounceNanoseconds: Int64 = 20_000_000,
              holdNanoseconds: Int64 = 1_000_000_000,
              consumer: String = "teachpad") {
    precondition(pins.count == Button.allCases.count,
                 "ButtonSettings: need one pin per button, got \(pins.count)")
    self.chip = chip
    self.pins = pins
    self.activeLow = activeLow
    self.pullUp = pullUp
    self.debounceNanoseconds = debounceNanoseconds
    self.holdNanoseconds = holdNanoseconds
    self.consumer = consumer
  }
}

/// Where the LEDs are wired: BCM offsets indexed by `Light.rawValue`
/// (UP, DOWN, LEFT, RIGHT, STATUS).
public struct LightSettings {
  public var chip: String
  public var pins: [Int]
  /// LEDs to 3.3 V through a resistor light when the pin is low.
  public var activeLow: Bool
  public var consumer: String

  public init(chip: String = "gpiochip0", pins: [Int] = [12, 16, 20, 25, 24],
              activeLow: Bool = false, consumer: String = "teachpad") {
    precondition(pins.count == Light.allCases.count,
                 "LightSettings: need one pin per light, got \(pins.count)")
    self.chip = chip
    self.pins = pins
    self.activeLow = activeLow
    self.consumer = consumer
  }
}

/// An open GPIO chip (libgpiod 1.6 `gpiod_chip`). Lines requested through
/// it are released when it closes, on deinit.
final class GPIOChip {
  let name: String
  let handle: OpaquePointer

  init(_ name: String) throws(GPIOError) {
    guard let handle = gpiod_chip_open_lookup(name) else {
      var reason = SystemError("gpiod_chip_open_lookup").reason
      // A path to something else: the lookup's last errno (ENOENT, from
      // trying it as a label) would say it is not there.
      var status = stat()
      if name.utf8.contains(UInt8(ascii: "/")), stat(name, &status) == 0,
         status.st_mode & UInt32(S_IFMT) != UInt32(S_IFCHR) {
        reason = "it is \(FileBytes.kindDescription(mode: status.st_mode)), "
          + "not a GPIO chip device"
      }
      throw .chipNotFound(chip: name, reason: reason)
    }
    self.name = name
    self.handle = handle
  }

  deinit {
    gpiod_chip_close(handle)
  }

  /// Requests `pin` as a both-edge input.
  func requestInput(pin: Int, consumer: String, activeLow: Bool,
                    pullUp: Bool) throws(GPIOError) -> OpaquePointer {
    let line = try line(pin)
    let status = shim_gpio_request_input(line, consumer, activeLow, pullUp)
    try check(status, line: line, pin: pin)
    return line
  }

  /// Requests `pin` as an output at the logical level `on`.
  func requestOutput(pin: Int, consumer: String, activeLow: Bool,
                     on: Bool) throws(GPIOError) -> OpaquePointer {
    let line = try line(pin)
    let status = shim_gpio_request_output(line, consumer, activeLow,
                                          on ? 1 : 0)
    try check(status, line: line, pin: pin)
    return line
  }

  private func line(_ pin: Int) throws(GPIOError) -> OpaquePointer {
    let lineCount = Int(gpiod_chip_num_lines(handle))
    guard pin >= 0 && pin < lineCount,
          let line = gpiod_chip_get_line(handle, UInt32(pin)) else {
      throw .noSuchLine(chip: name, pin: pin, lineCount: lineCount)
    }
    return line
  }

  private func check(_ status: Int32, line: OpaquePointer,
                     pin: Int) throws(GPIOError) {
    guard status != 0 else { return }
    guard status == EBUSY else {
      throw .requestFailed(chip: name, pin: pin,
                           reason: SystemError("request", code: status).reason)
    }
    _ = gpiod_line_update(line)
    var consumer = "unknown"
    if let text = gpiod_line_consumer(line) {
      consumer = String(cString: text)
    }
    throw .lineBusy(chip: name, pin: pin, consumer: consumer)
  }
}
