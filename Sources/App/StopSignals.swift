import CShims

/// SIGINT, SIGTERM, SIGHUP and SIGQUIT as a request to stop: the handler
/// only records the signal, and the loop checks `requested` between steps,
/// so a stop always finishes the current step, saves and releases the
/// devices.
public enum StopSignals {
  /// Installs the handlers (and ignores SIGPIPE, so a vanished peer is an
  /// error from write, not the end of the process).
  public static func install() {
    shim_install_stop_handlers()
  }

  /// Whether one of those signals has arrived since `install`.
  public static var requested: Bool { shim_stop_signal() != 0 }

  /// The signal that arrived, or 0.
  public static var signalNumber: Int32 { shim_stop_signal() }
}
