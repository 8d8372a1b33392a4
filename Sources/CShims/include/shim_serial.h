// The serial port: raw termios setup and pseudo-terminal pairs. The
// termios flags and speeds are macros, so the setup is one call here.
#ifndef TEACHPAD_SHIM_SERIAL_H
#define TEACHPAD_SHIM_SERIAL_H

#include <stddef.h>
#include <termios.h>

/// Whether `baud` is one of the standard termios speeds.
int shim_serial_baud_supported(int baud);

/// Puts a tty in raw 8N1 mode at `baud`: no echo, no line editing, no
/// character translation, no flow control, reads that never wait
/// (VMIN = VTIME = 0). Returns 0 or errno (EINVAL for a bad baud).
int shim_serial_configure_raw(int fd, int baud);

/// Opens a pseudo-terminal pair: the master descriptor (non-blocking,
/// close-on-exec) and the path of its slave, which behaves like a serial
/// port. Returns 0 or errno.
int shim_pty_open(int *master, char *slave_path, size_t capacity);

/// Puts the master side of a pseudo-terminal in raw mode too, so nothing
/// the test writes is translated on its way to the slave.
int shim_pty_make_raw(int master);

#endif
