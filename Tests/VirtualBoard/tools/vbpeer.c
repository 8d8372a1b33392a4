// vbpeer SOCKET SHARE_DIR
// The host end of the guest's ttyS1: connects to QEMU's unix socket and
// behaves as SHARE_DIR/peer-mode says (the guest writes that file):
//   echo    send back every byte received
//   record  append every byte received to SHARE_DIR/peer-received
//           (truncated when this mode starts)
//   stall   stop reading, like a console that hangs
// After each switch it writes the mode to SHARE_DIR/peer-ack. Runs until
// QEMU closes the socket or it is killed.
#include "vbcommon.h"
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char share[4096];

static void path_in_share(char *out, size_t size, const char *name) {
  snprintf(out, size, "%s/%s", share, name);
}

static void read_mode(char *mode, size_t size) {
  char path[4200];
  path_in_share(path, sizeof path, "peer-mode");
  FILE *f = fopen(path, "r");
  if (!f) return;
  char line[64] = "";
  if (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    if (line[0]) snprintf(mode, size, "%s", line);
  }
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: vbpeer SOCKET SHARE_DIR\n");
    return 2;
  }
  snprintf(share, sizeof share, "%s", argv[2]);
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  snprintf(address.sun_path, sizeof address.sun_path, "%s", argv[1]);
  int fd = -1;
  for (int tries = 0; tries < 600; tries++) {  // QEMU may take a moment to listen
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) == 0) break;
    close(fd);
    fd = -1;
    usleep(100000);
  }
  if (fd < 0) vb_die("vbpeer: connect");
  fprintf(stderr, "vbpeer: connected to %s\n", argv[1]);

  char mode[64] = "echo", active[64] = "";
  FILE *record = NULL;
  long received = 0;
  for (;;) {
    read_mode(mode, sizeof mode);
    if (strcmp(mode, active) != 0) {
      snprintf(active, sizeof active, "%s", mode);
      if (record) { fclose(record); record = NULL; }
      if (strncmp(active, "record", 6) == 0) {
        char path[4200];
        path_in_share(path, sizeof path, "peer-received");
        record = fopen(path, "w");
        if (!record) vb_die(path);
      }
      char path[4200], temp[4200];
      path_in_share(path, sizeof path, "peer-ack");
      path_in_share(temp, sizeof temp, "peer-ack.tmp");
      FILE *ack = fopen(temp, "w");
      if (ack) { fprintf(ack, "%s\n", active); fclose(ack); rename(temp, path); }
      fprintf(stderr, "vbpeer: mode %s after %ld bytes\n", active, received);
    }
    if (strcmp(active, "stall") == 0) {
      usleep(20000);
      continue;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 20) <= 0) continue;
    unsigned char buffer[4096];
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      vb_die("vbpeer: read");
    }
    received += n;
    if (strcmp(active, "echo") == 0) {
      for (ssize_t done = 0; done < n;) {
        ssize_t w = write(fd, buffer + done, n - done);
        if (w < 0) vb_die("vbpeer: write");
        done += w;
      }
    } else if (record) {
      fwrite(buffer, 1, n, record);
      fflush(record);
    }
  }
  fprintf(stderr, "vbpeer: socket closed after %ld bytes\n", received);
  return 0;
}
