#define _GNU_SOURCE
#include "shim_serial.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static speed_t speed_for(int baud) {
  switch (baud) {
  case 1200: return B1200;
  case 2400: return B2400;
  case 4800: return B4800;
  case 9600: return B9600;
  case 19200: return B19200;
  case 38400: return B38400;
  case 57600: return B57600;
  case 115200: return B115200;
  case 230400: return B230400;
  case 460800: return B460800;
  case 500000: return B500000;
  case 921600: return B921600;
  case 1000000: return B1000000;
  default: return 0;
  }
}

int shim_serial_baud_supported(int baud) { return speed_for(baud) != 0; }

int shim_serial_configure_raw(int fd, int baud) {
  speed_t speed = speed_for(baud);
  if (speed == 0) return EINVAL;

  struct termios settings;
  if (tcgetattr(fd, &settings) != 0) return errno;
  cfmakeraw(&settings);
  settings.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS);
  settings.c_cflag |= CS8 | CREAD | CLOCAL;
  settings.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
  settings.c_cc[VMIN] = 0;
  settings.c_cc[VTIME] = 0;
  if (cfsetispeed(&settings, speed) != 0) return errno;
  if (cfsetospeed(&settings, speed) != 0) return errno;
  if (tcsetattr(fd, TCSANOW, &settings) != 0) return errno;
  return 0;
}

int shim_pty_open(int *master, char *slave_path, size_t capacity) {
  int fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return errno;
  if (grantpt(fd) != 0 || unlockpt(fd) != 0
      || ptsname_r(fd, slave_path, capacity) != 0) {
    int error = errno;
    close(fd);
    return error;
  }
  *master = fd;
  return 0;
}

int shim_pty_make_raw(int master) {
  struct termios settings;
  if (tcgetattr(master, &settings) != 0) return errno;
  cfmakeraw(&settings);
  if (tcsetattr(master, TCSANOW, &settings) != 0) return errno;
  return 0;
}
