#include "shim_notify.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int shim_notify_send(const char *socket_path, const char *message,
                     size_t length) {
  struct sockaddr_un address;
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;

  size_t path_length = strlen(socket_path);
  if (path_length < 2 || path_length >= sizeof address.sun_path ||
      (socket_path[0] != '/' && socket_path[0] != '@'))
    return EINVAL;
  memcpy(address.sun_path, socket_path, path_length);
  // An abstract socket's name starts with a NUL byte instead of '@'.
  if (socket_path[0] == '@') address.sun_path[0] = '\0';
  socklen_t address_length =
      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_length);

  int descriptor = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (descriptor < 0) return errno;

  ssize_t sent;
  do {
    sent = sendto(descriptor, message, length, MSG_NOSIGNAL,
                  (const struct sockaddr *)&address, address_length);
  } while (sent < 0 && errno == EINTR);
  int status = sent < 0 ? errno : ((size_t)sent == length ? 0 : EMSGSIZE);
  close(descriptor);
  return status;
}
