// vbserial echo DEVICE BYTES     raw 115200 8N1; send BYTES bytes cycling
//                                 through all 256 values, expect them back
//                                 unchanged from the echoing peer
// vbserial fill DEVICE SECONDS   non-blocking writes while the peer does
//                                 not read: no write may block, and the
//                                 port must report full (EAGAIN); no
//                                 write may take 0.5 s or more
#include "vbcommon.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int open_raw(const char *device) {
  int fd = open(device, O_RDWR | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) vb_die(device);
  struct termios t;
  if (tcgetattr(fd, &t) < 0) vb_die("tcgetattr");
  cfmakeraw(&t);
  t.c_cflag |= CLOCAL | CREAD;
  t.c_cflag &= ~(CRTSCTS | CSTOPB | PARENB);
  cfsetispeed(&t, B115200);
  cfsetospeed(&t, B115200);
  if (tcsetattr(fd, TCSANOW, &t) < 0) vb_die("tcsetattr");
  tcflush(fd, TCIOFLUSH);
  return fd;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: vbserial echo DEVICE BYTES | fill DEVICE SECONDS\n");
    return 2;
  }
  int fd = open_raw(argv[2]);
  if (strcmp(argv[1], "echo") == 0) {
    long total = atol(argv[3]), sent = 0, got = 0;
    unsigned char *back = malloc(total);
    double start = now();
    while (got < total && now() - start < 20) {
      struct pollfd p = {.fd = fd, .events = POLLIN | (sent < total ? POLLOUT : 0)};
      poll(&p, 1, 100);
      if ((p.revents & POLLOUT) && sent < total) {
        unsigned char chunk[256];
        long n = total - sent < 256 ? total - sent : 256;
        for (long i = 0; i < n; i++) chunk[i] = (unsigned char)((sent + i) & 0xff);
        ssize_t w = write(fd, chunk, n);
        if (w > 0) sent += w;
      }
      if (p.revents & POLLIN) {
        ssize_t r = read(fd, back + got, total - got);
        if (r > 0) got += r;
      }
    }
    long wrong = 0, first = -1;
    for (long i = 0; i < got; i++)
      if (back[i] != (unsigned char)(i & 0xff)) { wrong++; if (first < 0) first = i; }
    printf("vbserial: sent %ld, received %ld back in %.2f s, %ld differ", sent, got,
           now() - start, wrong);
    if (first >= 0) printf(" (first at %ld: %d instead of %d)", first, back[first], (int)(first & 0xff));
    printf("\n");
    return (got == total && wrong == 0) ? 0 : 1;
  }
  if (strcmp(argv[1], "fill") == 0) {
    double seconds = atof(argv[3]), start = now(), slowest = 0;
    long accepted = 0, full = 0;
    unsigned char chunk[64];
    memset(chunk, 'x', sizeof chunk);
    while (now() - start < seconds) {
      double before = now();
      ssize_t w = write(fd, chunk, sizeof chunk);
      double took = now() - before;
      if (took > slowest) slowest = took;
      if (w > 0) accepted += w;
      else if (w < 0 && errno == EAGAIN) { full++; usleep(1000); }
      else if (w < 0) vb_die("write");
    }
    // Drop what the stalled peer never took: closing a port with output
    // pending waits up to closing_wait (30 s on a 8250) for it to drain.
    tcflush(fd, TCOFLUSH);
    printf("vbserial: %ld bytes accepted, %ld writes found the port full, slowest write %.1f ms\n",
           accepted, full, slowest * 1000);
    // A blocking write would wait for the peer (seconds); 0.5 s leaves room
    // for a loaded host pausing the emulator.
    return (full > 0 && slowest < 0.5) ? 0 : 1;
  }
  fprintf(stderr, "vbserial: unknown mode %s\n", argv[1]);
  return 2;
}
