import App
import Learning
import Support
import XCTest

final class ConfigurationTests: XCTestCase {
  private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  private var defaultFilePath: String {
    repositoryRoot.appendingPathComponent("board/teachpad.conf").path
  }

  func testDocumentedDefaultFileMatchesBuiltInDefaults() throws {
    XCTAssertEqual(try Configuration.load(path: defaultFilePath), Configuration())
  }

  func testDocumentedDefaultFileSetsEveryKey() throws {
    let lines = try String(contentsOfFile: defaultFilePath, encoding: .utf8)
      .split(separator: "\n").map(String.init)

    for key in Configuration.keys {
      let setting = key == "model.path" ? "# \(key) = " : "\(key) = "
      XCTAssertTrue(lines.contains { $0.hasPrefix(setting) }, key)
    }
  }

  func testEmptyFileGivesDefaults() throws {
    XCTAssertEqual(try Configuration.parse("\n# nothing here\n\n", source: "x"),
                   Configuration())
  }

  func testReadsValuesWithBlanksAroundThem() throws {
    let text = """
      \tcamera.device=/dev/v4l/by-id/usb-cam-video-index0  \r
      # a comment
        button.up = 17
      button.active = high
      head.kind = knn
      knn.k = 5
      dense.learning_rate = 0.001
      predict.confidence_floor = .75
      serial.baud = 9600
      model.path = /tmp/model.tflite
      log.level = debug
      """

    let configuration = try Configuration.parse(text, source: "test.conf")
    // As an editor that writes a byte order mark saves it.
    let marked = try Configuration.parse("\u{FEFF}" + text, source: "test.conf")

    XCTAssertEqual(marked, configuration)
    XCTAssertEqual(configuration.cameraDevice, "/dev/v4l/by-id/usb-cam-video-index0")
    XCTAssertEqual(configuration.buttonPins, [17, 6, 13, 19, 26, 21])
    XCTAssertEqual(configuration.buttonActiveLevel, .high)
    XCTAssertEqual(configuration.head.kind, .nearestNeighbors)
    XCTAssertEqual(configuration.head.neighborCount, 5)
    XCTAssertEqual(configuration.head.learningRate, 0.001)
    XCTAssertEqual(configuration.confidenceFloor, 0.75)
    XCTAssertEqual(configuration.serialBaud, 9600)
    XCTAssertEqual(configuration.modelPath, "/tmp/model.tflite")
    XCTAssertEqual(configuration.logLevel, .debug)
    XCTAssertEqual(configuration.datasetPath, "/var/lib/teachpad/dataset.tpds")
  }

  func testEachMistakeNamesLineKeyValueAndWhatIsAllowed() {
    let cases: [(String, String)] = [
      ("camera.devcie = /dev/video0",
       "test.conf line 1: unknown key 'camera.devcie' (set to '/dev/video0'); the camera "
         + "keys are: camera.device, camera.width, camera.height, camera.warmup_frames, "
         + "camera.stall_ms"),
      ("colour = blue",
       "test.conf line 1: unknown key 'colour' (set to 'blue'); keys start with one of: "
         + "camera, gpio, button, led, serial, head, dense, knn, predict, data, inference, "
         + "model, log"),
      ("\n\nbutton.up = 40",
       "test.conf line 3: button.up = 40: expected a BCM pin number from 0 to 27"),
      ("camera.width = wide",
       "test.conf line 1: camera.width = wide: expected a whole number from 16 to 4096"),
      ("serial.baud = 12345",
       "test.conf line 1: serial.baud = 12345: expected one of 9600, 19200, 38400, 57600, "
         + "115200, 230400, 460800, 921600"),
      ("head.kind = svm", "test.conf line 1: head.kind = svm: expected dense or knn"),
      ("button.active = up", "test.conf line 1: button.active = up: expected low or high"),
      ("predict.confidence_floor = 1.5",
       "test.conf line 1: predict.confidence_floor = 1.5: expected a number from 0 to 1, "
         + "written like 0.25"),
      ("dense.learning_rate = 1e-4",
       "test.conf line 1: dense.learning_rate = 1e-4: expected a number from 0.000001 "
         + "to 1, written like 0.25"),
      ("log.level = loud",
       "test.conf line 1: log.level = loud: expected debug, info, warning or error"),
      ("serial.device = /dev/tty USB0",
       "test.conf line 1: serial.device = /dev/tty USB0: expected a path without spaces"),
      ("data.directory =",
       "test.conf line 1: data.directory = : expected a path, got none"),
      ("camera.width 640",
       "test.conf line 1: expected 'key = value', got 'camera.width 640'"),
      ("button.up = 5\nbutton.up = 6",
       "test.conf line 2: button.up is set again (first on line 1); keep one"),
      ("led.status = 5",
       "test.conf: button.up = 5 (default) and led.status = 5 (line 1) use the same "
         + "pin; give each button and LED its own"),
      ("button.train = 6\nbutton.down = 7\nled.up = 7",
       "test.conf: button.down = 7 (line 2) and led.up = 7 (line 3) use the same pin; "
         + "give each button and LED its own"),
    ]

    for (text, message) in cases {
      XCTAssertThrowsError(try Configuration.parse(text, source: "test.conf"), text) {
        XCTAssertEqual(($0 as? ConfigurationError)?.message, message)
      }
    }
  }

  func testMissingFileSaysWhy() {
    XCTAssertThrowsError(try Configuration.load(path: "/nonexistent/teachpad.conf")) {
      XCTAssertEqual(($0 as? ConfigurationError)?.message,
                     "configuration /nonexistent/teachpad.conf: cannot read it: "
                       + "No such file or directory (board/install.sh installs "
                       + "/etc/teachpad/teachpad.conf; board/teachpad.conf in the "
                       + "repository lists every key with its default)")
    }
  }
}
