#include "shim_media.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

// libv4l2's ioctl wrapper, retried on EINTR; 0 or errno.
static int request(int fd, unsigned long code, void *argument) {
  for (;;) {
    if (v4l2_ioctl(fd, code, argument) == 0) return 0;
    if (errno != EINTR) return errno;
  }
}

static void copy_format(const struct v4l2_format *format,
                        struct shim_video_format *result) {
  result->width = format->fmt.pix.width;
  result->height = format->fmt.pix.height;
  result->pixel_format = format->fmt.pix.pixelformat;
  result->bytes_per_line = format->fmt.pix.bytesperline;
  result->size_image = format->fmt.pix.sizeimage;
}

int shim_v4l2_open(const char *path, int *fd) {
  int opened = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (opened < 0) return errno;
  *fd = opened;
  return 0;
}

int shim_v4l2_attach(int fd) {
  return v4l2_fd_open(fd, 0) < 0 ? errno : 0;
}

void shim_v4l2_close(int fd) { v4l2_close(fd); }

int shim_v4l2_check_capture(int fd, char *card, size_t card_capacity) {
  struct v4l2_capability capability;
  memset(&capability, 0, sizeof capability);
  while (ioctl(fd, VIDIOC_QUERYCAP, &capability) != 0) {
    if (errno != EINTR) return errno;
  }
  if (card_capacity > 0) {
    size_t length = strnlen((const char *)capability.card,
                            sizeof capability.card);
    if (length >= card_capacity) length = card_capacity - 1;
    memcpy(card, capability.card, length);
    card[length] = 0;
  }
  uint32_t caps = capability.capabilities & V4L2_CAP_DEVICE_CAPS
      ? capability.device_caps : capability.capabilities;
  if (!(caps & V4L2_CAP_VIDEO_CAPTURE)) return ENOTTY;
  if (!(caps & V4L2_CAP_STREAMING)) return ENOSYS;
  return 0;
}

int shim_v4l2_frame_size(int fd, uint32_t pixel_format, uint32_t index,
                         struct shim_frame_size *size) {
  struct v4l2_frmsizeenum entry;
  memset(&entry, 0, sizeof entry);
  entry.index = index;
  entry.pixel_format = pixel_format;
  int status = request(fd, VIDIOC_ENUM_FRAMESIZES, &entry);
  if (status != 0) return status;
  memset(size, 0, sizeof *size);
  size->kind = entry.type;
  if (entry.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
    size->width = entry.discrete.width;
    size->height = entry.discrete.height;
  } else {
    size->min_width = entry.stepwise.min_width;
    size->max_width = entry.stepwise.max_width;
    size->step_width = entry.stepwise.step_width;
    size->min_height = entry.stepwise.min_height;
    size->max_height = entry.stepwise.max_height;
    size->step_height = entry.stepwise.step_height;
  }
  return 0;
}

int shim_v4l2_set_format(int fd, uint32_t width, uint32_t height,
                         uint32_t pixel_format,
                         struct shim_video_format *result) {
  struct v4l2_format format;
  memset(&format, 0, sizeof format);
  format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  format.fmt.pix.width = width;
  format.fmt.pix.height = height;
  format.fmt.pix.pixelformat = pixel_format;
  format.fmt.pix.field = V4L2_FIELD_ANY;
  int status = request(fd, VIDIOC_S_FMT, &format);
  if (status != 0) return status;
  copy_format(&format, result);
  return 0;
}

int shim_v4l2_device_format(int fd, struct shim_video_format *result) {
  struct v4l2_format format;
  memset(&format, 0, sizeof format);
  format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  for (;;) {
    if (ioctl(fd, VIDIOC_G_FMT, &format) == 0) break;
    if (errno != EINTR) return errno;
  }
  copy_format(&format, result);
  return 0;
}

int shim_v4l2_request_buffers(int fd, uint32_t *count) {
  struct v4l2_requestbuffers buffers;
  memset(&buffers, 0, sizeof buffers);
  buffers.count = *count;
  buffers.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  buffers.memory = V4L2_MEMORY_MMAP;
  int status = request(fd, VIDIOC_REQBUFS, &buffers);
  if (status != 0) return status;
  *count = buffers.count;
  return 0;
}

int shim_v4l2_map_buffer(int fd, uint32_t index, void **start,
                         size_t *length) {
  struct v4l2_buffer buffer;
  memset(&buffer, 0, sizeof buffer);
  buffer.index = index;
  buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  buffer.memory = V4L2_MEMORY_MMAP;
  int status = request(fd, VIDIOC_QUERYBUF, &buffer);
  if (status != 0) return status;
  void *mapped = v4l2_mmap(NULL, buffer.length, PROT_READ | PROT_WRITE,
                           MAP_SHARED, fd, buffer.m.offset);
  if (mapped == MAP_FAILED) return errno;
  *start = mapped;
  *length = buffer.length;
  return 0;
}

void shim_v4l2_unmap_buffer(void *start, size_t length) {
  v4l2_munmap(start, length);
}

int shim_v4l2_queue_buffer(int fd, uint32_t index) {
  struct v4l2_buffer buffer;
  memset(&buffer, 0, sizeof buffer);
  buffer.index = index;
  buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  buffer.memory = V4L2_MEMORY_MMAP;
  return request(fd, VIDIOC_QBUF, &buffer);
}

int shim_v4l2_dequeue_buffer(int fd, uint32_t *index, uint32_t *bytes_used,
                             uint32_t *sequence) {
  struct v4l2_buffer buffer;
  memset(&buffer, 0, sizeof buffer);
  buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  buffer.memory = V4L2_MEMORY_MMAP;
  int status = request(fd, VIDIOC_DQBUF, &buffer);
  if (status != 0) return status;
  *index = buffer.index;
  *bytes_used = buffer.bytesused;
  *sequence = buffer.sequence;
  return 0;
}

int shim_v4l2_stream(int fd, int on) {
  int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  return request(fd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type);
}
