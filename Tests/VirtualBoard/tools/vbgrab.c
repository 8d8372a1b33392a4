// vbgrab DEVICE WIDTH HEIGHT FRAMES OUTPUT
// Captures through libv4l2 asking for RGB24 (so libv4lconvert decodes
// MJPEG or YUYV), mmap streaming, and writes the last frame to OUTPUT as
// raw RGB24. Prints the size, bytes per row and the driver's own format
// (what libv4l2 converted from). The harness's reference client.
#include "vbcommon.h"
#include <errno.h>
#include <fcntl.h>
#include <libv4l2.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

static int xioctl(int fd, unsigned long request, void *arg) {
  int r;
  do r = v4l2_ioctl(fd, request, arg); while (r < 0 && errno == EINTR);
  return r;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: vbgrab DEVICE WIDTH HEIGHT FRAMES OUTPUT\n");
    return 2;
  }
  int fd = v4l2_open(argv[1], O_RDWR | O_NONBLOCK);
  if (fd < 0) vb_die(argv[1]);
  struct v4l2_format format = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
  format.fmt.pix.width = atoi(argv[2]);
  format.fmt.pix.height = atoi(argv[3]);
  format.fmt.pix.pixelformat = V4L2_PIX_FMT_RGB24;
  format.fmt.pix.field = V4L2_FIELD_ANY;
  if (xioctl(fd, VIDIOC_S_FMT, &format) < 0) vb_die("VIDIOC_S_FMT");
  if (format.fmt.pix.pixelformat != V4L2_PIX_FMT_RGB24) {
    fprintf(stderr, "vbgrab: libv4l2 did not give RGB24\n");
    return 1;
  }
  struct v4l2_format source = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
  ioctl(fd, VIDIOC_G_FMT, &source);  // plain ioctl: the driver's own format
  uint32_t f = source.fmt.pix.pixelformat;
  printf("vbgrab: geometry %u %u %u driver format %c%c%c%c\n",
         format.fmt.pix.width, format.fmt.pix.height, format.fmt.pix.bytesperline,
         f & 0xff, (f >> 8) & 0xff, (f >> 16) & 0xff, f >> 24);

  struct v4l2_requestbuffers request = {.count = 3, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                                        .memory = V4L2_MEMORY_MMAP};
  if (xioctl(fd, VIDIOC_REQBUFS, &request) < 0) vb_die("VIDIOC_REQBUFS");
  void *maps[8];
  size_t lengths[8];
  for (unsigned i = 0; i < request.count && i < 8; i++) {
    struct v4l2_buffer buffer = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                                 .memory = V4L2_MEMORY_MMAP, .index = i};
    if (xioctl(fd, VIDIOC_QUERYBUF, &buffer) < 0) vb_die("VIDIOC_QUERYBUF");
    lengths[i] = buffer.length;
    maps[i] = v4l2_mmap(NULL, buffer.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                        buffer.m.offset);
    if (maps[i] == MAP_FAILED) vb_die("v4l2_mmap");
    if (xioctl(fd, VIDIOC_QBUF, &buffer) < 0) vb_die("VIDIOC_QBUF");
  }
  enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  if (xioctl(fd, VIDIOC_STREAMON, &type) < 0) vb_die("VIDIOC_STREAMON");
  int wanted = atoi(argv[4]);
  for (int n = 0; n < wanted;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 5000) <= 0) {
      fprintf(stderr, "vbgrab: no frame within 5 s\n");
      return 1;
    }
    struct v4l2_buffer buffer = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
    if (xioctl(fd, VIDIOC_DQBUF, &buffer) < 0) {
      if (errno == EAGAIN) continue;
      vb_die("VIDIOC_DQBUF");
    }
    n++;
    if (n == wanted) {
      FILE *out = fopen(argv[5], "wb");
      if (!out) vb_die(argv[5]);
      size_t size = (size_t)format.fmt.pix.bytesperline * format.fmt.pix.height;
      fwrite(maps[buffer.index], 1, size < lengths[buffer.index] ? size : lengths[buffer.index], out);
      fclose(out);
    }
    xioctl(fd, VIDIOC_QBUF, &buffer);
  }
  xioctl(fd, VIDIOC_STREAMOFF, &type);
  v4l2_close(fd);
  return 0;
}
