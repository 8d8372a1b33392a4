// vbcheck FILE WIDTH HEIGHT [BYTES_PER_ROW [LEVEL [TOLERANCE [FRAME]]]]
// Checks that frame FRAME (default: the last whole one) of a raw RGB24
// file shows the colour bars: the mean colour of the middle of each bar
// must be within TOLERANCE (default 24) of the bar's colour at LEVEL
// (default 255). Prints the measured means; exit 0 when all match.
#include "vbcommon.h"

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: vbcheck FILE WIDTH HEIGHT [BYTES_PER_ROW [LEVEL [TOLERANCE [FRAME]]]]\n");
    return 2;
  }
  int width = atoi(argv[2]), height = atoi(argv[3]);
  int stride = argc > 4 && atoi(argv[4]) > 0 ? atoi(argv[4]) : width * 3;
  int level = argc > 5 ? atoi(argv[5]) : 255;
  int tolerance = argc > 6 ? atoi(argv[6]) : 24;
  long frame_size = (long)stride * height;
  FILE *f = fopen(argv[1], "rb");
  if (!f) vb_die(argv[1]);
  fseek(f, 0, SEEK_END);
  long total = ftell(f);
  long count = total / frame_size;
  if (count < 1) {
    fprintf(stderr, "vbcheck: %s has %ld bytes, less than one %dx%d frame (%ld)\n",
            argv[1], total, width, height, frame_size);
    return 1;
  }
  long index = argc > 7 ? atol(argv[7]) : count - 1;
  uint8_t *pixels = malloc(frame_size);
  fseek(f, index * frame_size, SEEK_SET);
  if (fread(pixels, 1, frame_size, f) != (size_t)frame_size) vb_die("fread");

  int bad = 0;
  for (int bar = 0; bar < vb_bar_count; bar++) {
    int x0 = bar * width / vb_bar_count, x1 = (bar + 1) * width / vb_bar_count;
    int margin = (x1 - x0) / 4;
    double sum[3] = {0, 0, 0};
    long n = 0;
    for (int y = height / 4; y < height * 3 / 4; y++)
      for (int x = x0 + margin; x < x1 - margin; x++, n++)
        for (int c = 0; c < 3; c++) sum[c] += pixels[(long)y * stride + x * 3 + c];
    uint8_t want[3];
    vb_bar_colour(bar, level, want);
    int ok = 1;
    for (int c = 0; c < 3; c++)
      if (sum[c] / n < want[c] - tolerance || sum[c] / n > want[c] + tolerance) ok = 0;
    printf("bar %d: mean %5.1f %5.1f %5.1f, want %3d %3d %3d%s\n", bar, sum[0] / n,
           sum[1] / n, sum[2] / n, want[0], want[1], want[2], ok ? "" : "  <-- wrong");
    bad += !ok;
  }
  printf("vbcheck: frame %ld of %ld: %s\n", index, count, bad ? "NOT the colour bars" : "colour bars");
  return bad ? 1 : 0;
}
