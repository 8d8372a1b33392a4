import Foundation
import Support
import XCTest

/// ServiceNotifier against a real AF_UNIX datagram socket standing in for
/// systemd's notification socket.
final class ServiceNotifierTests: XCTestCase {
  private var directory: URL!
  private var listener: Int32 = -1

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("notify-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(
      at: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    if listener >= 0 { close(listener) }
    try? FileManager.default.removeItem(at: directory)
  }

  /// Binds a datagram socket at `path` (a leading '@' makes it abstract).
  private func listen(at path: String) throws {
    listener = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
    XCTAssertGreaterThanOrEqual(listener, 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
      for (index, byte) in bytes.enumerated() { buffer[index] = byte }
      if bytes.first == UInt8(ascii: "@") { buffer[0] = 0 }
    }
    let length = socklen_t(MemoryLayout.offset(of: \sockaddr_un.sun_path)! + bytes.count)
    let status = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(listener, $0, length)
      }
    }
    XCTAssertEqual(status, 0, "bind \(path): errno \(errno)")
    var timeout = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &timeout,
               socklen_t(MemoryLayout<timeval>.size))
  }

  private func receive(file: StaticString = #filePath, line: UInt = #line) -> String? {
    var buffer = [UInt8](repeating: 0, count: 512)
    let count = recv(listener, &buffer, buffer.count, 0)
    guard count >= 0 else { return nil }
    return String(decoding: buffer[0..<count], as: UTF8.self)
  }

  private func noMessageWaiting() -> Bool {
    var buffer = [UInt8](repeating: 0, count: 64)
    return recv(listener, &buffer, buffer.count, Int32(MSG_DONTWAIT)) < 0
  }

  func testReadyStatusAndStoppingArriveAsDatagrams() throws {
    let path = directory.appendingPathComponent("notify").path
    try listen(at: path)
    let notifier = ServiceNotifier(socketPath: path, watchdogMicroseconds: nil,
                                   watchdogProcess: nil, processIdentifier: 1)

    notifier.ready()
    notifier.status("collecting up")
    notifier.stopping()

    XCTAssertEqual(receive(), "READY=1")
    XCTAssertEqual(receive(), "STATUS=collecting up")
    XCTAssertEqual(receive(), "STOPPING=1")
  }

  func testAbstractSocketNameWithLeadingAt() throws {
    let name = "@teachpad-test-\(getpid())"
    try listen(at: name)
    let notifier = ServiceNotifier(socketPath: name, watchdogMicroseconds: nil,
                                   watchdogProcess: nil, processIdentifier: 1)

    notifier.ready()

    XCTAssertEqual(receive(), "READY=1")
  }

  func testKeepAliveFeedsTheWatchdogAtMostEveryHalfInterval() throws {
    let path = directory.appendingPathComponent("notify").path
    try listen(at: path)
    let notifier = ServiceNotifier(
      socketPath: path, watchdogMicroseconds: "10000000", watchdogProcess: "42",
      processIdentifier: 42)
    XCTAssertEqual(notifier.keepAliveIntervalNanoseconds, 5_000_000_000)

    notifier.keepAlive()
    notifier.keepAlive()
    notifier.keepAlive()

    XCTAssertEqual(receive(), "WATCHDOG=1")
    XCTAssertTrue(noMessageWaiting(), "a second WATCHDOG=1 within 5 s")
  }

  func testWatchdogForAnotherProcessIsNotFed() {
    let notifier = ServiceNotifier(
      socketPath: "/run/systemd/notify", watchdogMicroseconds: "10000000",
      watchdogProcess: "41", processIdentifier: 42)

    XCTAssertNil(notifier.keepAliveIntervalNanoseconds)
  }

  func testWithoutNotifySocketEverythingIsANoOp() {
    let notifier = ServiceNotifier(socketPath: nil, watchdogMicroseconds: "10000000",
                                   watchdogProcess: nil, processIdentifier: 1)

    XCTAssertFalse(notifier.isActive)
    XCTAssertNil(notifier.keepAliveIntervalNanoseconds)
    notifier.ready()
    notifier.keepAlive()
  }

  func testMissingSocketIsReportedNotFatal() {
    let notifier = ServiceNotifier(
      socketPath: directory.appendingPathComponent("absent").path,
      watchdogMicroseconds: nil, watchdogProcess: nil, processIdentifier: 1)

    notifier.ready()
    notifier.ready()

    XCTAssertTrue(notifier.isActive)
  }
}
