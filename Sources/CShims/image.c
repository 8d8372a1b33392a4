// JPEG through libturbojpeg's TurboJPEG API, PNG through libpng's
// simplified png_image API. Both write packed RGB.
#include "shim_image.h"

#include <png.h>
#include <stdio.h>
#include <string.h>
#include <turbojpeg.h>

static int is_png(const uint8_t *file, size_t length) {
  static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
                                       '\n'};
  return length >= 8 && memcmp(file, signature, 8) == 0;
}

static int is_jpeg(const uint8_t *file, size_t length) {
  return length >= 3 && file[0] == 0xff && file[1] == 0xd8 && file[2] == 0xff;
}

static void say(char *error, size_t capacity, const char *what,
                const char *detail) {
  if (capacity == 0) return;
  snprintf(error, capacity, "%s%s%s", what, detail ? ": " : "",
           detail ? detail : "");
}

int shim_image_size(const uint8_t *file, size_t length, int *width,
                    int *height, char *error, size_t capacity) {
  if (is_png(file, length)) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, file, length)) {
      say(error, capacity, "not a readable PNG", image.message);
      return -1;
    }
    *width = (int)image.width;
    *height = (int)image.height;
    png_image_free(&image);
    return 0;
  }
  if (is_jpeg(file, length)) {
    tjhandle handle = tjInitDecompress();
    if (handle == NULL) {
      say(error, capacity, "cannot start the JPEG decoder", tjGetErrorStr());
      return -1;
    }
    int subsampling = 0, colorspace = 0;
    int status = tjDecompressHeader3(handle, file, (unsigned long)length,
                                     width, height, &subsampling, &colorspace);
    if (status != 0) say(error, capacity, "not a readable JPEG",
                         tjGetErrorStr2(handle));
    tjDestroy(handle);
    return status == 0 ? 0 : -1;
  }
  say(error, capacity, "neither JPEG nor PNG (unknown file signature)", NULL);
  return -1;
}

int shim_image_decode_rgb(const uint8_t *file, size_t length, uint8_t *pixels,
                          size_t pixels_capacity, char *error,
                          size_t capacity) {
  int width = 0, height = 0;
  if (shim_image_size(file, length, &width, &height, error, capacity) != 0)
    return -1;
  if ((size_t)width * (size_t)height * 3 > pixels_capacity) {
    say(error, capacity, "pixel buffer too small for the image", NULL);
    return -1;
  }
  if (is_png(file, length)) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, file, length)) {
      say(error, capacity, "not a readable PNG", image.message);
      return -1;
    }
    image.format = PNG_FORMAT_RGB;
    if (!png_image_finish_read(&image, NULL, pixels, 0, NULL)) {
      say(error, capacity, "damaged PNG", image.message);
      png_image_free(&image);
      return -1;
    }
    return 0;
  }
  tjhandle handle = tjInitDecompress();
  if (handle == NULL) {
    say(error, capacity, "cannot start the JPEG decoder", tjGetErrorStr());
    return -1;
  }
  int status = tjDecompress2(handle, file, (unsigned long)length, pixels,
                             width, width * 3, height, TJPF_RGB,
                             TJFLAG_ACCURATEDCT);
  if (status != 0 && tjGetErrorCode(handle) == TJERR_FATAL) {
    say(error, capacity, "damaged JPEG", tjGetErrorStr2(handle));
    tjDestroy(handle);
    return -1;
  }
  tjDestroy(handle);
  return 0;
}
