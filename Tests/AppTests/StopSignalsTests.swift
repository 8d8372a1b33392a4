import App
import Board
import Glibc
import XCTest

/// Raises SIGTERM while turning the first frame into an activation, as if
/// the signal came in the middle of a step.
private final class SignallingExtractor: FeatureExtractor {
  private let activation: [UInt8] = [0, 0]

  func activation(of frame: Frame) -> UnsafeBufferPointer<UInt8> {
    raise(SIGTERM)
    return activation.withUnsafeBufferPointer { $0 }
  }
}

final class StopSignalsTests: XCTestCase {
  override func tearDown() {
    // Give the test runner its usual SIGINT and SIGTERM back.
    signal(SIGINT, SIG_DFL)
    signal(SIGTERM, SIG_DFL)
  }

  /// One test only: the stop request cannot be taken back in a process.
  func testSigtermFinishesTheStepThenSavesAndStops() {
    let learner = ScriptedLearner()
    let lights = RecordingLights()
    let serial = RecordingSerialLink()
    let buttons = ScriptedButtons(batches: [[
      ButtonEvent(button: .left, action: .press, timeNanoseconds: 0),
    ]])
    let camera = ScriptedCamera(
      steps: [.frame(pixels: [0, 0, 0], width: 1, height: 1)], repeats: true)
    let controller = Controller(settings: ControllerSettings(), learner: learner,
                                lights: lights, serial: serial, time: SteppedTime())
    let appliance = Appliance(controller: controller, camera: camera, buttons: buttons,
                              serial: serial, extractor: SignallingExtractor())
    StopSignals.install()
    var steps = 0

    appliance.run {
      steps += 1
      return StopSignals.requested
    }

    XCTAssertEqual(StopSignals.signalNumber, SIGTERM)
    XCTAssertEqual(steps, 2, "checked before the first step and after it")
    XCTAssertEqual(learner.savedCounts, [0, 0, 1, 0])
    XCTAssertEqual(serial.text, [
      "$TPSTA,0,IDLE*76", "$TPSTA,1,COLLECT,LEFT,0*06", "$TPSTA,2,COLLECT,LEFT,1*04",
      "$TPSTA,3,IDLE*75",
    ])
    XCTAssertEqual(Light.allCases.filter { lights.isOn($0) }, [])
  }
}
