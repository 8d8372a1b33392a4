import CShims
import App
import Board
import Inference
import Learning
import Support

private let log = Logger("run")

/// `teachpad run`: the appliance itself.
enum RunCommand {
  static let summary = "run the appliance: camera, buttons, LEDs, serial"
  static let defaultConfigurationPath = "/etc/teachpad/teachpad.conf"
  static let help = """
    usage: teachpad run [--config FILE]

    Runs the device until SIGINT, SIGTERM, SIGHUP or SIGQUIT. Hold UP,
    DOWN, LEFT or RIGHT while showing a pose to collect examples of it;
    press TRAIN to fit the head; press PLAY to send a direction for every
    frame to the console on the serial line; hold TRAIN and PLAY together
    for 3 s to clear the examples. The dataset and the head are saved after every change and
    loaded at start; with a saved head the device starts playing at once.

    The configuration is FILE, else \(defaultConfigurationPath) when it
    exists, else the defaults (all of them are listed in
    board/teachpad.conf).
    Exit status: 0 after such a signal, 1 when the model or the GPIO
    lines cannot be had, 2 for a bad option or configuration.

    """

  static func run(_ words: ArraySlice<String>) -> Int32 {
    if words.contains("--help") {
      writeStandardOutput(help)
      return 0
    }
    let configuration: Configuration
    let path: String?
    do throws(UsageError) {
      var options = try Options(words)
      path = chosenConfigurationPath(options.string("config"))
      try options.rejectUnknown()
      configuration = try loadConfiguration(path)
      try checkPathKinds(configuration, source: path ?? "the defaults")
    } catch {
      writeStandardError("teachpad: \(error.message)\n")
      return 2
    }
    LogSettings.minimumLevel = configuration.logLevel
    log.info("configuration: \(path ?? "none, the defaults")")
    StopSignals.install()

    do throws(UsageError) {
      try runAppliance(configuration)
    } catch {
      writeStandardError("teachpad: \(error.message)\n")
      return 1
    }
    return 0
  }

  /// Refuses a path of the wrong kind, which no waiting mends: a file or
  /// folder where the camera or serial device belongs (a missing device is
  /// waited for), or a file where the data folder belongs.
  private static func checkPathKinds(
    _ configuration: Configuration, source: String
  ) throws(UsageError) {
    for (key, path) in [("camera.device", configuration.cameraDevice),
                        ("serial.device", configuration.serialDevice)] {
      var status = stat()
      guard stat(path, &status) == 0,
            status.st_mode & UInt32(S_IFMT) != UInt32(S_IFCHR) else { continue }
      throw UsageError(message: "\(source): \(key) = \(path): it is "
        + "\(FileBytes.kindDescription(mode: status.st_mode)), not a device "
        + "(name the device node, such as /dev/video0 or /dev/ttyUSB0)")
    }
    var status = stat()
    let folder = configuration.dataDirectory
    if stat(folder, &status) == 0, status.st_mode & UInt32(S_IFMT) != UInt32(S_IFDIR) {
      throw UsageError(message: "\(source): data.directory = \(folder): it is "
        + "\(FileBytes.kindDescription(mode: status.st_mode)), not a folder")
    }
  }

  /// `--config`, else the system file when it exists, else none.
  private static func chosenConfigurationPath(_ option: String?) -> String? {
    if let option { return option }
    return FileBytes.exists(path: defaultConfigurationPath) ? defaultConfigurationPath : nil
  }

  private static func loadConfiguration(
    _ path: String?
  ) throws(UsageError) -> Configuration {
    guard let path else { return Configuration() }
    do {
      return try Configuration.load(path: path)
    } catch {
      throw UsageError(message: error.message)
    }
  }

  /// Opens everything, runs until a stop signal, and returns after the
  /// devices are released (each closes its lines, buffers or port when the
  /// last reference goes, at the end of this function).
  private static func runAppliance(_ configuration: Configuration) throws(UsageError) {
    // The model first: a missing or damaged one is reported without the
    // GPIO lines having been claimed (and shown busy to other programs).
    let engine = try makeEngine(configuration)
    let buttons: GPIOButtons
    let lights: GPIOLights
    do throws(GPIOError) {
      var buttonSettings = DeviceSettings.buttons(configuration)
      buttonSettings.consumer = "teachpad"
      var lightSettings = DeviceSettings.lights(configuration)
      lightSettings.consumer = "teachpad"
      buttons = try GPIOButtons(settings: buttonSettings)
      lights = try GPIOLights(settings: lightSettings)
    } catch {
      throw UsageError(message: error.message)
    }
    let camera = V4L2Camera(settings: DeviceSettings.camera(configuration))
    let serial = LinuxSerialLink(settings: DeviceSettings.serial(configuration))

    var settings = ControllerSettings()
    settings.directionRepeatMilliseconds = configuration.directionRepeatMilliseconds
    let controller = Controller(
      settings: settings, learner: StoredLearner(configuration: configuration),
      lights: lights, serial: serial, time: MonotonicTime())
    let appliance = Appliance(controller: controller, camera: camera,
                              buttons: buttons, serial: serial, extractor: engine)

    // Under systemd (Type=notify, WatchdogSec): ready once the devices are
    // open, a keep-alive every step, stopping at the end. Outside systemd
    // the notifier does nothing.
    let notifier = ServiceNotifier()
    appliance.onAlive = { notifier.keepAlive() }
    notifier.ready()
    log.info("running; SIGINT, SIGTERM, SIGHUP or SIGQUIT stops")
    appliance.run { StopSignals.requested }
    notifier.stopping()
    log.info("stopping on signal \(StopSignals.signalNumber)")
  }

  private static func makeEngine(_ configuration: Configuration) throws(UsageError) -> Engine {
    let path = ModelLocation.resolve(configuration.modelPath)
    let bytes: [UInt8]
    do {
      bytes = try FileBytes.read(path: path)
    } catch {
      throw UsageError(message: "model \(path): \(error.reason) (set model.path in "
        + "the configuration or TEACHPAD_MODEL, or fetch it with board/fetch-model.sh)")
    }
    do {
      return try Engine(modelBytes: bytes,
                        outputTensorName: Engine.defaultCutTensorName,
                        threadCount: configuration.inferenceThreads)
    } catch {
      throw UsageError(message: "model \(path): \(error.message)")
    }
  }
}
