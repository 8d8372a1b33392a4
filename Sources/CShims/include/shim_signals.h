// SIGINT, SIGTERM, SIGHUP and SIGQUIT as a flag the main loop polls.
// Swift cannot write a signal handler that is async-signal-safe, so the
// handler lives here.
#ifndef TEACHPAD_SHIM_SIGNALS_H
#define TEACHPAD_SHIM_SIGNALS_H

/// Installs handlers for SIGINT, SIGTERM, SIGHUP and SIGQUIT that record
/// the signal number (without SA_RESTART, so a blocking poll returns early
/// with EINTR), and ignores SIGPIPE.
void shim_install_stop_handlers(void);

/// The stop signal that arrived since installing, or 0.
int shim_stop_signal(void);

/// Holds SIGINT, SIGTERM and SIGHUP back while a file is replaced: from
/// here until `shim_release_stop_signals`, such a signal is only recorded
/// (process-wide, whichever thread it reaches; an ignored one stays
/// ignored). Calls nest and may come from several threads; the outermost
/// pair counts.
void shim_hold_stop_signals(void);

/// Puts the handlers back as they were and raises again, once each, every
/// stop signal that came while they were held, so the process stops (or
/// its own handler runs) after the file is in place, not halfway.
void shim_release_stop_signals(void);

#endif
