import App
import Board
import XCTest

/// The first two bytes of a frame's pixels as its activation, which the
/// scripted learner reads as direction and confidence.
private final class FirstBytesExtractor: FeatureExtractor {
  private var activation: [UInt8] = [0, 0]
  private(set) var frameCount = 0

  func activation(of frame: Frame) -> UnsafeBufferPointer<UInt8> {
    frameCount += 1
    activation[0] = frame.pixels[0]
    activation[1] = frame.pixels[1]
    return activation.withUnsafeBufferPointer { $0 }
  }
}

/// The live loop with scripted devices in place of camera and buttons.
final class ApplianceTests: XCTestCase {
  private let time = SteppedTime()
  private let learner = ScriptedLearner()
  private let lights = RecordingLights()
  private let serial = RecordingSerialLink()
  private let camera = ScriptedCamera()
  private let buttons = ScriptedButtons()
  private let extractor = FirstBytesExtractor()

  private func makeAppliance() -> Appliance {
    var settings = ControllerSettings()
    settings.heartbeatMilliseconds = 3_600_000
    let controller = Controller(settings: settings, learner: learner, lights: lights,
                                serial: serial, time: time)
    return Appliance(controller: controller, camera: camera, buttons: buttons,
                     serial: serial, extractor: extractor)
  }

  /// A 1x1 frame the scripted learner reads as `direction` at 90 %.
  private func frame(_ direction: Direction) -> ScriptedCamera.Step {
    .frame(pixels: [UInt8(direction.rawValue + 1), 90, 0], width: 1, height: 1)
  }

  private func event(_ button: Button, _ action: ButtonAction) -> ButtonEvent {
    ButtonEvent(button: button, action: action, timeNanoseconds: time.nanoseconds)
  }

  /// Runs `steps` passes of the loop, then stops.
  private func run(_ appliance: Appliance, steps: Int) {
    var remaining = steps
    appliance.run {
      remaining -= 1
      return remaining < 0
    }
  }

  func testIdleDeviceReadsNoFrames() {
    camera.append(frame(.up))

    run(makeAppliance(), steps: 3)

    XCTAssertEqual(camera.requestCount, 0)
    XCTAssertEqual(serial.text, ["$TPSTA,0,IDLE*76"])
    XCTAssertEqual(serial.serviceCount, 5, "after start, each step and finish")
  }

  func testCollectTrainAndPlayThroughTheLoop() {
    for direction in [Direction.up, .up, .down, .up, .left] { camera.append(frame(direction)) }
    buttons.append([event(.up, .press)])
    buttons.append([])
    buttons.append([event(.up, .release), event(.down, .press)])
    buttons.append([event(.down, .release), event(.train, .press), event(.train, .release)])
    // Training drains the buttons after each of its two batches.
    buttons.append([])
    buttons.append([])
    buttons.append([event(.play, .press), event(.play, .release)])

    run(makeAppliance(), steps: 7)

    XCTAssertEqual(serial.text, [
      "$TPSTA,0,IDLE*76", "$TPSTA,1,COLLECT,UP,0*18", "$TPSTA,2,COLLECT,UP,1*1A",
      "$TPSTA,3,COLLECT,UP,2*18", "$TPSTA,4,IDLE*72", "$TPSTA,5,COLLECT,DOWN,0*0B",
      "$TPSTA,6,COLLECT,DOWN,1*09", "$TPSTA,7,IDLE*71", "$TPSTA,8,TRAIN,0,*0A",
      "$TPSTA,9,TRAIN,50,1.2000*23", "$TPSTA,10,TRAIN,100,0.4000*28", "$TPSTA,11,IDLE*46",
      "$TPSTA,12,PLAY*45", "$TPDIR,13,UP,0.90*67", "$TPDIR,14,LEFT,0.90*7E", "$TPSTA,15,IDLE*42",
    ])
    XCTAssertEqual(learner.savedCounts, [2, 1, 0, 0])
    XCTAssertEqual(extractor.frameCount, 5)
    XCTAssertEqual(Light.allCases.filter { lights.isOn($0) }, [])
  }

  func testButtonsPressedDuringTrainingAreDrainedAndIgnored() {
    learner.savedCounts = [2, 2, 0, 0]
    buttons.append([event(.train, .press), event(.train, .release)])
    buttons.append([event(.play, .press)])
    buttons.append([event(.play, .release)])
    let appliance = makeAppliance()
    var serviceCountsDuringTraining: [Int] = []
    learner.afterTrainingStep = { _ in
      serviceCountsDuringTraining.append(self.serial.serviceCount)
    }

    run(appliance, steps: 3)

    XCTAssertEqual(serial.text, [
      "$TPSTA,0,IDLE*76", "$TPSTA,1,TRAIN,0,*03", "$TPSTA,2,TRAIN,50,1.2000*28",
      "$TPSTA,3,TRAIN,100,0.4000*1A", "$TPSTA,4,IDLE*72",
    ])
    XCTAssertEqual(serviceCountsDuringTraining, [2, 3], "the port is serviced per batch")
    XCTAssertEqual(buttons.remainingBatchCount, 0)
  }

  func testMissingCameraShowsNoCameraAndRecovers() {
    learner.savedHead = true
    camera.append(frame(.right))
    camera.append(.unavailable)
    camera.append(.unavailable)
    camera.append(.noFrame)
    camera.append(frame(.right))

    run(makeAppliance(), steps: 5)

    XCTAssertEqual(serial.text, [
      "$TPSTA,0,PLAY*76", "$TPDIR,1,RIGHT,0.90*11", "$TPSTA,2,ERROR,NO_CAMERA*43",
      "$TPSTA,3,PLAY*75", "$TPDIR,4,RIGHT,0.90*14", "$TPSTA,5,IDLE*73",
    ])
  }
}
