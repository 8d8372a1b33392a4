// The systemd notification protocol without libsystemd: one datagram of
// "KEY=value" lines sent to the AF_UNIX socket named by $NOTIFY_SOCKET.
#ifndef TEACHPAD_SHIM_NOTIFY_H
#define TEACHPAD_SHIM_NOTIFY_H

#include <stddef.h>

/// Sends `length` bytes of `message` as one datagram to the socket at
/// `socket_path`: a file path, or an abstract name written with a leading
/// '@'. Returns 0, or the errno of the failing call (EINVAL for a path
/// that does not fit in sockaddr_un).
int shim_notify_send(const char *socket_path, const char *message,
                     size_t length);

#endif
