// vbfeed DEVICE mjpeg|yuyv WIDTH HEIGHT FPS [FRAMES]
// Feeds a v4l2loopback output device with the colour-bar picture in one
// format only, so a capture client that asks for RGB24 must have libv4l2
// convert it. Runs until killed (or FRAMES frames); SIGSTOP is a stalled
// camera, SIGCONT resumes it.
#include "vbcommon.h"
#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <time.h>
#include <turbojpeg.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: vbfeed DEVICE mjpeg|yuyv WIDTH HEIGHT FPS [FRAMES]\n");
    return 2;
  }
  const char *device = argv[1];
  int mjpeg = strcmp(argv[2], "mjpeg") == 0;
  int width = atoi(argv[3]), height = atoi(argv[4]), fps = atoi(argv[5]);
  long frames = argc > 6 ? atol(argv[6]) : -1;
  if (!mjpeg && strcmp(argv[2], "yuyv") != 0) {
    fprintf(stderr, "vbfeed: format must be mjpeg or yuyv\n");
    return 2;
  }

  uint8_t *rgb = malloc((size_t)width * height * 3);
  vb_draw_bars(rgb, width, height, 255);
  unsigned char *frame = NULL;
  unsigned long size = 0;
  if (mjpeg) {
    tjhandle tj = tjInitCompress();
    if (tjCompress2(tj, rgb, width, 0, height, TJPF_RGB, &frame, &size, TJSAMP_422, 90, 0) != 0) {
      fprintf(stderr, "vbfeed: %s\n", tjGetErrorStr2(tj));
      return 1;
    }
  } else {
    // Full-range (JFIF) BT.601, what libv4lconvert's YUYV decoder assumes.
    size = (unsigned long)width * height * 2;
    frame = malloc(size);
    for (int i = 0; i < width * height; i += 2) {
      const uint8_t *p = rgb + i * 3, *q = p + 3;
      double r = (p[0] + q[0]) / 2.0, g = (p[1] + q[1]) / 2.0, b = (p[2] + q[2]) / 2.0;
      double y0 = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
      double y1 = 0.299 * q[0] + 0.587 * q[1] + 0.114 * q[2];
      double u = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
      double v = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
#define CLAMP(x) ((uint8_t)((x) < 0 ? 0 : (x) > 255 ? 255 : (x) + 0.5))
      frame[i * 2 + 0] = CLAMP(y0);
      frame[i * 2 + 1] = CLAMP(u);
      frame[i * 2 + 2] = CLAMP(y1);
      frame[i * 2 + 3] = CLAMP(v);
    }
  }

  int fd = open(device, O_RDWR);
  if (fd < 0) vb_die(device);
  struct v4l2_format format = {.type = V4L2_BUF_TYPE_VIDEO_OUTPUT};
  format.fmt.pix.width = width;
  format.fmt.pix.height = height;
  format.fmt.pix.pixelformat = mjpeg ? V4L2_PIX_FMT_MJPEG : V4L2_PIX_FMT_YUYV;
  format.fmt.pix.field = V4L2_FIELD_NONE;
  format.fmt.pix.bytesperline = mjpeg ? 0 : width * 2;
  format.fmt.pix.sizeimage = mjpeg ? width * height * 2 : size;
  format.fmt.pix.colorspace = mjpeg ? V4L2_COLORSPACE_JPEG : V4L2_COLORSPACE_SRGB;
  if (ioctl(fd, VIDIOC_S_FMT, &format) < 0) vb_die("VIDIOC_S_FMT");
  struct v4l2_streamparm parm = {.type = V4L2_BUF_TYPE_VIDEO_OUTPUT};
  parm.parm.output.timeperframe.numerator = 1;
  parm.parm.output.timeperframe.denominator = fps;
  ioctl(fd, VIDIOC_S_PARM, &parm);
  fprintf(stderr, "vbfeed: %s %s %dx%d at %d fps, %lu bytes a frame\n", device,
          mjpeg ? "MJPEG" : "YUYV", width, height, fps, size);

  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (long n = 0; frames < 0 || n < frames; n++) {
    if (write(fd, frame, size) != (ssize_t)size) vb_die("write");
    next.tv_nsec += 1000000000L / fps;
    if (next.tv_nsec >= 1000000000L) { next.tv_sec++; next.tv_nsec -= 1000000000L; }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
  return 0;
}
