// The known picture the virtual-board cameras show: eight vertical colour
// bars, the order vivid uses (white, yellow, cyan, green, magenta, red,
// blue, black), at full or 75 % level. Checks compare the mean colour in
// the middle of each bar, which survives JPEG and 4:2:2 chroma.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { vb_bar_count = 8 };

static const uint8_t vb_bars[vb_bar_count][3] = {
  {1, 1, 1}, {1, 1, 0}, {0, 1, 1}, {0, 1, 0},
  {1, 0, 1}, {1, 0, 0}, {0, 0, 1}, {0, 0, 0},
};

static inline void vb_bar_colour(int bar, int level, uint8_t rgb[3]) {
  for (int c = 0; c < 3; c++) rgb[c] = vb_bars[bar][c] ? (uint8_t)level : 0;
}

// Packed RGB24, width*3 bytes per row.
static inline void vb_draw_bars(uint8_t *rgb, int width, int height, int level) {
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++) {
      int bar = x * vb_bar_count / width;
      vb_bar_colour(bar, level, rgb + (y * width + x) * 3);
    }
}

static inline void vb_die(const char *what) {
  perror(what);
  exit(1);
}
