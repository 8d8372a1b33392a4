// vbprobe: drives teachpad's real Board code (V4L2Camera, GPIOButtons,
// GPIOLights, SerialPort, LinuxSerialLink) inside the virtual board and
// prints what it saw, one line per event, for the cases to assert on.
// Built by vboard.sh against the host build's Board objects.
//
//   vbprobe camera DEVICE FRAMES OUTPUT      FRAMES frames, the last to OUTPUT (raw RGB)
//   vbprobe camera-watch DEVICE SECONDS      one line per change of what nextFrame gives
//   vbprobe buttons SECONDS [GAP_MS]         every button event, then the pressed state;
//                                            GAP_MS between polls plays a busy loop
//   vbprobe lights PATTERN SECONDS           sets UP DOWN LEFT RIGHT STATUS to PATTERN
//                                            (e.g. 10110), holds them SECONDS
//   vbprobe buttons-open                     opens the buttons; prints the error if any
//   vbprobe serial-echo DEVICE BYTES         all byte values through SerialPort and back
//   vbprobe serial-stall DEVICE SECONDS      LinuxSerialLink sending while the peer stalls
import Board
import Support
import Glibc

setvbuf(stdout, nil, _IOLBF, 0)

func now() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func say(_ text: String) { print(text) }

func fail(_ text: String) -> Never {
  print("vbprobe: \(text)")
  exit(1)
}

let buttonNames = ["up", "down", "left", "right", "train", "play"]

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else { fail("no command") }
arguments.removeFirst()
func argument(_ index: Int) -> String {
  guard index < arguments.count else { fail("missing argument \(index + 1) for \(command)") }
  return arguments[index]
}

switch command {
case "camera":
  let wanted = Int(argument(1))!
  let camera = V4L2Camera(settings: CameraSettings(path: argument(0), discardFrameCount: 2))
  let start = now()
  var got = 0
  while got < wanted {
    if now() - start > 20 { fail("only \(got) of \(wanted) frames in 20 s") }
    switch camera.nextFrame(timeoutMilliseconds: 500) {
    case .frame(let frame):
      got += 1
      if got == wanted {
        guard let file = fopen(argument(2), "wb") else { fail("cannot write \(argument(2))") }
        for row in 0..<frame.height {
          fwrite(frame.pixels.baseAddress! + row * frame.bytesPerRow, 1, frame.width * 3, file)
        }
        fclose(file)
        let source = camera.format?.sourceFormat ?? "?"
        say("vbprobe: geometry \(frame.width) \(frame.height) \(frame.width * 3) source \(source) bytesPerRow \(frame.bytesPerRow)")
      }
    case .noFrame, .unavailable:
      continue
    }
  }

case "camera-watch":
  let seconds = Double(argument(1))!
  let camera = V4L2Camera(settings: CameraSettings(
    path: argument(0), discardFrameCount: 1, stallMilliseconds: 1500,
    retry: RetrySchedule(initialDelayNanoseconds: 200_000_000,
                         maximumDelayNanoseconds: 1_000_000_000)))
  let start = now()
  var last = ""
  var slowest = 0.0
  while now() - start < seconds {
    let before = now()
    let reading = camera.nextFrame(timeoutMilliseconds: 200)
    slowest = max(slowest, now() - before)
    let state: String
    switch reading {
    case .frame: state = "frame"
    case .noFrame: state = "noFrame"
    case .unavailable: state = "unavailable"
    }
    if state != last {
      say(String(format2: now() - start) + " \(state)")
      last = state
    }
  }
  say("slowest nextFrame \(Int(slowest * 1000)) ms")

case "buttons":
  let seconds = Double(argument(0))!
  // A busy loop: this long between two calls (a frame under inference).
  let gapMicroseconds = arguments.count > 1 ? UInt32(Int(argument(1))! * 1000) : 0
  let buttons: GPIOButtons
  do { buttons = try GPIOButtons() } catch { fail(error.message) }
  say("ready")
  let start = now()
  while now() - start < seconds {
    buttons.events(timeoutMilliseconds: 50) { event in
      let action: String
      switch event.action {
      case .press: action = "press"
      case .hold: action = "hold"
      case .release: action = "release"
      }
      say("\(action) \(buttonNames[event.button.rawValue])")
    }
    if gapMicroseconds > 0 { usleep(gapMicroseconds) }
  }
  let pressed = Button.allCases.filter { buttons.isPressed($0) }.map { buttonNames[$0.rawValue] }
  say("pressed now: \(pressed.isEmpty ? "none" : pressed.joined(separator: " "))")

case "lights":
  let pattern = Array(argument(0))
  let lights: GPIOLights
  do { lights = try GPIOLights() } catch { fail(error.message) }
  for light in Light.allCases where light.rawValue < pattern.count {
    lights.set(light, on: pattern[light.rawValue] == "1")
  }
  say("ready")
  usleep(UInt32(Double(argument(1))! * 1e6))

case "buttons-open":
  do {
    _ = try GPIOButtons()
    say("opened")
  } catch {
    say("error: \(error.message)")
    exit(1)
  }

case "serial-echo":
  let total = Int(argument(1))!
  let port: SerialPort
  do { port = try SerialPort(path: argument(0), baud: 115_200) } catch { fail(error.message) }
  var sent = 0
  var back = [UInt8]()
  let start = now()
  var buffer = [UInt8](repeating: 0, count: 4096)
  while back.count < total && now() - start < 20 {
    if sent < total {
      let chunk = (sent..<min(total, sent + 256)).map { UInt8(truncatingIfNeeded: $0) }
      do {
        sent += try chunk.withUnsafeBytes { bytes throws(SystemError) in try port.write(bytes) }
      } catch { fail("write: \(error)") }
    }
    _ = port.waitReadable(timeoutMilliseconds: 50)
    do {
      let got = try buffer.withUnsafeMutableBytes { bytes throws(SystemError) in try port.read(into: bytes) }
      back += buffer[0..<got]
    } catch { fail("read: \(error)") }
  }
  var wrong = 0
  for (index, byte) in back.enumerated() where byte != UInt8(truncatingIfNeeded: index) { wrong += 1 }
  say("vbprobe: sent \(sent), received \(back.count) back, \(wrong) differ")
  exit(back.count == total && wrong == 0 ? 0 : 1)

case "serial-stall":
  let seconds = Double(argument(1))!
  let link = LinuxSerialLink(settings: SerialSettings(path: argument(0)))
  let start = now()
  var slowest = 0.0
  var sentLines = 0
  while now() - start < seconds {
    let line = Array("D,\(sentLines),UP,0.93*00".utf8)
    let before = now()
    line.withUnsafeBytes { link.send(line: $0) }
    link.service()
    slowest = max(slowest, now() - before)
    sentLines += 1
    usleep(10_000)
  }
  say("vbprobe: \(sentLines) lines offered, \(link.droppedLineCount) dropped or coalesced, \(link.pendingLineCount) pending, slowest send+service \(Int(slowest * 1000)) ms")

default:
  fail("unknown command \(command)")
}

extension String {
  init(format2 value: Double) {
    let hundredths = Int((value * 100).rounded())
    self = "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
  }
}
