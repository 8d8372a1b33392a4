import CShims
import Support

/// A tty opened raw, 8N1, at a fixed baud: every byte value passes
/// unchanged both ways. The descriptor is non-blocking, so `write` and
/// `read` return 0 instead of waiting. Closed on deinit.
public final class SerialPort {
  public let path: String
  public let baud: Int
  public let descriptor: Int32

  /// open(2) with O_NOCTTY | O_NONBLOCK, then termios raw mode.
  public init(path: String, baud: Int) throws(DeviceError) {
    guard shim_serial_baud_supported(Int32(truncatingIfNeeded: baud)) != 0
    else {
      throw DeviceError("serial port \(path): unsupported baud \(baud) "
        + "(use a standard rate such as 9600, 57600 or 115200)", retryCanFix: false)
    }
    let opened: Int32
    do {
      opened = try retryingInterrupts("open") {
        shim_open(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
      }
    } catch {
      // A folder stays a folder; anything else may come right (a port that
      // appears, permissions that udev sets).
      guard error.code != EISDIR else {
        throw DeviceError("serial port \(path): a folder, not a terminal device "
          + "(name a serial port such as /dev/ttyUSB0, or a pty)", retryCanFix: false)
      }
      throw DeviceError("serial port \(path): cannot open (\(error.reason)); "
        + "is the adapter plugged in and the UART enabled?")
    }
    guard isatty(opened) == 1 else {
      close(opened)
      throw DeviceError("serial port \(path): not a terminal device (name a "
        + "serial port such as /dev/ttyUSB0, or a pty)", retryCanFix: false)
    }
    let status = shim_serial_configure_raw(opened, Int32(baud))
    guard status == 0 else {
      close(opened)
      let reason = SystemError("tcsetattr", code: status).reason
      throw DeviceError("serial port \(path): cannot set raw 8N1 at \(baud) "
        + "baud (\(reason))")
    }
    self.path = path
    self.baud = baud
    self.descriptor = opened
  }

  deinit {
    // Output still queued in the driver would make close wait for its
    // drain limit (closing_wait, 30 s) when the console has stopped
    // reading: give it 200 ms to leave, then drop it. (A pseudo-terminal
    // reports nothing queued, so nothing is ever dropped there.)
    var pending: Int32 = 0
    for _ in 0..<20 {
      if shim_ioctl_ptr(descriptor, UInt(TIOCOUTQ), &pending) != 0
        || pending == 0 { break }
      usleep(10_000)
    }
    if pending > 0 { tcflush(descriptor, TCOFLUSH) }
    close(descriptor)
  }

  /// Writes what the port takes now: the count written, 0 when its
  /// buffer is full. Throws when the port is gone (EIO, ENXIO, ...).
  public func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError)
    -> Int {
    guard bytes.count > 0 else { return 0 }
    while true {
      let written = CShims.write(descriptor, bytes.baseAddress, bytes.count)
      if written >= 0 { return written }
      let code = shim_errno()
      if code == EINTR { continue }
      if code == EAGAIN || code == EWOULDBLOCK { return 0 }
      throw SystemError("write", code: code)
    }
  }

  /// Reads what has arrived: the count, 0 when nothing is waiting.
  /// Throws when the port is gone.
  public func read(into buffer: UnsafeMutableRawBufferPointer)
    throws(SystemError) -> Int {
    guard buffer.count > 0 else { return 0 }
    while true {
      let got = CShims.read(descriptor, buffer.baseAddress, buffer.count)
      if got >= 0 { return got }
      let code = shim_errno()
      if code == EINTR { continue }
      if code == EAGAIN || code == EWOULDBLOCK { return 0 }
      throw SystemError("read", code: code)
    }
  }

  /// Waits at most `timeoutMilliseconds` for bytes to read. True when some
  /// arrived or the port reports a hang-up (the next read says which).
  public func waitReadable(timeoutMilliseconds: Int) -> Bool {
    wait(for: Int16(POLLIN), timeoutMilliseconds: timeoutMilliseconds)
  }

  /// Waits at most `timeoutMilliseconds` until the port takes more bytes.
  public func waitWritable(timeoutMilliseconds: Int) -> Bool {
    wait(for: Int16(POLLOUT), timeoutMilliseconds: timeoutMilliseconds)
  }

  /// Whether the other end hung up or the device failed: a USB adapter
  /// that was unplugged, or a pseudo-terminal whose master closed.
  public var hasHungUp: Bool {
    var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
    guard poll(&entry, 1, 0) > 0 else { return false }
    return entry.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
  }

  private func wait(for events: Int16, timeoutMilliseconds: Int) -> Bool {
    var entry = pollfd(fd: descriptor, events: events, revents: 0)
    let deadline = MonotonicClock.nanoseconds
      + Int64(max(0, timeoutMilliseconds)) * 1_000_000
    while true {
      let status = poll(&entry, 1, MonotonicClock.milliseconds(until: deadline))
      if status > 0 { return true }
      if status == 0 { return false }
      if shim_errno() != EINTR { return false }
    }
  }
}
