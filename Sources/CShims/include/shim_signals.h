// SIGINT and SIGTERM as a flag the main loop polls. Swift cannot write a
// signal handler that is async-signal-safe, so the handler lives here.
#ifndef TEACHPAD_SHIM_SIGNALS_H
#define TEACHPAD_SHIM_SIGNALS_H

/// Installs handlers for SIGINT and SIGTERM that record the signal number
/// (without SA_RESTART, so a blocking poll returns early with EINTR), and
/// ignores SIGPIPE.
void shim_install_stop_handlers(void);

/// The stop signal that arrived since installing, or 0.
int shim_stop_signal(void);

#endif
