import App
import Board
import XCTest

/// The session text format: what it says, and what it refuses.
final class SessionScriptTests: XCTestCase {
  private let sample = """
    teachpad-session 1
    # two frames of UP, train, play, one scored frame
    frame-ms 50
    images ../pictures
    press UP
    frame 0/a.jpg
    frame 0/b.jpg
    release UP
    press TRAIN
    step
    release TRAIN
    step
    press PLAY
    release PLAY
    frame 0/a.jpg expect UP

    """

  func testParsesFramesEventsAndExpectations() throws {
    let script = try SessionScript.parse(sample)
    XCTAssertEqual(script.frameMilliseconds, 50)
    XCTAssertEqual(script.imageFolder, "../pictures")
    XCTAssertEqual(script.images, ["0/a.jpg", "0/b.jpg"])
    XCTAssertEqual(script.steps, [
      .init(events: [.init(button: .up, pressed: true)], image: 0),
      .init(events: [], image: 1),
      .init(events: [.init(button: .up, pressed: false), .init(button: .train, pressed: true)]),
      .init(events: [.init(button: .train, pressed: false)]),
      .init(events: [.init(button: .play, pressed: true), .init(button: .play, pressed: false)],
            image: 0, expected: .up),
    ])
    XCTAssertEqual(script.scoredFrameCount, 1)
    XCTAssertEqual(script.loopStart, 4)
  }

  func testTextParsesBackToTheSameScript() throws {
    var script = try SessionScript.parse(sample)
    script.comments = ["hello"]
    let again = try SessionScript.parse(script.text)
    XCTAssertEqual(again.steps, script.steps)
    XCTAssertEqual(again.images, script.images)
    XCTAssertEqual(again.frameMilliseconds, 50)
    XCTAssertTrue(script.text.hasPrefix("teachpad-session 1\n# hello\nframe-ms 50\n"))
  }

  func testByteOrderMarkBeforeTheHeaderIsSkipped() throws {
    let text = "teachpad-session 1\nframe-ms 50\nstep\n"
    XCTAssertEqual(try SessionScript.parse("\u{FEFF}" + text).text,
                   try SessionScript.parse(text).text)
  }

  func testMistakesNameTheLine() {
    let cases: [(String, String)] = [
      ("hello\n", "line 1: expected 'teachpad-session 1' before anything but comments "
        + "and blank lines (is this a teachpad session file?)"),
      ("", "empty; expected 'teachpad-session 1'"),
      ("teachpad-session 1\npress JUMP\n",
       "line 2: press needs a button: UP, DOWN, LEFT, RIGHT, TRAIN or PLAY"),
      ("teachpad-session 1\nframe a.jpg expect SIDEWAYS\n",
       "line 2: expect needs UP, DOWN, LEFT or RIGHT, got 'SIDEWAYS'"),
      ("teachpad-session 1\nframe-ms 0\n",
       "line 2: frame-ms needs a whole number of milliseconds from 1 to 60000"),
      ("teachpad-session 1\n\nwiggle\n", "line 3: unknown line 'wiggle' (expected frame, "
        + "step, press, release, frame-ms, images or a # comment)"),
      ("teachpad-session 1\nimages /tmp\n",
       "line 3: no frame or step lines: nothing to replay"),
    ]
    for (text, message) in cases {
      XCTAssertThrowsError(try SessionScript.parse(text)) { error in
        XCTAssertEqual((error as? SessionError)?.message, message)
      }
    }
  }

  func testWindowsLineEndsParseLikeUnixOnes() throws {
    let unix = "teachpad-session 1\nimages /tmp\npress UP\nframe a.jpg\nrelease UP\nstep\n"
    let windows = unix.replacingOccurrences(of: "\n", with: "\r\n")

    XCTAssertEqual(try SessionScript.parse(windows).text, try SessionScript.parse(unix).text)
    XCTAssertEqual(try SessionScript.parse(windows).steps.count, 2)
  }
}
