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

// Larger images are refused before any pixel memory is taken: a PNG header
// can claim 16384 x 16384 pixels (800 MB of RGB) in a file of a few bytes.
// Camera frames and photos are far below it (a 12-megapixel photo is 36 MB).
#define LARGEST_IMAGE_PIXELS (40L * 1000 * 1000)

static int check_size(int width, int height, char *error, size_t capacity) {
  if (width <= 0 || height <= 0) {
    say(error, capacity, "no image size in the header (width or height 0): the file is damaged or truncated", NULL);
    return -1;
  }
  if ((long)width * (long)height > LARGEST_IMAGE_PIXELS) {
    char detail[160];
    snprintf(detail, sizeof detail,
             "%d x %d pixels; teachpad reads images of at most 40 megapixels,"
             " scale it down first", width, height);
    say(error, capacity, "image too large", detail);
    return -1;
  }
  return 0;
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
    return check_size(*width, *height, error, capacity);
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
    if (status != 0) return -1;
    // Print-shop JPEGs: the decoder cannot make RGB of them.
    if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) {
      say(error, capacity, "a CMYK JPEG, which teachpad cannot read (save it as an"
          " RGB JPEG or a PNG)", NULL);
      return -1;
    }
    return check_size(*width, *height, error, capacity);
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
    // 16-bit samples without a gAMA or sRGB chunk are sRGB like 8-bit
    // ones; without this flag libpng takes them for linear light and
    // encodes them a second time.
    image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
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
  // A warning is an error too: a truncated file ("premature end of JPEG
  // file") otherwise decodes to an image whose lower part is grey.
  int status = tjDecompress2(handle, file, (unsigned long)length, pixels,
                             width, width * 3, height, TJPF_RGB,
                             TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING);
  if (status != 0) {
    say(error, capacity, "damaged or truncated JPEG", tjGetErrorStr2(handle));
    tjDestroy(handle);
    return -1;
  }
  tjDestroy(handle);
  return 0;
}
