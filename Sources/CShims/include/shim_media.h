// V4L2 capture through libv4l2 (v4l2_open and v4l2_ioctl are variadic).
#ifndef TEACHPAD_SHIM_MEDIA_H
#define TEACHPAD_SHIM_MEDIA_H

#include <linux/videodev2.h>
#include <libv4l2.h>

#endif
