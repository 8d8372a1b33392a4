import App
import Board
import Learning
import XCTest

/// Playing, clearing, refusals, errors and heartbeats.
final class ControllerPlayTests: XCTestCase {
  private func playingHarness() -> ControllerHarness {
    let harness = ControllerHarness()
    harness.learner.savedCounts = [2, 2, 0, 0]
    harness.learner.savedHead = true
    harness.controller.start()
    XCTAssertEqual(harness.takeLines(), ["$TPSTA,0,PLAY*76"])
    return harness
  }

  func testPlayingSendsDirectionOnChangeAndRepeatsItWhileItHolds() {
    let harness = playingHarness()

    harness.frame(.up, percent: 93)
    XCTAssertEqual(harness.takeLines(), ["$TPDIR,1,UP,0.93*57"])
    XCTAssertEqual(harness.litLights, [.up, .status])

    harness.advance(milliseconds: 100)
    harness.frame(.up, percent: 95)
    XCTAssertEqual(harness.takeLines(), [], "same direction within 500 ms")

    harness.advance(milliseconds: 400)
    harness.frame(.up, percent: 95)
    XCTAssertEqual(harness.takeLines(), ["$TPDIR,2,UP,0.95*52"])
    XCTAssertEqual(harness.litLights, [.up], "STATUS blinks at 1 Hz")

    harness.frame(.left, percent: 80)
    XCTAssertEqual(harness.takeLines(), ["$TPDIR,3,LEFT,0.80*49"])
    XCTAssertEqual(harness.litLights, [.left])

    harness.frame(nil, percent: 40)
    XCTAssertEqual(harness.takeLines(), [], "below the floor sends nothing")
    XCTAssertEqual(harness.litLights, [])

    harness.frame(.left, percent: 100)
    XCTAssertEqual(harness.takeLines(), ["$TPDIR,4,LEFT,1.00*47"])
  }

  func testPlayTogglesPlayingOffAndOn() {
    let harness = playingHarness()
    harness.frame(.right)
    _ = harness.takeLines()

    harness.click(.play)
    XCTAssertEqual(harness.takeLines(), ["$TPSTA,2,IDLE*74"])
    XCTAssertEqual(harness.litLights, [.status])
    XCTAssertFalse(harness.controller.wantsActivation)

    harness.click(.play)
    harness.frame(.right)
    XCTAssertEqual(harness.takeLines(), ["$TPSTA,3,PLAY*75", "$TPDIR,4,RIGHT,0.90*14"])
    XCTAssertEqual(harness.learner.startPredictingCallCount, 2)
  }

  func testCollectingWhilePlayingPausesDirectionsThenResumes() {
    let harness = playingHarness()
    harness.frame(.up)

    harness.press(.down)
    harness.frame(.up)
    harness.release(.down)
    harness.frame(.up)

    XCTAssertEqual(harness.takeLines(), [
      "$TPDIR,1,UP,0.90*54", "$TPSTA,2,COLLECT,DOWN,2*0E", "$TPSTA,3,COLLECT,DOWN,3*0E",
      "$TPSTA,4,PLAY*72", "$TPDIR,5,UP,0.90*50",
    ])
    XCTAssertEqual(harness.learner.savedCounts, [2, 3, 0, 0])
  }

  func testPlayWithoutHeadShowsErrorThenReturnsToIdle() {
    let harness = ControllerHarness.started()

    harness.click(.play)
    XCTAssertEqual(harness.takeLines(), ["$TPSTA,1,ERROR,NO_HEAD*51"])
    XCTAssertEqual(harness.litLights, Light.allCases)
    XCTAssertFalse(harness.controller.wantsActivation)

    harness.advance(milliseconds: 125)
    XCTAssertEqual(harness.litLights, [], "all five blink at 4 Hz")
    harness.advance(milliseconds: 125)
    XCTAssertEqual(harness.litLights, Light.allCases)
    harness.advance(milliseconds: 1749)
    XCTAssertEqual(harness.takeLines(), [])

    harness.advance(milliseconds: 1)
    XCTAssertEqual(harness.takeLines(), ["$TPSTA,2,IDLE*74"])
    XCTAssertEqual(harness.litLights, [.status])
  }

  func testTrainWithNoExamplesShowsErrorThenReturns() {
    let harness = ControllerHarness.started()

    harness.click(.train)
    harness.advance(milliseconds: 2000)

    XCTAssertEqual(harness.takeLines(), ["$TPSTA,1,ERROR,NO_EXAMPLES*42", "$TPSTA,2,IDLE*74"])
    XCTAssertEqual(harness.learner.saveHeadCallCount, 0)
  }

  func testTrainWithOneClassIsRefused() {
    let harness = ControllerHarness()
    harness.controller.start()
    harness.collect(.up, count: 3)
    _ = harness.takeLines()

    harness.click(.train)

    XCTAssertEqual(harness.takeLines(), ["$TPSTA,6,ERROR,ONE_CLASS*55"])
    XCTAssertFalse(harness.learner.trainedHead)
  }

  func testRefusalWhilePlayingReturnsToPlaying() {
    let harness = ControllerHarness.started(savedHead: true)

    harness.click(.train)
    harness.frame(.up)
    harness.advance(milliseconds: 2000)
    harness.frame(.up)

    XCTAssertEqual(harness.takeLines(), [
      "$TPSTA,1,ERROR,NO_EXAMPLES*42", "$TPSTA,2,PLAY*74", "$TPDIR,3,UP,0.90*56",
    ])
  }

  func testNewPressEndsAnErrorEarly() {
    let harness = ControllerHarness()
    harness.controller.start()
    harness.click(.play)
    harness.advance(milliseconds: 500)
    _ = harness.takeLines()

    harness.press(.up)

    XCTAssertEqual(harness.takeLines(), ["$TPSTA,2,IDLE*74", "$TPSTA,3,COLLECT,UP,0*1A"])
  }

  func testTrainingFailureShowsTrainFailed() {
    let harness = ControllerHarness()
    harness.learner.savedCounts = [1, 1, 0, 0]
    harness.learner.trainingError = .batchTooSmall(fraction: 0.4, exampleCount: 2)
    harness.controller.start()
    _ = harness.takeLines()

    harness.click(.train)
    harness.advance(milliseconds: 2000)

    XCTAssertEqual(harness.takeLines(), [
      "$TPSTA,1,TRAIN,0,*03", "$TPSTA,2,ERROR,TRAIN_FAILED*18", "$TPSTA,3,IDLE*75",
    ])
    XCTAssertEqual(harness.learner.saveHeadCallCount, 0)
  }

  func testFullDatasetStopsCollectingWithError() {
    let harness = ControllerHarness()
    harness.learner.capacity = 1
    harness.controller.start()
    _ = harness.takeLines()

    harness.press(.right)
    harness.frame(nil)
    harness.frame(nil)
    harness.frame(nil)
    harness.release(.right)

    XCTAssertEqual(harness.takeLines(), [
      "$TPSTA,1,COLLECT,RIGHT,0*5D", "$TPSTA,2,COLLECT,RIGHT,1*5F",
      "$TPSTA,3,ERROR,DATASET_FULL*1B",
    ])
    XCTAssertEqual(harness.learner.savedCounts, [0, 0, 0, 1])
  }

  func testSaveFailureShowsErrorAndRetriesAtFinish() {
    let harness = ControllerHarness()
    harness.learner.saveError = .system(
      path: "/var/lib/teachpad/dataset.tpds", call: "write",
      reason: "No space left on device")
    harness.controller.start()
    _ = harness.takeLines()

    harness.collect(.up, count: 1)
    XCTAssertEqual(harness.takeLines(), [
      "$TPSTA,1,COLLECT,UP,0*18", "$TPSTA,2,COLLECT,UP,1*1A", "$TPSTA,3,ERROR,SAVE_FAILED*58",
    ])

    harness.learner.saveError = nil
    harness.controller.finish()
    XCTAssertEqual(harness.learner.savedCounts, [1, 0, 0, 0])
    XCTAssertEqual(harness.takeLines(), ["$TPSTA,4,IDLE*72"])
  }

  func testLoadFailureShowsErrorAtStartThenIdles() {
    let harness = ControllerHarness()
    harness.learner.loadError = .damagedFile(
      path: "/var/lib/teachpad/dataset.tpds", reason: "checksum does not match",
      movedTo: "/var/lib/teachpad/dataset.tpds.damaged")

    harness.controller.start()
    harness.advance(milliseconds: 2000)

    XCTAssertEqual(harness.takeLines(), ["$TPSTA,0,ERROR,LOAD_FAILED*5C", "$TPSTA,1,IDLE*77"])
  }

  func testHoldingTrainAndPlayForThreeSecondsClearsTheDataset() {
    let harness = ControllerHarness.started(savedCounts: [2, 1, 0, 0])

    harness.press(.train)
    harness.press(.play)
    harness.advance(milliseconds: 2999)
    XCTAssertEqual(harness.learner.counts, [2, 1, 0, 0])
    XCTAssertEqual(harness.takeLines(), [])

    harness.advance(milliseconds: 1)
    XCTAssertEqual(harness.learner.counts, [0, 0, 0, 0])
    XCTAssertEqual(harness.learner.savedCounts, [0, 0, 0, 0])
    XCTAssertEqual(harness.takeLines(), ["$TPSTA,1,IDLE*77"])
    XCTAssertEqual(harness.litLights, Light.allCases)

    harness.advance(milliseconds: 4000)
    harness.release(.play)
    harness.release(.train)
    XCTAssertEqual(harness.takeLines(), [], "releasing the chord neither trains nor plays")
    XCTAssertEqual(harness.litLights, [.status])
  }

  func testReleasingTrainAndPlayBeforeThreeSecondsDoesNothing() {
    let harness = ControllerHarness.started(savedCounts: [2, 1, 0, 0])

    harness.press(.play)
    harness.press(.train)
    harness.advance(milliseconds: 2000)
    harness.release(.train)
    harness.advance(milliseconds: 2000)
    harness.release(.play)

    XCTAssertEqual(harness.takeLines(), [])
    XCTAssertEqual(harness.learner.counts, [2, 1, 0, 0])
  }

  func testHeartbeatOnceASecondAndOnceAfterAStall() {
    let harness = ControllerHarness.started(heartbeatMilliseconds: 1000)

    harness.advance(milliseconds: 999)
    XCTAssertEqual(harness.takeLines(), [])
    harness.advance(milliseconds: 1)
    harness.advance(milliseconds: 1000)
    harness.advance(milliseconds: 5500)
    harness.advance(milliseconds: 1000)

    XCTAssertEqual(harness.takeLines(), [
      "$TPHBT,1,1*5A", "$TPHBT,2,2*5A", "$TPHBT,3,7*5E", "$TPHBT,4,8*56",
    ])
  }

  func testMissingCameraWhilePlayingShowsNoCameraUntilFramesReturn() {
    let harness = playingHarness()
    harness.frame(.up)

    harness.controller.noteCamera(available: false)
    XCTAssertEqual(harness.litLights, [.status])
    harness.advance(milliseconds: 125)
    XCTAssertEqual(harness.litLights, [], "STATUS blinks at 4 Hz")
    harness.controller.noteCamera(available: true)
    harness.frame(.up)

    XCTAssertEqual(harness.takeLines(), [
      "$TPDIR,1,UP,0.90*54", "$TPSTA,2,ERROR,NO_CAMERA*43", "$TPSTA,3,PLAY*75",
      "$TPDIR,4,UP,0.90*51",
    ])
  }

  func testMissingCameraWhileIdleSendsNothing() {
    let harness = ControllerHarness.started()

    harness.controller.noteCamera(available: false)

    XCTAssertEqual(harness.takeLines(), [])
    XCTAssertEqual(harness.litLights, [.status])
  }

  func testFinishSavesWhatIsCollectingAndTurnsLightsOff() {
    let harness = ControllerHarness()
    harness.controller.start()
    harness.press(.left)
    harness.frame(nil)
    _ = harness.takeLines()

    harness.controller.finish()

    XCTAssertEqual(harness.takeLines(), ["$TPSTA,3,IDLE*75"])
    XCTAssertEqual(harness.learner.savedCounts, [0, 0, 1, 0])
    XCTAssertEqual(harness.litLights, [])
  }

  func testFinishWhilePlayingTellsConsoleIdle() {
    let harness = playingHarness()

    harness.controller.finish()

    XCTAssertEqual(harness.takeLines(), ["$TPSTA,1,IDLE*77"])
    XCTAssertEqual(harness.litLights, [])
  }
}
