import App
import Board
import Learning
import XCTest

/// Start, collecting and training, through the protocol lines and LEDs.
final class ControllerCollectTrainTests: XCTestCase {
  func testStartWithoutHeadIsIdleWithStatusLit() {
    let harness = ControllerHarness()

    harness.controller.start()

    XCTAssertEqual(harness.takeLines(), ["$TPSTA,0,IDLE*76"])
    XCTAssertEqual(harness.litLights, [.status])
    XCTAssertFalse(harness.controller.wantsActivation)
  }

  func testStartWithSavedHeadResumesPlayingWithoutAnyButton() {
    let learner = ScriptedLearner()
    learner.savedCounts = [3, 4, 0, 0]
    learner.savedHead = true
    let harness = ControllerHarness(learner: learner)

    harness.controller.start()

    XCTAssertEqual(harness.takeLines(), ["$TPSTA,0,PLAY*76"])
    XCTAssertEqual(learner.counts, [3, 4, 0, 0])
    XCTAssertEqual(learner.startPredictingCallCount, 1)
    XCTAssertTrue(harness.controller.wantsActivation)
  }

  func testHoldingLabelCollectsOneExamplePerFrameAndFlipsItsLight() {
    let harness = ControllerHarness.started()

    harness.press(.left)
    XCTAssertEqual(harness.takeLines(), ["$TPSTA,1,COLLECT,LEFT,0*06"])
    XCTAssertTrue(harness.controller.wantsActivation)
    XCTAssertEqual(harness.litLights, [.status])

    harness.frame(nil)
    XCTAssertEqual(harness.takeLines(), ["$TPSTA,2,COLLECT,LEFT,1*04"])
    XCTAssertEqual(harness.litLights, [.left, .status])

    harness.frame(nil)
    XCTAssertEqual(harness.takeLines(), ["$TPSTA,3,COLLECT,LEFT,2*06"])
    XCTAssertEqual(harness.litLights, [.status])

    harness.release(.left)
    XCTAssertEqual(harness.takeLines(), ["$TPSTA,4,IDLE*72"])
    XCTAssertEqual(harness.learner.counts, [0, 0, 2, 0])
    XCTAssertEqual(harness.learner.saveExamplesCallCount, 1)
    XCTAssertEqual(harness.learner.savedCounts, [0, 0, 2, 0])
    XCTAssertFalse(harness.controller.wantsActivation)
  }

  func testFramesWhileIdleStoreNothingAndSendNothing() {
    let harness = ControllerHarness.started()

    harness.frame(.up)

    XCTAssertEqual(harness.takeLines(), [])
    XCTAssertEqual(harness.learner.counts, [0, 0, 0, 0])
  }

  func testSecondLabelWhileCollectingIsIgnored() {
    let harness = ControllerHarness()
    harness.controller.start()
    harness.press(.up)
    _ = harness.takeLines()

    harness.press(.right)
    harness.frame(nil)
    harness.release(.right)
    harness.frame(nil)

    XCTAssertEqual(harness.takeLines(), [
      "$TPSTA,2,COLLECT,UP,1*1A", "$TPSTA,3,COLLECT,UP,2*18",
    ])
    XCTAssertEqual(harness.learner.counts, [2, 0, 0, 0])
  }

  func testTrainFitsHeadShowsProgressThenSavesHead() {
    let harness = ControllerHarness()
    harness.controller.start()
    harness.collect(.up, count: 2)
    harness.collect(.down, count: 2)
    _ = harness.takeLines()
    var lightsPerStep: [[Light]] = []
    harness.learner.afterTrainingStep = { _ in lightsPerStep.append(harness.litLights) }

    harness.press(.train)
    XCTAssertEqual(harness.takeLines(), [], "TRAIN acts on release")
    harness.release(.train)

    XCTAssertEqual(harness.takeLines(), [
      "$TPSTA,9,TRAIN,0,*0B", "$TPSTA,10,TRAIN,50,1.2000*1B",
      "$TPSTA,11,TRAIN,100,0.4000*29", "$TPSTA,12,IDLE*45",
    ])
    XCTAssertEqual(lightsPerStep, [[.up, .down, .status], [.up, .down, .left, .right, .status]])
    XCTAssertEqual(harness.learner.saveHeadCallCount, 1)
    XCTAssertTrue(harness.learner.savedHead)
    XCTAssertEqual(harness.litLights, [.status])
  }

  func testTrainSendsFullProgressWhenTheLastBatchReportsLess() {
    let harness = ControllerHarness()
    harness.learner.savedCounts = [1, 1, 0, 0]
    harness.learner.trainingSteps = [TrainingStep(fraction: 0.999, loss: 0.5)]
    harness.learner.finalLoss = 0.25
    harness.controller.start()
    _ = harness.takeLines()

    harness.click(.train)

    XCTAssertEqual(harness.takeLines(), [
      "$TPSTA,1,TRAIN,0,*03", "$TPSTA,2,TRAIN,99,0.5000*2B",
      "$TPSTA,3,TRAIN,100,0.2500*19", "$TPSTA,4,IDLE*72",
    ])
  }

  func testNearestNeighbourTrainingWithoutLossSendsEmptyLossField() {
    let harness = ControllerHarness()
    harness.learner.savedCounts = [1, 0, 1, 0]
    harness.learner.trainingSteps = []
    harness.learner.finalLoss = nil
    harness.controller.start()
    _ = harness.takeLines()

    harness.click(.train)

    XCTAssertEqual(harness.takeLines(), [
      "$TPSTA,1,TRAIN,0,*03", "$TPSTA,2,TRAIN,100,*01", "$TPSTA,3,IDLE*75",
    ])
  }

  func testButtonsDuringTrainingAreIgnoredEvenWhenReleasedAfter() {
    let harness = ControllerHarness.started(savedCounts: [2, 2, 0, 0])
    var step = 0
    let busy = {
      step += 1
      if step == 1 {
        harness.press(.play)
        harness.press(.up)
        harness.frame(nil)
      } else {
        harness.release(.up)
      }
    }

    harness.press(.train)
    harness.release(.train, whileBusy: busy)
    harness.release(.play)
    harness.frame(.up)

    XCTAssertEqual(harness.takeLines(), [
      "$TPSTA,1,TRAIN,0,*03", "$TPSTA,2,TRAIN,50,1.2000*28",
      "$TPSTA,3,TRAIN,100,0.4000*1A", "$TPSTA,4,IDLE*72",
    ])
    XCTAssertEqual(step, 2)
    XCTAssertEqual(harness.learner.counts, [2, 2, 0, 0])
  }

  func testHeartbeatsContinueDuringLongTraining() {
    let harness = ControllerHarness(heartbeatMilliseconds: 1000)
    harness.learner.savedCounts = [2, 2, 0, 0]
    harness.learner.trainingSteps = [0.25, 0.5, 0.75, 1].map {
      TrainingStep(fraction: $0, loss: 1 - $0)
    }
    harness.learner.afterTrainingStep = { _ in harness.time.advance(milliseconds: 600) }
    harness.controller.start()
    _ = harness.takeLines()

    harness.click(.train)

    XCTAssertEqual(harness.takeLines(), [
      "$TPSTA,1,TRAIN,0,*03", "$TPSTA,2,TRAIN,25,0.7500*2B",
      "$TPSTA,3,TRAIN,50,0.5000*2F", "$TPSTA,4,TRAIN,75,0.2500*2D", "$TPHBT,5,1*5E",
      "$TPSTA,6,TRAIN,100,0.0000*1B", "$TPSTA,7,IDLE*71",
    ])
  }

  func testTrainWhileCollectingFinishesCollectingFirst() {
    let harness = ControllerHarness()
    harness.learner.savedCounts = [0, 3, 0, 0]
    harness.controller.start()
    harness.press(.up)
    harness.frame(nil)
    _ = harness.takeLines()

    harness.click(.train)
    harness.frame(nil)
    harness.release(.up)

    XCTAssertEqual(harness.takeLines(), [
      "$TPSTA,3,IDLE*75", "$TPSTA,4,TRAIN,0,*06", "$TPSTA,5,TRAIN,50,1.2000*2F",
      "$TPSTA,6,TRAIN,100,0.4000*1F", "$TPSTA,7,IDLE*71",
    ])
    XCTAssertEqual(harness.learner.savedCounts, [1, 3, 0, 0])
  }

  func testTrainingWhilePlayingReturnsToPlayingWithFreshSmoothing() {
    let harness = ControllerHarness()
    harness.learner.savedCounts = [2, 2, 0, 0]
    harness.learner.savedHead = true
    harness.controller.start()
    harness.frame(.up)
    _ = harness.takeLines()

    harness.click(.train)
    harness.frame(.up)

    XCTAssertEqual(harness.takeLines(), [
      "$TPSTA,2,TRAIN,0,*00", "$TPSTA,3,TRAIN,50,1.2000*29",
      "$TPSTA,4,TRAIN,100,0.4000*1D", "$TPSTA,5,PLAY*73", "$TPDIR,6,UP,0.90*53",
    ])
    XCTAssertEqual(harness.learner.startPredictingCallCount, 2)
  }
}
