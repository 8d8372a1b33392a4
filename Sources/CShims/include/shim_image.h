// JPEG and PNG files decoded to packed RGB by libturbojpeg and libpng.
#ifndef TEACHPAD_SHIM_IMAGE_H
#define TEACHPAD_SHIM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/// Reads the size of a JPEG or PNG held in memory. Returns 0 on success,
/// or -1 and a message in `error` (at most `error_capacity` bytes).
int shim_image_size(const uint8_t *file, size_t file_length, int *width,
                    int *height, char *error, size_t error_capacity);

/// Decodes a JPEG or PNG held in memory to packed RGB (3 bytes a pixel,
/// rows of width*3 bytes) into `pixels`, which holds width*height*3 bytes.
int shim_image_decode_rgb(const uint8_t *file, size_t file_length,
                          uint8_t *pixels, size_t pixels_capacity,
                          char *error, size_t error_capacity);

#endif
