import Board

/// A recorded session for `teachpad replay`: frames from image files in
/// order, button presses and releases at given frames, and the true
/// direction of the frames that are scored. The text format (documented
/// in README.md, "Session files"):
///
///     teachpad-session 1
///     # a comment
///     frame-ms 100
///     images ../data/images
///     press UP
///     frame 0/IMG_1118.JPG
///     release UP
///     step
///     frame 5/IMG_4312.JPG expect RIGHT
///
/// `press` and `release` happen at the next `frame` or `step` line; a
/// `step` is a pass of the loop in which the camera has no new frame.
/// `images` is the folder image paths are relative to (itself relative to
/// the session file's folder); `frame-ms` is the time between frames.
public struct SessionScript: Equatable {
  public static let header = "teachpad-session 1"

  /// One recorded press or release.
  public struct Event: Equatable {
    public var button: Button
    public var pressed: Bool

    public init(button: Button, pressed: Bool) {
      self.button = button
      self.pressed = pressed
    }
  }

  /// One pass of the loop: the events delivered first, then the frame.
  public struct Step: Equatable {
    public var events: [Event]
    /// Index into `images`, nil when the camera has nothing.
    public var image: Int?
    /// The direction the player shows, for scored frames.
    public var expected: Direction?

    public init(events: [Event] = [], image: Int? = nil, expected: Direction? = nil) {
      self.events = events
      self.image = image
      self.expected = expected
    }
  }

  public var frameMilliseconds = 100
  /// The image folder as written in the file.
  public var imageFolder = "."
  /// Distinct image paths relative to `imageFolder`, first use first.
  public var images: [String] = []
  public var steps: [Step] = []
  /// Comment lines, written after the header.
  public var comments: [String] = []

  public init() {}

  /// Adds a frame step, reusing the image index of a path seen before.
  public mutating func addFrame(_ path: String, events: [Event] = [],
                                expected: Direction? = nil) {
    let index: Int
    if let found = images.firstIndex(of: path) {
      index = found
    } else {
      index = images.count
      images.append(path)
    }
    steps.append(Step(events: events, image: index, expected: expected))
  }

  /// The session as text.
  public var text: String {
    var text = Self.header + "\n"
    for comment in comments { text += "# " + comment + "\n" }
    text += "frame-ms \(frameMilliseconds)\n"
    text += "images " + imageFolder + "\n"
    for step in steps {
      for event in step.events {
        text += (event.pressed ? "press " : "release ") + Self.name(of: event.button) + "\n"
      }
      if let image = step.image {
        text += "frame " + images[image]
        if let expected = step.expected { text += " expect " + expected.name }
        text += "\n"
      } else {
        text += "step\n"
      }
    }
    return text
  }

  /// Parses session text; the error names the line and what is wrong.
  public static func parse(_ text: String) throws(SessionError) -> SessionScript {
    var script = SessionScript()
    var pending: [Event] = []
    var sawHeader = false
    var lineNumber = 0
    // "\r\n" is one Character in Swift, so both line ends are named. An
    // editor's byte order mark is no part of the header.
    let body = text.hasPrefix("\u{FEFF}") ? text.dropFirst() : text[...]
    let lines = body.split(omittingEmptySubsequences: false) {
      $0 == "\n" || $0 == "\r\n"
    }
    for rawLine in lines {
      lineNumber += 1
      var line = Substring(rawLine)
      if line.last == "\r" { line = line.dropLast() }
      let words = line.split(separator: " ", omittingEmptySubsequences: true)
      guard let keyword = words.first else { continue }
      if keyword.hasPrefix("#") { continue }
      if !sawHeader {
        guard line == Self.header else {
          throw SessionError(line: lineNumber,
                             "expected '\(Self.header)' before anything but comments "
                               + "and blank lines (is this a teachpad session file?)")
        }
        sawHeader = true
        continue
      }
      switch keyword {
      case "frame-ms":
        guard words.count == 2, let value = Int(words[1]), value > 0, value <= 60_000 else {
          throw SessionError(line: lineNumber,
                             "frame-ms needs a whole number of milliseconds from 1 to 60000")
        }
        script.frameMilliseconds = value
      case "images":
        guard words.count >= 2 else {
          throw SessionError(line: lineNumber, "images needs a folder")
        }
        script.imageFolder = String(line.dropFirst("images ".count))
      case "press", "release":
        guard words.count == 2, let button = button(named: words[1]) else {
          throw SessionError(line: lineNumber, "\(keyword) needs a button: "
            + "UP, DOWN, LEFT, RIGHT, TRAIN or PLAY")
        }
        pending.append(Event(button: button, pressed: keyword == "press"))
      case "step":
        guard words.count == 1 else {
          throw SessionError(line: lineNumber, "step takes nothing after it")
        }
        script.steps.append(Step(events: pending))
        pending = []
      case "frame":
        var expected: Direction?
        if words.count == 4, words[2] == "expect" {
          guard let direction = direction(named: words[3]) else {
            throw SessionError(line: lineNumber,
                               "expect needs UP, DOWN, LEFT or RIGHT, got '\(words[3])'")
          }
          expected = direction
        } else if words.count != 2 {
          throw SessionError(line: lineNumber,
                             "expected 'frame PATH' or 'frame PATH expect DIRECTION'")
        }
        script.addFrame(String(words[1]), events: pending, expected: expected)
        pending = []
      default:
        throw SessionError(line: lineNumber, "unknown line '\(keyword)' (expected frame, "
          + "step, press, release, frame-ms, images or a # comment)")
      }
    }
    guard sawHeader else { throw SessionError(line: 0, "empty; expected '\(Self.header)'") }
    if !pending.isEmpty { script.steps.append(Step(events: pending)) }
    guard !script.steps.isEmpty else {
      throw SessionError(line: lineNumber, "no frame or step lines: nothing to replay")
    }
    return script
  }

  /// The frames scored against their true direction.
  public var scoredFrameCount: Int {
    steps.reduce(0) { $0 + ($1.expected == nil ? 0 : 1) }
  }

  /// Where looping starts when a replay runs past the end: the last step
  /// with button events if it shows a frame, else the one after it, so
  /// extra passes show only the frames after the last button (the test
  /// poses), whole; their events are not played again.
  public var loopStart: Int {
    guard let last = steps.lastIndex(where: { !$0.events.isEmpty }) else { return 0 }
    return steps[last].image != nil || last + 1 == steps.count ? last : last + 1
  }

  public static func name(of button: Button) -> String {
    switch button {
    case .up: return "UP"
    case .down: return "DOWN"
    case .left: return "LEFT"
    case .right: return "RIGHT"
    case .train: return "TRAIN"
    case .play: return "PLAY"
    }
  }

  static func button(named word: Substring) -> Button? {
    Button.allCases.first { name(of: $0) == word }
  }

  static func direction(named word: Substring) -> Direction? {
    Direction.allCases.first { $0.name == word }
  }
}

/// A session file that does not follow the format.
public struct SessionError: Error, Equatable {
  public let message: String

  public init(line: Int, _ message: String) {
    self.message = line > 0 ? "line \(line): " + message : message
  }
}
