import Board
import XCTest

final class ScriptedDeviceTests: XCTestCase {
  func testScriptedCameraPlaysItsStepsInOrderThenHasNoFrame() {
    let camera = ScriptedCamera(steps: [
      .frame(pixels: [1, 2, 3, 4, 5, 6], width: 2, height: 1),
      .noFrame,
      .unavailable,
      .frame(pixels: [9, 8, 7], width: 1, height: 1),
    ])
    var seen: [String] = []

    for _ in 0..<5 {
      switch camera.nextFrame(timeoutMilliseconds: 100) {
      case .frame(let frame):
        seen.append("\(frame.width)x\(frame.height) \(Array(frame.pixels))")
      case .noFrame: seen.append("none")
      case .unavailable: seen.append("unavailable")
      }
    }

    XCTAssertEqual(seen, ["2x1 [1, 2, 3, 4, 5, 6]", "none", "unavailable",
                          "1x1 [9, 8, 7]", "none"])
    XCTAssertEqual(camera.requestCount, 5)
  }

  func testRepeatingScriptedCameraStartsOver() {
    let camera = ScriptedCamera(steps: [.noFrame,
      .frame(pixels: [7, 7, 7], width: 1, height: 1)], repeats: true)
    var frameCount = 0

    for _ in 0..<6 {
      if case .frame = camera.nextFrame(timeoutMilliseconds: 0) {
        frameCount += 1
      }
    }

    XCTAssertEqual(frameCount, 3)
  }

  func testScriptedButtonsDeliverOneBatchPerCallAndTrackPresses() {
    let press = ButtonEvent(button: .train, action: .press, timeNanoseconds: 5)
    let hold = ButtonEvent(button: .train, action: .hold, timeNanoseconds: 9)
    let release = ButtonEvent(button: .train, action: .release,
                              timeNanoseconds: 12)
    let buttons = ScriptedButtons(batches: [[press], [], [hold, release]])
    var delivered: [[ButtonEvent]] = []
    var pressedAfterCall: [Bool] = []

    for _ in 0..<4 {
      var batch: [ButtonEvent] = []
      buttons.events(timeoutMilliseconds: 10) { batch.append($0) }
      delivered.append(batch)
      pressedAfterCall.append(buttons.isPressed(.train))
    }

    XCTAssertEqual(delivered, [[press], [], [hold, release], []])
    XCTAssertEqual(pressedAfterCall, [true, true, false, false])
    XCTAssertFalse(buttons.isPressed(.up))
  }

  func testRecordingLightsKeepEveryChangeAndTheCurrentState() {
    let lights = RecordingLights()

    lights.set(.up, on: true)
    lights.set(.status, on: true)
    lights.set(.up, on: false)

    XCTAssertEqual(lights.changes, [LightChange(.up, on: true),
                                    LightChange(.status, on: true),
                                    LightChange(.up, on: false)])
    XCTAssertFalse(lights.isOn(.up))
    XCTAssertTrue(lights.isOn(.status))
  }

  func testRecordingSerialLinkKeepsLinesInOrder() {
    let link = RecordingSerialLink()

    Array("$HB,1".utf8).withUnsafeBytes { link.send(line: $0) }
    Array("$DIR,2,UP".utf8).withUnsafeBytes { link.send(line: $0) }
    link.service()

    XCTAssertEqual(link.text, ["$HB,1", "$DIR,2,UP"])
    XCTAssertEqual(link.serviceCount, 1)
    XCTAssertEqual(link.droppedLineCount, 0)
  }
}

final class ScriptedButtonsReentryTests: XCTestCase {
  func testHandlerThatAsksForEventsAgainGetsTheRestOfTheBatchInOrder() {
    let events = [Button.train, .up, .down].enumerated().map {
      ButtonEvent(button: $0.element, action: .press,
                  timeNanoseconds: Int64($0.offset))
    }
    let later = ButtonEvent(button: .play, action: .press, timeNanoseconds: 9)
    let buttons = ScriptedButtons(batches: [events, [later]])
    var order: [Button] = []

    buttons.events(timeoutMilliseconds: 0) { event in
      order.append(event.button)
      if event.button == .train {
        // A long step (training) keeps the buttons serviced.
        buttons.events(timeoutMilliseconds: 0) { order.append($0.button) }
      }
    }
    buttons.events(timeoutMilliseconds: 0) { order.append($0.button) }

    XCTAssertEqual(order, [.train, .up, .down, .play])
  }
}
