// Truncated normal draws for the weight initializer, eight lanes at a time:
// Box-Muller on two 24-bit uniforms from each 64-bit random draw, keeping
// both outputs, in float with polynomial logarithm, sine and cosine
// (relative error below 1e-6 on the ranges used, far inside what an
// initializer needs). Written as plain loops over arrays so the compiler
// vectorizes them.
#include "HeadMath.h"
#include "Workers.h"

#include <atomic>

#include <cmath>
#include <cstring>

namespace {

/// ln x for x in (0, 1]: x = m 2^e with m in [sqrt(1/2), sqrt(2)), then
/// ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172, by its series
/// to s^9 (the next term is below 4e-10).
inline float log_unit(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  int32_t exponent = int32_t(bits >> 23) - 127;
  uint32_t mantissa_bits = (bits & 0x007FFFFF) | 0x3F800000;
  float mantissa;
  std::memcpy(&mantissa, &mantissa_bits, sizeof mantissa);
  const bool high = mantissa > 1.41421356f;
  mantissa = high ? mantissa * 0.5f : mantissa;
  exponent += high ? 1 : 0;
  const float s = (mantissa - 1) / (mantissa + 1);
  const float s2 = s * s;
  const float series =
      s * (2 + s2 * (2.0f / 3 + s2 * (2.0f / 5 + s2 * (2.0f / 7 + s2 * (2.0f / 9)))));
  return float(exponent) * 0.693147181f + series;
}

}  // namespace

extern "C" int32_t headmath_truncated_normals(const uint64_t *bits, int32_t count,
                                              float deviation, float *draws) {
  constexpr int32_t chunk = 256;
  float radius[chunk];
  float cosine[chunk];
  float sine[chunk];
  int32_t found = 0;
  for (int32_t first = 0; first < count; first += chunk) {
    const int32_t size = count - first < chunk ? count - first : chunk;

    for (int32_t index = 0; index < size; index++) {
      const uint64_t word = bits[first + index];
      // u in (0, 1] for the logarithm, turn in [-1/2, 1/2) for the angle.
      const float u = float(int32_t(word >> 40) + 1) * (1.0f / 16777216.0f);
      const float turn = float(int32_t(word >> 8) & 0xFFFFFF) * (1.0f / 16777216.0f) - 0.5f;
      radius[index] = std::sqrt(-2 * log_unit(u));

      // Quarter turns q = round(4 turn), rest r in [-1/8, 1/8]: angle
      // 2 pi r in [-pi/4, pi/4], where the Taylor polynomials (to x^9 and
      // x^10) are within 3e-8.
      const float quarter = std::nearbyint(4 * turn);
      const float x = 6.28318531f * (turn - 0.25f * quarter);
      const float x2 = x * x;
      const float s =
          x * (1 + x2 * (-1.0f / 6 + x2 * (1.0f / 120 + x2 * (-1.0f / 5040 +
                                                              x2 * (1.0f / 362880)))));
      const float c =
          1 + x2 * (-0.5f + x2 * (1.0f / 24 + x2 * (-1.0f / 720 +
                                                    x2 * (1.0f / 40320 - x2 / 3628800))));
      // Rotate (c, s) by q quarter turns, q in -2 ... 2.
      const int32_t q = int32_t(quarter) & 3;
      cosine[index] = q == 0 ? c : q == 1 ? -s : q == 2 ? -c : s;
      sine[index] = q == 0 ? s : q == 1 ? c : q == 2 ? -s : -c;
    }

    // Keep the draws within two deviations, in order.
    for (int32_t index = 0; index < size; index++) {
      const float first_draw = radius[index] * cosine[index];
      const float second_draw = radius[index] * sine[index];
      if (std::fabs(first_draw) <= 2) draws[found++] = first_draw * deviation;
      if (std::fabs(second_draw) <= 2) draws[found++] = second_draw * deviation;
    }
  }
  return found;
}

extern "C" void headmath_truncated_normal_chunks(const uint64_t *bits, int32_t chunk_count,
                                                 int32_t chunk_words, float deviation,
                                                 float *draws, int32_t *made,
                                                 headmath_workers *workers) {
  std::atomic<int32_t> next{0};
  run_on_workers(workers, [&](int32_t) {
    for (int32_t chunk = next++; chunk < chunk_count; chunk = next++) {
      made[chunk] = headmath_truncated_normals(bits + int64_t(chunk) * chunk_words,
                                               chunk_words, deviation,
                                               draws + 2 * int64_t(chunk) * chunk_words);
    }
  });
}
