import Board
import Support

private let log = Logger("app")

/// The live loop of `teachpad run`: buttons, camera, inference and serial
/// around one `Controller`. Each `step` waits a little for whichever input
/// matters now and never longer than `frameWaitMilliseconds`, so the
/// buttons, the heartbeat and the LEDs stay responsive whatever the camera
/// does.
public final class Appliance {
  public let controller: Controller
  let camera: any Camera
  let buttons: any Buttons
  let serial: any SerialLink
  let extractor: any FeatureExtractor
  /// Called on every step and after every training batch: `teachpad run`
  /// feeds the systemd watchdog here, so a long training is not mistaken
  /// for a hang.
  public var onAlive: () -> Void = {}

  /// How long a step waits for a frame. The camera itself decides when a
  /// silence means it stalled; this only bounds how late a button is seen.
  static let frameWaitMilliseconds = 100

  /// How long a step waits for buttons when no frame is wanted.
  static let idleWaitMilliseconds = 20
  /// How long a step waits for buttons while the camera is missing.
  static let cameraRetryWaitMilliseconds = 100

  public init(controller: Controller, camera: any Camera, buttons: any Buttons,
              serial: any SerialLink, extractor: any FeatureExtractor) {
    self.controller = controller
    self.camera = camera
    self.buttons = buttons
    self.serial = serial
    self.extractor = extractor
  }

  /// Starts the controller, steps until `shouldStop` says so (checked
  /// between steps), then finishes: saves, turns the LEDs off and flushes
  /// the last state to the serial link.
  public func run(until shouldStop: () -> Bool) {
    controller.start()
    serial.service()
    while !shouldStop() { step() }
    controller.finish()
    serial.service()
    log.info("serial: \(serial.droppedLineCount) lines dropped or coalesced")
  }

  /// One pass: button events, then a frame if the controller wants one,
  /// then timers and the serial port.
  public func step() {
    let wantsFrame = controller.wantsActivation
    deliverButtonEvents(waitingMilliseconds: wantsFrame ? 0 : Self.idleWaitMilliseconds)

    if controller.wantsActivation {
      switch camera.nextFrame(timeoutMilliseconds: Self.frameWaitMilliseconds) {
      case .frame(let frame):
        controller.noteCamera(available: true)
        controller.process(activation: extractor.activation(of: frame))
      case .noFrame:
        break
      case .unavailable:
        controller.noteCamera(available: false)
        deliverButtonEvents(waitingMilliseconds: Self.cameraRetryWaitMilliseconds)
      }
    }

    controller.tick()
    serial.service()
    onAlive()
  }

  private func deliverButtonEvents(waitingMilliseconds: Int) {
    buttons.events(timeoutMilliseconds: waitingMilliseconds) { event in
      controller.handle(event, whileBusy: serviceWhileTraining)
    }
  }

  /// Runs after each training batch: the serial port keeps sending (the
  /// controller has queued heartbeats and progress), and button events are
  /// drained so the controller sees what was released meanwhile.
  private func serviceWhileTraining() {
    onAlive()
    serial.service()
    buttons.events(timeoutMilliseconds: 0) { controller.handle($0) }
  }
}
