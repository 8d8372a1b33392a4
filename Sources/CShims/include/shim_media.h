// V4L2 capture through libv4l2. v4l2_open and v4l2_ioctl are variadic and
// the VIDIOC_* requests are macros, so each step the camera needs is one
// function here. Every function returns 0 or the errno of the failure.
#ifndef TEACHPAD_SHIM_MEDIA_H
#define TEACHPAD_SHIM_MEDIA_H

#include <linux/videodev2.h>
#include <libv4l2.h>
#include <stddef.h>
#include <stdint.h>

/// A negotiated (or the device's own) single-plane capture format.
struct shim_video_format {
  uint32_t width;
  uint32_t height;
  uint32_t pixel_format;
  uint32_t bytes_per_line;
  uint32_t size_image;
};

/// One entry of VIDIOC_ENUM_FRAMESIZES. `kind` is 1 for a discrete size
/// (`width` x `height`), 2 for continuous and 3 for stepwise ranges.
struct shim_frame_size {
  uint32_t kind;
  uint32_t width, height;
  uint32_t min_width, max_width, step_width;
  uint32_t min_height, max_height, step_height;
};

/// open(2) read-write, non-blocking, close-on-exec. Stores the
/// descriptor in `fd`.
int shim_v4l2_open(const char *path, int *fd);

/// Whether the device can capture single-plane video with streaming I/O
/// (VIDIOC_QUERYCAP straight to the driver; copies its card name).
/// ENOTTY for a file that is no V4L2 device.
int shim_v4l2_check_capture(int fd, char *card, size_t card_capacity);

/// Hands an open descriptor to libv4l2 (v4l2_fd_open), which from then on
/// converts formats for the v4l2_* calls below.
int shim_v4l2_attach(int fd);

/// v4l2_close, which also closes descriptors never attached.
void shim_v4l2_close(int fd);

/// VIDIOC_ENUM_FRAMESIZES through libv4l2 (so emulated formats count).
/// EINVAL past the last index.
int shim_v4l2_frame_size(int fd, uint32_t pixel_format, uint32_t index,
                         struct shim_frame_size *size);

/// VIDIOC_S_FMT through libv4l2, then the format the driver settled on.
int shim_v4l2_set_format(int fd, uint32_t width, uint32_t height,
                         uint32_t pixel_format,
                         struct shim_video_format *result);

/// VIDIOC_G_FMT straight to the driver, bypassing libv4l2: what the
/// camera itself sends before conversion.
int shim_v4l2_device_format(int fd, struct shim_video_format *result);

/// VIDIOC_REQBUFS for mmap buffers; `count` in and out. 0 frees them.
int shim_v4l2_request_buffers(int fd, uint32_t *count);

/// VIDIOC_QUERYBUF and v4l2_mmap of buffer `index`.
int shim_v4l2_map_buffer(int fd, uint32_t index, void **start,
                         size_t *length);
void shim_v4l2_unmap_buffer(void *start, size_t length);

int shim_v4l2_queue_buffer(int fd, uint32_t index);

/// VIDIOC_DQBUF; EAGAIN when no filled buffer is waiting.
int shim_v4l2_dequeue_buffer(int fd, uint32_t *index, uint32_t *bytes_used,
                             uint32_t *sequence);

/// VIDIOC_STREAMON (on != 0) or VIDIOC_STREAMOFF.
int shim_v4l2_stream(int fd, int on);

#endif
