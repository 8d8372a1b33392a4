#include "shim_system.h"

int shim_write_all(int fd, const void *bytes, size_t count) {
  const uint8_t *next = bytes;
  while (count > 0) {
    ssize_t written = write(fd, next, count);
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    next += written;
    count -= (size_t)written;
  }
  return 0;
}
